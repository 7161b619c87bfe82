import { flag, parseCommandArgs, UsageError } from "./cli.args.js";
import { EXIT, INPUT_ERROR_CODES, type Command, type CommandContext } from "./cli.command.js";
import { resolveSettings, type CliDefaults } from "./cli.credentials.js";
import { Output, processIo, type CliIo } from "./cli.output.js";
import { authCommands } from "./auth.command.js";
import { checkpointCommands } from "./checkpoints.command.js";
import { StudioError } from "./client.errors.js";
import { StudioClient } from "./client.js";
import { evaluateCommands } from "./evaluate.command.js";
import { exportCommands } from "./export.command.js";
import { importCommands } from "./import.command.js";
import { generateCommands } from "./generate.command.js";
import { runCommands } from "./runs.command.js";
import { shareCommands } from "./share.command.js";
import { subjectCommands } from "./subjects.command.js";

export const COMMANDS: Command[] = [
  ...subjectCommands,
  ...runCommands,
  ...generateCommands,
  ...checkpointCommands,
  ...evaluateCommands,
  ...shareCommands,
  ...exportCommands,
  ...importCommands,
  ...authCommands,
];

/** The first words of the commands `./studio` hands to this CLI. */
export const CLIENT_COMMAND_WORDS = [...new Set(COMMANDS.map((c) => c.name.split(" ")[0]!))];

export const USAGE = `usage: studio <command> [options]   (every command takes --json, --api-url URL, --api-key KEY, -v, --help)
${COMMANDS.map((c) => `  ${c.name.padEnd(22)} ${c.summary}`).join("\n")}
exit codes: 0 ok · 1 failed (run FAILED/CANCELED, NOT_FOUND, …) · 2 bad usage or input (BAD_USER_INPUT, UNSAFE_FORMAT, BAD_SAFETENSORS)
            3 API unreachable or no/bad API key · 130 Ctrl-C while watching (the run goes on)`;

/** The command named by the longest matching prefix of argv ("runs start" before "runs"). */
export function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(" ");
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return null;
}

/** Maps an error to its exit code (documented in USAGE and the README). */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.USAGE;
  if (!(err instanceof StudioError)) return EXIT.FAILED;
  if (INPUT_ERROR_CODES.includes(err.code)) return EXIT.USAGE;
  if (["UNREACHABLE", "UNAUTHENTICATED", "BAD_RESPONSE", "NO_API_KEY"].includes(err.code)) return EXIT.UNREACHABLE_OR_AUTH;
  return EXIT.FAILED;
}

/**
 * Runs one CLI command; returns the exit code. Errors are printed on stderr (and as
 * `{"error": {code, message, field}}` on stdout with --json), never thrown.
 */
export async function runCli(argv: string[], opts: { io?: CliIo; defaults?: CliDefaults } = {}): Promise<number> {
  const io = opts.io ?? processIo();
  const found = findCommand(argv);
  if (!found) return unknownCommand(io, argv);
  const { command, rest } = found;
  const json = rest.includes("--json");
  const out = new Output(io, json, rest.includes("--verbose") || rest.includes("-v"));
  let client: StudioClient | null = null;
  try {
    const args = parseCommandArgs(rest, command.options, command.usage);
    if (flag(args.values, "help")) {
      io.stdout.write(`${command.usage}\n`);
      return EXIT.OK;
    }
    const settings = resolveSettings(args.values, io.env, opts.defaults);
    out.debug(`API ${settings.apiUrl} (from ${settings.apiUrlSource}); API key from ${settings.apiKeySource}`);
    const ctx: CommandContext = {
      args,
      out,
      io,
      settings,
      usage: command.usage,
      client: () => (client ??= newClient(settings.apiUrl, settings.apiKey, settings.apiKeySource)),
    };
    return await command.run(ctx);
  } catch (err) {
    return report(out, command, err);
  } finally {
    await (client as StudioClient | null)?.close();
  }
}

function newClient(url: string, apiKey: string | undefined, source: string): StudioClient {
  if (!apiKey)
    throw new StudioError(
      "NO_API_KEY",
      `no API key: pass --api-key, set STUDIO_API_KEY, run \`studio login\`, or start the stack with ./studio up (it saves the first key); looked in ${source}`,
    );
  return new StudioClient({ url, apiKey });
}

function report(out: Output, command: Command, err: unknown): number {
  const code = exitCodeFor(err);
  if (err instanceof UsageError) {
    out.info(`studio ${command.name}: ${err.message}`);
    out.info(err.usage ?? command.usage);
    out.ndjson({ error: { code: "USAGE", message: err.message } });
  } else if (err instanceof StudioError) {
    out.info(`studio ${command.name}: ${err.describe()}`);
    out.ndjson({ error: err.toJSON() });
  } else {
    out.info(`studio ${command.name}: ${(err as Error)?.stack ?? String(err)}`);
    out.ndjson({ error: { code: "INTERNAL", message: (err as Error)?.message ?? String(err) } });
  }
  return code;
}

function unknownCommand(io: CliIo, argv: string[]): number {
  const asked = argv.length === 0 || ["help", "--help", "-h"].includes(argv[0]!);
  if (!asked) io.stderr.write(`studio: unknown command "${argv.slice(0, 2).join(" ")}"\n`);
  (asked ? io.stdout : io.stderr).write(`${USAGE}\n`);
  return asked ? EXIT.OK : EXIT.USAGE;
}
