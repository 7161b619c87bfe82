"use client";

import { useCallback, useEffect, useState } from "react";
import type { HealthQuery, ServiceFieldsFragment } from "@/generated/graphql";
import { HEALTH_QUERY } from "@/graphql/health";
import { gqlRequest, GraphQLRequestError } from "@/lib/graphql";

const REFRESH_MS = 5000;

function ServiceCard({ service, label }: { service: ServiceFieldsFragment; label: string }) {
  return (
    <section className="panel service" aria-label={`${label} health`} data-testid={`service-${service.name}`}>
      <h3>
        {label}
        <span className={`badge badge-${service.status}`} data-testid={`status-${service.name}`}>
          {service.status}
        </span>
      </h3>
      <p>{service.message}</p>
      {service.latencyMs !== null && <p>checked in {service.latencyMs.toFixed(0)} ms</p>}
    </section>
  );
}

/** Polls `health` every few seconds; shows each service's status, what it said and how fast. */
export function HealthPanel({ apiUrl }: { apiUrl: string }) {
  const [health, setHealth] = useState<HealthQuery["health"] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const data = await gqlRequest<HealthQuery>(apiUrl, HEALTH_QUERY, {}, signal);
        setHealth(data.health);
        setError(null);
      } catch (err) {
        if (signal?.aborted) return;
        setError(err instanceof GraphQLRequestError ? `${err.message} (${err.code})` : String(err));
      }
    },
    [apiUrl],
  );

  useEffect(() => {
    const ctl = new AbortController();
    void load(ctl.signal);
    const t = setInterval(() => void load(ctl.signal), REFRESH_MS);
    return () => {
      ctl.abort();
      clearInterval(t);
    };
  }, [load]);

  return (
    <div role="status" aria-live="polite" data-testid="health-panel">
      <div className="health-head">
        <p>
          Overall:{" "}
          {health ? (
            <span className={`badge badge-${health.status}`} data-testid="status-overall">
              {health.status}
            </span>
          ) : (
            <span className="skeleton">checking…</span>
          )}
        </p>
        {health && (
          <p className="subtle">
            API {health.version} · checked {new Date(health.checkedAt).toLocaleTimeString()}
          </p>
        )}
      </div>
      {error && (
        <p className="error" data-testid="health-error">
          {error}
        </p>
      )}
      <div className="health-grid">
        {health ? (
          <>
            <ServiceCard service={health.postgres} label="PostgreSQL" />
            <ServiceCard service={health.storage} label="Object storage" />
            <ServiceCard service={health.engine} label="Training engine" />
          </>
        ) : (
          ["PostgreSQL", "Object storage", "Training engine"].map((l) => (
            <section key={l} className="panel service skeleton" aria-label={`${l} health`}>
              <h3>{l}</h3>
              <p>checking…</p>
            </section>
          ))
        )}
      </div>
    </div>
  );
}
