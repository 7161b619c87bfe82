import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { openDb, WORKER_CHANNEL } from "@studio/db";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { ApiConfig } from "./config.js";
import type { ApiContext } from "./context.js";
import { graphqlHttpHandler } from "./http.js";
import { DatabaseRepository } from "./repositories/database.repository.js";
import { NotificationsRepository } from "./repositories/notifications.repository.js";
import { StorageRepository } from "./repositories/storage.repository.js";
import { buildSchema } from "./schema.js";
import { HealthService } from "./services/health.service.js";

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
  const notifications = new NotificationsRepository(config.DATABASE_URL, [WORKER_CHANNEL], (m) => log("warn", m));
  notifications.start();
  const health = new HealthService(
    new DatabaseRepository(dbHandle),
    new StorageRepository(config),
    notifications,
    config.WORKER_STALE_AFTER_MS,
  );
  const makeContext = async (): Promise<ApiContext> => ({ services: { health } });

  const schema = buildSchema();
  const httpServer = createServer();
  const wss = new WebSocketServer({ server: httpServer, path: "/graphql" });
  const wsCleanup = useServer({ schema, context: makeContext }, wss);

  const apollo = new ApolloServer<ApiContext>({
    schema,
    introspection: true,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
  });
  await apollo.start();
  const handler = graphqlHttpHandler(apollo, makeContext, config.API_CORS_ORIGINS);
  httpServer.on("request", (req, res) => {
    handler(req, res).catch((err: Error) => {
      log("error", `request failed: ${err.stack ?? err.message}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ message: "internal error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.API_PORT, config.API_HOST, () => resolve());
  });
  const addr = httpServer.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}/graphql`,
    wsUrl: `ws://${host}:${addr.port}/graphql`,
    server: httpServer,
    async close() {
      await apollo.stop();
      await notifications.stop();
      await dbHandle.close();
    },
  };
}
