import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface GqlResult<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A real HTTP request, as a script would send it. */
export async function gql<T = Record<string, unknown>>(url: string, query: string, variables: Record<string, unknown> = {}, apiKey?: string) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GqlResult<T> };
}

export function wsClient(url: string, apiKey?: string): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(apiKey ? { connectionParams: { authorization: `Bearer ${apiKey}` } } : {}),
  });
}

/** Collects the first `n` results of a subscription over graphql-ws, then unsubscribes. */
export function takeSubscription<T>(client: Client, query: string, variables: Record<string, unknown>, n: number, timeoutMs = 30_000): Promise<GqlResult<T>[]> {
  return new Promise((resolve, reject) => {
    const got: GqlResult<T>[] = [];
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`subscription gave ${got.length} of ${n} results within ${timeoutMs} ms`));
    }, timeoutMs);
    const dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (r) => {
          got.push(r as GqlResult<T>);
          if (got.length === n) {
            clearTimeout(timer);
            dispose();
            resolve(got);
          }
        },
        error: (e) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(JSON.stringify(e)));
        },
        complete: () => undefined,
      },
    );
  });
}
