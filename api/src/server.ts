import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { CHANNELS, openDb, PgListener } from "@studio/db";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { guardLinkRootFields, guardSubscription, recheckWith } from "./access-guard.js";
import type { ApiConfig } from "./config.js";
import type { ApiContext, Services, Session } from "./context.js";
import { unauthenticated } from "./errors.js";
import { maskError } from "./errors.format.js";
import { graphqlHttpHandler } from "./http.js";
import { createLoaders } from "./loaders.js";
import { AuthRepository } from "./repositories/auth.repository.js";
import { DatabaseRepository } from "./repositories/database.repository.js";
import { EvaluationsRepository } from "./repositories/evaluations.repository.js";
import { evaluatorBackend } from "./repositories/evaluator.repository.js";
import { GenerationsRepository } from "./repositories/generations.repository.js";
import { MembersRepository } from "./repositories/members.repository.js";
import { RunsRepository } from "./repositories/runs.repository.js";
import { SharingRepository } from "./repositories/sharing.repository.js";
import { StorageRepository } from "./repositories/storage.repository.js";
import { SubjectsRepository } from "./repositories/subjects.repository.js";
import { TransfersRepository } from "./repositories/transfers.repository.js";
import { ArchiveTokens } from "./services/archive-token.js";
import { ExportsService } from "./services/exports.service.js";
import { ImportsService } from "./services/imports.service.js";
import { exportArchiveHandler } from "./transfers.http.js";
import { buildSchema } from "./schema.js";
import { ApiKeysService } from "./services/api-keys.service.js";
import { EvaluationScorer } from "./services/evaluation.scorer.js";
import { EvaluationsService } from "./services/evaluations.service.js";
import { GenerationsService } from "./services/generations.service.js";
import { HealthService } from "./services/health.service.js";
import { liveHubFor } from "./services/live.wiring.js";
import { MediaService } from "./services/media.service.js";
import { MembersService } from "./services/members.service.js";
import { ModelCardsService } from "./services/model-cards.service.js";
import { RunsService } from "./services/runs.service.js";
import { isLinkAuthorization, SharesService } from "./services/shares.service.js";
import { SubjectsService } from "./services/subjects.service.js";
import { SqlCounter } from "./sql-counter.js";

export interface RunningApi {
  url: string;
  wsUrl: string;
  server: Server;
  close(): Promise<void>;
}

export type Logger = (level: "info" | "warn" | "error", msg: string) => void;

/** Wires repositories → services → resolvers, and serves HTTP + graphql-ws on one port. */
export async function startApi(config: ApiConfig, log: Logger): Promise<RunningApi> {
  const dbHandle = openDb(config.DATABASE_URL, { onError: (e) => log("warn", `postgres: ${e.message}`) });
  const sqlCounter = config.API_COUNT_SQL ? new SqlCounter() : null;
  sqlCounter?.attach(dbHandle.pool);
  const notifications = new PgListener(config.DATABASE_URL, Object.values(CHANNELS), (m) => log("warn", m));
  notifications.start();
  // one stream per run (and per followed row) for the whole process (docs/live-events.md)
  const live = liveHubFor(notifications, dbHandle, config, () => scorer.automaticSince(), log, (pool) => sqlCounter?.attach(pool));
  const storage = new StorageRepository(config);
  const repos = {
    auth: new AuthRepository(dbHandle),
    subjects: new SubjectsRepository(dbHandle),
    runs: new RunsRepository(dbHandle),
    generations: new GenerationsRepository(dbHandle),
    evaluations: new EvaluationsRepository(dbHandle),
    sharing: new SharingRepository(dbHandle),
    members: new MembersRepository(dbHandle),
    transfers: new TransfersRepository(dbHandle),
  };
  const subjects = new SubjectsService(repos.subjects, storage, config.UPLOAD_MAX_BYTES);
  const runs = new RunsService(repos.runs, subjects, live);
  const scorer = new EvaluationScorer(
    repos,
    storage,
    notifications,
    {
      modelsDir: config.EVAL_MODELS_DIR,
      autoQuick: config.EVAL_AUTO_QUICK,
      backfillHours: config.EVAL_AUTO_BACKFILL_HOURS,
      samplingSteps: config.EVAL_SAMPLING_STEPS,
      driftThreshold: config.EVAL_DRIFT_DINO_THRESHOLD,
      leaseMs: config.EVAL_LEASE_MS,
      pollMs: config.EVAL_POLL_MS,
    },
    evaluatorBackend({ threads: config.EVAL_THREADS }),
    log,
  );
  // Archive URLs are signed with EXPORT_URL_SECRET; without one, a random key per process (then an
  // archive URL works only on the replica that issued it). Their base is API_PUBLIC_URL, or where we listen.
  const archiveTokens = new ArchiveTokens(
    config.EXPORT_URL_SECRET ? Buffer.from(config.EXPORT_URL_SECRET) : randomBytes(32),
    config.EXPORT_URL_TTL_SECONDS,
  );
  let publicUrl = config.API_PUBLIC_URL?.replace(/\/+$/, "") ?? "";
  const sharing = new SharesService(repos.sharing, repos.runs);
  const services: Services = {
    health: new HealthService(new DatabaseRepository(dbHandle), storage, notifications, config.WORKER_STALE_AFTER_MS, () => ({
      ...live.stats,
      ...(sqlCounter ? { sqlStatements: sqlCounter.total } : {}),
    })),
    apiKeys: new ApiKeysService(repos.auth),
    subjects,
    runs,
    generations: new GenerationsService(repos.generations, runs, live),
    media: new MediaService(storage),
    members: new MembersService(repos.members),
    sharing,
    modelCards: new ModelCardsService(storage),
    exports: new ExportsService(repos.transfers, runs, sharing, live, archiveTokens, {
      pollMs: config.RUN_EVENTS_POLL_MS,
      publicUrl: () => publicUrl,
    }),
    imports: new ImportsService(repos.transfers, storage, live, { pollMs: config.RUN_EVENTS_POLL_MS, maxBytes: config.IMPORT_MAX_BYTES }),
    evaluations: new EvaluationsService(repos.evaluations, runs, live, {
      pollMs: config.RUN_EVENTS_POLL_MS,
      samplingSteps: config.EVAL_SAMPLING_STEPS,
      clipTMargin: config.EVAL_CLIP_T_MARGIN,
      availability: () => scorer.status(),
    }),
  };
  await scorer.init();
  scorer.start();

  /** A context whose session is authenticated on first use (so `health` needs no key). */
  const contextFor = (authorization: string | undefined): ApiContext => {
    let session: Promise<Session> | null = null;
    const link = isLinkAuthorization(authorization);
    return {
      services,
      authorization,
      session: () =>
        (session ??= (link ? services.sharing.authenticateLink(authorization) : services.apiKeys.authenticate(authorization)).then((principal) => {
          if (!principal) throw unauthenticated(authorization ? `the ${link ? "share link" : "API key"} is unknown or revoked` : undefined);
          return { principal, loaders: createLoaders(principal.teamId, repos, { teamId: principal.teamId, linkRunId: principal.link?.runId ?? null }) };
        })),
    };
  };

  const schema = guardLinkRootFields(buildSchema());
  const recheck = recheckWith(services);
  const httpServer = createServer();
  const wss = new WebSocketServer({ server: httpServer, path: "/graphql" });
  const wsCleanup = useServer(
    {
      schema,
      // one context per operation: each subscription gets its own loaders; the key is re-checked
      context: (ctx) => {
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        const auth = params.authorization ?? params.Authorization;
        return contextFor(typeof auth === "string" ? auth : undefined);
      },
      // ends a subscription at once when its key is revoked or its user removed (access-guard.ts)
      onOperation: (_ctx, _id, _payload, args, result) =>
        guardSubscription(result, Object.assign(args.contextValue as ApiContext, { socket: _ctx.extra.socket }), { notifications, recheck }) as never,
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        return { ...result, errors: result.errors.map((e) => maskError(e.toJSON(), e, (m) => log("error", m))) } as never;
      },
    },
    wss,
  );

  const apollo = new ApolloServer<ApiContext>({
    schema,
    introspection: true,
    formatError: (formatted, error) => maskError(formatted, error, (m) => log("error", m)),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
      {
        async requestDidStart() {
          return {
            async willSendResponse({ response }) {
              const n = sqlCounter?.current;
              if (n !== null && n !== undefined && response.body.kind === "single")
                response.body.singleResult.extensions = { ...response.body.singleResult.extensions, sqlQueries: n };
            },
          };
        },
      },
    ],
  });
  await apollo.start();
  const handler = graphqlHttpHandler(
    apollo,
    (req) => Promise.resolve(contextFor(req.headers.authorization)),
    config.API_CORS_ORIGINS,
  );
  const archives = exportArchiveHandler(services.exports, storage, log);
  httpServer.on("request", (req, res) => {
    const serve = () =>
      (req.url?.startsWith("/exports/") ? archives(req, res, {}).then((done) => (done ? undefined : handler(req, res))) : handler(req, res)).catch((err: Error) => {
        log("error", `request failed: ${err.stack ?? err.message}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ message: "internal error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] }));
      });
    if (sqlCounter) sqlCounter.run(serve);
    else void serve();
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.API_PORT, config.API_HOST, () => resolve());
  });
  const addr = httpServer.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  publicUrl ||= `http://${host}:${addr.port}`;
  return {
    url: `http://${host}:${addr.port}/graphql`,
    wsUrl: `ws://${host}:${addr.port}/graphql`,
    server: httpServer,
    async close() {
      await scorer.stop();
      await apollo.stop();
      await notifications.stop();
      await live.close();
      await dbHandle.close();
    },
  };
}
