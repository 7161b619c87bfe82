import { describe, expect, it } from "vitest";
import type { RunsRepository } from "../repositories/runs.repository.js";
import type { SharingRepository } from "../repositories/sharing.repository.js";
import { SharesService } from "./shares.service.js";
import { mockOf, OTHER_TEAM, principal, refusal, RUN, TEAM } from "./testing/mock-repo.js";

// Service tests with mocked repositories (no PostgreSQL): who may share what, and link authentication.
const SHARE = "77777777-7777-4777-8777-777777777777";
const ownRun = mockOf<RunsRepository>({ get: async () => ({ id: RUN, teamId: TEAM }) as never });
const share = (s: object = {}) => ({ id: SHARE, teamId: TEAM, runId: RUN, kind: "TEAM", targetTeamId: OTHER_TEAM, revokedAt: null, expiresAt: null, promptOnly: false, ...s });

describe("SharesService.create", () => {
  it("shares with another team, and a LINK share returns its token once (only its sha256 is stored)", async () => {
    const repo = mockOf<SharingRepository>({
      teamNamesByIds: async () => [{ id: OTHER_TEAM, name: "Other" }],
      listShares: async () => [],
      createShare: async (s: object) => share(s),
    });
    const service = new SharesService(repo, ownRun);
    const team = await service.create(principal(), { runId: RUN, kind: "TEAM", targetTeamId: OTHER_TEAM, expiresInHours: 24 });
    expect(team.token).toBeNull();
    const link = await service.create(principal(), { runId: RUN, kind: "LINK", promptOnly: true });
    expect(link.token).toMatch(/^shl_[A-Za-z0-9_-]{43}$/);
    const stored = repo.calls("createShare")[1]![0] as { tokenHash: string; promptOnly: boolean };
    expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(repo.calls("createShare"))).not.toContain(link.token!);
    expect(stored.promptOnly).toBe(true);
  });

  it.each([
    [{ kind: "TEAM" as const, targetTeamId: OTHER_TEAM, expiresInHours: 0 }, "BAD_USER_INPUT", "expiresInHours"],
    [{ kind: "TEAM" as const, targetTeamId: OTHER_TEAM, expiresInHours: 8761 }, "BAD_USER_INPUT", "expiresInHours"],
    [{ kind: "TEAM" as const }, "BAD_USER_INPUT", "targetTeamId"],
    [{ kind: "TEAM" as const, targetTeamId: TEAM }, "BAD_USER_INPUT", "targetTeamId"],
    [{ kind: "TEAM" as const, targetTeamId: OTHER_TEAM, promptOnly: true }, "BAD_USER_INPUT", "promptOnly"],
    [{ kind: "LINK" as const, targetTeamId: OTHER_TEAM }, "BAD_USER_INPUT", "targetTeamId"],
  ])("refuses %o (%s %s) and creates nothing", async (input, code, field) => {
    const repo = mockOf<SharingRepository>({}); // createShare would be an unexpected call
    expect(await refusal(new SharesService(repo, ownRun).create(principal(), { runId: RUN, ...input }))).toEqual({ code, field });
  });

  it("refuses a second live share with the same team (CONFLICT) and an unknown team (NOT_FOUND)", async () => {
    const twice = mockOf<SharingRepository>({ teamNamesByIds: async () => [{ id: OTHER_TEAM, name: "Other" }], listShares: async () => [share()] });
    expect((await refusal(new SharesService(twice, ownRun).create(principal(), { runId: RUN, kind: "TEAM", targetTeamId: OTHER_TEAM }))).code).toBe("CONFLICT");
    // a revoked share with that team does not count
    const revoked = mockOf<SharingRepository>({
      teamNamesByIds: async () => [{ id: OTHER_TEAM, name: "Other" }],
      listShares: async () => [share({ revokedAt: new Date() })],
      createShare: async (s: object) => share(s),
    });
    await new SharesService(revoked, ownRun).create(principal(), { runId: RUN, kind: "TEAM", targetTeamId: OTHER_TEAM });
    expect(revoked.calls("createShare")).toHaveLength(1);
    const unknown = mockOf<SharingRepository>({ teamNamesByIds: async () => [] });
    expect((await refusal(new SharesService(unknown, ownRun).create(principal(), { runId: RUN, kind: "TEAM", targetTeamId: OTHER_TEAM }))).code).toBe("NOT_FOUND");
  });

  it("only an OWNER shares, never a share link, and only the team's own runs", async () => {
    const repo = mockOf<SharingRepository>({ runsByIds: async () => [{ id: RUN }] as never });
    const service = new SharesService(repo, ownRun);
    expect((await refusal(service.create(principal("MEMBER"), { runId: RUN, kind: "LINK" }))).code).toBe("FORBIDDEN");
    const link = principal("VIEWER", { link: { shareId: SHARE, runId: RUN, ownerTeamId: TEAM, promptOnly: false } });
    expect((await refusal(service.create(link, { runId: RUN, kind: "LINK" }))).code).toBe("FORBIDDEN");
    // a run another team shared with the caller's team: FORBIDDEN to share onward; unknown: NOT_FOUND
    const notOwn = mockOf<RunsRepository>({ get: async () => null });
    expect((await refusal(new SharesService(repo, notOwn).create(principal(), { runId: RUN, kind: "LINK" }))).code).toBe("FORBIDDEN");
    const hidden = mockOf<SharingRepository>({ runsByIds: async () => [] });
    expect((await refusal(new SharesService(hidden, notOwn).create(principal(), { runId: RUN, kind: "LINK" }))).code).toBe("NOT_FOUND");
  });
});

describe("SharesService.authenticateLink and revoke", () => {
  it("answers a known link with a VIEWER principal that owns nothing; FORBIDDEN once revoked or expired", async () => {
    const found = (s: object, expired = false) => mockOf<SharingRepository>({ findLinkShare: async () => ({ share: share({ kind: "LINK", promptOnly: true, ...s }), expired }) });
    const p = await new SharesService(found({}), ownRun).authenticateLink("Bearer shl_abc");
    expect(p).toMatchObject({ role: "VIEWER", teamId: "00000000-0000-0000-0000-000000000000", link: { runId: RUN, ownerTeamId: TEAM, promptOnly: true } });
    expect((await refusal(new SharesService(found({ revokedAt: new Date() }), ownRun).authenticateLink("Bearer shl_abc"))).code).toBe("FORBIDDEN");
    expect((await refusal(new SharesService(found({ expiresAt: new Date(0) }, true), ownRun).authenticateLink("Bearer shl_abc"))).code).toBe("FORBIDDEN");
    // not a link, or absurdly long: no lookup at all
    expect(await new SharesService(mockOf<SharingRepository>({}), ownRun).authenticateLink(`Bearer shl_${"x".repeat(300)}`)).toBeNull();
    expect(await new SharesService(mockOf<SharingRepository>({}), ownRun).authenticateLink("Bearer sk_abc")).toBeNull();
  });

  it("revoke: OWNER only; another team's or a malformed id is NOT_FOUND", async () => {
    const repo = mockOf<SharingRepository>({ revokeShare: async () => null });
    expect((await refusal(new SharesService(repo, ownRun).revoke(principal("MEMBER"), SHARE))).code).toBe("FORBIDDEN");
    expect(repo.calls("revokeShare")).toHaveLength(0);
    expect((await refusal(new SharesService(repo, ownRun).revoke(principal(), SHARE))).code).toBe("NOT_FOUND");
    expect((await refusal(new SharesService(repo, ownRun).revoke(principal(), "nope"))).code).toBe("NOT_FOUND");
    expect(repo.calls("revokeShare")).toEqual([[TEAM, SHARE, principal().userId]]);
  });

  it("a prompt-only link cannot download files", () => {
    const service = new SharesService(mockOf<SharingRepository>({}), ownRun);
    const promptOnly = principal("VIEWER", { link: { shareId: SHARE, runId: RUN, ownerTeamId: TEAM, promptOnly: true } });
    expect(() => service.requireDownload(promptOnly)).toThrow(/prompt-only/);
    expect(service.canDownload(principal("VIEWER"))).toBe(true);
  });
});
