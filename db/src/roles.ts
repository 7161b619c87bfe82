import pg from "pg";
import { getTableName, isTable } from "drizzle-orm";
import * as schema from "./schema/index.js";

/**
 * Least privilege in PostgreSQL (docs/security-privileges.md). Three roles:
 * - the **migration role** (`DATABASE_URL`; `studio_migrator` under `./studio up`) owns every table
 *   and runs migrations, the admin command and this grants step;
 * - the **api role** (`DATABASE_URL_API`; `studio_api`) and the **trainer role** (`DATABASE_URL_TRAINER`;
 *   `studio_trainer`) own nothing and get exactly the table privileges below.
 *
 * Every table must have an entry: `applyGrants` refuses to run when a table of the database (or of the
 * drizzle schema, see `missingGrantEntries`) has none, so a new migration cannot ship without deciding
 * who may touch its table. Append-only logs (`access_audit`, `run_events`, `loss_points`, ...) get no
 * UPDATE/DELETE for anyone but the owner.
 */
export type Privilege = "SELECT" | "INSERT" | "UPDATE" | "DELETE";
export type ServiceRole = "api" | "trainer";

const S = "SELECT",
  I = "INSERT",
  U = "UPDATE",
  D = "DELETE";

export const TABLE_GRANTS: Record<string, Record<ServiceRole, Privilege[]>> = {
  // identity and access: the API only
  teams: { api: [S, I], trainer: [] },
  users: { api: [S, I], trainer: [] },
  memberships: { api: [S, I, U, D], trainer: [] },
  api_keys: { api: [S, I, U], trainer: [] },
  invitations: { api: [S, I, U], trainer: [] },
  shares: { api: [S, I, U], trainer: [] },
  /** Append-only: who did what with shares and keys. Nobody but the owner may rewrite history. */
  access_audit: { api: [S, I], trainer: [] },
  // subjects and photos; the trainer creates a subject for an import and reads the photos of a run
  subjects: { api: [S, I], trainer: [S, I] },
  /** Staging uploads; the API's sweeper deletes abandoned ones (docs/security-uploads.md). */
  uploads: { api: [S, I, U, D], trainer: [] },
  subject_images: { api: [S, I, D], trainer: [S] },
  // training; the API creates and cancels runs, the trainer executes them
  runs: { api: [S, I, U], trainer: [S, I, U] },
  /** Append-only event log of a run (both append; nobody rewrites). */
  run_events: { api: [S, I], trainer: [S, I] },
  loss_points: { api: [S], trainer: [S, I] },
  samples: { api: [S], trainer: [S, I] },
  checkpoints: { api: [S], trainer: [S, I] },
  // jobs the API queues and the trainer leases (SELECT ... FOR UPDATE needs UPDATE)
  generations: { api: [S, I], trainer: [S, U] },
  evaluations: { api: [S, I, U], trainer: [S, U] },
  model_exports: { api: [S, I], trainer: [S, U] },
  model_import_uploads: { api: [S, I, D], trainer: [] },
  model_imports: { api: [S, I], trainer: [S, U] },
  // trainer registry: trainers register and beat; the API reads it for health
  workers: { api: [S], trainer: [S, I, U, D] },
  /** Rate-limit token buckets (UNLOGGED; docs/security-rate-limits.md): the API takes, refills and sweeps. */
  rate_buckets: { api: [S, I, U, D], trainer: [] },
  /** A team's run concurrency (fair share, docs/scheduling.md): the OWNER sets it, trainers read it when they claim. */
  team_run_limits: { api: [S, I, U, D], trainer: [S] },
};

/** Names of every table the drizzle schema declares. */
export function schemaTableNames(): string[] {
  return Object.values(schema)
    .filter((v) => isTable(v))
    .map((t) => getTableName(t as Parameters<typeof getTableName>[0]))
    .sort();
}

/** Tables without an entry in TABLE_GRANTS, and entries naming no table. */
export function missingGrantEntries(tables: string[]): { missing: string[]; unknown: string[] } {
  const known = new Set(Object.keys(TABLE_GRANTS));
  const present = new Set(tables);
  return {
    missing: tables.filter((t) => !known.has(t)).sort(),
    unknown: [...known].filter((t) => !present.has(t)).sort(),
  };
}

export interface RoleNames {
  api: string;
  trainer: string;
}

export const DEFAULT_ROLE_NAMES = { migrator: "studio_migrator", api: "studio_api", trainer: "studio_trainer" } as const;

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The user name of a postgres:// URL (the role it logs in as). */
export function roleOfUrl(url: string): string {
  const u = decodeURIComponent(new URL(url).username);
  if (!u) throw new Error("the database URL names no user");
  return u;
}

/** The same server and database, logged in as another role. */
export function urlForRole(url: string, role: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(role);
  u.password = encodeURIComponent(password);
  return u.toString();
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Creates (or updates the password of) LOGIN roles, run by a role with CREATEROLE (the embedded
 * server's superuser, or an external operator's admin). Idempotent. With `owner`, also makes that role
 * the owner of the database, of the `public` and `drizzle` schemas and of every object in them (an
 * install from before the roles existed had everything owned by the superuser).
 */
export async function ensureLoginRoles(adminUrl: string, roles: { name: string; password: string }[], owner?: string): Promise<void> {
  await withClient(adminUrl, async (c) => {
    for (const r of roles) {
      const found = await c.query("select 1 from pg_roles where rolname = $1", [r.name]);
      const verb = found.rowCount ? "alter" : "create";
      // NOSUPERUSER etc. are the defaults; stated so that an existing role is brought back to them.
      await c.query(`${verb} role ${ident(r.name)} login nosuperuser nocreatedb nocreaterole noinherit nobypassrls password ${literal(r.password)}`);
    }
    if (!owner) return;
    const db = (await c.query<{ db: string }>("select current_database() as db")).rows[0]!.db;
    await c.query(`alter database ${ident(db)} owner to ${ident(owner)}`);
    await c.query(`create schema if not exists drizzle authorization ${ident(owner)}`);
    await c.query(`alter schema drizzle owner to ${ident(owner)}`);
    await c.query(`alter schema public owner to ${ident(owner)}`);
    const objects = await c.query<{ cmd: string }>(
      `select format('alter %s %I.%I owner to %I',
                     case when c.relkind in ('r','p') then 'table' when c.relkind = 'S' then 'sequence'
                          when c.relkind = 'v' then 'view' else 'materialized view' end,
                     n.nspname, c.relname, $1::text) as cmd
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('public', 'drizzle') and c.relkind in ('r','p','S','v','m')
          and c.relowner <> (select oid from pg_roles where rolname = $1)
          -- a sequence owned by a column follows its table
          and not (c.relkind = 'S' and exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a','i')))
       union all
       select format('alter type %I.%I owner to %I', n.nspname, t.typname, $1::text)
         from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where n.nspname in ('public', 'drizzle') and t.typtype in ('e','d','c') and t.typrelid = 0
          and t.typowner <> (select oid from pg_roles where rolname = $1)`,
      [owner],
    );
    for (const o of objects.rows) await c.query(o.cmd);
  });
}

/**
 * The grants step: run as the owner of the tables (the migration role) after every migration. Takes
 * every privilege on `public` away from the service roles, then grants exactly TABLE_GRANTS (plus
 * USAGE on the sequences of the tables they insert into). They get nothing on `drizzle` (the migration
 * history) and cannot create objects. One transaction: a failure leaves the old grants.
 */
export async function applyGrants(ownerUrl: string, roles: RoleNames): Promise<void> {
  await withClient(ownerUrl, async (c) => {
    const tables = (
      await c.query<{ name: string }>("select c.relname as name from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r','p','v','m') order by 1")
    ).rows.map((r) => r.name);
    const { missing, unknown } = missingGrantEntries(tables);
    if (missing.length || unknown.length)
      throw new Error(
        `grants: db/src/roles.ts TABLE_GRANTS is out of date (${[
          missing.length ? `no entry for ${missing.join(", ")}` : "",
          unknown.length ? `entries for missing tables ${unknown.join(", ")}` : "",
        ]
          .filter(Boolean)
          .join("; ")})`,
      );
    // GRANT by a non-owner only warns: refuse instead, so that grants are never silently missing.
    const foreign = (
      await c.query<{ name: string; owner: string }>(
        `select c.relname as name, pg_get_userbyid(c.relowner) as owner from pg_class c
          where c.relnamespace = 'public'::regnamespace and c.relkind in ('r','p','v','m')
            and not pg_has_role(current_user, c.relowner, 'USAGE') order by 1`,
      )
    ).rows;
    if (foreign.length)
      throw new Error(
        `grants: the migration role does not own ${foreign.map((f) => `${f.name} (owner ${f.owner})`).join(", ")}; run migrations and grants as the owner of the tables`,
      );
    const seqs = (
      await c.query<{ seq: string; tbl: string }>(
        `select s.relname as seq, t.relname as tbl
           from pg_class s join pg_depend d on d.objid = s.oid and d.deptype in ('a','i')
           join pg_class t on t.oid = d.refobjid
          where s.relkind = 'S' and s.relnamespace = 'public'::regnamespace`,
      )
    ).rows;
    const both = `${ident(roles.api)}, ${ident(roles.trainer)}`;
    await c.query("begin");
    try {
      await c.query(`revoke all on schema public from public`);
      await c.query(`revoke all on all tables in schema public from ${both}`);
      await c.query(`revoke all on all sequences in schema public from ${both}`);
      await c.query(`revoke all on all functions in schema public from ${both}`);
      await c.query(`revoke all on schema drizzle from ${both}`);
      await c.query(`grant usage on schema public to ${both}`);
      for (const [table, byRole] of Object.entries(TABLE_GRANTS)) {
        for (const role of ["api", "trainer"] as const) {
          const privs = byRole[role];
          if (privs.length === 0) continue;
          await c.query(`grant ${privs.join(", ")} on table public.${ident(table)} to ${ident(roles[role])}`);
          if (privs.includes("INSERT"))
            for (const s of seqs.filter((x) => x.tbl === table)) await c.query(`grant usage on sequence public.${ident(s.seq)} to ${ident(roles[role])}`);
        }
      }
      await c.query("commit");
    } catch (err) {
      await c.query("rollback");
      throw err;
    }
  });
}
