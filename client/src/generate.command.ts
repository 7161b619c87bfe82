import { resolve } from "node:path";
import { choice, int, num, positionals, required, str } from "./cli.args.js";
import { EXIT, type Command } from "./cli.command.js";

const generate: Command = {
  name: "generate",
  summary: "prompt a checkpoint and save the images as PNG",
  usage: `usage: studio generate --checkpoint ID "PROMPT" [--count N] [--seed S] [--steps K] [--guidance G]
         [--negative "TEXT"] [--width W] [--height H] [--scheduler ddim|dpm-solver|euler-a] [--out DIR] [--json]
  Waits until the images are ready (showing the steps done) and saves them in DIR (default ./generations);
  prints their paths. Image i uses seed S+i; the same seed gives the same image. --width/--height: multiples
  of 8 within the base model's range (baseModels.generationSizes; 256–1024 for Stable Diffusion 2.1 base).`,
  options: {
    checkpoint: { type: "string" },
    count: { type: "string" },
    seed: { type: "string" },
    steps: { type: "string" },
    guidance: { type: "string" },
    negative: { type: "string" },
    width: { type: "string" },
    height: { type: "string" },
    scheduler: { type: "string" },
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
      width: int(v, "width", 64, 1024, ctx.usage),
      height: int(v, "height", 64, 1024, ctx.usage),
      scheduler: choice(v, "scheduler", { ddim: "DDIM", "dpm-solver": "DPM_SOLVER", "euler-a": "EULER_ANCESTRAL" } as const, ctx.usage),
    };
    const input = { checkpointId, prompt: prompt!, ...Object.fromEntries(Object.entries(optional).filter(([, x]) => x !== undefined)) };
    const dir = resolve(ctx.io.cwd, str(v, "out") ?? "generations");
    const client = ctx.client();
    const queued = await client.generate(input);
    ctx.out.info(`generation ${queued.id}: ${queued.count} image(s), seed ${queued.seed}, ${queued.steps} steps`);
    let last = queued.state;
    let shown = -1;
    const done = await client.waitForGeneration(queued.id, (g) => {
      if (g.state !== last) ctx.out.info(`generation ${g.id}: ${(last = g.state)}`);
      if (g.state === "RUNNING" && g.stepsDone > shown && g.stepsDone > 0) ctx.out.info(`generation ${g.id}: step ${(shown = g.stepsDone)} of ${g.stepsTotal}`);
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
