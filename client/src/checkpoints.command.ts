import { resolve } from "node:path";
import { flag, positionals, required, str } from "./cli.args.js";
import { EXIT, type Command, type CommandContext } from "./cli.command.js";
import { table } from "./cli.output.js";
import { StudioError } from "./client.errors.js";
import { ByteProgress, interruptible } from "./transfer.presenter.js";

const list: Command = {
  name: "checkpoints list",
  summary: "a run's checkpoints",
  usage: "usage: studio checkpoints list --run RUN_ID [--json]",
  options: { run: { type: "string" } },
  async run(ctx) {
    positionals(ctx.args, [], ctx.usage);
    const runId = required(ctx.args.values, "run", ctx.usage);
    const run = await ctx.client().run(runId);
    if (!run) throw new StudioError("NOT_FOUND", `run ${runId} not found`);
    const rows = run.checkpoints.map((c) => [c.id, c.stage, `step ${c.step}`, `${(c.sizeBytes / 1e6).toFixed(1)} MB`]);
    ctx.out.result({ runId, checkpoints: run.checkpoints }, rows.length ? table(rows) : [`run ${runId} has no checkpoints yet`]);
    return EXIT.OK;
  },
};

const show: Command = {
  name: "checkpoints show",
  summary: "a checkpoint's files and what it was trained from",
  usage: "usage: studio checkpoints show CHECKPOINT_ID [--json]",
  options: {},
  async run(ctx) {
    const [id] = positionals(ctx.args, ["checkpoint-id"], ctx.usage);
    const c = await requireCheckpoint(ctx, id!);
    ctx.out.result(c, [
      `checkpoint ${c.id}  ${c.stage} step ${c.step}  sha256 ${c.sha256}`,
      `  run ${c.run.id} (${c.run.method} on ${c.run.baseModel}; ${c.run.subject.name}, ${c.run.subject.classNoun})`,
      ...c.files.map((f) => `  ${f.name}  ${f.sizeBytes} bytes  sha256 ${f.sha256}`),
    ]);
    return EXIT.OK;
  },
};

const download: Command = {
  name: "checkpoints download",
  summary: "download a checkpoint's files as plain safetensors (sha256 checked)",
  usage: `usage: studio checkpoints download CHECKPOINT_ID [--out DIR] [--raw] [--json]
  Streams checkpoint.json, embedding.safetensors and (stage 2) unet.safetensors into DIR (default
  ./checkpoint-<id>), checking each sha256; files already there with the same sha256 are kept. A
  checkpoint stored compact (encoding DELTA) is decoded on a trainer first (a CHECKPOINT export,
  reused when it exists): the files are the same bytes a plain checkpoint of those weights has.
  --raw   the stored objects as they are (a DELTA checkpoint's unet.delta.safetensors needs the base model)`,
  options: { out: { type: "string" }, raw: { type: "boolean" } },
  async run(ctx) {
    const [id] = positionals(ctx.args, ["checkpoint-id"], ctx.usage);
    const dir = resolve(ctx.io.cwd, str(ctx.args.values, "out") ?? `checkpoint-${id}`);
    const progress = new ByteProgress(ctx);
    let last = "";
    const got = await interruptible(ctx, (signal) =>
      ctx.client().downloadCheckpoint(id!, dir, {
        raw: flag(ctx.args.values, "raw"),
        signal,
        onProgress: progress.update,
        onExport: (e) => {
          if (e.state === last) return;
          last = e.state;
          ctx.out.info(`decoding the compact checkpoint on a trainer (export ${e.id}): ${e.state}`);
        },
      }),
    );
    progress.end();
    if (got.interrupted) return EXIT.INTERRUPTED;
    const files = got.value;
    ctx.out.result({ checkpointId: id, files }, files);
    return EXIT.OK;
  },
};

async function requireCheckpoint(ctx: CommandContext, id: string) {
  const c = await ctx.client().checkpoint(id);
  if (!c) throw new StudioError("NOT_FOUND", `checkpoint ${id} not found`);
  return c;
}

export const checkpointCommands = [list, show, download];
