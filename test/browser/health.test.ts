import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactsDir, launchChromium } from "../support/browser.js";
import { createTeam } from "../support/auth.js";
import { startApi, startDashboard, startTrainer } from "../support/processes.js";

const KEY_STORAGE = "studio.apiKey";
type WebStorage = { localStorage: { setItem(k: string, v: string): void } };

describe("dashboard in Chromium", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let trainer: Awaited<ReturnType<typeof startTrainer>>;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    api = await startApi({ API_CORS_ORIGINS: "*" });
    [trainer, dashboard, browser, key] = await Promise.all([startTrainer(), startDashboard(api.url), launchChromium(), createTeam("health-ui").then((t) => t.secret)]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([dashboard?.proc.stop(), trainer?.proc.stop(), api?.proc.stop()]);
  });

  it("shows only the overall status to a visitor without a key", async () => {
    const page = await browser.newPage();
    await page.goto(`${dashboard.url}/health`);
    await expect.poll(() => page.getByTestId("status-overall").textContent(), { timeout: 30_000 }).toBe("OK");
    expect(await page.getByTestId("health-signin-hint").count()).toBe(1);
    expect(await page.getByTestId("status-postgres").count()).toBe(0);
    await page.close();
  });

  for (const scheme of ["light", "dark"] as const) {
    it(`shows the health panel fetched through GraphQL to a signed-in user (${scheme})`, async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: scheme });
      await context.addInitScript(([k, v]) => (globalThis as unknown as WebStorage).localStorage.setItem(k!, v!), [KEY_STORAGE, key]);
      const page = await context.newPage();
      const graphqlCalls: string[] = [];
      page.on("request", (r) => r.url() === api.url && graphqlCalls.push(r.method()));
      await page.goto(`${dashboard.url}/health`);
      await expect.poll(() => page.getByTestId("status-overall").textContent(), { timeout: 30_000 }).toBe("OK");
      await expect.poll(() => page.getByTestId("status-postgres").textContent(), { timeout: 30_000 }).toBe("OK");
      expect(await page.getByTestId("status-storage").textContent()).toBe("OK");
      expect(await page.getByTestId("status-engine").textContent()).toBe("OK");
      expect(await page.getByTestId("service-engine").textContent()).toMatch(/1 trainer; engine/);
      expect(await page.getByRole("status").count()).toBe(1);
      expect(graphqlCalls).toContain("POST");
      await mkdir(artifactsDir, { recursive: true });
      await page.screenshot({ path: join(artifactsDir, `health-${scheme}.png`) });
      await context.close();
    });
  }

  it("shows the API as unreachable instead of a blank page when it is down", async () => {
    const page = await browser.newPage();
    await api.proc.stop();
    await page.goto(`${dashboard.url}/health`);
    await expect.poll(() => page.getByTestId("health-error").textContent(), { timeout: 20_000 }).toMatch(/cannot reach the API/);
    await page.close();
  });
});
