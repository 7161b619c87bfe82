import type { SchedulingService } from "./services/scheduling.service.js";
import type { RateLimiter } from "./limits/rate-limiter.js";
import type { Loaders } from "./loaders.js";
import type { Principal } from "./models.js";
import type { SocketLike } from "./services/live-hub.js";
import type { ApiKeysService } from "./services/api-keys.service.js";
import type { EvaluationsService } from "./services/evaluations.service.js";
import type { ExportsService } from "./services/exports.service.js";
import type { GenerationsService } from "./services/generations.service.js";
import type { HealthService } from "./services/health.service.js";
import type { BaseModelsService } from "./services/base-models.service.js";
import type { ImportsService } from "./services/imports.service.js";
import type { MediaService } from "./services/media.service.js";
import type { MembersService } from "./services/members.service.js";
import type { ModelCardsService } from "./services/model-cards.service.js";
import type { SharesService } from "./services/shares.service.js";
import type { RunsService } from "./services/runs.service.js";
import type { SubjectsService } from "./services/subjects.service.js";

export interface Services {
  health: HealthService;
  baseModels: BaseModelsService;
  apiKeys: ApiKeysService;
  subjects: SubjectsService;
  runs: RunsService;
  generations: GenerationsService;
  evaluations: EvaluationsService;
  media: MediaService;
  members: MembersService;
  sharing: SharesService;
  modelCards: ModelCardsService;
  exports: ExportsService;
  imports: ImportsService;
  scheduling: SchedulingService;
}

/** The authenticated caller with loaders bound to its team. */
export interface Session {
  principal: Principal;
  loaders: Loaders;
}

/** What every resolver receives. Built per request (and per subscription operation) by the server. */
export interface ApiContext {
  services: Services;
  /**
   * The caller; throws UNAUTHENTICATED without a live API key. Lazy, so `health` needs no key.
   * The key is checked once per request (a revoked key fails on its very next request).
   */
  session(): Promise<Session>;
  /** The raw Authorization value (`Bearer sk_…` or `Bearer shl_…`), if any; for acceptInvitation and the link guard. */
  authorization?: string;
  /** The client's address (limits/client-ip.ts: the TCP peer, or X-Forwarded-For with TRUST_PROXY). */
  clientIp?: string;
  /** Rate limits (docs/security-rate-limits.md), for guesses such as invitation codes. */
  limits?: RateLimiter;
  /** graphql-ws only: the operation's socket, so a subscriber that cannot keep up can be cut (docs/live-events.md). */
  socket?: SocketLike;
}
