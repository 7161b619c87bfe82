import { parseArgs } from "node:util";
import { openDb } from "@studio/db";
import { ConfigError, parseAdminConfig } from "./config.js";
import { bindQueries } from "./data.js";
import { DomainError } from "./errors.js";
import { ApiKeysService } from "./services/api-keys.service.js";

/**
 * Admin bootstrap (wired into `./studio admin`):
 *   create-team --name N --user U [--email E] [--json]
 * creates a team, its OWNER user and an API key, and prints the secret once.
 */
const USAGE = "usage: admin create-team --name <team> --user <user name> [--email <email>] [--key-name <name>] [--if-no-teams] [--json]";

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "create-team") {
    console.error(USAGE);
    return 64; // EX_USAGE
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        name: { type: "string" },
        user: { type: "string" },
        email: { type: "string" },
        "key-name": { type: "string" },
        json: { type: "boolean", default: false },
        // `./studio up` on a fresh install: create the first team only when there is none
        "if-no-teams": { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`admin: ${(err as Error).message}\n${USAGE}`);
    return 64;
  }
  if (!values.name || !values.user) {
    console.error(`admin: --name and --user are required\n${USAGE}`);
    return 64;
  }
  let config;
  try {
    config = parseAdminConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`admin: ${err.message}`);
      return 78;
    }
    throw err;
  }
  const db = openDb(config.DATABASE_URL, { max: 2 });
  try {
    const data = bindQueries(db.db);
    const service = new ApiKeysService(data);
    if (values["if-no-teams"] && (await data.countTeams()) > 0) {
      console.log(values.json ? JSON.stringify({ created: false }) : "admin: a team exists already; nothing created");
      return 0;
    }
    const r = await service.createTeam({
      teamName: values.name,
      userName: values.user,
      email: values.email ?? null,
      keyName: values["key-name"] ?? "admin bootstrap",
    });
    const out = {
      created: true,
      teamId: r.team.id,
      teamName: r.team.name,
      userId: r.user.id,
      userName: r.user.name,
      email: r.user.email,
      apiKeyId: r.apiKey.id,
      secret: r.secret,
    };
    if (values.json) console.log(JSON.stringify(out));
    else
      console.log(
        [
          `team ${out.teamName} (${out.teamId}) created; OWNER ${out.userName} (${out.userId})`,
          `API key (shown once, store it now): ${out.secret}`,
          `use it as: Authorization: Bearer ${out.secret}`,
        ].join("\n"),
      );
    return 0;
  } catch (err) {
    if (err instanceof DomainError) {
      console.error(`admin: ${err.message}`);
      return 65; // EX_DATAERR
    }
    const cause = (err as { cause?: { detail?: string; message?: string } }).cause;
    console.error(`admin: ${cause?.detail ?? cause?.message ?? (err as Error).message}`);
    return 1;
  } finally {
    await db.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
