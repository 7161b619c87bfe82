import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "@studio/infra/paths";
import { gql } from "../support/graphql.js";
import { freePort } from "../support/ports.js";
import { TestProcess } from "../support/processes.js";
import { services } from "../support/services.js";

/** The README's start command, run for real on its own data folder and ports. */
describe("./studio up", () => {
  const procs: TestProcess[] = [];
  let env: Record<string, string>;

  const studio = (args: string[]) => {
    const p = new TestProcess(`studio ${args[0]}`, spawn(join(repoRoot, "studio"), args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] }));
    procs.push(p);
    return p;
  };

  afterAll(async () => {
    if (env) await studio(["down"]).waitExit(60_000);
    for (const p of procs) await p.stop();
  });

  it("starts the whole product, says so clearly when started twice, and stops everything with down", async () => {
    const dataDir = join(services().tmpDir, "stack");
    await mkdir(dataDir, { recursive: true });
    env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      STUDIO_DATA_DIR: dataDir,
      POSTGRES_PORT: String(await freePort()),
      MINIO_PORT: String(await freePort()),
      MINIO_CONSOLE_PORT: String(await freePort()),
      API_PORT: String(await freePort()),
      DASHBOARD_PORT: String(await freePort()),
    };
    if (process.env.ENGINE_VENV) env.ENGINE_VENV = process.env.ENGINE_VENV;
    if (process.env.STUDIO_CACHE_DIR) env.STUDIO_CACHE_DIR = process.env.STUDIO_CACHE_DIR;

    const up = studio(["up"]);
    await up.waitForOutput(/Ctrl-C stops the app/, 240_000); // the last line of the start summary
    const graphqlUrl = `http://127.0.0.1:${env.API_PORT}/graphql`;
    expect(up.output).toContain(`dashboard: http://127.0.0.1:${env.DASHBOARD_PORT}`);
    expect(up.output).toContain(`GraphQL:   ${graphqlUrl}`);

    // The curl of the README: all three services OK once the trainer has registered.
    let health: { status: string } | undefined;
    for (let i = 0; i < 240 && health?.status !== "OK"; i++) {
      health = (await gql<{ health: { status: string } }>(graphqlUrl, "{ health { status } }")).body.data?.health;
      if (health?.status !== "OK") await new Promise((r) => setTimeout(r, 500));
    }
    expect(health?.status).toBe("OK");

    // A fresh install prints the first team's API key once, and it works.
    const key = up.output.match(/API key:\s+(sk_\S+)/)?.[1];
    expect(key).toBeDefined();
    const viewer = await gql<{ viewer: { team: { name: string } } }>(graphqlUrl, "{ viewer { team { name } } }", {}, key);
    expect(viewer.body.data?.viewer.team.name).toBe("My team");

    // ./studio admin creates more teams; --json output parses.
    const admin = studio(["admin", "create-team", "--name", "Second team", "--user", "ada", "--json"]);
    expect(await admin.waitExit(60_000)).toBe(0);
    const created = JSON.parse(
      admin.output
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .pop()!,
    ) as { secret: string; teamName: string };
    expect(created.teamName).toBe("Second team");
    const second = await gql<{ viewer: { team: { name: string } } }>(graphqlUrl, "{ viewer { team { name } } }", {}, created.secret);
    expect(second.body.data?.viewer.team.name).toBe("Second team");

    const page = await fetch(`http://127.0.0.1:${env.DASHBOARD_PORT}/health`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("System health");
    const home = await fetch(`http://127.0.0.1:${env.DASHBOARD_PORT}/runs`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Rare Studio");

    const again = studio(["up"]);
    expect(await again.waitExit(60_000)).toBe(0);
    expect(again.output).toMatch(/already running \(pid \d+\)/);
    expect(again.output).toContain(graphqlUrl);
    expect(up.running).toBe(true);

    const down = studio(["down"]);
    expect(await down.waitExit(60_000)).toBe(0);
    expect(down.output).toMatch(/stopped the app/);
    expect(down.output).toMatch(/stopped MinIO/);
    expect(down.output).toMatch(/stopped PostgreSQL/);
    expect(await up.waitExit(30_000)).toBe(0);
    await expect(fetch(graphqlUrl)).rejects.toThrow();

    const status = studio(["status"]);
    await status.waitExit(60_000);
    expect(status.output).toMatch(/app not running/);
    expect(status.output).toMatch(/PostgreSQL stopped/);
    expect(status.output).toMatch(/MinIO stopped/);
  });

  it("a bad value fails at start, naming the variable", async () => {
    env = { ...env, API_PORT: "abc" };
    const up = studio(["up"]);
    expect(await up.waitExit(60_000)).toBe(1);
    expect(up.output).toMatch(/API_PORT: .*"abc"/);
  });
});
