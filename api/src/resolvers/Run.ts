import { defaultSamplePrompt, METHOD_TOKEN } from "@studio/protocol";
import { badInput } from "../errors.js";
import type { RunResolvers } from "../generated/graphql.js";
import { capList, listArg } from "../graphql-limits.js";
import type { RunConfig } from "../services/run-config.js";

export const Run: RunResolvers = {
  subject: async (r, _a, ctx) => (await (await ctx.session()).loaders.subject.load(r.subjectId))!,
  token: (r) => METHOD_TOKEN[r.method],
  defaultPrompt: async (r, _a, ctx) => defaultSamplePrompt(r.method, (await (await ctx.session()).loaders.subject.load(r.subjectId))?.classNoun ?? ""),
  config: (r) => r.config,
  // runs.config is written by buildRunConfig (run-config.ts RunConfig); older rows may lack newer fields
  settings: (r) => {
    const c = (r.config ?? {}) as Partial<RunConfig>;
    return {
      preset: c.preset ?? null,
      stage1: c.stage1 ? { ...c.stage1, checkpointEvery: c.stage1.checkpointEvery ?? null } : null,
      stage2: c.stage2 ? { ...c.stage2, checkpointEvery: c.stage2.checkpointEvery ?? null } : null,
      maxGradNorm: c.maxGradNorm ?? null,
      samples: c.samples ?? null,
      seed: c.seed ?? 0,
      resolution: c.resolution ?? null,
      dreambooth: c.dreambooth ?? null,
    };
  },
  cancelRequested: (r) => r.cancelRequestedAt !== null,
  error: (r) => (r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? "", logTail: r.logTail } : null),
  losses: async (r, a, ctx) => {
    const n = listArg("Run.losses", a.first);
    if (a.afterStep != null && !Number.isInteger(a.afterStep)) throw badInput("afterStep", "afterStep must be an integer");
    const all = await (await ctx.session()).loaders.lossesByRun.load(r.id);
    const out = [];
    for (const l of all) {
      if (a.stage && l.stage !== a.stage) continue;
      if (a.afterStep != null && l.step <= a.afterStep) continue;
      out.push(l);
      if (out.length === n) break;
    }
    return out;
  },
  samples: async (r, a, ctx) => capList("Run.samples", await (await ctx.session()).loaders.samplesByRun.load(r.id), a.last),
  checkpoints: async (r, a, ctx) => capList("Run.checkpoints", await (await ctx.session()).loaders.checkpointsByRun.load(r.id), a.last),
  evaluations: async (r, a, ctx) => capList("Run.evaluations", await (await ctx.session()).loaders.evaluationsByRun.load(r.id), a.first),
  queuePosition: async (r, _a, ctx) => (await ctx.services.scheduling.estimate(r))?.position ?? null,
  estimatedStartAt: async (r, _a, ctx) => (await ctx.services.scheduling.estimate(r))?.estimatedStartAt ?? null,
  attemptErrors: (r) => r.attemptErrors.slice(-10).map((e) => ({ attempt: e.attempt, code: e.code, message: e.message, at: new Date(e.at) })),
  recommendedCheckpoint: async (r, _a, ctx) => ctx.services.evaluations.recommendation((await ctx.session()).loaders, r),
};
