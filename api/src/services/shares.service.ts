import { createHash, randomBytes } from "node:crypto";
import { badInput, conflict, forbidden, notFound } from "../errors.js";
import { NIL_UUID, type Principal, type RunModel, type SharedRunModel } from "../models.js";
import type { ApiData } from "../data.js";
import { accessOf, requireOwner, requireTeamKey } from "./access.js";
import { isUuid } from "../lib/ids.js";

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
export const LINK_PREFIX = "shl_";

/** True for `Authorization: Bearer shl_…` (a share link rather than an API key). */
export function isLinkAuthorization(authorization: string | undefined | null): boolean {
  return /^Bearer\s+shl_/i.test(authorization ?? "");
}

export interface CreateShareInput {
  runId: string;
  kind: "TEAM" | "LINK";
  targetTeamId?: string | null;
  promptOnly?: boolean | null;
  expiresInHours?: number | null;
}

/** What SharesService reads and writes (service tests mock only this). */
export type SharesData = Pick<
  ApiData,
  | "findLinkShare"
  | "findPrincipalByKeyId"
  | "findLinkShareById"
  | "readableRunsByIds"
  | "getRun"
  | "teamNamesByIds"
  | "listShares"
  | "createShare"
  | "revokeShare"
  | "sharesToTeam"
  | "listAudit"
>;

/**
 * Shares of a run's checkpoints with another team or through a link, link authentication, and the
 * access log. A link token is shown once; only its SHA-256 is stored, and it is checked against the
 * database on every request, so a revoke or an expiry applies to the very next one.
 */
export class SharesService {
  constructor(private readonly data: SharesData) {}

  /** `Bearer shl_…` → a principal that reads only the shared run; null when unknown; FORBIDDEN when revoked or expired. */
  async authenticateLink(authorization: string | undefined | null): Promise<Principal | null> {
    const m = /^Bearer\s+(shl_\S+)\s*$/i.exec(authorization ?? "");
    if (!m || m[1]!.length > 200) return null;
    const found = await this.data.findLinkShare(sha256(m[1]!));
    if (!found) return null;
    const s = found.share;
    if (s.revokedAt) throw forbidden("this share link was revoked");
    if (found.expired) throw forbidden(`this share link expired at ${s.expiresAt!.toISOString()}`);
    return {
      keyId: NIL_UUID,
      userId: NIL_UUID,
      teamId: NIL_UUID,
      role: "VIEWER",
      link: { shareId: s.id, runId: s.runId, ownerTeamId: s.teamId, promptOnly: s.promptOnly },
    };
  }

  /**
   * The caller again, from what an archive URL recorded of it (`ArchiveGrant`): null once its key was
   * revoked or its user removed, or its share link revoked or expired. Everything it could read then
   * is checked again by the caller of this (a revoked TEAM share makes the checkpoint unreadable).
   */
  async principalOfGrant(g: { kind: "key" | "link"; id: string }): Promise<Principal | null> {
    if (g.kind === "key") {
      const p = await this.data.findPrincipalByKeyId(g.id);
      return p ? { keyId: p.keyId, userId: p.userId, teamId: p.teamId, role: p.role } : null;
    }
    const found = await this.data.findLinkShareById(g.id);
    if (!found || found.share.revokedAt || found.expired) return null;
    const s = found.share;
    return {
      keyId: NIL_UUID,
      userId: NIL_UUID,
      teamId: NIL_UUID,
      role: "VIEWER",
      link: { shareId: s.id, runId: s.runId, ownerTeamId: s.teamId, promptOnly: s.promptOnly },
    };
  }

  /** File downloads (checkpoint files, manifest): everyone who can read the checkpoint, except a promptOnly link. */
  requireDownload(p: Principal): void {
    if (p.link?.promptOnly) throw forbidden("this share link is prompt-only: files cannot be downloaded");
  }

  canDownload(p: Principal): boolean {
    return !p.link?.promptOnly;
  }

  /** The team's own run, for changes: a run only shared with the team is FORBIDDEN, anything else NOT_FOUND. */
  async ownRun(p: Principal, runId: string, what: string): Promise<RunModel> {
    const own = isUuid(runId) ? await this.data.getRun(p.teamId, runId) : null;
    if (own) return own;
    const [readable] = isUuid(runId) ? await this.data.readableRunsByIds(accessOf(p), [runId]) : [];
    if (readable) throw forbidden(`this run was shared with your team read-only: you cannot ${what}`);
    throw notFound("run");
  }

  async create(p: Principal, input: CreateShareInput) {
    requireOwner(p, "share runs");
    const run = await this.ownRun(p, input.runId, "share it onward");
    const hours = input.expiresInHours ?? null;
    if (hours !== null && (!Number.isInteger(hours) || hours < 1 || hours > 8760))
      throw badInput("expiresInHours", "expiresInHours must be an integer from 1 to 8760 (or null: until revoked)");
    const expiresAt = hours === null ? null : new Date(Date.now() + hours * 3_600_000);
    const promptOnly = input.promptOnly ?? false;
    if (input.kind === "TEAM") {
      const target = input.targetTeamId ?? "";
      if (!target) throw badInput("targetTeamId", "a TEAM share needs targetTeamId");
      if (promptOnly) throw badInput("promptOnly", "promptOnly applies to LINK shares only");
      if (target === p.teamId) throw badInput("targetTeamId", "a run cannot be shared with its own team");
      const [team] = isUuid(target) ? await this.data.teamNamesByIds([target]) : [];
      if (!team) throw notFound("team");
      const live = (await this.data.listShares(p.teamId, run.id)).find((s) => s.kind === "TEAM" && s.targetTeamId === target && isActive(s));
      if (live) throw conflict(`this run is already shared with that team (share ${live.id})`);
      const share = await this.data.createShare({ teamId: p.teamId, runId: run.id, kind: "TEAM", targetTeamId: target, expiresAt, createdBy: p.userId });
      return { share, token: null, url: null };
    }
    if (input.kind !== "LINK") throw badInput("kind", "kind must be TEAM or LINK");
    if (input.targetTeamId) throw badInput("targetTeamId", "a LINK share has no targetTeamId");
    const token = `${LINK_PREFIX}${randomBytes(32).toString("base64url")}`;
    const share = await this.data.createShare({
      teamId: p.teamId,
      runId: run.id,
      kind: "LINK",
      tokenHash: sha256(token),
      promptOnly,
      expiresAt,
      createdBy: p.userId,
    });
    return { share, token, url: `/shared/${token}` };
  }

  async revoke(p: Principal, id: string) {
    requireOwner(p, "revoke shares");
    const row = isUuid(id) ? await this.data.revokeShare(p.teamId, id, p.userId) : null;
    if (!row) throw notFound("share");
    return row;
  }

  async list(p: Principal, runId: string | null | undefined) {
    requireTeamKey(p);
    if (runId) await this.ownRun(p, runId, "see its shares");
    return this.data.listShares(p.teamId, runId ?? null);
  }

  /** Runs other teams shared with the caller's team (active shares), with the owner team's name. */
  async sharedWithMe(p: Principal): Promise<SharedRunModel[]> {
    requireTeamKey(p);
    const rows = await this.data.sharesToTeam(p.teamId);
    if (rows.length === 0) return [];
    const runs = new Map((await this.data.readableRunsByIds(accessOf(p), [...new Set(rows.map((r) => r.share.runId))])).map((r) => [r.id, r]));
    return rows
      .filter((r) => runs.has(r.share.runId))
      .map((r) => ({
        shareId: r.share.id,
        run: runs.get(r.share.runId)!,
        team: { id: r.share.teamId, name: r.ownerName },
        promptOnly: r.share.promptOnly,
        sharedAt: r.share.createdAt,
        expiresAt: r.share.expiresAt,
      }));
  }

  /** With a share link only: the run it opens. */
  async sharedLink(p: Principal): Promise<SharedRunModel> {
    if (!p.link) throw forbidden("sharedLink answers only with a share link (Authorization: Bearer shl_…)");
    const [run] = await this.data.readableRunsByIds(accessOf(p), [p.link.runId]);
    const [team] = await this.data.teamNamesByIds([p.link.ownerTeamId]);
    const [share] = (await this.data.listShares(p.link.ownerTeamId, p.link.runId)).filter((s) => s.id === p.link!.shareId);
    if (!run || !team || !share) throw notFound("run");
    return { shareId: share.id, run, team, promptOnly: share.promptOnly, sharedAt: share.createdAt, expiresAt: share.expiresAt };
  }

  audit(p: Principal, first: number | null | undefined) {
    requireOwner(p, "read the access log");
    const n = first ?? 50;
    if (!Number.isInteger(n) || n < 1 || n > 500) throw badInput("first", "first must be an integer from 1 to 500");
    return this.data.listAudit(p.teamId, n);
  }
}

export function isActive(s: { revokedAt: Date | null; expiresAt: Date | null }): boolean {
  return !s.revokedAt && (!s.expiresAt || s.expiresAt.getTime() > Date.now());
}
