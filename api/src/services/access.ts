import type { apiQueries } from "@studio/db";
import { forbidden } from "../errors.js";
import type { Principal } from "../models.js";

/** What the caller may read: its team's runs and runs shared with it, or a link's single run. */
export function accessOf(p: Principal): apiQueries.RunAccess {
  return { teamId: p.teamId, linkRunId: p.link?.runId ?? null };
}

/** Team-management actions (members, invitations, shares, the audit log): OWNER only, never a share link. */
export function requireOwner(p: Principal, what: string): void {
  if (p.link) throw forbidden("a share link can only read the shared run and generate from it");
  if (p.role !== "OWNER") throw forbidden(`only the team's OWNER may ${what}`);
}

export function requireTeamKey(p: Principal): void {
  if (p.link) throw forbidden("a share link can only read the shared run and generate from it");
}
