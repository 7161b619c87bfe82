import type { CommandContext } from "./cli.command.js";
import { EXIT } from "./cli.command.js";
import type { Run, RunEvent } from "./client.js";
import { applyEvent, emptyProgress, renderBar, renderLine, type RunProgress } from "./progress.render.js";

/**
 * Shows a run's events as they come: a redrawn bar on a terminal, plain lines otherwise (both on
 * stderr), NDJSON events on stdout with --json; then the final result. Ctrl-C stops watching only.
 */
export async function watchAndReport(ctx: CommandContext, runId: string, afterSeq = 0): Promise<number> {
  const client = ctx.client();
  const out = ctx.out;
  const abort = new AbortController();
  const off = ctx.io.onInterrupt(() => {
    abort.abort();
    void client.close(); // ends the pending subscription read
  });
  let progress: RunProgress = emptyProgress();
  let drawn = false;
  const queued = await client.run(runId);
  if (queued?.state === "QUEUED") out.info(queueLine(queued));
  try {
    const events = client.watchRun(runId, {
      afterSeq,
      signal: abort.signal,
      onReconnect: ({ attempt, delayMs, afterSeq: seq, error }) =>
        out.info(
          `${drawn ? "\n" : ""}${error.code === "UNAVAILABLE" ? "the API is busy" : "connection lost"}; reconnecting… in ${delayMs} ms (attempt ${attempt}, after event ${seq})`,
        ),
      onResumed: ({ afterSeq: seq }) => out.info(`resumed: events flow again (event ${seq})`),
    });
    for await (const e of events) {
      progress = applyEvent(progress, e);
      out.ndjson({ type: "event", runId, ...e });
      drawn = show(ctx, progress, e);
    }
  } finally {
    off();
    if (drawn) out.endLine();
  }
  if (abort.signal.aborted) return interrupted(ctx, runId);
  const run = await client.run(runId);
  return finalReport(ctx, run!);
}

function show(ctx: CommandContext, p: RunProgress, e: RunEvent): boolean {
  const out = ctx.out;
  if (!out.live) {
    const line = renderLine(p, e);
    if (line) out.info(line);
    return false;
  }
  // state changes, new stages and checkpoints stay in the scrollback; the bar is redrawn below them
  if (e.__typename !== "LossLogged" && e.__typename !== "SampleSaved") {
    const line = renderLine(p, e);
    if (line) {
      out.redraw(line);
      out.endLine();
    }
  }
  out.redraw(renderBar(p, out.columns));
  return true;
}

function interrupted(ctx: CommandContext, runId: string): number {
  ctx.out.info(`stopped watching; the run goes on. Watch again: ./studio runs watch ${runId}   cancel: ./studio runs cancel ${runId}`);
  ctx.out.ndjson({ type: "interrupted", runId });
  return EXIT.INTERRUPTED;
}

/** The final line: SUCCEEDED with its checkpoints, or the error code and message. */
/** "queued: position 3 (fair share across teams), estimated start 14:05" — docs/scheduling.md. */
export function queueLine(run: Pick<Run, "queuePosition" | "estimatedStartAt">): string {
  const pos = run.queuePosition ? `position ${run.queuePosition}` : "waiting for a trainer";
  const eta = run.estimatedStartAt ? `, estimated start ${new Date(run.estimatedStartAt).toISOString().slice(11, 16)} UTC` : "";
  return `queued: ${pos}${eta}`;
}

export function finalReport(ctx: CommandContext, run: Run): number {
  const ok = run.state === "SUCCEEDED";
  ctx.out.ndjson({ type: "result", ok, run });
  if (!ctx.out.json) {
    const ckpts = run.checkpoints.map((c) => `  checkpoint ${c.id}  ${c.stage} step ${c.step}`);
    const err = run.error ? ` — ${run.error.code}: ${run.error.message}` : "";
    ctx.io.stdout.write([`run ${run.id} ${run.state}${err}`, ...(ok ? ckpts : [])].join("\n") + "\n");
    if (!ok && run.error?.logTail && ctx.out.verbose) ctx.out.info(run.error.logTail);
    // ATTEMPTS_EXHAUSTED (and any resumed run that failed): why each attempt lost its lease
    if (!ok) for (const a of run.attemptErrors) ctx.out.info(`  attempt ${a.attempt}: ${a.code} at ${a.at} — ${a.message}`);
  }
  return ok ? EXIT.OK : EXIT.FAILED;
}
