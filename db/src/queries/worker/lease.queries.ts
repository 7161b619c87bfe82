import { sql, type SQL } from "drizzle-orm";

/**
 * Thrown when a trainer writes for a job it no longer holds (its lease expired and another trainer
 * took the job over, or the job reached a final state). The caller must stop the job's engine and
 * write nothing more for it: the new owner's writes are the ones that count.
 */
export class LeaseLostError extends Error {
  readonly code = "LEASE_LOST";
  constructor(kind: "run" | "generation" | "evaluation" | "export" | "import", id: string, owner: string) {
    super(`${owner} no longer holds the lease on ${kind} ${id}`);
  }
}

/** `now() + leaseMs`, computed by the database so that every trainer uses one clock. */
export function leaseUntil(leaseMs: number): SQL {
  return sql`now() + make_interval(secs => ${leaseMs / 1000})`;
}
