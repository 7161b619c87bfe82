import { integer, jsonb, text, timestamp } from "drizzle-orm/pg-core";

/** Why an attempt lost its lease (kept for the last `maxAttempts` attempts; shown in the API). */
export interface AttemptError {
  attempt: number;
  /** The trainer that held the lease. */
  owner: string | null;
  /** LEASE_EXPIRED: the trainer stopped heartbeating (died, lost the database, was cut off). */
  code: string;
  message: string;
  /** When the lease ran out (ISO). */
  at: string;
}

/**
 * The lease columns every job kind shares (runs, generations, evaluations, exports, imports; one
 * module claims, heartbeats, fences and finishes them: db/src/queries/worker/lease.queries.ts).
 * `attempt` is the fencing token: it grows by one at every claim, and every write of a trainer is
 * conditional on (owner, attempt), so an attempt that lost its lease can never write again.
 */
export function leaseColumns() {
  return {
    leaseOwner: text(),
    leaseExpiresAt: timestamp({ withTimezone: true }),
    attempt: integer().notNull().default(0),
    /** A job whose lease expires this many times ends FAILED with ATTEMPTS_EXHAUSTED. */
    maxAttempts: integer().notNull().default(3),
    /** How many leases of this job expired (a trainer died or was cut off while holding it). */
    leaseLosses: integer().notNull().default(0),
    /** The last attempts' reasons (at most `maxAttempts` entries, oldest first). */
    attemptErrors: jsonb().$type<AttemptError[]>().notNull().default([]),
  };
}
