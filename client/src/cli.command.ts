import type { ParsedArgs, OptionSpec } from "./cli.args.js";
import type { CliSettings } from "./cli.credentials.js";
import type { CliIo, Output } from "./cli.output.js";
import type { StudioClient } from "./client.js";

/** Exit codes (README "Scripting with the CLI"). */
export const EXIT = {
  OK: 0,
  /** A run FAILED/was CANCELED, an operation failed, or the API said NOT_FOUND/CONFLICT/FORBIDDEN. */
  FAILED: 1,
  /** The command line or its input was wrong (also the API's BAD_USER_INPUT, UNSAFE_FORMAT, BAD_SAFETENSORS). */
  USAGE: 2,
  /** The API cannot be reached, or no/bad API key. */
  UNREACHABLE_OR_AUTH: 3,
  /** Ctrl-C stopped watching (the run goes on). */
  INTERRUPTED: 130,
} as const;

/** The API's codes for input that cannot succeed as given: exit 2, like a bad command line. */
export const INPUT_ERROR_CODES: readonly string[] = ["BAD_USER_INPUT", "UNSAFE_FORMAT", "BAD_SAFETENSORS"];

export interface CommandContext {
  args: ParsedArgs;
  out: Output;
  io: CliIo;
  settings: CliSettings;
  /** The API client (created on first use, closed by the dispatcher). */
  client(): StudioClient;
  usage: string;
}

export interface Command {
  /** e.g. "runs start". */
  name: string;
  summary: string;
  /** Shown by --help and with usage errors. */
  usage: string;
  options: OptionSpec;
  run(ctx: CommandContext): Promise<number>;
}
