import { DEFAULT_MAX_GRAD_NORM, METHOD_LIMITS, methodDefaults, RUN_METHODS, TRAINING_PRESETS } from "@studio/protocol";
import { choice, flag, int, num, positionals, required, str } from "./cli.args.js";
import { EXIT, type Command, type CommandContext } from "./cli.command.js";
import { table } from "./cli.output.js";
import { StudioError } from "./client.errors.js";
import type { Run } from "./client.js";
import type { RunState, StartRunInput, TrainingPreset } from "./generated/graphql.js";
import { watchAndReport } from "./run.presenter.js";

/** `two-stage` → TWO_STAGE, `section-4-1` → SECTION_4_1: the flags' spelling of @studio/protocol's names. */
const flagNames = <T extends string>(ids: readonly T[]) => Object.fromEntries(ids.map((id) => [id.toLowerCase().replace(/_/g, "-"), id])) as Record<string, T>;
const METHODS = flagNames(RUN_METHODS);
const PRESETS: Record<string, TrainingPreset> = flagNames(TRAINING_PRESETS);
const TWO_STAGE = methodDefaults("TWO_STAGE");
const SECTION_4_1 = methodDefaults("TWO_STAGE", "SECTION_4_1").stage2!;
const { steps: STEPS, checkpointEvery: EVERY, seed: SEED, resolution: RESOLUTION, maxGradNorm: NORM } = METHOD_LIMITS;
const STATES: Record<string, RunState> = { queued: "QUEUED", running: "RUNNING", succeeded: "SUCCEEDED", failed: "FAILED", canceled: "CANCELED" };

const START_USAGE = `usage: studio runs start --subject ID [--method ${Object.keys(METHODS).join("|")}]
         [--base-model stable-diffusion-2-1-base|tiny-random] [--stage1-steps N] [--stage2-steps N]
         [--checkpoint-every N] [--preset ${Object.keys(PRESETS).join("|")}] [--max-grad-norm X|none]
         [--seed S] [--resolution PX] [--sample-prompt P]... [--watch] [--json]
  Omitted settings take the method's defaults (the paper's: ${TWO_STAGE.stage1!.steps} + ${TWO_STAGE.stage2!.steps} steps for two-stage).
  --preset section-4-1 is the paper's evaluation protocol (§4.1): stage 2 for ${SECTION_4_1.steps} steps, a checkpoint
  every ${SECTION_4_1.checkpointEvery}. --max-grad-norm clips the gradient norm of every stage (default ${DEFAULT_MAX_GRAD_NORM.toFixed(1)}; none: no clipping).
  --watch follows the run: a live bar (stage, step/total, loss, it/s, ETA) on a terminal, plain lines
  otherwise; exit 0 when it SUCCEEDED, 1 when it FAILED or was CANCELED. Ctrl-C stops watching only.`;

/** StartRunInput from the flags; the API checks ranges again and names the field it rejects. */
export function startRunInput(values: Record<string, unknown>, usage: string): StartRunInput {
  const v = values as Parameters<typeof str>[0];
  const input: StartRunInput = { subjectId: required(v, "subject", usage) };
  const method = choice(v, "method", METHODS, usage);
  if (method) input.method = method;
  const baseModel = str(v, "base-model");
  if (baseModel) input.baseModel = baseModel;
  const ints: [keyof StartRunInput, string, number, number][] = [
    ["stage1Steps", "stage1-steps", STEPS.minimum, STEPS.maximum],
    ["stage2Steps", "stage2-steps", STEPS.minimum, STEPS.maximum],
    ["checkpointEvery", "checkpoint-every", EVERY.minimum, EVERY.maximum],
    ["seed", "seed", SEED.minimum, SEED.maximum],
    ["resolution", "resolution", RESOLUTION.minimum, RESOLUTION.maximum],
  ];
  for (const [key, name, min, max] of ints) {
    const n = int(v, name, min, max, usage);
    if (n !== undefined) (input as Record<string, unknown>)[key] = n;
  }
  const preset = choice(v, "preset", PRESETS, usage);
  if (preset) input.preset = preset;
  if (str(v, "max-grad-norm")?.trim().toLowerCase() === "none") input.maxGradNorm = null;
  else {
    // the schema's lower bound is exclusive (above 0): the smallest accepted here is 1e-6
    const norm = num(v, "max-grad-norm", NORM.exclusiveMinimum + 1e-6, NORM.maximum, usage);
    if (norm !== undefined) input.maxGradNorm = norm;
  }
  const prompts = v["sample-prompt"];
  if (Array.isArray(prompts) && prompts.length) input.samplePrompts = prompts;
  return input;
}

const start: Command = {
  name: "runs start",
  summary: "start a training run (optionally --watch it)",
  usage: START_USAGE,
  options: {
    subject: { type: "string" },
    method: { type: "string" },
    "base-model": { type: "string" },
    "stage1-steps": { type: "string" },
    "stage2-steps": { type: "string" },
    "checkpoint-every": { type: "string" },
    preset: { type: "string" },
    "max-grad-norm": { type: "string" },
    seed: { type: "string" },
    resolution: { type: "string" },
    "sample-prompt": { type: "string", multiple: true },
    watch: { type: "boolean" },
  },
  async run(ctx) {
    positionals(ctx.args, [], ctx.usage);
    const input = startRunInput(ctx.args.values, ctx.usage);
    const run = await ctx.client().startRun(input);
    if (!flag(ctx.args.values, "watch")) {
      ctx.out.result(run, run.id);
      return EXIT.OK;
    }
    ctx.out.info(`started run ${run.id} (${run.method}, ${run.baseModel}, ${run.totalSteps} steps)`);
    ctx.out.ndjson({ type: "started", run });
    return watchAndReport(ctx, run.id);
  },
};

const watch: Command = {
  name: "runs watch",
  summary: "follow a run live until it ends",
  usage: `usage: studio runs watch RUN_ID [--after-seq N] [--json]
  Replays the run's events (after --after-seq), then follows live ones; exit 0 when the run
  SUCCEEDED, 1 when it FAILED or was CANCELED, 130 on Ctrl-C (the run goes on).`,
  options: { "after-seq": { type: "string" } },
  async run(ctx) {
    const [id] = positionals(ctx.args, ["run-id"], ctx.usage);
    const afterSeq = int(ctx.args.values, "after-seq", 0, 2 ** 31 - 1, ctx.usage) ?? 0;
    await requireRun(ctx, id!);
    return watchAndReport(ctx, id!, afterSeq);
  },
};

const show: Command = {
  name: "runs show",
  summary: "a run's state, progress, error and checkpoints",
  usage: "usage: studio runs show RUN_ID [--json]",
  options: {},
  async run(ctx) {
    const [id] = positionals(ctx.args, ["run-id"], ctx.usage);
    const run = await requireRun(ctx, id!);
    const lines = [
      `run ${run.id}  ${run.state}${run.cancelRequested && run.state === "RUNNING" ? " (cancel requested)" : ""}`,
      `  subject   ${run.subject.name} (${run.subject.classNoun}, ${run.subject.id})`,
      `  method    ${run.method} on ${run.baseModel}`,
      `  progress  ${run.stage ?? "-"} step ${run.step}/${run.totalSteps}`,
      ...(run.error ? [`  error     ${run.error.code}: ${run.error.message}`] : []),
      ...run.checkpoints.map((c) => `  checkpoint ${c.id}  ${c.stage} step ${c.step}`),
    ];
    ctx.out.result(run, lines);
    return EXIT.OK;
  },
};

const list: Command = {
  name: "runs list",
  summary: "the team's runs, newest first",
  usage: "usage: studio runs list [--subject ID] [--state queued|running|succeeded|failed|canceled] [--first N] [--json]",
  options: { subject: { type: "string" }, state: { type: "string" }, first: { type: "string" } },
  async run(ctx) {
    positionals(ctx.args, [], ctx.usage);
    const v = ctx.args.values;
    const page = await ctx.client().runs({
      first: int(v, "first", 1, 100, ctx.usage) ?? 20,
      subjectId: str(v, "subject") ?? null,
      state: choice(v, "state", STATES, ctx.usage) ?? null,
    });
    const runs = page.edges.map((e) => e.node);
    const rows = runs.map((r) => [r.id, r.state, r.method, `${r.step}/${r.totalSteps}`, r.subject.name]);
    ctx.out.result({ runs, hasNextPage: page.pageInfo.hasNextPage }, rows.length ? table(rows) : ["no runs yet"]);
    return EXIT.OK;
  },
};

const cancel: Command = {
  name: "runs cancel",
  summary: "cancel a queued or running run",
  usage: "usage: studio runs cancel RUN_ID [--watch] [--json]\n  --watch waits until the trainer has stopped it.",
  options: { watch: { type: "boolean" } },
  async run(ctx) {
    const [id] = positionals(ctx.args, ["run-id"], ctx.usage);
    const run = await ctx.client().cancelRun(id!);
    if (flag(ctx.args.values, "watch") && run.state === "RUNNING") return watchAndReport(ctx, id!, run.lastEventSeq);
    ctx.out.result(run, `run ${run.id} ${run.state}${run.state === "RUNNING" ? " (cancel requested; the trainer stops it)" : ""}`);
    return EXIT.OK;
  },
};

async function requireRun(ctx: CommandContext, id: string): Promise<Run> {
  const run = await ctx.client().run(id);
  if (!run) throw new StudioError("NOT_FOUND", `run ${id} not found`);
  return run;
}

export const runCommands = [start, watch, list, show, cancel];
