import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapTeam } from "../support/bootstrap.js";
import { launchChromium } from "../support/browser.js";
import { startApi, startDashboard } from "../support/processes.js";
import { services } from "../support/services.js";

/** Issue 11 point 6 (docs/security-privileges.md): the dashboard's headers and where it keeps keys. */
const KEY_STORAGE = "studio.apiKey";
type Storages = { localStorage: Storage; sessionStorage: Storage };
type Storage = { getItem(k: string): string | null; setItem(k: string, v: string): void; length: number };

describe("dashboard: security headers and key storage", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let browser: Browser;
  let team: Awaited<ReturnType<typeof bootstrapTeam>>;

  beforeAll(async () => {
    api = await startApi({ API_CORS_ORIGINS: "*" });
    [dashboard, browser, team] = await Promise.all([startDashboard(api.url), launchChromium(), bootstrapTeam("Headers Co")]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([dashboard?.proc.stop(), api?.proc.stop()]);
  });

  it("pages send a nonce CSP limited to the API and storage, frame-ancestors 'none', no-referrer and nosniff", async () => {
    const csps: string[] = [];
    for (const path of ["/runs", "/health", "/shared/shl_not-a-real-token"]) {
      const res = await fetch(`${dashboard.url}${path}`, { redirect: "manual" });
      expect(res.status, path).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'/);
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      const api_ = new URL(api.url).origin;
      const connect = /connect-src ([^;]*)/.exec(csp)![1]!.split(" ");
      expect(connect.sort()).toEqual(["'self'", api_, api_.replace("http", "ws"), new URL(services().s3.endpoint).origin].sort());
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      // the page's scripts carry this response's nonce
      const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
      const html = await res.text();
      expect(html).toContain(`nonce="${nonce}"`);
      csps.push(nonce);
    }
    expect(new Set(csps).size).toBe(csps.length); // a fresh nonce per response
    const js = /\/_next\/static\/[^"]+\.js/.exec(await (await fetch(`${dashboard.url}/health`)).text())![0];
    const asset = await fetch(`${dashboard.url}${js}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("x-content-type-options")).toBe("nosniff");
    expect(asset.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("runs under its CSP: signs in with no violation, keeps the key in this tab's sessionStorage only", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${dashboard.url}/runs`);
    await page.getByLabel("API key").fill(team.secret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByTestId("team-name").textContent(), { timeout: 15_000 }).toBe("Headers Co");
    const stored = await page.evaluate((k) => {
      const g = globalThis as unknown as Storages;
      return { session: g.sessionStorage.getItem(k), local: g.localStorage.length };
    }, KEY_STORAGE);
    expect(stored).toEqual({ session: team.secret, local: 0 });
    // another tab of the same browser does not get the key
    const other = await context.newPage();
    await other.goto(`${dashboard.url}/runs`);
    // the page hydrates after goto: wait for the sign-in form, and the team's name must never show
    await expect.poll(() => other.getByLabel("API key").count(), { timeout: 15_000 }).toBe(1);
    expect(await other.getByTestId("team-name").count()).toBe(0);
    expect(violations).toEqual([]);
    await context.close();
  });

  it("moves a key an older dashboard left in localStorage into sessionStorage, and clears localStorage", async () => {
    const context = await browser.newContext();
    await context.addInitScript(
      ([k, v]) => {
        const g = globalThis as unknown as Storages & { name: string };
        if (g.name !== "seeded") {
          g.localStorage.setItem(k!, v!);
          g.name = "seeded";
        }
      },
      [KEY_STORAGE, team.secret],
    );
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs`);
    await expect.poll(() => page.getByTestId("team-name").textContent(), { timeout: 15_000 }).toBe("Headers Co");
    const stored = await page.evaluate((k) => {
      const g = globalThis as unknown as Storages;
      return { session: g.sessionStorage.getItem(k), local: g.localStorage.getItem(k) };
    }, KEY_STORAGE);
    expect(stored).toEqual({ session: team.secret, local: null });
    await context.close();
  });
});
