import type { CommandContext } from "./cli.command.js";

/** `1.2 GB`, `34.5 MB`, `812 KB`, `96 B` (decimal units, like `checkpoints list`). */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} KB`;
  return `${n} B`;
}

/**
 * Byte progress of one file at a time on stderr: a redrawn line on a terminal (at most 5 times a
 * second), nothing in a log (there `done` prints one line per file).
 */
export class ByteProgress {
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly ctx: CommandContext) {}

  update = (name: string, done: number, total: number | null): void => {
    const out = this.ctx.out;
    if (!out.live) return;
    const now = Date.now();
    if (now - this.lastDraw < 200 && done !== total) return;
    this.lastDraw = now;
    const pct = total ? `  ${Math.floor((done / total) * 100)}%` : "";
    out.redraw(`${name}  ${formatBytes(done)}${total ? ` of ${formatBytes(total)}` : ""}${pct}`.slice(0, out.columns - 1));
    this.drawn = true;
  };

  /** Ends the live line (if any) and notes the finished file. */
  done(line: string): void {
    if (this.drawn) this.ctx.out.redraw("");
    this.drawn = false;
    this.ctx.io.stderr.write(`${line}\n`);
  }

  /** Clears a live line before an error or an interruption is printed. */
  end(): void {
    if (this.drawn) this.ctx.out.endLine();
    this.drawn = false;
  }
}

/**
 * Races `work` against Ctrl-C: resolves `{ interrupted: true }` when the user presses it, after
 * aborting `signal` and giving the work a moment to stop (downloads delete their temp files).
 */
export async function interruptible<T>(ctx: CommandContext, work: (signal: AbortSignal) => Promise<T>): Promise<{ interrupted: true } | { interrupted: false; value: T }> {
  const abort = new AbortController();
  let onAbort: () => void = () => undefined;
  const stopped = new Promise<{ interrupted: true }>((resolve) => (onAbort = () => resolve({ interrupted: true })));
  const off = ctx.io.onInterrupt(() => {
    abort.abort();
    onAbort();
  });
  try {
    const running = work(abort.signal).then((value) => ({ interrupted: false as const, value }));
    const first = await Promise.race([running, stopped]);
    if (first.interrupted) {
      // let an aborted download delete its temp file (a subscription being waited on never settles: cap it)
      await Promise.race([running.catch(() => undefined), new Promise((r) => setTimeout(r, 3000).unref())]);
    }
    return first;
  } finally {
    off();
  }
}
