import { describe, expect, it } from "vitest";
import { MembersService, type MembersData } from "./members.service.js";
import { mockOf, OTHER_TEAM, principal, refusal, TEAM, USER } from "./testing/mocks.js";

// Service tests with a mocked data layer (no PostgreSQL): roles, invitations and the last OWNER.
const OTHER_USER = "88888888-8888-4888-8888-888888888888";
const INVITE = "99999999-9999-4999-8999-999999999999";
const CODE = `inv_${"a".repeat(43)}`;
const invitation = (i: object = {}) => ({ id: INVITE, teamId: TEAM, role: "MEMBER", acceptedAt: null, revokedAt: null, ...i });
const accepted = { ok: true, team: { id: TEAM, name: "T" }, role: "MEMBER", user: { id: OTHER_USER }, key: { id: "k" } };

describe("MembersService: invitations", () => {
  it("an OWNER invites for 72 hours unless told otherwise; only the code's sha256 is stored", async () => {
    const data = mockOf<MembersData>({ createInvitation: async (i: object) => invitation(i) });
    const before = Date.now();
    const { code } = await new MembersService(data).createInvitation(principal(), "VIEWER", null);
    const row = data.calls("createInvitation")[0]![0] as { codeHash: string; expiresAt: Date; role: string };
    expect(code).toMatch(/^inv_/);
    expect(row.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(code);
    expect(row.expiresAt.getTime() - before).toBeGreaterThanOrEqual(72 * 3_600_000 - 1000);
    expect(row.role).toBe("VIEWER");
  });

  it.each([
    [principal("MEMBER"), "MEMBER", 24, { code: "FORBIDDEN" }],
    [principal(), "ADMIN", 24, { code: "BAD_USER_INPUT", field: "role" }],
    [principal(), "MEMBER", 0, { code: "BAD_USER_INPUT", field: "expiresInHours" }],
    [principal(), "MEMBER", 721, { code: "BAD_USER_INPUT", field: "expiresInHours" }],
  ] as const)("refuses %#: %o, writes nothing", async (p, role, hours, expected) => {
    const data = mockOf<MembersData>({});
    expect(await refusal(new MembersService(data).createInvitation(p, role as never, hours))).toEqual({ field: undefined, ...expected });
  });

  it("cannot revoke an accepted invitation (CONFLICT)", async () => {
    const data = mockOf<MembersData>({ getInvitation: async () => invitation({ acceptedAt: new Date() }) as never });
    expect((await refusal(new MembersService(data).revokeInvitation(principal(), INVITE))).code).toBe("CONFLICT");
  });

  it("accept: FORBIDDEN for a used, revoked or expired invitation; a malformed code is NOT_FOUND without a lookup", async () => {
    for (const [inv, expired, why] of [
      [{ acceptedAt: new Date() }, false, /already used/],
      [{ revokedAt: new Date() }, false, /revoked/],
      [{}, true, /expired/],
    ] as const) {
      const data = mockOf<MembersData>({ findInvitationByCode: async () => ({ invitation: invitation(inv), expired }) as never });
      const err = await new MembersService(data).accept(principal(), { code: CODE }).catch((e: unknown) => e);
      expect(err).toMatchObject({ extensions: { code: "FORBIDDEN" } });
      expect(String((err as Error).message)).toMatch(why);
    }
    expect((await refusal(new MembersService(mockOf<MembersData>({})).accept(null, { code: "inv_short", name: "A" }))).code).toBe("NOT_FOUND");
  });

  it("accept as a new person needs a name and a plausible email; then one key is made for them", async () => {
    const found = async () => ({ invitation: invitation(), expired: false }) as never;
    const refusing = mockOf<MembersData>({ findInvitationByCode: found });
    expect(await refusal(new MembersService(refusing).accept(null, { code: CODE, name: " " }))).toEqual({ code: "BAD_USER_INPUT", field: "name" });
    expect(await refusal(new MembersService(refusing).accept(null, { code: CODE, name: "Ann", email: "not-an-address" }))).toEqual({ code: "BAD_USER_INPUT", field: "email" });
    const data = mockOf<MembersData>({ findInvitationByCode: found, acceptInvitation: async () => accepted as never });
    const out = await new MembersService(data).accept(null, { code: CODE, name: "Ann", email: "ann@example.com" });
    expect(out.apiKey.secret).toMatch(/^sk_/);
    expect(data.calls("acceptInvitation")[0]![0]).toMatchObject({ existingUserId: null, newUser: { name: "Ann", email: "ann@example.com" } });
  });

  it("accept maps a lost race and an existing membership to their codes", async () => {
    const found = async () => ({ invitation: invitation(), expired: false }) as never;
    const member = mockOf<MembersData>({ findInvitationByCode: found, acceptInvitation: async () => ({ ok: false, reason: "already_member" }) as never });
    expect((await refusal(new MembersService(member).accept(principal(), { code: CODE }))).code).toBe("CONFLICT");
    const raced = mockOf<MembersData>({ findInvitationByCode: found, acceptInvitation: async () => ({ ok: false, reason: "used" }) as never });
    expect((await refusal(new MembersService(raced).accept(principal(), { code: CODE }))).code).toBe("FORBIDDEN");
  });
});

describe("MembersService: roles and removal", () => {
  it("the last OWNER can be neither demoted nor removed (CONFLICT)", async () => {
    const data = mockOf<MembersData>({ changeMember: async () => ({ ok: false, reason: "last_owner" }) as never });
    expect((await refusal(new MembersService(data).setRole(principal(), USER, "MEMBER"))).code).toBe("CONFLICT");
    expect((await refusal(new MembersService(data).remove(principal(), USER))).code).toBe("CONFLICT");
  });

  it("only an OWNER changes roles or removes others; anyone may leave", async () => {
    const data = mockOf<MembersData>({ changeMember: async () => ({ ok: true, before: { userId: USER }, after: null }) as never });
    expect((await refusal(new MembersService(data).setRole(principal("MEMBER"), OTHER_USER, "OWNER"))).code).toBe("FORBIDDEN");
    expect((await refusal(new MembersService(data).remove(principal("MEMBER"), OTHER_USER))).code).toBe("FORBIDDEN");
    expect(data.calls("changeMember")).toHaveLength(0);
    await new MembersService(data).remove(principal("VIEWER"), USER);
    expect(data.calls("changeMember")).toEqual([[{ teamId: TEAM, userId: USER, role: null, actorUserId: USER }]]);
  });

  it("refuses an unknown role and a malformed member id before any change; another team's members are NOT_FOUND", async () => {
    const data = mockOf<MembersData>({ getMembership: async () => null });
    expect(await refusal(new MembersService(data).setRole(principal(), OTHER_USER, "ROOT" as never))).toEqual({ code: "BAD_USER_INPUT", field: "role" });
    expect((await refusal(new MembersService(data).setRole(principal(), "nope", "MEMBER"))).code).toBe("NOT_FOUND");
    expect((await refusal(new MembersService(data).members(principal(), OTHER_TEAM))).code).toBe("NOT_FOUND");
  });
});
