import { CHANNELS, type PgListener } from "@studio/db";
import { defaultFieldResolver, GraphQLError, type ExecutionResult, type GraphQLSchema } from "graphql";
import type { ApiContext } from "./context.js";
import { DomainError, forbidden, unauthenticated } from "./errors.js";
import type { Principal } from "./models.js";
import { isLiveStream, type LiveStream } from "./services/live-hub.js";
import { isLinkAuthorization } from "./services/shares.service.js";

/** The root fields a share link (`Bearer shl_…`) may use; every other one (present or future) is FORBIDDEN. */
const LINK_FIELDS = new Set([
  "Query.health",
  "Query.sharedLink",
  "Query.run",
  "Query.checkpoint",
  "Query.generation",
  "Mutation.generate",
  "Subscription.generationUpdated",
  "Subscription.health",
]);

/** How often an open subscription re-checks its key without a NOTIFY (a missed NOTIFY is thus bounded). */
export const ACCESS_RECHECK_MS = 15_000;

/**
 * Default deny for share links: wraps every root field not in LINK_FIELDS so a link caller gets
 * FORBIDDEN before any resolver runs. The services check again (a link's principal owns nothing).
 */
export function guardLinkRootFields(schema: GraphQLSchema): GraphQLSchema {
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!type) continue;
    for (const [name, field] of Object.entries(type.getFields())) {
      if (LINK_FIELDS.has(`${type.name}.${name}`)) continue;
      const deny = (ctx: ApiContext) => {
        if (isLinkAuthorization(ctx.authorization)) throw forbidden("a share link can only read the shared run and generate from it");
      };
      if (type === schema.getSubscriptionType()) {
        const subscribe = field.subscribe;
        if (!subscribe) continue;
        field.subscribe = (src, args, ctx: ApiContext, info) => {
          deny(ctx);
          return subscribe(src, args, ctx, info);
        };
      } else {
        const resolve = field.resolve ?? defaultFieldResolver;
        field.resolve = (src, args, ctx: ApiContext, info) => {
          deny(ctx);
          return resolve(src, args, ctx, info);
        };
      }
    }
  }
  return schema;
}

/**
 * Ends an authenticated subscription when its caller loses access: on a NOTIFY on studio_access that
 * concerns its key, user, team or share link (sent by removeMember, setMemberRole, revokeApiKey,
 * revokeShare), and every ACCESS_RECHECK_MS as a fallback, the credentials are checked again; once
 * they fail, the subscription sends one error (UNAUTHENTICATED or FORBIDDEN) and completes.
 */
export async function guardSubscription(
  result: unknown,
  ctx: ApiContext,
  deps: {
    notifications: PgListener;
    /** null: still fine; otherwise the error to end with. */
    recheck: (authorization: string, p: Principal) => Promise<DomainError | null>;
    everyMs?: number;
  },
): Promise<unknown> {
  if (!ctx.authorization || !result || typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] !== "function") return result;
  let principal: Principal;
  try {
    principal = (await ctx.session()).principal;
  } catch {
    return result; // a public subscription (health) with bad credentials: nothing to guard
  }
  const authorization = ctx.authorization;
  const inner = (result as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
  if (isLiveStream(inner)) return guardLiveStream(inner, authorization, principal, deps);
  let denied: ExecutionResult | null = null;
  let finished = false;
  // One waiter per pending next(), never a long-lived promise raced on every event: Promise.race
  // against a promise that never settles keeps a reaction (and the event) per call until it does.
  let denyWaiter: ((v: "denied") => void) | null = null;
  const onDenied = () => denyWaiter?.("denied");
  let checking = false;
  const check = async () => {
    if (finished || denied || checking) return;
    checking = true;
    try {
      const err = await deps.recheck(authorization, principal).catch((e: unknown) => (e instanceof DomainError ? e : null));
      if (err && !denied && !finished) {
        denied = { errors: [new GraphQLError(err.message, { extensions: { ...err.extensions } })] };
        onDenied();
      }
    } finally {
      checking = false;
    }
  };
  const off = deps.notifications.subscribe(CHANNELS.access, (n) => {
    if (concerns(n, principal)) void check();
  });
  const offReconnect = deps.notifications.onReconnect(() => void check());
  const timer = setInterval(() => void check(), deps.everyMs ?? ACCESS_RECHECK_MS);
  timer.unref();
  const stop = () => {
    if (finished) return;
    finished = true;
    off();
    offReconnect();
    clearInterval(timer);
  };
  const end = async () => {
    stop();
    await inner.return?.().catch(() => undefined);
  };

  const it: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      if (finished) return { done: true, value: undefined };
      if (denied) {
        const d = denied;
        await end();
        return { done: false, value: d };
      }
      // one promise per event: the inner one settles it, or a denial does first
      const r = await new Promise<IteratorResult<ExecutionResult> | "denied">((resolve, reject) => {
        denyWaiter = resolve;
        inner.next().then(
          (v) => {
            denyWaiter = null;
            resolve(v);
          },
          (e: unknown) => {
            denyWaiter = null;
            reject(e);
          },
        );
      });
      if (r === "denied") {
        const d = denied!;
        void end();
        return { done: false, value: d };
      }
      if (r.done) stop();
      return r;
    },
    async return() {
      await end();
      return { done: true, value: undefined };
    },
    async throw(err: unknown) {
      await end();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return it;
}

/**
 * The same guard for a hub stream (live-hub.ts `LiveStream`, e.g. runEvents): nothing wraps its
 * `next()`; once the credentials fail, the stream is failed with the error (its last item, then it
 * completes), and the guard's listeners go when the stream leaves its topic.
 */
function guardLiveStream(
  inner: LiveStream<unknown>,
  authorization: string,
  principal: Principal,
  deps: { notifications: PgListener; recheck: (authorization: string, p: Principal) => Promise<DomainError | null>; everyMs?: number },
): LiveStream<unknown> {
  let finished = false;
  let checking = false;
  const check = async () => {
    if (finished || checking) return;
    checking = true;
    try {
      const err = await deps.recheck(authorization, principal).catch((e: unknown) => (e instanceof DomainError ? e : null));
      if (err && !finished) {
        stop();
        inner.fail(err);
      }
    } finally {
      checking = false;
    }
  };
  const off = deps.notifications.subscribe(CHANNELS.access, (n) => {
    if (concerns(n, principal)) void check();
  });
  const offReconnect = deps.notifications.onReconnect(() => void check());
  const timer = setInterval(() => void check(), deps.everyMs ?? ACCESS_RECHECK_MS);
  timer.unref();
  const stop = () => {
    if (finished) return;
    finished = true;
    off();
    offReconnect();
    clearInterval(timer);
  };
  inner.onEnd(stop);
  return inner;
}

/** Whether a studio_access notice is about this principal's key, user, team or share link. */
export function concerns(n: { keyId?: string; userId?: string; teamId?: string; shareId?: string }, p: Principal): boolean {
  return !!((n.keyId && n.keyId === p.keyId) || (n.userId && n.userId === p.userId) || (n.teamId && n.teamId === p.teamId) || (n.shareId && n.shareId === p.link?.shareId));
}

/** How long one recheck's answer serves every other subscription with the same credentials (no notice between). */
export const RECHECK_SHARE_MS = 2_000;

/**
 * The recheck for guardSubscription: the same credentials must still authenticate as the same principal.
 * Thousands of subscriptions on one key (a dashboard shared in a channel) would each re-query it every
 * ACCESS_RECHECK_MS; instead one answer per credentials is shared for RECHECK_SHARE_MS (a check in
 * flight is joined), and every studio_access notice forgets all answers first, so a revocation is
 * never answered from before it. Pass `listener` to get that (the subscription is made here, before
 * any guard's, so the cache is cleared before the guards re-check).
 */
export function recheckWith(
  services: {
    apiKeys: { authenticate(a: string): Promise<Principal | null> };
    sharing: { authenticateLink(a: string): Promise<Principal | null> };
  },
  listener?: PgListener,
  shareMs = RECHECK_SHARE_MS,
) {
  const check = async (authorization: string, p: Principal): Promise<DomainError | null> => {
    if (p.link) {
      const again = await services.sharing.authenticateLink(authorization); // throws FORBIDDEN when revoked/expired
      return again ? null : unauthenticated("the share link is unknown");
    }
    const again = await services.apiKeys.authenticate(authorization);
    if (!again || again.keyId !== p.keyId || again.teamId !== p.teamId) return unauthenticated("the API key was revoked or its user removed from the team");
    return null;
  };
  if (!listener) return check;
  const answers = new Map<string, { at: number; result: Promise<DomainError | null> }>();
  listener.subscribe(CHANNELS.access, () => answers.clear());
  listener.onReconnect(() => answers.clear()); // notices may have been missed
  return (authorization: string, p: Principal): Promise<DomainError | null> => {
    const key = `${p.keyId ?? ""}\u0000${p.link?.shareId ?? ""}\u0000${authorization}`;
    const now = Date.now();
    const hit = answers.get(key);
    if (hit && now - hit.at < shareMs) return hit.result;
    if (answers.size > 10_000) answers.clear(); // bounded: many distinct keys only cost their queries
    const result = check(authorization, p);
    answers.set(key, { at: now, result });
    // a failed check (database busy) is not shared: the next caller tries again
    result.catch(() => {
      if (answers.get(key)?.result === result) answers.delete(key);
    });
    return result;
  };
}
