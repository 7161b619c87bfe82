import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { CHANNELS, type PgListener } from "@studio/db";
import { GraphQLError, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from "graphql";
import type { Context } from "graphql-ws";
import { WebSocketServer, type WebSocket } from "ws";
import { ACCESS_RECHECK_MS, concerns, guardSubscription } from "./access-guard.js";
import type { ApiContext } from "./context.js";
import { DomainError, unauthenticated } from "./errors.js";
import { maskError } from "./errors.format.js";
import { sharedSubscribe, type SharedExecutionContext } from "./shared-execution.js";
import { isDirectStream, pumpDirect, serveGraphqlWs } from "./ws-transport.js";
import { checkTokens, preExecutionError, tooComplexError, type QueryLimits } from "./graphql-limits.js";
import type { RateLimiter } from "./limits/rate-limiter.js";
import type { Principal } from "./models.js";

/** Close codes of the graphql-ws endpoint (docs/security-front.md); 1009 (message too big) comes from `ws` itself. */
export const WS_CLOSE = {
  /** Authentication could not be checked now (database busy or down): reconnect later. */
  tryAgainLater: 1013,
  /** This key or share link already holds API_WS_MAX_CONNECTIONS_PER_KEY connections. */
  tooManyConnectionsForKey: 4430,
  /** The client address has no failed authentication left (RATE_LIMITED, docs/security-rate-limits.md): credentials are not even looked up. */
  rateLimited: 4431,
} as const;

/**
 * Operations at once on a connection without a principal (anonymous, or refused credentials): it can only
 * follow `health` (and accept an invitation), so two are plenty; many `health(everySeconds: 1)` streams
 * per socket would turn one cheap subscribe into a message per second for free.
 */
export const ANONYMOUS_MAX_OPERATIONS = 2;

export interface WsOptions {
  schema: GraphQLSchema;
  limits: QueryLimits;
  /** Rate limits (docs/security-rate-limits.md): client addresses, failed authentications, a token per operation. */
  rateLimits: Pick<RateLimiter, "ipOf" | "admitConnection" | "release" | "authenticated" | "admitOperation">;
  introspection: boolean;
  corsOrigins: string[];
  maxPayloadBytes: number;
  maxConnectionsPerIp: number;
  maxConnectionsPerKey: number;
  maxSubscriptionsPerConnection: number;
  /** The key or share link of `Authorization: Bearer …` → its principal; null when unknown; throws a DomainError when refused (e.g. a revoked link). */
  authenticate(authorization: string): Promise<Principal | null>;
  /** The context of one operation, for a connection already authenticated (or anonymous). */
  contextFor(authorization: string | undefined, principal: Principal | null, failure: DomainError | null, clientIp: string): ApiContext;
  /** null: the credentials still hold; otherwise the error to end with (access-guard.ts). */
  recheck(authorization: string, p: Principal): Promise<DomainError | null>;
  notifications: PgListener;
  log(level: "info" | "warn" | "error", msg: string): void;
}

/** What one connection carries from connection_init on: who it is, checked once (issue 12 point 2). */
interface Connection {
  authorization?: string;
  principal: Principal | null;
  /** Why the credentials were refused (operations other than `health` answer this). */
  failure: DomainError | null;
  keySlot?: string;
  checkedAt: number;
  /** Set by a studio_access NOTIFY about this principal: recheck before the next operation. */
  stale: boolean;
  offAccess?: () => void;
}

function rejectUpgrade(socket: Duplex, status: number, text: string, reason: string) {
  socket.on("error", () => undefined);
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`, () =>
    socket.destroy(),
  );
}

/**
 * graphql-ws on `/graphql` of the HTTP server, with the front door's limits: origin check and a cap
 * per client address at the upgrade, `maxPayload` on every message, authentication once per connection
 * at connection_init (a cap per key there), a cap on concurrent operations per connection, and the
 * same cost limits, introspection rule and control-character check as HTTP before anything executes.
 */
export function attachGraphqlWs(httpServer: Server, o: WsOptions): { dispose(): Promise<void> } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxPayloadBytes });
  const perIp = new Map<string, number>();
  const perKey = new Map<string, number>();
  const connections = new WeakMap<object, Connection>();
  const rules = o.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];

  httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/graphql") return rejectUpgrade(socket, 404, "Not Found", "GraphQL is at /graphql");
    // browsers always send Origin; scripts and the CLI send none and are allowed (they hold a key anyway)
    const origin = req.headers.origin;
    if (origin && !o.corsOrigins.includes("*") && !o.corsOrigins.includes(origin)) return rejectUpgrade(socket, 403, "Forbidden", "origin not allowed (API_CORS_ORIGINS)");
    const ip = o.rateLimits.ipOf(req); // the TCP peer, or X-Forwarded-For with TRUST_PROXY (limits/client-ip.ts)
    const open = perIp.get(ip) ?? 0;
    if (open >= o.maxConnectionsPerIp) return rejectUpgrade(socket, 429, "Too Many Requests", "too many websocket connections from this address (API_WS_MAX_CONNECTIONS_PER_IP)");
    perIp.set(ip, open + 1);
    socket.once("close", () => {
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n <= 0) perIp.delete(ip);
      else perIp.set(ip, n);
    });
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => wss.emit("connection", ws, req));
  });

  const conn = (ctx: Context): Connection => {
    let c = connections.get(ctx);
    if (!c) connections.set(ctx, (c = { principal: null, failure: null, checkedAt: 0, stale: false }));
    return c;
  };
  const release = (c: Connection) => {
    c.offAccess?.();
    c.offAccess = undefined;
    if (!c.keySlot) return;
    const n = (perKey.get(c.keySlot) ?? 1) - 1;
    if (n <= 0) perKey.delete(c.keySlot);
    else perKey.set(c.keySlot, n);
    c.keySlot = undefined;
  };
  const mask = (errors: readonly GraphQLError[]) =>
    errors.map((e) => {
      const f = maskError(e.toJSON(), e, (m) => o.log("error", m));
      if (!f.extensions || !("http" in f.extensions)) return f;
      const { http: _http, ...extensions } = f.extensions;
      return { ...f, extensions };
    });

  // graphql-ws's protocol with sends corked per turn of the event loop (ws-transport.ts); close reasons never carry error text
  const cleanup = serveGraphqlWs(
    {
      schema: o.schema,
      // one execution per (payload, document, viewer class) for the many subscribers of one run (shared-execution.ts)
      subscribe: sharedSubscribe,
      onConnect: async (ctx) => {
        const c = conn(ctx);
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        const auth = params.authorization ?? params.Authorization;
        if (typeof auth !== "string" || !auth) return true; // anonymous: health only
        c.authorization = auth;
        const request = (ctx.extra as { request: IncomingMessage }).request;
        const socket = (ctx.extra as { socket: WebSocket }).socket;
        // an address out of failed authentications is refused before any lookup (as over HTTP)
        const admitted = await o.rateLimits.admitConnection(request, auth);
        if ("refused" in admitted) {
          socket.close(WS_CLOSE.rateLimited, `rate limited: retry in ${admitted.refused.extensions.retryAfterMs} ms`);
          return false;
        }
        try {
          c.principal = await o.authenticate(auth);
          await o.rateLimits.authenticated(admitted.ticket, auth, !!c.principal); // counts failures per IP
          if (!c.principal) c.failure = unauthenticated(`the ${/^Bearer\s+shl_/i.test(auth) ? "share link" : "API key"} is unknown or revoked`);
        } catch (err) {
          await o.rateLimits.release(admitted.ticket);
          if (err instanceof DomainError) c.failure = err;
          else {
            o.log("warn", `websocket authentication failed: ${(err as Error).message}`);
            socket.close(WS_CLOSE.tryAgainLater, "authentication unavailable, retry later");
            return false;
          }
        }
        c.checkedAt = Date.now();
        const p = c.principal;
        if (!p) return true;
        const slot = p.link ? `link:${p.link.shareId}` : `key:${p.keyId}`;
        const n = perKey.get(slot) ?? 0;
        if (n >= o.maxConnectionsPerKey) {
          (ctx.extra as { socket: WebSocket }).socket.close(WS_CLOSE.tooManyConnectionsForKey, "too many connections for this key");
          return false;
        }
        perKey.set(slot, n + 1);
        c.keySlot = slot;
        // revocation (removeMember, setMemberRole, revokeApiKey, revokeShare): the next operation rechecks;
        // open subscriptions end through guardSubscription
        c.offAccess = o.notifications.subscribe(CHANNELS.access, (n) => {
          if (concerns(n, p)) c.stale = true;
        });
        return true;
      },
      onClose: (ctx) => {
        const c = connections.get(ctx);
        if (c) release(c);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const c = conn(ctx);
        const active = Object.keys(ctx.subscriptions).length; // includes this one
        const max = c.principal ? o.maxSubscriptionsPerConnection : Math.min(ANONYMOUS_MAX_OPERATIONS, o.maxSubscriptionsPerConnection);
        if (active > max)
          return [
            new GraphQLError(`at most ${max} operations at once on one ${c.principal ? "" : "anonymous "}connection`, {
              extensions: { code: "TOO_MANY_SUBSCRIPTIONS", limit: "subscriptionsPerConnection", max, actual: active },
            }),
          ];
        // every subscribe message spends a request token of its IP and key (limits/rate-limiter.ts)
        const request = (ctx.extra as { request: IncomingMessage }).request;
        const rateLimited = await o.rateLimits.admitOperation(request, c.authorization);
        if (rateLimited) return rateLimited;
        const query = typeof payload.query === "string" ? payload.query : "";
        const tokens = checkTokens(query, o.limits);
        if (tokens) return [tooComplexError(tokens)];
        let document: DocumentNode;
        try {
          document = parse(query, { maxTokens: o.limits.maxTokens });
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError("syntax error")];
        }
        const invalid = validate(o.schema, document, rules);
        if (invalid.length) return invalid;
        const variables = (payload.variables ?? {}) as Record<string, unknown>;
        const refused = preExecutionError(o.schema, document, payload.operationName, variables, o.limits);
        if (refused) return [refused];

        // the principal was resolved at connection_init; it is rechecked only when a NOTIFY said it
        // changed or ACCESS_RECHECK_MS passed since the last check (no per-operation key query)
        if (c.principal && c.authorization && (c.stale || Date.now() - c.checkedAt > ACCESS_RECHECK_MS)) {
          c.stale = false;
          const err = await o.recheck(c.authorization, c.principal).catch((e: unknown) => (e instanceof DomainError ? e : null));
          c.checkedAt = Date.now();
          if (err) {
            c.failure = err;
            c.principal = null;
            release(c);
          }
        }
        // without a principal, every resolver but `health { status checkedAt }` (and acceptInvitation, which
        // brings its own code) answers c.failure or UNAUTHENTICATED, as a result of the operation
        const args: ExecutionArgs = {
          schema: o.schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: variables,
          contextValue: Object.assign(o.contextFor(c.authorization, c.principal, c.failure, o.rateLimits.ipOf(request)), {
            viewerKey: c.principal ? viewerKeyOf(c.principal) : undefined,
          } satisfies SharedExecutionContext),
        };
        return args;
      },
      // ends a subscription at once when its key is revoked or its user removed (access-guard.ts)
      onOperation: async (ctx, id, _payload, args, result) => {
        const socket = (ctx.extra as { socket: WebSocket }).socket;
        // the socket rides along so a subscriber that cannot keep up can be cut (docs/live-events.md)
        const guarded = await guardSubscription(result, Object.assign(args.contextValue as ApiContext, { socket }), {
          notifications: o.notifications,
          recheck: o.recheck,
        });
        // a hub stream (runEvents) is sent without a promise per message (ws-transport.ts pumpDirect)
        if (isDirectStream(guarded))
          return pumpDirect({
            id,
            socket,
            stream: guarded,
            subscribed: () => id in ctx.subscriptions,
            present: (r) => (r.errors?.length ? { ...r, errors: mask(r.errors) as never } : r),
          }) as never;
        return guarded as never;
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        return { ...result, errors: mask(result.errors) } as never;
      },
      // errors thrown while a stream runs (a database failure) reach clients only as INTERNAL_SERVER_ERROR
      onError: (_ctx, _id, _payload, errors) => mask(errors) as never,
    },
    wss,
  );
  return {
    dispose: async () => {
      await cleanup.dispose();
    },
  };
}

/**
 * Everything resolvers scope what they show by: the team, the role, and a share link with its mode.
 * Subscribers with the same viewer key see a payload the same way (shared-execution.ts).
 */
export function viewerKeyOf(p: Principal): string {
  return p.link ? `link:${p.link.shareId}:${JSON.stringify(p.link)}` : `team:${p.teamId}:${p.role}`;
}
