import { parseArgs, type ParseArgsConfig } from "node:util";

/** The command line was wrong: exit code 2, with the command's usage. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  json: { type: "boolean" },
  "api-url": { type: "string" },
  "api-key": { type: "string" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionSpec;

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  values: Values;
  positionals: string[];
}

/** Parses one command's arguments strictly: an unknown option or a missing value is a UsageError. */
export function parseCommandArgs(argv: string[], options: OptionSpec, usage: string): ParsedArgs {
  try {
    const r = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""), usage);
  }
}

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

export function required(values: Values, name: string, usage: string): string {
  const v = str(values, name);
  if (v === undefined || v.trim() === "") throw new UsageError(`--${name} is required`, usage);
  return v;
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

/** An integer option within [min, max], or undefined when absent. */
export function int(values: Values, name: string, min: number, max: number, usage: string): number | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`, usage);
  return n;
}

/** A number option within [min, max], or undefined when absent. */
export function num(values: Values, name: string, min: number, max: number, usage: string): number | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max} (got ${JSON.stringify(raw)})`, usage);
  return n;
}

/** One of `choices` (case-insensitive, `-` or `_`), mapped to its API enum value. */
export function choice<T extends string>(values: Values, name: string, choices: Record<string, T>, usage: string): T | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  const v = choices[raw.toLowerCase().replace(/_/g, "-")];
  if (!v) throw new UsageError(`--${name} must be one of ${Object.keys(choices).join(", ")} (got ${JSON.stringify(raw)})`, usage);
  return v;
}

/** Exactly `n` positional arguments, named for the message. */
export function positionals(p: ParsedArgs, names: string[], usage: string): string[] {
  if (p.positionals.length !== names.length) {
    const what = names.length ? names.map((n) => `<${n}>`).join(" ") : "no arguments";
    throw new UsageError(`expected ${what}, got ${p.positionals.length ? p.positionals.map((a) => JSON.stringify(a)).join(" ") : "none"}`, usage);
  }
  return p.positionals;
}
