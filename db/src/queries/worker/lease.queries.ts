import { and, asc, eq, gt, lt, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Database } from "../../client.js";
import type { Executor } from "../../client.tx.js";
import type { AttemptError } from "../../schema/lease.js";

export type JobKind = "run" | "generation" | "evaluation" | "export" | "import";

/**
 * Thrown when a trainer writes for a job it no longer holds (its lease expired and another trainer
 * took the job over, or the job reached a final state). The caller must stop the job's engine and
 * write nothing more for it: the new owner's writes are the ones that count.
 */
export class LeaseLostError extends Error {
  readonly code = "LEASE_LOST";
  constructor(kind: JobKind, id: string, owner: string | Holder) {
    const who = typeof owner === "string" ? owner : `${owner.owner} (attempt ${owner.attempt})`;
    super(`${who} no longer holds the lease on ${kind} ${id}`);
  }
}

/**
 * Who holds a lease: the trainer and the fencing token (the job's `attempt` at its claim). Every
 * write is conditional on both, so an attempt whose lease expired — even when the same trainer
 * claimed the job again since — is refused.
 */
export interface Holder {
  owner: string;
  attempt: number;
}

/** `now() + leaseMs`, computed by the database so that every trainer uses one clock. */
export function leaseUntil(leaseMs: number): SQL {
  return sql`now() + make_interval(secs => ${leaseMs / 1000})`;
}

/** The columns the lease module reads and writes (db/src/schema/lease.ts, plus id/state/error/time). */
type LeasedTable = PgTable & {
  id: PgColumn;
  state: PgColumn;
  createdAt: PgColumn;
  finishedAt: PgColumn;
  errorCode: PgColumn;
  errorMessage: PgColumn;
  leaseOwner: PgColumn;
  leaseExpiresAt: PgColumn;
  attempt: PgColumn;
  maxAttempts: PgColumn;
  leaseLosses: PgColumn;
  attemptErrors: PgColumn;
};

/** One job kind: its table, its leased state, and what is announced when its state changes. */
export interface LeasedJob<Row> {
  kind: JobKind;
  table: LeasedTable;
  /** The state a job is in while a trainer holds it (RUNNING; GENERATING for evaluations). */
  leased: string;
  /** NOTIFY (and, for runs, the RunStateChanged event) in the claim's / finish's transaction. */
  announce(tx: Executor, row: Row, previousState: string): Promise<void>;
  /** Extra columns set at a first claim (QUEUED → leased), e.g. `startedAt`. */
  onStart?: Record<string, unknown>;
}

export type Claim<Row> =
  /** `resumed`: the job was leased by a trainer whose lease expired; continue from what it recorded. */
  | { kind: "claimed"; row: Row; resumed: boolean }
  /** Its lease expired for the `maxAttempts`-th time: ended FAILED ATTEMPTS_EXHAUSTED inside the claim. */
  | { kind: "exhausted"; id: string }
  /** A hook finalised the job inside the claim (e.g. a run canceled before it started). */
  | { kind: "handled"; id: string };

export interface ClaimHooks {
  /** Picks (and locks `FOR UPDATE SKIP LOCKED`) the next QUEUED job; default: the oldest. */
  pickQueued?: (tx: Executor) => Promise<string | null>;
  /** Called with the locked row before the lease is taken; true when it finalised the job itself. */
  intercept?: (tx: Executor, id: string, state: string) => Promise<boolean>;
}

/**
 * Claims one job of `job`'s kind. First a job whose lease expired (its trainer died or was cut off):
 * it counts one lost lease, and at `maxAttempts` lost leases it ends FAILED with ATTEMPTS_EXHAUSTED
 * and the last attempts' reasons; otherwise it is resumed by this trainer. Then a QUEUED job, picked
 * by `hooks.pickQueued` (fair share for runs) or oldest first. `SKIP LOCKED` lets any number of
 * trainers claim at once without waiting on each other; `attempt` (the fencing token) grows by one.
 */
export async function claimLeased<Row>(db: Database, job: LeasedJob<Row>, owner: string, leaseMs: number, hooks: ClaimHooks = {}): Promise<Claim<Row> | null> {
  const t = job.table;
  return db.transaction(async (tx) => {
    const [expired] = await tx
      .select({
        id: t.id,
        state: t.state,
        attempt: t.attempt,
        owner: t.leaseOwner,
        expiresAt: sql<string>`(${t.leaseExpiresAt})::text`,
        released: sql<boolean>`${t.leaseExpiresAt} = '-infinity'`,
        losses: t.leaseLosses,
        max: t.maxAttempts,
      })
      .from(t)
      .where(and(eq(t.state, job.leased), lt(t.leaseExpiresAt, sql`now()`)))
      .orderBy(asc(t.leaseExpiresAt))
      .limit(1)
      .for("update", { skipLocked: true });
    let id: string;
    let previous: string;
    let lost: { errors: AttemptError[]; losses: number } | null = null;
    if (expired?.released) {
      // Handed back by a trainer that stopped (releaseLeased): resumed at once, not a lost lease.
      id = expired.id as string;
      previous = expired.state as string;
    } else if (expired) {
      id = expired.id as string;
      previous = expired.state as string;
      const losses = (expired.losses as number) + 1;
      const max = expired.max as number;
      const reason: AttemptError = {
        attempt: expired.attempt as number,
        owner: (expired.owner as string | null) ?? null,
        code: "LEASE_EXPIRED",
        message: `trainer ${expired.owner} stopped renewing its lease (it died, or lost the database or the network)`,
        at: new Date(expired.expiresAt as string).toISOString(),
      };
      lost = { losses, errors: [reason] };
      if (losses >= max) {
        const [row] = await tx
          .update(t)
          .set({
            state: "FAILED",
            errorCode: "ATTEMPTS_EXHAUSTED",
            errorMessage: `the lease was lost ${losses} times (maxAttempts ${max}); last: ${reason.message}`,
            finishedAt: sql`now()`,
            leaseExpiresAt: null,
            leaseLosses: losses,
            attemptErrors: appendErrors(t, [reason], max),
          } as never)
          .where(and(eq(t.id, id), eq(t.state, previous)))
          .returning();
        if (!row) return null;
        await job.announce(tx, row as Row, previous);
        return { kind: "exhausted", id } as const;
      }
    } else {
      const picked = hooks.pickQueued
        ? await hooks.pickQueued(tx)
        : (((await tx.select({ id: t.id }).from(t).where(eq(t.state, "QUEUED")).orderBy(asc(t.createdAt)).limit(1).for("update", { skipLocked: true }))[0]?.id as
            string | undefined) ?? null);
      if (!picked) return null;
      id = picked;
      previous = "QUEUED";
    }
    if (hooks.intercept && (await hooks.intercept(tx, id, previous))) return { kind: "handled", id } as const;
    const set: Record<string, unknown> = {
      state: job.leased,
      leaseOwner: owner,
      leaseExpiresAt: leaseUntil(leaseMs),
      attempt: sql`${t.attempt} + 1`,
      ...(previous === "QUEUED" ? job.onStart : {}),
    };
    if (lost) {
      set.leaseLosses = lost.losses;
      set.attemptErrors = appendErrors(t, lost.errors, null);
    }
    const [row] = await tx
      .update(t)
      .set(set as never)
      .where(and(eq(t.id, id), eq(t.state, previous)))
      .returning();
    if (!row) return null;
    await job.announce(tx, row as Row, previous);
    return { kind: "claimed", row: row as Row, resumed: previous !== "QUEUED" } as const;
  });
}

/**
 * Hands a held job back without a verdict (the trainer is stopping: k8s scale-down, deploy): it stays
 * in its leased state with the lease expired at `-infinity`, so any trainer resumes it at once and it
 * does not count as a lost lease (only deaths and cut-offs count toward `maxAttempts`).
 */
export async function releaseLeased(db: Database, job: LeasedJob<unknown>, id: string, h: Holder): Promise<boolean> {
  const rows = await db
    .update(job.table)
    .set({ leaseExpiresAt: sql`'-infinity'::timestamptz` } as never)
    .where(held(job, id, h))
    .returning({ id: job.table.id });
  return rows.length > 0;
}

/** `attempt_errors || new`, keeping the last `max_attempts` entries. */
function appendErrors(t: LeasedTable, errors: AttemptError[], _max: number | null): SQL {
  const all = sql`(${t.attemptErrors} || ${JSON.stringify(errors)}::jsonb)`;
  return sql`coalesce((select jsonb_agg(e order by n) from jsonb_array_elements(${all}) with ordinality as x(e, n)
    where n > jsonb_array_length(${all}) - ${t.maxAttempts}), '[]'::jsonb)`;
}

/**
 * The condition every write of a lease holder carries: still leased, by this owner, this attempt, and
 * the lease not yet expired (a holder past its deadline has stopped its engine; a successor may claim).
 */
export function held(job: Pick<LeasedJob<unknown>, "table" | "leased">, id: string, h: Holder): SQL {
  const t = job.table;
  return and(eq(t.id, id), eq(t.state, job.leased), eq(t.leaseOwner, h.owner), eq(t.attempt, h.attempt), gt(t.leaseExpiresAt, sql`now()`))!;
}

/** Locks the job row if `h` still holds it (the first statement of a holder's write transaction). */
export async function lockHeld(tx: Executor, job: LeasedJob<unknown>, id: string, h: Holder): Promise<void> {
  const [row] = await tx
    .select({ id: job.table.id })
    .from(job.table)
    .where(held(job, id, h))
    .for("update");
  if (!row) throw new LeaseLostError(job.kind, id, h);
}

/**
 * Extends the lease; null when `h` no longer holds the job (stop, write nothing more). `extra` are
 * columns set with it (e.g. runs.heartbeatAt); `read` columns returned with it (e.g. a cancel request).
 */
export async function heartbeatLeased<R extends Record<string, PgColumn>>(
  db: Database,
  job: LeasedJob<unknown>,
  id: string,
  h: Holder,
  leaseMs: number,
  read: R,
  extra: Record<string, unknown> = {},
): Promise<{ [K in keyof R]: unknown } | null> {
  const t = job.table;
  const rows = await db
    .update(t)
    .set({ leaseExpiresAt: leaseUntil(leaseMs), ...extra } as never)
    .where(held(job, id, h))
    .returning({ id: t.id, ...read } as Record<string, PgColumn>);
  return (rows as unknown as { [K in keyof R]: unknown }[])[0] ?? null;
}

/**
 * Ends (or hands over) a held job: `set` (a final state, results, error), then the announcement, in
 * one transaction; only by its holder, otherwise LeaseLostError and nothing is written.
 */
export async function finishLeased<Row>(db: Database, job: LeasedJob<Row>, id: string, h: Holder, set: Record<string, unknown>): Promise<Row> {
  const t = job.table;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(t)
      .set(set as never)
      .where(held(job, id, h))
      .returning();
    if (!row) throw new LeaseLostError(job.kind, id, h);
    await job.announce(tx, row as Row, job.leased);
    return row as Row;
  });
}

/**
 * The claim and heartbeat of a job kind without kind-specific rules (generations, evaluations,
 * exports, imports): claim → the row or null; heartbeat → false when the lease is gone.
 */
export function leasedJobQueries<Row>(job: LeasedJob<Row>) {
  return {
    claim: async (db: Database, owner: string, leaseMs: number): Promise<Row | null> => {
      const c = await claimLeased(db, job, owner, leaseMs);
      return c?.kind === "claimed" ? c.row : null;
    },
    heartbeat: async (db: Database, id: string, h: Holder, leaseMs: number): Promise<boolean> =>
      (await heartbeatLeased(db, job as LeasedJob<unknown>, id, h, leaseMs, {})) !== null,
  };
}

/** The columns of a job's final state: SUCCEEDED with its results, or FAILED with its code and message. */
export function finalColumns(o: { state: "SUCCEEDED" } | { state: "FAILED"; errorCode: string; errorMessage: string }, results: Record<string, unknown>): Record<string, unknown> {
  return o.state === "SUCCEEDED"
    ? { state: "SUCCEEDED", ...results, finishedAt: sql`now()` }
    : { state: "FAILED", errorCode: o.errorCode, errorMessage: o.errorMessage, finishedAt: sql`now()` };
}
