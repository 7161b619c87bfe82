"use client";

import { useCallback, useEffect, useRef, useSyncExternalStore } from "react";
import type { ApiClient } from "./session";

/**
 * The dashboard's small data layer: one cache of query results per page load, keyed by credential +
 * query + variables. A page that was shown before renders its last data at once (no "Loading…" flash on
 * client navigation) and refreshes it in the background; two components asking the same thing share
 * one request; `invalidate` marks results stale after a mutation. Live data still comes over graphql-ws.
 */
interface Entry {
  data?: unknown;
  error?: unknown;
  /** When `data` or `error` arrived (ms). */
  at: number;
  inFlight: Promise<void> | null;
  listeners: Set<() => void>;
}

const MAX_ENTRIES = 200;
const cache = new Map<string, Entry>();

function entryFor(key: string): Entry {
  let e = cache.get(key);
  if (!e) {
    e = { at: 0, inFlight: null, listeners: new Set() };
    cache.set(key, e);
    // Forget the oldest results nobody watches once the cache is full.
    if (cache.size > MAX_ENTRIES)
      for (const [k, v] of cache) {
        if (cache.size <= MAX_ENTRIES) break;
        if (v.listeners.size === 0 && !v.inFlight) cache.delete(k);
      }
  }
  return e;
}

const notify = (e: Entry) => e.listeners.forEach((l) => l());

function fetchInto(key: string, client: ApiClient, query: string, variables: Record<string, unknown>): Promise<void> {
  const e = entryFor(key);
  if (e.inFlight) return e.inFlight;
  e.inFlight = client
    .request(query, variables)
    .then(
      (data) => {
        e.data = data;
        e.error = undefined;
      },
      (err: unknown) => {
        e.error = err;
      },
    )
    .finally(() => {
      e.at = Date.now();
      e.inFlight = null;
      notify(e);
    });
  return e.inFlight;
}

/** Marks every cached result whose query text contains `match` stale; watched ones refetch now. */
export function invalidate(match: string, client?: ApiClient): void {
  for (const [key, e] of cache) {
    if (!key.includes(match)) continue;
    e.at = 0;
    if (client && e.listeners.size > 0) {
      const { query, variables } = JSON.parse(key.slice(key.indexOf("\n") + 1)) as { query: string; variables: Record<string, unknown> };
      void fetchInto(key, client, query, variables);
    }
  }
}

/** Which client identity a key belongs to: results of one team's key are never shown to another. */
const identities = new WeakMap<ApiClient, string>();
let nextIdentity = 1;
function identityOf(client: ApiClient): string {
  let id = identities.get(client);
  if (!id) identities.set(client, (id = String(nextIdentity++)));
  return id;
}

export interface QueryResult<T> {
  data: T | undefined;
  error: unknown;
  /** True until the first answer (data or error) for these variables. */
  loading: boolean;
  refetch: () => Promise<void>;
}

/**
 * Reads `query` with `variables` through the cache. `pollMs` refreshes while mounted; `staleMs` is how
 * old a cached answer may be before mounting refetches it (0: always refresh in the background).
 * `skip` leaves the cache alone.
 */
export function useQuery<T>(
  client: ApiClient,
  query: string,
  variables: Record<string, unknown> = {},
  options: { pollMs?: number; staleMs?: number; skip?: boolean } = {},
): QueryResult<T> {
  const { pollMs, staleMs = 0, skip = false } = options;
  const key = `${identityOf(client)}\n${JSON.stringify({ query, variables })}`;
  const vars = useRef(variables);
  vars.current = variables;

  const subscribe = useCallback(
    (onChange: () => void) => {
      const e = entryFor(key);
      e.listeners.add(onChange);
      return () => e.listeners.delete(onChange);
    },
    [key],
  );
  const snapshot = useSyncExternalStore(
    subscribe,
    () => entryFor(key),
    () => undefined,
  );
  // useSyncExternalStore compares the entry object; re-read its fields after every notify.
  useSyncExternalStore(
    subscribe,
    () => entryFor(key).at,
    () => 0,
  );

  const refetch = useCallback(() => fetchInto(key, client, query, vars.current), [key, client, query]);

  useEffect(() => {
    if (skip) return;
    const e = entryFor(key);
    if (e.at === 0 || Date.now() - e.at >= staleMs) void refetch();
    if (!pollMs) return;
    const t = setInterval(() => void refetch(), pollMs);
    return () => clearInterval(t);
  }, [key, skip, staleMs, pollMs, refetch]);

  return {
    data: snapshot?.data as T | undefined,
    error: snapshot?.error,
    loading: !snapshot || (snapshot.data === undefined && snapshot.error === undefined),
    refetch,
  };
}
