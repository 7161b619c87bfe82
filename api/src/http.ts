import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer } from "@apollo/server";
import type { ApiContext } from "./context.js";

/** Largest GraphQL request body accepted (queries are small; uploads go straight to storage). */
const MAX_BODY_BYTES = 1_000_000;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Serves Apollo on plain node:http (Apollo 5 ships no framework integration in core), so the same
 * server can carry the graphql-ws upgrade. Handles CORS for the dashboard's origins.
 */
export function graphqlHttpHandler(
  apollo: ApolloServer<ApiContext>,
  makeContext: (req: IncomingMessage) => Promise<ApiContext>,
  corsOrigins: string[],
  /** Rate limits (limits/rate-limiter.ts): a refusal is answered before the body is read. */
  admit?: (req: IncomingMessage, res: ServerResponse) => Promise<{ status: number; headers: Record<string, string>; body: unknown } | null>,
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const origin = req.headers.origin;
    const cors: Record<string, string> = {};
    if (origin && (corsOrigins.includes(origin) || corsOrigins.includes("*"))) {
      cors["access-control-allow-origin"] = origin;
      cors["vary"] = "Origin";
      cors["access-control-allow-headers"] = "content-type, authorization, apollo-require-preflight";
      cors["access-control-allow-methods"] = "GET, POST, OPTIONS";
      cors["access-control-max-age"] = "600";
    }
    if (req.method === "OPTIONS") {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    if (url.pathname === "/livez") return sendJson(res, 200, { ok: true }, cors);
    if (url.pathname !== "/graphql") return sendJson(res, 404, { error: "not found; GraphQL is at /graphql" }, cors);

    const refused = await admit?.(req, res);
    if (refused) {
      req.resume(); // drain the unread body so the connection can be reused
      return sendJson(res, refused.status, refused.body, { ...cors, ...refused.headers });
    }
    let raw: string;
    try {
      raw = req.method === "POST" ? await readBody(req) : "";
    } catch (err) {
      if (err instanceof BodyTooLarge) return sendJson(res, 413, { errors: [{ message: "request body too large", extensions: { code: "PAYLOAD_TOO_LARGE" } }] }, cors);
      throw err;
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    let body: unknown = raw;
    if (raw && (headers.get("content-type") ?? "").includes("application/json")) {
      try {
        body = JSON.parse(raw);
      } catch {
        return sendJson(res, 400, { errors: [{ message: "request body is not valid JSON", extensions: { code: "BAD_REQUEST" } }] }, cors);
      }
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
      context: () => makeContext(req),
    });
    const outHeaders: Record<string, string> = { ...cors };
    for (const [k, v] of result.headers) outHeaders[k] = v;
    res.writeHead(result.status ?? 200, outHeaders);
    if (result.body.kind === "complete") {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };
}
