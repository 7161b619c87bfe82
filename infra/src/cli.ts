import { existsSync } from "node:fs";
import { join } from "node:path";
import { ensureEngineEnv } from "./engine-env.service.js";
import { repoRoot } from "./paths.js";
import { parseStackConfig, type StackConfig } from "./stack.config.js";
import { CommandError } from "./proc.js";
import { firstKeyFile, runAdmin, servicesUp, stackDown, stackStatus, stackUp } from "./stack.js";
import { prepareEvalModels } from "./eval-models.js";
import { modelsCommand } from "./base-models.js";
import { runAllTests } from "./test.runner.js";
import { CLIENT_COMMANDS } from "./client-commands.js";

const USAGE = `usage: ./studio <command>
  up             start everything (PostgreSQL, MinIO, migrations, API, trainer, dashboard) in the foreground
  down           stop everything, including PostgreSQL and MinIO
  status         what is running and where its data lives
  services       start only PostgreSQL and MinIO (migrated); print how to reach them
  engine-env     create or update the engine's Python virtualenv; print its interpreter
  eval-models [--tiny] [--out DIR]
                 prepare the evaluator's encoders (CLIP ViT-B/32 + DINO ViT-S/16 as ONNX; needs internet
                 once), or with --tiny small random ones for an offline demo (scores are meaningless)
  models list    which base models this machine has (and from where)
  models pull <id> [--revision REV] [--force]
                 download a base model from the Hugging Face Hub (HF_ENDPOINT, HF_TOKEN) into the cache the
                 engine loads from: progress, sha256 checks, resumes an interrupted download (docs/base-models.md)
  admin ...      API administration, e.g. admin create-team --name N --user U [--email E] [--json]
  test [args]    run every test (args go to vitest)
  subjects, runs, generate, checkpoints, evaluate, share, export, import, login, logout, whoami
                 the API client for scripts (client/): ./studio runs --help, README "Scripting with the CLI"`;

// The user-facing API commands are the client CLI's (client/src/cli.main.ts), run in this process.

function loadConfig(): StackConfig {
  const envFile = join(repoRoot, ".env");
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return parseStackConfig(process.env);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd && CLIENT_COMMANDS.includes(cmd)) {
    const c = loadConfig();
    const { runCli } = await import("@studio/client/cli");
    return runCli(argv, { defaults: { apiUrl: `http://${c.STUDIO_HOST}:${c.API_PORT}/graphql`, firstKeyFile: firstKeyFile(c) } });
  }
  switch (cmd) {
    case "up":
      return stackUp(loadConfig());
    case "down":
      await stackDown(loadConfig());
      return 0;
    case "status":
      await stackStatus(loadConfig());
      return 0;
    case "services": {
      const s = await servicesUp(loadConfig());
      console.log(`DATABASE_URL=${s.databaseUrl}\nDATABASE_URL_API=${s.db.api}\nDATABASE_URL_TRAINER=${s.db.trainer}\nS3_ENDPOINT=${s.s3.endpoint}`);
      return 0;
    }
    case "admin": {
      // service messages go to stderr: stdout is the admin command's (e.g. --json for scripts)
      const log = console.log;
      console.log = console.error;
      const s = await servicesUp(loadConfig()).finally(() => (console.log = log));
      try {
        process.stdout.write(await runAdmin(rest, s.databaseUrl));
        return 0;
      } catch (err) {
        console.error((err as CommandError).output?.trim() || (err as Error).message);
        return 1;
      }
    }
    case "engine-env":
      console.log(await ensureEngineEnv());
      return 0;
    case "eval-models":
      return prepareEvalModels(rest);
    case "models":
      if (existsSync(join(repoRoot, ".env"))) process.loadEnvFile(join(repoRoot, ".env"));
      return modelsCommand(rest);
    case "test":
      await runAllTests(rest);
      return 0;
    default:
      console.error(USAGE);
      return cmd === undefined || cmd === "help" || cmd === "--help" ? 0 : 64;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`studio: ${err.message}`);
    process.exit(1);
  },
);
