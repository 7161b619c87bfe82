import { createInterface } from "node:readline/promises";
import { positionals, str } from "./cli.args.js";
import { EXIT, type Command } from "./cli.command.js";
import { removeLogin, saveLogin } from "./cli.credentials.js";
import { StudioError } from "./client.errors.js";
import { StudioClient } from "./client.js";

const whoami: Command = {
  name: "whoami",
  summary: "the key's user, team and role",
  usage: "usage: studio whoami [--json]",
  options: {},
  async run(ctx) {
    positionals(ctx.args, [], ctx.usage);
    const v = await ctx.client().viewer();
    ctx.out.debug(`API ${ctx.settings.apiUrl} (from ${ctx.settings.apiUrlSource}); key from ${ctx.settings.apiKeySource}`);
    ctx.out.result(v, `${v.user.name} in team ${v.team.name} (${v.role}) at ${ctx.settings.apiUrl}`);
    return EXIT.OK;
  },
};

const login: Command = {
  name: "login",
  summary: "check an API key and keep it for later commands",
  usage: `usage: studio login [--api-key KEY] [--api-url URL] [--json]
  Without --api-key, reads the key from stdin (so it stays out of your shell history). Saves URL and
  key (mode 0600) in $STUDIO_CONFIG_DIR or ~/.config/rare-studio/credentials.json.`,
  options: {},
  async run(ctx) {
    positionals(ctx.args, [], ctx.usage);
    const apiKey = str(ctx.args.values, "api-key") ?? (await readKey(ctx.io.stdin, ctx.io.stderr));
    if (!apiKey) throw new StudioError("UNAUTHENTICATED", "no API key given");
    const client = new StudioClient({ url: ctx.settings.apiUrl, apiKey });
    try {
      const v = await client.viewer();
      await saveLogin(ctx.settings.loginFile, { apiUrl: ctx.settings.apiUrl, apiKey });
      ctx.out.result({ ...v, savedTo: ctx.settings.loginFile }, `logged in as ${v.user.name} in team ${v.team.name} (${v.role}); saved to ${ctx.settings.loginFile}`);
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};

const logout: Command = {
  name: "logout",
  summary: "forget the key saved by login",
  usage: "usage: studio logout [--json]",
  options: {},
  async run(ctx) {
    positionals(ctx.args, [], ctx.usage);
    const had = await removeLogin(ctx.settings.loginFile);
    ctx.out.result({ removed: had, file: ctx.settings.loginFile }, had ? `removed ${ctx.settings.loginFile}` : "no saved login");
    return EXIT.OK;
  },
};

async function readKey(stdin: NodeJS.ReadableStream & { isTTY?: boolean }, stderr: NodeJS.WritableStream): Promise<string | undefined> {
  if (stdin.isTTY) stderr.write("API key (sk_…): ");
  const rl = createInterface({ input: stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line.trim() || undefined;
  }
  return undefined;
}

export const authCommands = [whoami, login, logout];
