import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { guardLinkRootFields, recheckWith } from "./access-guard.js";
import { composeApi, type Logger } from "./compose.js";
import type { ApiConfig } from "./config.js";
import type { ApiContext } from "./context.js";
import { maskError } from "./errors.format.js";
import { checkTokens, preExecutionError, QUERY_TOO_COMPLEX, tooComplexError, type QueryLimits } from "./graphql-limits.js";
import { graphqlHttpHandler } from "./http.js";
import { buildSchema } from "./schema.js";
import { exportArchiveHandler } from "./transfers.http.js";
import { attachGraphqlWs } from "./ws.js";

export type { Logger } from "./compose.js";

export interface RunningApi {
  url: string;
  wsUrl: string;
  server: Server;
  close(): Promise<void>;
}

/** The transport: HTTP (GraphQL, export archives) and graphql-ws on one port, over composeApi's services. */
export async function startApi(config: ApiConfig, rawLog: Logger): Promise<RunningApi> {
  const api = await composeApi(config, rawLog);
  const { log, services, storage, limits, notifications, sqlCounter, authenticate, contextFor, connectionContext } = api;
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
    // main.ts handles SIGINT/SIGTERM (drain, then exit 0). Apollo's own handlers would stop the server a second
    // time concurrently, and a second stop() started while the first drains never resolves in this version:
    // the process then sat out main.ts's 10 s force-exit and ended with code 1.
    stopOnTerminationSignals: false,
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
  api.listeningAt(`http://${host}:${addr.port}`);
  return {
    url: `http://${host}:${addr.port}/graphql`,
    wsUrl: `ws://${host}:${addr.port}/graphql`,
    server: httpServer,
    async close() {
      await apollo.stop();
      await api.close();
    },
  };
}
