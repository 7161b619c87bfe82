import { describe, expect, it } from "vitest";
import { SharesService, type SharesData } from "./shares.service.js";
import { mockOf, OTHER_TEAM, principal, refusal, RUN, TEAM, type Fakes } from "./testing/mocks.js";

// Service tests with a mocked data layer (no PostgreSQL): who may share what, and link authentication.
const SHARE = "77777777-7777-4777-8777-777777777777";
/** The run is the caller's team's own (getRun finds it in the team); with `notOwn` it is not. */
const ownRun: Fakes<SharesData> = { getRun: async () => ({ id: RUN, teamId: TEAM }) as never };
const notOwn: Fakes<SharesData> = { getRun: async () => null };
const dataOf = (impl: Fakes<SharesData>, run = ownRun) => mockOf<SharesData>({ ...run, ...impl });
const share = (s: object = {}) => ({ id: SHARE, teamId: TEAM, runId: RUN, kind: "TEAM", targetTeamId: OTHER_TEAM, revokedAt: null, expiresAt: null, promptOnly: false, ...s });

describe("SharesService.create", () => {
  it("shares with another team, and a LINK share returns its token once (only its sha256 is stored)", async () => {
    const data = dataOf({
      teamNamesByIds: async () => [{ id: OTHER_TEAM, name: "Other" }],
      listShares: async () => [],
      createShare: async (s: object) => share(s),
    });
    const service = new SharesService(data);
    const team = await service.create(principal(), { runId: RUN, kind: "TEAM", targetTeamId: OTHER_TEAM, expiresInHours: 24 });
    expect(team.token).toBeNull();
    const link = await service.create(principal(), { runId: RUN, kind: "LINK", promptOnly: true });
    expect(link.token).toMatch(/^shl_[A-Za-z0-9_-]{43}$/);
    const stored = data.calls("createShare")[1]![0] as { tokenHash: string; promptOnly: boolean };
    expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(data.calls("createShare"))).not.toContain(link.token!);
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
    const data = dataOf({}); // createShare would be an unexpected call
    expect(await refusal(new SharesService(data).create(principal(), { runId: RUN, ...input }))).toEqual({ code, field });
  });

  it("refuses a second live share with the same team (CONFLICT) and an unknown team (NOT_FOUND)", async () => {
    const twice = dataOf({ teamNamesByIds: async () => [{ id: OTHER_TEAM, name: "Other" }], listShares: async () => [share()] });
    expect((await refusal(new SharesService(twice).create(principal(), { runId: RUN, kind: "TEAM", targetTeamId: OTHER_TEAM }))).code).toBe("CONFLICT");
    // a revoked share with that team does not count
    const revoked = dataOf({
      teamNamesByIds: async () => [{ id: OTHER_TEAM, name: "Other" }],
      listShares: async () => [share({ revokedAt: new Date() })],
      createShare: async (s: object) => share(s),
    });
    await new SharesService(revoked).create(principal(), { runId: RUN, kind: "TEAM", targetTeamId: OTHER_TEAM });
    expect(revoked.calls("createShare")).toHaveLength(1);
    const unknown = dataOf({ teamNamesByIds: async () => [] });
    expect((await refusal(new SharesService(unknown).create(principal(), { runId: RUN, kind: "TEAM", targetTeamId: OTHER_TEAM }))).code).toBe("NOT_FOUND");
  });

  it("only an OWNER shares, never a share link, and only the team's own runs", async () => {
    const data = dataOf({ readableRunsByIds: async () => [{ id: RUN }] as never });
    const service = new SharesService(data);
    expect((await refusal(service.create(principal("MEMBER"), { runId: RUN, kind: "LINK" }))).code).toBe("FORBIDDEN");
    const link = principal("VIEWER", { link: { shareId: SHARE, runId: RUN, ownerTeamId: TEAM, promptOnly: false } });
    expect((await refusal(service.create(link, { runId: RUN, kind: "LINK" }))).code).toBe("FORBIDDEN");
    // a run another team shared with the caller's team: FORBIDDEN to share onward; unknown: NOT_FOUND
    expect(
      (await refusal(new SharesService(dataOf({ readableRunsByIds: async () => [{ id: RUN }] as never }, notOwn)).create(principal(), { runId: RUN, kind: "LINK" }))).code,
    ).toBe("FORBIDDEN");
    const hidden = dataOf({ readableRunsByIds: async () => [] }, notOwn);
    expect((await refusal(new SharesService(hidden).create(principal(), { runId: RUN, kind: "LINK" }))).code).toBe("NOT_FOUND");
  });
});

describe("SharesService.authenticateLink and revoke", () => {
  it("answers a known link with a VIEWER principal that owns nothing; FORBIDDEN once revoked or expired", async () => {
    const found = (s: object, expired = false) => dataOf({ findLinkShare: async () => ({ share: share({ kind: "LINK", promptOnly: true, ...s }), expired }) });
    const p = await new SharesService(found({})).authenticateLink("Bearer shl_abc");
    expect(p).toMatchObject({ role: "VIEWER", teamId: "00000000-0000-0000-0000-000000000000", link: { runId: RUN, ownerTeamId: TEAM, promptOnly: true } });
    expect((await refusal(new SharesService(found({ revokedAt: new Date() })).authenticateLink("Bearer shl_abc"))).code).toBe("FORBIDDEN");
    expect((await refusal(new SharesService(found({ expiresAt: new Date(0) }, true)).authenticateLink("Bearer shl_abc"))).code).toBe("FORBIDDEN");
    // not a link, or absurdly long: no lookup at all
    expect(await new SharesService(dataOf({})).authenticateLink(`Bearer shl_${"x".repeat(300)}`)).toBeNull();
    expect(await new SharesService(dataOf({})).authenticateLink("Bearer sk_abc")).toBeNull();
  });

  it("revoke: OWNER only; another team's or a malformed id is NOT_FOUND", async () => {
    const data = dataOf({ revokeShare: async () => null });
    expect((await refusal(new SharesService(data).revoke(principal("MEMBER"), SHARE))).code).toBe("FORBIDDEN");
    expect(data.calls("revokeShare")).toHaveLength(0);
    expect((await refusal(new SharesService(data).revoke(principal(), SHARE))).code).toBe("NOT_FOUND");
    expect((await refusal(new SharesService(data).revoke(principal(), "nope"))).code).toBe("NOT_FOUND");
    expect(data.calls("revokeShare")).toEqual([[TEAM, SHARE, principal().userId]]);
  });

  it("a prompt-only link cannot download files", () => {
    const service = new SharesService(dataOf({}));
    const promptOnly = principal("VIEWER", { link: { shareId: SHARE, runId: RUN, ownerTeamId: TEAM, promptOnly: true } });
    expect(() => service.requireDownload(promptOnly)).toThrow(/prompt-only/);
    expect(service.canDownload(principal("VIEWER"))).toBe(true);
  });
});
