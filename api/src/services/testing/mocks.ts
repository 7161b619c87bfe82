import { vi, type Mock } from "vitest";
import { DomainError } from "../../errors.js";
import type { Principal } from "../../models.js";

/** The functions a test gives a mock: any subset of T's. */
export type Fakes<T> = { [K in keyof T]?: (...args: never[]) => unknown };

/**
 * A stand-in for a service's data (its `Pick<ApiData, ...>`) or any other dependency in service tests:
 * only the functions a test gives exist;
 * calling any other one fails the test ("unexpected call"), so a refused request that reaches a write
 * the test did not expect cannot pass. Every given method is a vi.fn, so tests assert what was (not) called.
 */
export function mockOf<T extends object>(impl: Fakes<T>): T & { calls: (name: keyof T) => unknown[][] } {
  const fns = new Map<PropertyKey, Mock>(Object.entries(impl).map(([k, f]) => [k, vi.fn(f as (...a: unknown[]) => unknown)]));
  return new Proxy({} as T & { calls: (name: keyof T) => unknown[][] }, {
    get(_t, prop) {
      if (prop === "calls") return (name: PropertyKey) => fns.get(name)?.mock.calls ?? [];
      if (prop === "then") return undefined; // not a thenable
      const fn = fns.get(prop);
      if (fn) return fn;
      return () => {
        throw new Error(`unexpected call: ${String(prop)}`);
      };
    },
  });
}

export const TEAM = "11111111-1111-4111-8111-111111111111";
export const OTHER_TEAM = "22222222-2222-4222-8222-222222222222";
export const USER = "33333333-3333-4333-8333-333333333333";
export const RUN = "44444444-4444-4444-8444-444444444444";

export function principal(role: Principal["role"] = "OWNER", extra: Partial<Principal> = {}): Principal {
  return { keyId: "55555555-5555-4555-8555-555555555555", userId: USER, teamId: TEAM, role, ...extra };
}

/** The refusal's `extensions.code` (and field), or a failure when the call did not refuse. */
export async function refusal(p: Promise<unknown> | (() => unknown)): Promise<{ code: string; field?: string | undefined }> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { code: err.extensions.code, field: err.extensions.field };
  }
  throw new Error("expected a refusal, but the call succeeded");
}
