import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "@studio/infra/paths";
import { createClient, type Client } from "graphql-ws";

import WebSocket from "ws";
import type { GqlResult } from "./graphql.js";
import { services } from "./services.js";

export interface TestTeam {
  teamId: string;
  userId: string;
  apiKeyId: string;
  secret: string;
}

/** Runs the real admin CLI (`api/src/admin.cli.ts`) and returns its JSON output. */
export function runAdmin(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(repoRoot, "node_modules", ".bin", "tsx"), ["src/admin.cli.ts", ...args], {
      cwd: join(repoRoot, "api"),
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", DATABASE_URL: services().databaseUrl, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh team with an OWNER and an API key, made by the admin CLI. */
export async function createTeam(name = `team-${Math.random().toString(36).slice(2, 8)}`): Promise<TestTeam> {
  const r = await runAdmin(["create-team", "--name", name, "--user", `${name}-owner`, "--json"]);
  if (r.code !== 0) throw new Error(`admin create-team failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as TestTeam;
}

/** A GraphQL request over real HTTP with `Authorization: Bearer <key>` (no header when key is null). */
export async function gqlAs<T = Record<string, unknown>>(url: string, key: string | null, query: string, variables: Record<string, unknown> = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: (await res.json()) as GqlResult<T> & { extensions?: Record<string, unknown> } };
}

/** Like gqlAs but the data must be there: throws with the errors otherwise. */
export async function okAs<T = Record<string, any>>(url: string, key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const { body } = await gqlAs<T>(url, key, query, variables);
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** The first error's extensions.code (and field) of a response. */
export function errorOf(body: GqlResult<unknown>): { code?: string; field?: string; message?: string } {
  const e = body.errors?.[0] as { message?: string; extensions?: { code?: string; field?: string } } | undefined;
  return { code: e?.extensions?.code, field: e?.extensions?.field, message: e?.message };
}

export function wsClientAs(url: string, key: string | null): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
  });
}
