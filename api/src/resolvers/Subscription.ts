import { GraphQLError } from "graphql";
import type { ApiContext } from "../context.js";
import type { SubscriptionResolvers } from "../generated/graphql.js";
import { requireApiKey } from "./Health.js";
import { unwrapLive } from "../services/live-hub.js";
import type { RunEventModel } from "../models.js";

async function* every<T>(ms: number, produce: () => Promise<T>): AsyncGenerator<T> {
  for (;;) {
    yield await produce();
    await new Promise((r) => setTimeout(r, ms));
  }
}

export const Subscription: SubscriptionResolvers = {
  workerHeartbeats: {
    subscribe: async (_p, _a, ctx) => {
      await requireApiKey(ctx, "workerHeartbeats");
      return ctx.services.health.heartbeats();
    },
    resolve: (payload: unknown) => payload as never,
  },
  health: {
    subscribe: (_p, args, ctx) => {
      if (!Number.isInteger(args.everySeconds) || args.everySeconds < 1 || args.everySeconds > 3600)
        throw new GraphQLError("everySeconds must be an integer from 1 to 3600", {
          extensions: { code: "BAD_USER_INPUT", field: "everySeconds" },
        });
      return every(args.everySeconds * 1000, () => ctx.services.health.report());
    },
    resolve: (payload: unknown) => payload as never,
  },
  runEvents: {
    subscribe: async (_p, a, ctx) => ctx.services.runs.events((await ctx.session()).principal, a.runId, a.afterSeq ?? 0, { socket: () => ctx.socket }) as never,
    // a LiveFailure (access lost, a read failed, the subscriber was cut) becomes the operation's error
    resolve: (payload: unknown) => unwrapLive(payload) as never,
  },
  runEventBatches: {
    subscribe: async (_p, a, ctx) => ctx.services.runs.events((await ctx.session()).principal, a.runId, a.afterSeq ?? 0, { socket: () => ctx.socket, batched: true }) as never,
    // computed once per batch for every caught-up subscriber (the hub hands them the same array)
    resolve: (payload: unknown) => {
      const events = unwrapLive(payload) as RunEventModel[];
      return { events, lastSeq: events[events.length - 1]!.seq } as never;
    },
  },
  generationUpdated: {
    subscribe: async (_p, a, ctx) => ctx.services.generations.updates((await ctx.session()).principal, a.id) as never,
    resolve: async (payload: unknown, _a: unknown, ctx: ApiContext) => {
      // a long-lived operation: relations of each update are read fresh
      const s = await ctx.session();
      s.loaders.checkpoint.clearAll();
      return unwrapLive(payload) as never;
    },
  },
  evaluationUpdated: {
    subscribe: async (_p, a, ctx) => ctx.services.evaluations.updates((await ctx.session()).principal, a.id) as never,
    resolve: async (payload: unknown, _a: unknown, ctx: ApiContext) => {
      const s = await ctx.session();
      s.loaders.checkpoint.clearAll();
      s.loaders.run.clearAll();
      return unwrapLive(payload) as never;
    },
  },
  modelExportUpdated: {
    subscribe: async (_p, a, ctx) => ctx.services.exports.updates((await ctx.session()).principal, a.id) as never,
    resolve: async (payload: unknown, _a: unknown, ctx: ApiContext) => {
      (await ctx.session()).loaders.checkpoint.clearAll();
      return unwrapLive(payload) as never;
    },
  },
  modelImportUpdated: {
    subscribe: async (_p, a, ctx) => ctx.services.imports.updates((await ctx.session()).principal, a.id) as never,
    resolve: async (payload: unknown, _a: unknown, ctx: ApiContext) => {
      const s = await ctx.session();
      s.loaders.checkpoint.clearAll();
      s.loaders.run.clearAll();
      return unwrapLive(payload) as never;
    },
  },
};
