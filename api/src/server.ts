import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { CHANNELS, openDb, PgListener } from "@studio/db";
import { guardLinkRootFields, recheckWith } from "./access-guard.js";
import type { ApiConfig } from "./config.js";
import type { ApiContext, Services, Session } from "./context.js";
import { DomainError, unauthenticated } from "./errors.js";
import { maskError } from "./errors.format.js";
import { checkTokens, preExecutionError, QUERY_TOO_COMPLEX, tooComplexError, type QueryLimits } from "./graphql-limits.js";
import { graphqlHttpHandler } from "./http.js";
import { PgBucketStore } from "./limits/buckets.js";
import { RateLimiter, type AuthTicket } from "./limits/rate-limiter.js";
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
import { ArchiveTokens } from "./lib/archive-token.js";
import { ExportsService } from "./services/exports.service.js";
import { ImportsService } from "./services/imports.service.js";
import { exportArchiveHandler } from "./transfers.http.js";
import { buildSchema } from "./schema.js";
import { ApiKeysService } from "./services/api-keys.service.js";
import { EvaluationScorer } from "./evaluation/scorer.js";
import { EvaluationsService } from "./services/evaluations.service.js";
import { GenerationsService } from "./services/generations.service.js";
import { HealthService } from "./services/health.service.js";
import { BaseModelsService } from "./services/base-models.service.js";
import { liveHubFor } from "./services/live.wiring.js";
import { MediaService } from "./services/media.service.js";
import { MembersService } from "./services/members.service.js";
import { ModelCardsService } from "./services/model-cards.service.js";
import { RunsService } from "./services/runs.service.js";
import { isLinkAuthorization, SharesService } from "./services/shares.service.js";
import { SubjectsService } from "./services/subjects.service.js";
import type { Principal } from "./models.js";
import { redactSecrets } from "./redact.js";
import { UploadSweeper } from "./services/upload-sweeper.js";
import { SchedulingService } from "./services/scheduling.service.js";
import { SqlCounter } from "./sql-counter.js";
import { attachGraphqlWs } from "./ws.js";

export interface RunningApi {
  url: string;
  wsUrl: string;
  server: Server;
  close(): Promise<void>;
}

export type Logger = (level: "info" | "warn" | "error", msg: string) => void;

/** Wires repositories → services → resolvers, and serves HTTP + graphql-ws on one port. */
export async function startApi(config: ApiConfig, rawLog: Logger): Promise<RunningApi> {
  // every log line passes through here: SQL parameters and secrets never reach the logs
  const log: Logger = (level, msg) => rawLog(level, redactSecrets(msg));
  const dbHandle = openDb(config.DATABASE_URL, { onError: (e) => log("warn", `postgres: ${e.message}`) });
  const sqlCounter = config.API_COUNT_SQL ? new SqlCounter() : null;
  sqlCounter?.attach(dbHandle.pool);
  const notifications = new PgListener(config.DATABASE_URL, Object.values(CHANNELS), (m) => log("warn", m));
  notifications.start();
  // one stream per run (and per followed row) for the whole process (docs/live-events.md)
  const live = liveHubFor(
    notifications,
    dbHandle,
    config,
    () => scorer.automaticSince(),
    log,
    (pool) => sqlCounter?.attach(pool),
  );
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
  const limits = new RateLimiter(new PgBucketStore(dbHandle), config, log);
  limits.start();
  const subjects = new SubjectsService(repos.subjects, storage, config.UPLOAD_MAX_BYTES, config.SUBJECT_MAX_IMAGES);
  const baseModels = new BaseModelsService(dbHandle, config.WORKER_STALE_AFTER_MS);
  const runs = new RunsService(repos.runs, subjects, live, limits, baseModels);
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
  const archiveTokens = new ArchiveTokens(config.EXPORT_URL_SECRET ? Buffer.from(config.EXPORT_URL_SECRET) : randomBytes(32), config.EXPORT_URL_TTL_SECONDS);
  let publicUrl = config.API_PUBLIC_URL?.replace(/\/+$/, "") ?? "";
  const sharing = new SharesService(repos.sharing, repos.runs);
  const services: Services = {
    health: new HealthService(new DatabaseRepository(dbHandle), storage, notifications, config.WORKER_STALE_AFTER_MS, config.API_HEALTH_CACHE_MS, () => ({
      ...live.stats,
      ...(sqlCounter ? { sqlStatements: sqlCounter.total } : {}),
    })),
    apiKeys: new ApiKeysService(repos.auth),
    baseModels,
    subjects,
    runs,
    generations: new GenerationsService(repos.generations, runs, live, limits),
    media: new MediaService(storage),
    members: new MembersService(repos.members),
    sharing,
    modelCards: new ModelCardsService(storage),
    exports: new ExportsService(repos.transfers, runs, sharing, live, archiveTokens, {
      pollMs: config.RUN_EVENTS_POLL_MS,
      publicUrl: () => publicUrl,
    }),
    imports: new ImportsService(repos.transfers, storage, live, {
      pollMs: config.RUN_EVENTS_POLL_MS,
      maxBytes: config.IMPORT_MAX_BYTES,
      singlePostMaxBytes: config.IMPORT_SINGLE_POST_MAX_BYTES,
      partBytes: config.IMPORT_PART_BYTES,
      partUrlExpirySeconds: config.IMPORT_PART_URL_EXPIRY_SECONDS,
      headerMaxBytes: config.SAFETENSORS_HEADER_MAX_BYTES,
      checksConcurrent: config.IMPORT_CHECKS_CONCURRENT,
      checksQueueMs: config.IMPORT_CHECKS_QUEUE_MS,
    }),
    evaluations: new EvaluationsService(repos.evaluations, runs, live, {
      pollMs: config.RUN_EVENTS_POLL_MS,
      samplingSteps: config.EVAL_SAMPLING_STEPS,
      clipTMargin: config.EVAL_CLIP_T_MARGIN,
      availability: () => scorer.status(),
    }),
    scheduling: new SchedulingService(dbHandle.db, config.RUN_TEAM_CONCURRENCY),
  };
  await scorer.init();
  scorer.start();
  const uploadSweeper = new UploadSweeper(dbHandle, storage, config, log); // abandoned uploads (docs/security-uploads.md)
  await uploadSweeper.start();

  const sessionOf = (principal: Principal): Session => ({
    principal,
    loaders: createLoaders(principal.teamId, repos, { teamId: principal.teamId, linkRunId: principal.link?.runId ?? null }),
  });
  const authenticate = (authorization: string | undefined) =>
    isLinkAuthorization(authorization) ? services.sharing.authenticateLink(authorization) : services.apiKeys.authenticate(authorization);

  /** A context whose session is authenticated on first use (so `health` needs no key). */
  const contextFor = (authorization: string | undefined, ticket: AuthTicket): ApiContext => {
    let session: Promise<Session> | null = null;
    const link = isLinkAuthorization(authorization);
    return {
      services,
      authorization,
      clientIp: ticket.ip,
      limits,
      session: () =>
        (session ??= authenticate(authorization).then(async (principal) => {
          await limits.authenticated(ticket, authorization, !!principal); // counts failures per IP
          if (!principal) throw unauthenticated(authorization ? `the ${link ? "share link" : "API key"} is unknown or revoked` : undefined);
          return sessionOf(principal);
        })),
    };
  };
  /** A websocket operation's context: the principal was resolved once, at connection_init (ws.ts). */
  const connectionContext = (authorization: string | undefined, principal: Principal | null, failure: DomainError | null, clientIp: string): ApiContext => {
    let session: Promise<Session> | null = null;
    return {
      services,
      authorization,
      clientIp,
      limits,
      session: () => (session ??= principal ? Promise.resolve(sessionOf(principal)) : Promise.reject(failure ?? unauthenticated())),
    };
  };

  const queryLimits: QueryLimits = {
    maxTokens: config.API_MAX_QUERY_TOKENS,
    maxDepth: config.API_MAX_QUERY_DEPTH,
    maxAliases: config.API_MAX_QUERY_ALIASES,
    maxCost: config.API_MAX_QUERY_COST,
    maxRootMutations: config.API_MAX_ROOT_MUTATIONS,
  };

  const schema = guardLinkRootFields(buildSchema());
  const recheck = recheckWith(services, notifications);
  // slow clients (slowloris) are answered 408 and closed; the check runs often enough to honour small limits
  const httpServer = createServer({
    headersTimeout: Math.min(config.API_HEADERS_TIMEOUT_MS, config.API_REQUEST_TIMEOUT_MS),
    requestTimeout: config.API_REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(config.API_HEADERS_TIMEOUT_MS / 2))),
  });
  const wsCleanup = attachGraphqlWs(httpServer, {
    schema,
    limits: queryLimits,
    rateLimits: limits,
    introspection: config.API_INTROSPECTION,
    corsOrigins: config.API_CORS_ORIGINS,
    maxPayloadBytes: config.API_WS_MAX_PAYLOAD_BYTES,
    maxConnectionsPerIp: config.API_WS_MAX_CONNECTIONS_PER_IP,
    maxConnectionsPerKey: config.API_WS_MAX_CONNECTIONS_PER_KEY,
    maxSubscriptionsPerConnection: config.API_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    authenticate,
    contextFor: connectionContext,
    recheck,
    notifications,
    log,
  });

  const apollo = new ApolloServer<ApiContext>({
    schema,
    introspection: config.API_INTROSPECTION,
    // no automatic persisted queries: nothing uses them, and their cache is memory any caller could fill
    persistedQueries: false,
    // Apollo's own messages pass through the same redaction as ours
    logger: {
      debug: () => undefined,
      info: (m: unknown) => log("info", String(m)),
      warn: (m: unknown) => log("warn", String(m)),
      error: (m: unknown) => log("error", String(m)),
    },
    // the parser stops past this many tokens (reported as QUERY_TOO_COMPLEX below)
    parseOptions: { maxTokens: config.API_MAX_QUERY_TOKENS },
    formatError: (formatted, error) => maskError(formatted, error, (m) => log("error", m)),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
      {
        async requestDidStart() {
          return {
            // cost limits and control characters, after validation and before any resolver (graphql-limits.ts)
            async didResolveOperation({ document, request }) {
              const refused = preExecutionError(schema, document, request.operationName, request.variables, queryLimits);
              if (refused) throw refused;
            },
            async willSendResponse({ response, source }) {
              // the parser's own token limit answers like every other limit
              if (response.body.kind === "single" && source) {
                const first = response.body.singleResult.errors?.[0];
                if (first?.extensions?.code === "GRAPHQL_PARSE_FAILED" && /more th(?:an|at) \d+ tokens/.test(first.message)) {
                  const exceeded = checkTokens(source, queryLimits) ?? { limit: "tokens" as const, max: queryLimits.maxTokens, actual: queryLimits.maxTokens + 1 };
                  const e = tooComplexError(exceeded);
                  const { http: _http, ...extensions } = e.extensions;
                  response.body.singleResult.errors = [{ message: e.message, extensions: { ...extensions, code: QUERY_TOO_COMPLEX } }];
                }
              }
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
    (req) => Promise.resolve(contextFor(req.headers.authorization, limits.ticketOf(req))),
    config.API_CORS_ORIGINS,
    (req, res) => limits.admitHttp(req, res),
  );
  const archives = exportArchiveHandler(services.exports, storage, log);
  httpServer.on("request", (req, res) => {
    const serve = () =>
      (req.url?.startsWith("/exports/") ? archives(req, res, {}).then((done) => (done ? undefined : handler(req, res))) : handler(req, res)).catch((err: Error) => {
        log("error", `request failed: ${err.stack ?? err.message}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ message: "internal error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] }));
      });
    if (sqlCounter && config.API_COUNT_SQL === "requests") sqlCounter.run(serve);
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
      limits.stop();
      await scorer.stop();
      await uploadSweeper.stop();
      await apollo.stop();
      await notifications.stop();
      await live.close();
      await dbHandle.close();
    },
  };
}
