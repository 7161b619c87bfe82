import { choice, flag, positionals, required } from "./cli.args.js";
import { EXIT, type Command } from "./cli.command.js";
import type { Evaluation } from "./client.js";

const PROTOCOLS = { quick: "QUICK", diverse: "DIVERSE", simple: "SIMPLE" } as const;

export function describeEvaluation(e: Evaluation): string {
  const scores = e.clipI !== null ? `  CLIP-I ${e.clipI.toFixed(3)}  CLIP-T ${e.clipT?.toFixed(3)}  DINO ${e.dino?.toFixed(3)}` : "";
  const drift = e.drift?.flagged ? `  (language drift: DINO ${e.drift.dino.toFixed(3)} < ${e.drift.threshold})` : "";
  const err = e.error ? ` — ${e.error.code}: ${e.error.message}` : "";
  return `evaluation ${e.id} ${e.protocol} ${e.state} ${e.imagesDone}/${e.imagesTotal} images${scores}${drift}${err}`;
}

const evaluate: Command = {
  name: "evaluate",
  summary: "score a checkpoint (CLIP-I, CLIP-T, DINO)",
  usage: `usage: studio evaluate --checkpoint ID [--protocol quick|diverse|simple] [--watch] [--json]
  Queues an evaluation (an unfinished one of the same protocol is reused). --watch waits for the
  scores: exit 0 when it SUCCEEDED, 1 when it FAILED.`,
  options: { checkpoint: { type: "string" }, protocol: { type: "string" }, watch: { type: "boolean" } },
  async run(ctx) {
    positionals(ctx.args, [], ctx.usage);
    const v = ctx.args.values;
    const checkpointId = required(v, "checkpoint", ctx.usage);
    const protocol = choice(v, "protocol", PROTOCOLS, ctx.usage) ?? "QUICK";
    const client = ctx.client();
    const queued = await client.evaluateCheckpoint(checkpointId, protocol);
    if (!flag(v, "watch")) {
      ctx.out.result(queued, describeEvaluation(queued));
      return EXIT.OK;
    }
    ctx.out.info(`evaluation ${queued.id} (${protocol}) queued`);
    let shown = "";
    const done = await client.waitForEvaluation(queued.id, (e) => {
      ctx.out.ndjson({ type: "event", evaluation: e });
      const line = `${e.state} ${e.imagesDone}/${e.imagesTotal} generated, ${e.imagesScored} scored`;
      if (line !== shown) ctx.out.info((shown = line));
    });
    const ok = done.state === "SUCCEEDED";
    if (ctx.out.json) ctx.out.ndjson({ type: "result", ok, evaluation: done });
    else ctx.io.stdout.write(`${describeEvaluation(done)}\n`);
    return ok ? EXIT.OK : EXIT.FAILED;
  },
};

export const evaluateCommands = [evaluate];
