import { randomBytes } from "node:crypto";
import { CHANNELS, openDb, PgListener } from "@studio/db";
import type { ApiConfig } from "./config.js";
import type { ApiContext, Services, Session } from "./context.js";
import { DomainError, unauthenticated } from "./errors.js";
import { EvaluationScorer } from "./evaluation/scorer.js";
import { ArchiveTokens } from "./lib/archive-token.js";
import { PgBucketStore } from "./limits/buckets.js";
import { RateLimiter, type AuthTicket } from "./limits/rate-limiter.js";
import { bindQueries } from "./data.js";
import { createLoaders } from "./loaders.js";
import type { Principal } from "./models.js";
import { redactSecrets } from "./redact.js";
import { evaluatorBackend } from "./ports/evaluator.js";
import { StorageRepository } from "./ports/storage.js";
import { ApiKeysService } from "./services/api-keys.service.js";
import { BaseModelsService } from "./services/base-models.service.js";
import { EvaluationsService } from "./services/evaluations.service.js";
import { ExportsService } from "./services/exports.service.js";
import { GenerationsService } from "./services/generations.service.js";
import { HealthService } from "./services/health.service.js";
import { ImportsService } from "./services/imports.service.js";
import { liveHubFor } from "./services/live.wiring.js";
import { MediaService } from "./services/media.service.js";
import { MembersService } from "./services/members.service.js";
import { ModelCardsService } from "./services/model-cards.service.js";
import { RunsService } from "./services/runs.service.js";
import { SchedulingService } from "./services/scheduling.service.js";
import { isLinkAuthorization, SharesService } from "./services/shares.service.js";
import { SubjectsService } from "./services/subjects.service.js";
import { UploadSweeper } from "./services/upload-sweeper.js";
import { SqlCounter } from "./sql-counter.js";

export type Logger = (level: "info" | "warn" | "error", msg: string) => void;

/**
 * The API's composition root: the data layer (apiQueries bound to the pool, data.ts) and the ports
 * (object storage, evaluator) → services, the process-wide live hub, rate limiter,
 * evaluation scorer and upload sweeper, and how a request or a websocket operation gets its context.
 * Knows nothing of HTTP or graphql-ws (server.ts is the transport).
 */
export async function composeApi(config: ApiConfig, rawLog: Logger) {
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
  const data = bindQueries(dbHandle.db);
  const limits = new RateLimiter(new PgBucketStore(data), config, log);
  limits.start();
  const subjects = new SubjectsService(data, storage, config.UPLOAD_MAX_BYTES, config.SUBJECT_MAX_IMAGES);
  const baseModels = new BaseModelsService(data, config.WORKER_STALE_AFTER_MS);
  const runs = new RunsService(data, subjects, live, limits, baseModels);
  const scorer = new EvaluationScorer(
    data,
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
  const sharing = new SharesService(data);
  const services: Services = {
    health: new HealthService(data, storage, notifications, config.WORKER_STALE_AFTER_MS, config.API_HEALTH_CACHE_MS, () => ({
      ...live.stats,
      ...(sqlCounter ? { sqlStatements: sqlCounter.total } : {}),
    })),
    apiKeys: new ApiKeysService(data),
    baseModels,
    subjects,
    runs,
    generations: new GenerationsService(data, runs, live, limits),
    media: new MediaService(storage),
    members: new MembersService(data),
    sharing,
    modelCards: new ModelCardsService(storage),
    exports: new ExportsService(data, runs, sharing, live, archiveTokens, {
      pollMs: config.RUN_EVENTS_POLL_MS,
      publicUrl: () => publicUrl,
    }),
    imports: new ImportsService(data, storage, live, {
      pollMs: config.RUN_EVENTS_POLL_MS,
      maxBytes: config.IMPORT_MAX_BYTES,
      singlePostMaxBytes: config.IMPORT_SINGLE_POST_MAX_BYTES,
      partBytes: config.IMPORT_PART_BYTES,
      partUrlExpirySeconds: config.IMPORT_PART_URL_EXPIRY_SECONDS,
      headerMaxBytes: config.SAFETENSORS_HEADER_MAX_BYTES,
      checksConcurrent: config.IMPORT_CHECKS_CONCURRENT,
      checksQueueMs: config.IMPORT_CHECKS_QUEUE_MS,
    }),
    evaluations: new EvaluationsService(data, runs, live, {
      pollMs: config.RUN_EVENTS_POLL_MS,
      samplingSteps: config.EVAL_SAMPLING_STEPS,
      clipTMargin: config.EVAL_CLIP_T_MARGIN,
      availability: () => scorer.status(),
    }),
    scheduling: new SchedulingService(data, config.RUN_TEAM_CONCURRENCY),
  };
  await scorer.init();
  scorer.start();
  const uploadSweeper = new UploadSweeper(data, storage, config, log); // abandoned uploads (docs/security-uploads.md)
  await uploadSweeper.start();

  const sessionOf = (principal: Principal): Session => ({
    principal,
    loaders: createLoaders(principal.teamId, data, { teamId: principal.teamId, linkRunId: principal.link?.runId ?? null }),
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

  return {
    log,
    services,
    storage,
    limits,
    notifications,
    sqlCounter,
    authenticate,
    contextFor,
    connectionContext,
    /** Where archive URLs point when API_PUBLIC_URL is unset: the address the transport listens on. */
    listeningAt(url: string) {
      publicUrl ||= url;
    },
    async close() {
      limits.stop();
      await scorer.stop();
      await uploadSweeper.stop();
      await notifications.stop();
      await live.close();
      await dbHandle.close();
    },
  };
}

export type ComposedApi = Awaited<ReturnType<typeof composeApi>>;
