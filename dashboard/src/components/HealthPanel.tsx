"use client";

import { useCallback, useEffect, useState } from "react";
import type { HealthQuery, HealthStatusQuery, ServiceFieldsFragment } from "@/generated/graphql";
import { HEALTH_QUERY, HEALTH_STATUS_QUERY } from "@/graphql/health";
import { gqlRequest, GraphQLRequestError } from "@/lib/graphql";
import { useOptionalSession } from "@/lib/session";

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

/**
 * Polls `health` every few seconds; shows each service's status, what it said and how fast. Without
 * a signed-in key only the overall status is public (the API keeps the details for key holders).
 */
export function HealthPanel({ apiUrl }: { apiUrl: string }) {
  const apiKey = useOptionalSession()?.apiKey;
  const [health, setHealth] = useState<HealthQuery["health"] | HealthStatusQuery["health"] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const data = apiKey
          ? await gqlRequest<HealthQuery>(apiUrl, HEALTH_QUERY, {}, signal, apiKey)
          : await gqlRequest<HealthStatusQuery>(apiUrl, HEALTH_STATUS_QUERY, {}, signal);
        setHealth(data.health);
        setError(null);
      } catch (err) {
        if (signal?.aborted) return;
        setError(err instanceof GraphQLRequestError ? `${err.message} (${err.code})` : String(err));
      }
    },
    [apiUrl, apiKey],
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
            {"version" in health ? `API ${health.version} · ` : ""}checked {new Date(health.checkedAt).toLocaleTimeString()}
          </p>
        )}
      </div>
      {error && (
        <p className="error" data-testid="health-error">
          {error}
        </p>
      )}
      <div className="health-grid">
        {health && !("postgres" in health) ? (
          <p className="subtle" data-testid="health-signin-hint">
            Sign in with an API key to see each service (PostgreSQL, object storage, training engine).
          </p>
        ) : health ? (
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
