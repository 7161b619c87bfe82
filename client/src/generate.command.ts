import { resolve } from "node:path";
import { int, num, positionals, required, str } from "./cli.args.js";
import { EXIT, type Command } from "./cli.command.js";

const generate: Command = {
  name: "generate",
  summary: "prompt a checkpoint and save the images as PNG",
  usage: `usage: studio generate --checkpoint ID "PROMPT" [--count N] [--seed S] [--steps K] [--guidance G]
         [--negative "TEXT"] [--out DIR] [--json]
  Waits until the images are ready and saves them in DIR (default ./generations); prints their paths.
  Image i uses seed S+i; the same seed gives the same image.`,
  options: {
    checkpoint: { type: "string" },
    count: { type: "string" },
    seed: { type: "string" },
    steps: { type: "string" },
    guidance: { type: "string" },
    negative: { type: "string" },
    out: { type: "string" },
  },
  async run(ctx) {
    const v = ctx.args.values;
    const [prompt] = positionals(ctx.args, ["prompt"], ctx.usage);
    const checkpointId = required(v, "checkpoint", ctx.usage);
    const optional = {
      count: int(v, "count", 1, 16, ctx.usage),
      seed: int(v, "seed", 0, 4294967295, ctx.usage),
      steps: int(v, "steps", 1, 200, ctx.usage),
      guidanceScale: num(v, "guidance", 0, 50, ctx.usage),
      negativePrompt: str(v, "negative"),
    };
    const input = { checkpointId, prompt: prompt!, ...Object.fromEntries(Object.entries(optional).filter(([, x]) => x !== undefined)) };
    const dir = resolve(ctx.io.cwd, str(v, "out") ?? "generations");
    const client = ctx.client();
    const queued = await client.generate(input);
    ctx.out.info(`generation ${queued.id}: ${queued.count} image(s), seed ${queued.seed}, ${queued.steps} steps`);
    let last = queued.state;
    const done = await client.waitForGeneration(queued.id, (g) => {
      if (g.state !== last) ctx.out.info(`generation ${g.id}: ${(last = g.state)}`);
    });
    if (done.state !== "SUCCEEDED") {
      const err = done.error ? `${done.error.code}: ${done.error.message}` : "no error recorded";
      ctx.out.result({ ok: false, generation: done, files: [] }, `generation ${done.id} FAILED — ${err}`);
      return EXIT.FAILED;
    }
    const files = await client.saveGenerationImages(done, dir);
    ctx.out.result({ ok: true, generation: done, files }, files);
    return EXIT.OK;
  },
};

export const generateCommands = [generate];
