import { sql } from "drizzle-orm";
import { bigserial, boolean, check, index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { runs } from "./runs.js";
import { teams } from "./teams.js";
import { teamRole, users } from "./users.js";

/**
 * One-time codes to join a team with a role. Only a SHA-256 of the code is stored; accepting is a
 * conditional update (`WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()`).
 */
export const invitations = pgTable(
  "invitations",
  {
    id: uuid().primaryKey().defaultRandom(),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    role: teamRole().notNull(),
    codeHash: text().notNull(),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    acceptedAt: timestamp({ withTimezone: true }),
    acceptedBy: uuid().references(() => users.id, { onDelete: "set null" }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("invitations_code_hash_idx").on(t.codeHash),
    index("invitations_team_idx").on(t.teamId, t.createdAt),
    check("invitations_code_hash_format", sql`${t.codeHash} ~ '^[0-9a-f]{64}$'`),
  ],
);

export const shareKind = pgEnum("share_kind", ["TEAM", "LINK"]);

/**
 * A run's checkpoints shared read-only with another team (TEAM) or with whoever holds a link token
 * (LINK; only its SHA-256 is stored). Revoking sets revoked_at; rows are never deleted, so the
 * audit log can always name the share.
 */
export const shares = pgTable(
  "shares",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** The owner team (the run's team). */
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    runId: uuid()
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    kind: shareKind().notNull(),
    targetTeamId: uuid().references(() => teams.id, { onDelete: "cascade" }),
    tokenHash: text(),
    promptOnly: boolean().notNull().default(false),
    expiresAt: timestamp({ withTimezone: true }),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp({ withTimezone: true }),
    revokedBy: uuid().references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    uniqueIndex("shares_token_hash_idx").on(t.tokenHash),
    index("shares_team_idx").on(t.teamId, t.createdAt),
    index("shares_run_idx").on(t.runId),
    index("shares_target_idx").on(t.targetTeamId, t.runId),
    check(
      "shares_kind_fields",
      sql`(${t.kind} = 'TEAM' and ${t.targetTeamId} is not null and ${t.tokenHash} is null and not ${t.promptOnly})
        or (${t.kind} = 'LINK' and ${t.targetTeamId} is null and ${t.tokenHash} ~ '^[0-9a-f]{64}$')`,
    ),
    check("shares_not_self", sql`${t.targetTeamId} is null or ${t.targetTeamId} <> ${t.teamId}`),
  ],
);

export const auditAction = pgEnum("audit_action", [
  "SHARE_CREATED",
  "SHARE_REVOKED",
  "MEMBER_INVITED",
  "INVITATION_REVOKED",
  "MEMBER_JOINED",
  "MEMBER_REMOVED",
  "ROLE_CHANGED",
  "KEY_REVOKED",
]);

/**
 * Append-only log of access changes in a team (shares, invitations, members, roles, key revocations),
 * written in the same transaction as the change it records. Nothing updates or deletes rows here.
 */
export const accessAudit = pgTable(
  "access_audit",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    action: auditAction().notNull(),
    actorUserId: uuid().references(() => users.id, { onDelete: "set null" }),
    shareId: uuid().references(() => shares.id, { onDelete: "set null" }),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("access_audit_team_idx").on(t.teamId, t.at)],
);
