import type { Readable, Writable } from "node:stream";

export type OutStream = Writable & { isTTY?: boolean; columns?: number };

/** The CLI's outside world, injectable for tests and for `./studio` running it in-process. */
export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  stdin: Readable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Calls `handler` on Ctrl-C (SIGINT) until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    onInterrupt(handler) {
      process.on("SIGINT", handler);
      return () => process.off("SIGINT", handler);
    },
  };
}

/**
 * stdout carries the result: one JSON document with --json (NDJSON for --watch), else text.
 * stderr carries everything for people: progress, per-file notes, warnings.
 */
export class Output {
  constructor(
    readonly io: CliIo,
    readonly json: boolean,
    readonly verbose: boolean,
  ) {}

  /** Whether a live, redrawn progress line fits (a terminal on stderr). */
  get live(): boolean {
    return this.io.stderr.isTTY === true;
  }

  get columns(): number {
    return this.io.stderr.columns ?? 80;
  }

  /** The command's result: `data` as JSON with --json, else `text` (lines). */
  result(data: unknown, text: string | string[]): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(data)}\n`);
    else {
      const lines = Array.isArray(text) ? text : [text];
      if (lines.length) this.io.stdout.write(`${lines.join("\n")}\n`);
    }
  }

  /** One NDJSON line on stdout (--json only). */
  ndjson(data: unknown): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(data)}\n`);
  }

  /** A note for people, on stderr. */
  info(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  debug(line: string): void {
    if (this.verbose) this.io.stderr.write(`studio: ${line}\n`);
  }

  /** Redraws the live line in place (a terminal only). */
  redraw(line: string): void {
    this.io.stderr.write(`\r${line}\x1b[K`);
  }

  /** Ends a live line so the next output starts on a fresh one. */
  endLine(): void {
    this.io.stderr.write("\n");
  }
}

/** Left-aligned columns for list output. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
