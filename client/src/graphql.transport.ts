import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { errorFromGraphQL, StudioError, unreachable, type GraphQLErrorLike } from "./client.errors.js";

export type FetchLike = typeof fetch;

export interface TransportOptions {
  /** The GraphQL HTTP endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  apiKey?: string | undefined;
  fetch?: FetchLike | undefined;
  /** Defaults to the HTTP URL with ws:// or wss://. */
  wsUrl?: string | undefined;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: GraphQLErrorLike[];
}

/** GraphQL over HTTP (queries, mutations) and graphql-ws (subscriptions), with errors mapped to StudioError. */
export class GraphQLTransport {
  readonly url: string;
  readonly wsUrl: string;
  private readonly fetchImpl: FetchLike;
  private ws: Client | null = null;

  constructor(private readonly opts: TransportOptions) {
    this.url = opts.url;
    this.wsUrl = opts.wsUrl ?? opts.url.replace(/^http/, "ws");
    this.fetchImpl = opts.fetch ?? fetch;
  }

  get fetch(): FetchLike {
    return this.fetchImpl;
  }

  async request<T, V extends object = Record<string, never>>(query: string, variables?: V): Promise<T> {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    let res: Response;
    try {
      res = await this.fetchImpl(this.url, { method: "POST", headers, body: JSON.stringify({ query, variables: variables ?? {} }) });
    } catch (err) {
      throw unreachable(this.url, err);
    }
    const body = await readJson<GraphQLResponse<T>>(res, this.url);
    if (body.errors?.length) throw errorFromGraphQL(body.errors);
    if (!body.data) throw new StudioError("BAD_RESPONSE", `the API at ${this.url} answered HTTP ${res.status} without data`);
    return body.data;
  }

  /**
   * One subscription as an async iterable. The socket is opened lazily, never retried here (the
   * caller decides how to resume, e.g. runEvents with afterSeq), and closed when idle.
   */
  async *subscribe<T>(query: string, variables: object): AsyncGenerator<T> {
    const it = this.wsClient().iterate<T>({ query, variables: variables as Record<string, unknown> });
    try {
      for (;;) {
        let step: IteratorResult<{ data?: T | null; errors?: readonly GraphQLErrorLike[] }>;
        try {
          step = await it.next();
        } catch (err) {
          throw this.subscriptionError(err);
        }
        if (step.done) return;
        if (step.value.errors?.length) throw errorFromGraphQL(step.value.errors);
        if (step.value.data) yield step.value.data;
      }
    } finally {
      await it.return?.();
    }
  }

  async close(): Promise<void> {
    const ws = this.ws;
    this.ws = null;
    await ws?.dispose();
  }

  private wsClient(): Client {
    this.ws ??= createClient({
      url: this.wsUrl,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      connectionParams: this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {},
    });
    return this.ws;
  }

  /** graphql-ws rejects with GraphQL errors (an array), a CloseEvent, or the socket's error event. */
  private subscriptionError(err: unknown): StudioError {
    if (err instanceof StudioError) return err;
    if (Array.isArray(err)) return errorFromGraphQL(err as GraphQLErrorLike[]);
    const close = err as { code?: unknown; reason?: unknown };
    if (typeof close?.code === "number") {
      const reason = typeof close.reason === "string" && close.reason ? `: ${close.reason}` : "";
      // 4xxx are the server's refusals (bad auth, bad message); anything else is a lost connection
      if (close.code === 4290) return new StudioError("CONNECTION_LOST", `the API cut this client for falling behind the stream (4290${reason}); resuming`);
      if (close.code >= 4400 && close.code < 4500 && close.code !== 4499)
        return new StudioError(close.code === 4403 ? "UNAUTHENTICATED" : "BAD_RESPONSE", `the API closed the subscription (${close.code}${reason})`);
      return new StudioError("CONNECTION_LOST", `the connection to ${this.wsUrl} closed (${close.code}${reason})`);
    }
    const inner = (err as { error?: unknown })?.error ?? err;
    return unreachable(this.wsUrl, inner);
  }
}

async function readJson<T>(res: Response, url: string): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    const hint = res.status === 404 ? " (is the URL the API's /graphql endpoint?)" : "";
    throw new StudioError("BAD_RESPONSE", `the API at ${url} answered HTTP ${res.status} with something other than JSON${hint}: ${text.slice(0, 120)}`);
  }
}
