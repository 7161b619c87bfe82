import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { schema } from "@studio/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { okAs } from "../support/auth.js";
import { artifactsDir } from "../support/browser.js";
import { contextFor, DESKTOP, KNOWN_STORAGE, PHONE, startDashboardFixture, type DashboardFixture, type Win } from "../support/dashboard-fixture.js";
import { appendEvents } from "../support/fixtures.js";

// The run page people keep open (issue 14, docs/dashboard.md): client navigation without reloads, every live
// phase (driven by writing the run's events, so each is held while the test looks), readable charts, one step
// convention, sharing with a team picked by name, errors in words.
describe("dashboard run page: no reloads, live phases, charts, one step convention", () => {
  let fx: DashboardFixture;
  let api: DashboardFixture["api"];
  let dashboard: DashboardFixture["dashboard"];
  let browser: DashboardFixture["browser"];
  let owner: DashboardFixture["owner"];
  let partner: DashboardFixture["partner"];
  let db: DashboardFixture["db"];
  let subjectId: string;
  let runId: string;
  let otherRunId: string;
  let checkpointId: string;

  beforeAll(async () => {
    fx = await startDashboardFixture();
    ({ api, dashboard, browser, owner, partner, db, subjectId, runId, otherRunId, checkpointId } = fx);
    await mkdir(artifactsDir, { recursive: true });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it("moves between runs list, run, playground and back without a document request or a key check", async () => {
    const context = await contextFor(browser, owner.secret);
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs`);
    await page.waitForSelector('[data-testid="run-row"]');
    await page.evaluate(() => ((globalThis as unknown as Win).__marker = "kept"));
    const documents: string[] = [];
    const keyChecks: string[] = [];
    page.on("request", (r) => {
      if (r.resourceType() === "document") documents.push(r.url());
      if (r.method() === "POST" && (r.postData() ?? "").includes("query Viewer")) keyChecks.push(r.url());
    });

    await page.locator(`[data-testid="run-row"][data-run="${runId}"]`).getByRole("link").click();
    await page.waitForURL(`${dashboard.url}/runs/${runId}`);
    await page.getByTestId("checkpoint-row").first().waitFor({ timeout: 15_000 });
    await page.getByTestId("checkpoint-row").first().getByRole("link", { name: "Try it" }).click();
    await page.waitForURL(`${dashboard.url}/checkpoints/${checkpointId}`);
    await page.getByTestId("model-card").waitFor({ timeout: 15_000 });
    // the playground names its checkpoint the way the run page does
    expect(await page.locator("p", { hasText: "back to the run" }).first().textContent()).toContain("stage 2 · step 200 (run step 300)");
    await page.getByRole("link", { name: "back to the run" }).click();
    await page.waitForURL(`${dashboard.url}/runs/${runId}`);
    // From here on, note whether the runs list ever shows its "Loading runs…" placeholder.
    await page.evaluate(() => {
      const g = globalThis as unknown as {
        document: { body: { textContent: string | null } };
        MutationObserver: new (cb: () => void) => { observe(n: unknown, o: unknown): void };
        __sawLoading?: boolean;
      };
      g.__sawLoading = false;
      new g.MutationObserver(() => {
        if (g.document.body.textContent?.includes("Loading runs…")) g.__sawLoading = true;
      }).observe(g.document.body, { childList: true, subtree: true, characterData: true });
    });
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
    await page.waitForURL(`${dashboard.url}/runs`);
    await expect.poll(() => page.getByTestId("run-row").count(), { timeout: 5_000 }).toBe(2);
    // The list showed its cached rows at once: no placeholder on the way back.
    expect(await page.evaluate(() => (globalThis as unknown as { __sawLoading?: boolean }).__sawLoading)).toBe(false);
    await page.goBack();
    await page.waitForURL(`${dashboard.url}/runs/${runId}`);
    await page.getByTestId("loss-chart").waitFor();

    // The tab has an icon (no favicon 404).
    const icon = await page.locator('link[rel="icon"]').first().getAttribute("href");
    expect(icon).toMatch(/^\/icon/);
    expect((await page.request.get(`${dashboard.url}${icon}`)).status()).toBe(200);
    expect(documents).toEqual([]);
    expect(keyChecks).toEqual([]);
    expect(await page.evaluate(() => (globalThis as unknown as Win).__marker)).toBe("kept");
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs", exact: true }).getAttribute("aria-current")).toBe("page");
    await context.close();
  });

  it("names every live phase: queued with its position, loading the base model, each stage, finishing, done", async () => {
    const [run] = await db.db
      .insert(schema.runs)
      .values({
        teamId: owner.teamId,
        subjectId,
        method: "TWO_STAGE",
        baseModel: "tiny-random",
        config: {
          stage1: { steps: 3, learningRate: 5e-4 },
          stage2: { steps: 4, learningRate: 5e-6, checkpointEvery: 4 },
          samples: { prompts: ["p"], seeds: [0], every: 4, steps: 2, guidanceScale: 7.5 },
        },
        state: "QUEUED",
        totalSteps: 7,
      })
      .returning();
    const id = run!.id;
    await appendEvents(db, id, [{ type: "RunStateChanged", payload: { state: "QUEUED", previousState: null } }]);
    const context = await contextFor(browser, owner.secret, PHONE);
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs/${id}`);
    const phase = page.getByTestId("run-phase");
    const phaseIs = (p: string) => expect.poll(() => phase.getAttribute("data-phase"), { timeout: 15_000 }).toBe(p);

    await phaseIs("queued");
    const { run: apiRun } = await okAs(api.url, owner.secret, `query($id: ID!) { run(id: $id) { queuePosition } }`, { id });
    expect(apiRun.queuePosition).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId("run-queue").textContent()).toContain(`position ${apiRun.queuePosition} in the queue`);
    expect(await phase.textContent()).toMatch(/^Queued/);
    expect(await page.getByTestId("run-started").textContent()).toMatch(/^queued /);
    await page.screenshot({ path: join(artifactsDir, "phone-live-queued.png"), fullPage: true });

    // A trainer claims it: RUNNING with no stage yet is the base model loading; the start time shows at once.
    await db.pool.query("update runs set state = 'RUNNING', started_at = now(), lease_owner = 'fixture', lease_expires_at = now() + interval '1 minute' where id = $1", [id]);
    await appendEvents(db, id, [{ type: "RunStateChanged", payload: { state: "RUNNING", previousState: "QUEUED" } }]);
    await phaseIs("loading");
    expect(await phase.textContent()).toContain("Starting: loading the base model");
    expect(await page.getByTestId("run-stage").textContent()).toBe("not started");
    expect(await page.getByTestId("run-started").textContent()).toMatch(/^started \S/);
    await expect.poll(() => page.getByTestId("phase-elapsed").textContent(), { timeout: 5_000 }).toMatch(/^for \d+s$/);
    await page.screenshot({ path: join(artifactsDir, "phone-live-loading.png"), fullPage: true });
    // the engine says how long loading the base model took (PhaseChanged): the stepper shows it
    await appendEvents(db, id, [
      { type: "PhaseChanged", payload: { phase: "LOADING_BASE_MODEL", state: "STARTED", baseModel: "tiny-random" } },
      { type: "PhaseChanged", payload: { phase: "LOADING_BASE_MODEL", state: "ENDED", baseModel: "tiny-random", durationMs: 2400 } },
    ]);
    await expect.poll(() => page.getByLabel("Run phases").textContent(), { timeout: 10_000 }).toContain("base model loaded in 2s");

    // Stage 1, one step every ~400 ms: the rate settles instead of jumping.
    await appendEvents(db, id, [{ type: "StageStarted", payload: { stage: "stage1", totalSteps: 3 } }]);
    await phaseIs("stage1");
    const rates: number[] = [];
    const steps: [string, number][] = [...[1, 2, 3].map((s) => ["stage1", s] as [string, number]), ...[1, 2, 3].map((s) => ["stage2", s] as [string, number])];
    for (const [stage, step] of steps) {
      if (stage === "stage2" && step === 1) {
        await appendEvents(db, id, [{ type: "StageStarted", payload: { stage: "stage2", totalSteps: 4 } }]);
        await phaseIs("stage2");
        expect(await phase.textContent()).toContain("Stage 2");
      }
      await appendEvents(db, id, [{ type: "LossLogged", payload: { stage, step, loss: 0.3 - step / 100, learningRate: 5e-4 } }]);
      await new Promise((r) => setTimeout(r, 400));
      const shown = (await page.getByTestId("run-rate").textContent()) ?? "";
      const m = shown.match(/^([\d.]+) steps\/s$/);
      if (m) rates.push(Number(m[1]));
    }
    expect(rates.length).toBeGreaterThanOrEqual(4);
    const settled = rates.slice(2);
    expect(Math.max(...settled) / Math.min(...settled)).toBeLessThan(2);
    expect(await page.getByTestId("run-left").textContent()).toMatch(/left$/);

    // The last step is logged; until SUCCEEDED the run is saving its last checkpoint — not "0s left".
    await appendEvents(db, id, [{ type: "LossLogged", payload: { stage: "stage2", step: 4, loss: 0.2, learningRate: 5e-6 } }]);
    await phaseIs("finishing");
    expect(await phase.textContent()).toContain("Finishing (saving the last checkpoint)");
    expect(await page.getByTestId("run-left").textContent()).toBe("saving…");
    expect(await page.getByTestId("run-step").textContent()).toMatch(/step 7 \/ 7/);
    await page.screenshot({ path: join(artifactsDir, "phone-live-finishing.png"), fullPage: true });

    await db.pool.query("update runs set state = 'SUCCEEDED', step = 7, finished_at = now(), lease_owner = null, lease_expires_at = null where id = $1", [id]);
    await appendEvents(db, id, [{ type: "RunStateChanged", payload: { state: "SUCCEEDED", previousState: "RUNNING" } }]);
    await phaseIs("succeeded");
    expect(await page.getByTestId("run-state").textContent()).toBe("SUCCEEDED");
    expect(await page.getByTestId("run-left").textContent()).toMatch(/^took \d+s$/);
    expect(await page.locator('.phase-steps li[data-status="done"]').count()).toBe(5);
    // Every point arrived once, on the cumulative axis.
    expect(JSON.parse((await page.getByTestId("loss-chart").getAttribute("data-points")) ?? "[]")).toEqual([...steps, ["stage2", 4]]);
    await context.close();
  });

  it("charts have x and y ticks and hover values; grid, chart and checkpoints use one step convention; sizes read right", async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const context = await contextFor(browser, owner.secret, viewport);
      const page = await context.newPage();
      await page.goto(`${dashboard.url}/runs/${runId}`);
      const chart = page.getByTestId("loss-chart");
      await expect.poll(async () => JSON.parse((await chart.getAttribute("data-points")) ?? "[]").length, { timeout: 15_000 }).toBe(11);
      expect(await chart.getByTestId("x-tick").count()).toBeGreaterThanOrEqual(3);
      expect(await chart.getByTestId("y-tick").count()).toBeGreaterThanOrEqual(3);
      const xTicks = (await chart.getByTestId("x-tick").allTextContents()).map(Number);
      expect(xTicks[0]).toBe(0);
      expect(Math.max(...xTicks)).toBe(500);
      expect(await chart.getByTestId("stage-boundary").count()).toBe(1);

      // Hover over the point at run step 300 (stage 2 · step 200): the tooltip names it and its loss.
      await chart.scrollIntoViewIfNeeded();
      const box = (await chart.boundingBox())!;
      const plotLeft = box.x + 52;
      const plotWidth = box.width - 52 - 12;
      await page.mouse.move(plotLeft + (300 / 500) * plotWidth, box.y + box.height / 2);
      const tip = page.getByTestId("chart-tooltip");
      await expect.poll(() => tip.count(), { timeout: 5_000 }).toBe(1);
      expect(await tip.textContent()).toContain("stage 2 · step 200 (run step 300)");
      expect(await tip.textContent()).toContain(`stage 2: ${Number((0.2 - 200 / 4000).toPrecision(3))}`);

      // The sample grid's column, the checkpoint and the recommendation-free table all say the same step.
      expect(await page.getByTestId("sample-col").first().textContent()).toBe("stage 2 · step 200run step 300");
      expect(await page.getByTestId("checkpoint-row").first().locator(".ckpt-title").textContent()).toBe("stage 2 · step 200 (run step 300)");
      // A 1234-byte checkpoint is 1.2 KiB, not "0.0 MB".
      expect(await page.getByTestId("checkpoint-size").first().textContent()).toBe("1.2 KiB");
      // Both prompts of config.samples are rows, the second still waiting for its sample.
      const rows = page.locator('[data-testid="sample-grid"] tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(1).locator("th").textContent()).toBe("a <rare> backpack on a mountain");
      expect(await page.getByTestId("run-started").textContent()).toMatch(/^started /);
      if (viewport === DESKTOP) {
        // Drag across the plot to zoom into a step range, then reset.
        await page.mouse.move(plotLeft + 0.2 * plotWidth, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(plotLeft + 0.7 * plotWidth, box.y + box.height / 2, { steps: 5 });
        await page.mouse.up();
        await expect.poll(() => page.getByTestId("chart-reset-zoom").count()).toBe(1);
        const zoomed = (await chart.getByTestId("x-tick").allTextContents()).map(Number);
        expect(Math.min(...zoomed)).toBeGreaterThanOrEqual(100);
        expect(Math.max(...zoomed)).toBeLessThanOrEqual(350);
        await page.getByTestId("chart-reset-zoom").click();
        expect(Math.max(...(await chart.getByTestId("x-tick").allTextContents()).map(Number))).toBe(500);
      }
      await page.screenshot({ path: join(artifactsDir, `run-chart-${viewport.width}.png`), fullPage: true });

      // The compare page overlays the runs' loss curves on the same axis, one series per run, in the order asked.
      await page.goto(`${dashboard.url}/compare?runs=${runId},${otherRunId}`);
      const overlay = page.getByTestId("compare-losses");
      await overlay.waitFor({ timeout: 15_000 });
      expect(JSON.parse((await overlay.getAttribute("data-runs")) ?? "[]")).toEqual([
        [runId, 11],
        [otherRunId, 0],
      ]);
      expect(await overlay.getByTestId("x-tick").count()).toBeGreaterThanOrEqual(3);
      expect(await page.getByTestId("compare-table").textContent()).toContain("stage 2 · step 200 (run step 300)");
      await page.screenshot({ path: join(artifactsDir, `compare-${viewport.width}.png`), fullPage: true });
      await context.close();
    }
  });

  it("shares with a team picked by name among the user's teams; errors read in words", async () => {
    const known = JSON.stringify({ [owner.teamId]: { teamName: "Frame Lab", key: owner.secret }, [partner.teamId]: { teamName: "Partner Frame", key: partner.secret } });
    const context = await contextFor(browser, owner.secret, PHONE, "light", { [KNOWN_STORAGE]: known });
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs/${otherRunId}`);
    await page.getByRole("button", { name: "Share" }).click();
    const dialog = page.getByRole("dialog", { name: "Share this run" });
    await expect.poll(() => dialog.isVisible(), { timeout: 15_000 }).toBe(true);
    await dialog.getByLabel("Another team").check();
    await dialog.locator('select[name="teamPicker"]').selectOption({ label: "Partner Frame" });
    expect(await dialog.locator('input[name="targetTeamId"]').inputValue()).toBe(partner.teamId);
    await dialog.getByRole("button", { name: "Share with team" }).click();
    await expect.poll(() => dialog.getByTestId("share-row").count(), { timeout: 15_000 }).toBe(1);
    expect(await dialog.getByTestId("share-row").textContent()).toContain("Partner Frame");
    const dims = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    expect(dims).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(artifactsDir, "phone-share-team.png") });
    await context.close();

    // A run of another team: the page says so in words, and the compare page's refusal carries no bare code.
    const other = await contextFor(browser, partner.secret);
    const p = await other.newPage();
    await p.goto(`${dashboard.url}/compare?runs=${runId},${otherRunId}`);
    const err = p.getByTestId("compare-error");
    await expect.poll(() => err.count(), { timeout: 15_000 }).toBe(1);
    expect(await err.locator(".error-text").textContent()).toMatch(/^(Not found|Not allowed)/);
    expect(await err.locator(".error-text").textContent()).not.toMatch(/^[A-Z_]+:/);
    expect(await err.locator("code").isVisible()).toBe(false);
    await other.close();
  });
});
