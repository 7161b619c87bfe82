import type { HealthService } from "./services/health.service.js";

/** What every resolver receives. Built per request (and per subscription) by the server. */
export interface ApiContext {
  services: {
    health: HealthService;
  };
}
