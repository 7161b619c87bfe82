import { flag, int, positionals, required, str, UsageError } from "./cli.args.js";
import { EXIT, type Command } from "./cli.command.js";
import { table } from "./cli.output.js";
import type { CreateShareInput } from "./generated/graphql.js";

const create: Command = {
  name: "share",
  summary: "share a run's checkpoints with another team or through a link (OWNER)",
  usage: `usage: studio share --run RUN_ID (--team TEAM_ID | --link [--prompt-only]) [--expires-in-hours N] [--json]
       studio share list [--run RUN_ID]       studio share revoke SHARE_ID
  A link's token (shl_…) is printed once: whoever holds it can read the run, generate and (unless
  --prompt-only) download. Revoking takes effect on the next request.`,
  options: { run: { type: "string" }, team: { type: "string" }, link: { type: "boolean" }, "prompt-only": { type: "boolean" }, "expires-in-hours": { type: "string" } },
  async run(ctx) {
    positionals(ctx.args, [], ctx.usage);
    const v = ctx.args.values;
    const team = str(v, "team");
    if (!!team === flag(v, "link")) throw new UsageError("give exactly one of --team TEAM_ID or --link", ctx.usage);
    if (team && flag(v, "prompt-only")) throw new UsageError("--prompt-only applies to --link shares only", ctx.usage);
    const input: CreateShareInput = { runId: required(v, "run", ctx.usage), kind: team ? "TEAM" : "LINK" };
    if (team) input.targetTeamId = team;
    if (flag(v, "prompt-only")) input.promptOnly = true;
    const hours = int(v, "expires-in-hours", 1, 8760, ctx.usage);
    if (hours !== undefined) input.expiresInHours = hours;
    const created = await ctx.client().createShare(input);
    const s = created.share;
    ctx.out.result(created, [
      `share ${s.id} (${s.kind}${s.targetTeam ? ` with ${s.targetTeam.name}` : ""}${s.expiresAt ? `, until ${s.expiresAt}` : ""})`,
      ...(created.token ? [`token ${created.token}   (shown once; send as Authorization: Bearer <token>)`, `dashboard path ${created.url ?? ""}`] : []),
    ]);
    return EXIT.OK;
  },
};

const list: Command = {
  name: "share list",
  summary: "the team's shares (of one run, or all)",
  usage: "usage: studio share list [--run RUN_ID] [--json]",
  options: { run: { type: "string" } },
  async run(ctx) {
    positionals(ctx.args, [], ctx.usage);
    const shares = await ctx.client().shares(str(ctx.args.values, "run"));
    const rows = shares.map((s) => [
      s.id,
      s.kind,
      s.active ? "active" : s.revokedAt ? "revoked" : "expired",
      `run ${s.run.id}`,
      s.targetTeam?.name ?? (s.promptOnly ? "link (prompt only)" : "link"),
    ]);
    ctx.out.result({ shares }, rows.length ? table(rows) : ["no shares"]);
    return EXIT.OK;
  },
};

const revoke: Command = {
  name: "share revoke",
  summary: "revoke a share (OWNER)",
  usage: "usage: studio share revoke SHARE_ID [--json]",
  options: {},
  async run(ctx) {
    const [id] = positionals(ctx.args, ["share-id"], ctx.usage);
    const s = await ctx.client().revokeShare(id!);
    ctx.out.result(s, `share ${s.id} revoked`);
    return EXIT.OK;
  },
};

export const shareCommands = [create, list, revoke];
