import type { Client } from "graphql-ws";
import type { GqlResult } from "./graphql.js";
import { gqlAs, okAs } from "./auth.js";

/** An open graphql-ws subscription that records every result and how it ended. */
export function openSubscription<T = Record<string, unknown>>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const results: GqlResult<T>[] = [];
  let ended: "complete" | "error" | null = null;
  let onResult: (() => void) | null = null;
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (r) => {
        results.push(r as GqlResult<T>);
        onResult?.();
      },
      error: () => {
        ended = "error";
        onResult?.();
      },
      complete: () => {
        ended = "complete";
        onResult?.();
      },
    },
  );
  /** Resolves once `ok` holds; rejects after `timeoutMs`. */
  const waitFor = (ok: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (ok()) return resolve();
      const timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms; got ${JSON.stringify(results)}, ended ${ended}`)), timeoutMs);
      onResult = () => {
        if (ok()) {
          clearTimeout(timer);
          onResult = null;
          resolve();
        }
      };
    });
  return { results, ended: () => ended, waitFor, dispose };
}

/** A person invited by the OWNER with `role`, accepted without a key: their user id and first key. */
export async function invite(url: string, ownerKey: string, role: "OWNER" | "MEMBER" | "VIEWER", name = `${role.toLowerCase()}-${Math.random().toString(36).slice(2, 7)}`) {
  const c = await okAs(url, ownerKey, `mutation($r: TeamRole!) { createInvitation(role: $r) { code invitation { id role } } }`, { r: role });
  const { body } = await gqlAs<Record<string, any>>(
    url,
    null,
    `mutation($c: String!, $n: String) { acceptInvitation(code: $c, name: $n) { user { id } team { id role } apiKey { secret apiKey { id } } } }`,
    {
      c: c.createInvitation.code,
      n: name,
    },
  );
  if (body.errors?.length || !body.data) throw new Error(`acceptInvitation: ${JSON.stringify(body.errors)}`);
  const a = body.data;
  return { userId: a.acceptInvitation.user.id as string, secret: a.acceptInvitation.apiKey.secret as string, keyId: a.acceptInvitation.apiKey.apiKey.id as string };
}
