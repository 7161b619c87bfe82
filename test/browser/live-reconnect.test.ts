import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapTeam } from "../support/bootstrap.js";
import { launchChromium } from "../support/browser.js";
import { appendEvents, insertRunWithCheckpoint, insertSubject, lossEvents, testDb } from "../support/fixtures.js";
import { freePort } from "../support/ports.js";
import { apiEnv, spawnApi, startDashboard, type TestProcess } from "../support/processes.js";

const KEY_STORAGE = "studio.apiKey";
type WebStorage = { sessionStorage: { setItem(k: string, v: string): void } };

/**
 * docs/live-events.md "Reconnects": the run page across an API restart. It says "reconnecting…" while
 * the API is away, comes back on its own (jittered backoff), and shows the events committed meanwhile
 * and the ones after, with no reload.
 */
describe("dashboard: the live run page across an API restart", () => {
  let port: number;
  let api: TestProcess;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let browser: Browser;
  let team: { teamId: string; secret: string };
  const startApiOn = async () => {
    const p = spawnApi(apiEnv(port, { API_CORS_ORIGINS: "*", RUN_EVENTS_POLL_MS: "60000" }));
    await p.waitForOutput(/GraphQL ready at/);
    return p;
  };

  beforeAll(async () => {
    port = await freePort();
    api = await startApiOn();
    [dashboard, browser, team] = await Promise.all([startDashboard(`http://127.0.0.1:${port}/graphql`), launchChromium(), bootstrapTeam("Reconnect Co")]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([dashboard?.proc.stop(), api?.stop()]);
  });

  it("shows reconnecting…, then live again with the events committed meanwhile", async () => {
    const db = testDb();
    try {
      const subject = await insertSubject(db, team.teamId, "Reconnect subject");
      const { run } = await insertRunWithCheckpoint(db, team.teamId, subject.id);
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript(([k, v]) => (globalThis as unknown as WebStorage).sessionStorage.setItem(k!, v!), [KEY_STORAGE, team.secret]);
      const page = await context.newPage();
      // a marker that a reload would lose
      await page.goto(`${dashboard.url}/runs/${run.id}`);
      await page.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
      const status = page.getByTestId("live-status");
      const step = page.getByTestId("run-step");
      await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe("live");
      await appendEvents(db, run.id, lossEvents(1, 5));
      await expect.poll(() => step.textContent(), { timeout: 15_000 }).toMatch(/step 5 \//);

      await api.stop();
      await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe("reconnecting…");
      await appendEvents(db, run.id, lossEvents(6, 10)); // the trainer goes on while the API is away
      api = await startApiOn();
      await expect.poll(() => status.textContent(), { timeout: 60_000 }).toBe("live");
      await expect.poll(() => step.textContent(), { timeout: 15_000 }).toMatch(/step 10 \//);
      // and the live tail flows again
      await appendEvents(db, run.id, lossEvents(11, 12));
      await expect.poll(() => step.textContent(), { timeout: 15_000 }).toMatch(/step 12 \//);
      expect(await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
      await context.close();
    } finally {
      await db.close();
    }
  });
});
