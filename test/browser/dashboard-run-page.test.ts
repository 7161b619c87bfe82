import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { schema } from "@studio/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { okAs } from "../support/auth.js";
import { artifactsDir } from "../support/browser.js";
import { contextFor, contrast, DESKTOP, KNOWN_STORAGE, PHONE, startDashboardFixture, type DashboardFixture, type Win } from "../support/dashboard-fixture.js";
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
    const chart = page.getByTestId("loss-chart");
    expect(JSON.parse((await chart.getAttribute("data-points")) ?? "[]")).toEqual([...steps, ["stage2", 4]]);
    // The live points went in with setData: the chart was built once, not once per event.
    expect(await chart.getAttribute("data-builds")).toBe("1");
    expect(Number(await chart.getAttribute("data-updates"))).toBeGreaterThanOrEqual(5);
    await context.close();
  });

  it("charts (uPlot): x and y ticks, hover values in the legend, drag zoom and double-click reset, log scale, runs overlaid; 390/1280 px, light/dark; one step convention", async () => {
    // The compare page gets a second curve (the other run logs at its own steps) and scores for both runs.
    await db.db
      .insert(schema.lossPoints)
      .values([
        ...[10, 50, 100].map((step) => ({ runId: otherRunId, stage: "stage1", step, loss: 0.6 / step + 0.12, learningRate: 5e-4 })),
        ...[100, 200, 400].map((step) => ({ runId: otherRunId, stage: "stage2", step, loss: 0.25 - step / 3000, learningRate: 5e-6 })),
      ]);
    const { rows: ckpts } = await db.pool.query<{ id: string; run_id: string }>("select id, run_id from checkpoints where run_id = any($1)", [[runId, otherRunId]]);
    const scores: Record<string, { clipI: number; dino: number; clipT: number }> = {
      [runId]: { clipI: 0.812, dino: 0.634, clipT: 0.301 },
      [otherRunId]: { clipI: 0.795, dino: 0.671, clipT: 0.289 },
    };
    await db.db.insert(schema.evaluations).values(
      ckpts.map((c) => ({
        teamId: owner.teamId,
        runId: c.run_id,
        checkpointId: c.id,
        protocol: "DIVERSE" as const,
        state: "SUCCEEDED" as const,
        spec: { baseModel: "tiny-random", token: "<rare>", classNoun: "backpack", steps: 2, guidanceScale: 7.5, prompts: [], drift: { prompt: "", seeds: [] } },
        imagesTotal: 1,
        imagesDone: 1,
        ...scores[c.run_id]!,
        finishedAt: new Date(),
      })),
    );
    const nums = (v: string | null) => (v ?? "").split(",").filter(Boolean).map(Number);

    // uPlot is fetched only by pages that chart: not by the runs list, then by the run page (its own chunk).
    {
      const context = await contextFor(browser, owner.secret);
      const page = await context.newPage();
      const scripts: Promise<{ url: string; uplot: boolean }>[] = [];
      page.on("response", (r) => {
        if (r.request().resourceType() === "script") scripts.push(r.text().then((t) => ({ url: r.url(), uplot: t.includes("u-legend") })));
      });
      await page.goto(`${dashboard.url}/runs`);
      await page.waitForSelector('[data-testid="run-row"]');
      expect((await Promise.all(scripts)).filter((s) => s.uplot)).toEqual([]);
      await page.locator(`[data-testid="run-row"][data-run="${runId}"]`).getByRole("link").click();
      await expect.poll(() => page.getByTestId("loss-chart").getAttribute("data-builds"), { timeout: 15_000 }).toBe("1");
      expect((await Promise.all(scripts)).filter((s) => s.uplot)).toHaveLength(1);
      await context.close();
    }

    for (const viewport of [DESKTOP, PHONE])
      for (const scheme of ["light", "dark"] as const) {
        const name = `${viewport.width}-${scheme}`;
        const context = await contextFor(browser, owner.secret, viewport, scheme);
        const page = await context.newPage();
        const refused: string[] = [];
        page.on("console", (m) => {
          if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
        });
        await page.goto(`${dashboard.url}/runs/${runId}`);
        const chart = page.getByTestId("loss-chart");
        await expect.poll(async () => JSON.parse((await chart.getAttribute("data-points")) ?? "[]").length, { timeout: 15_000 }).toBe(11);
        await expect.poll(() => chart.getAttribute("data-builds"), { timeout: 15_000 }).toBe("1");
        await chart.scrollIntoViewIfNeeded();

        // Ticks with numeric labels on both axes: x over the whole run (0…500), y around the losses (0.1…0.19).
        const xTicks = nums(await chart.getAttribute("data-x-ticks"));
        const yTicks = nums(await chart.getAttribute("data-y-ticks"));
        expect(xTicks.length).toBeGreaterThanOrEqual(3);
        expect(xTicks.every(Number.isFinite)).toBe(true);
        expect(xTicks[0]).toBe(0);
        expect(Math.max(...xTicks)).toBeGreaterThanOrEqual(viewport === PHONE ? 400 : 500); // tick spacing follows the width
        expect(Math.max(...xTicks)).toBeLessThanOrEqual(500);
        expect(yTicks.length).toBeGreaterThanOrEqual(3);
        expect(yTicks.every((t) => Number.isFinite(t) && t >= 0.05 && t <= 0.25)).toBe(true);
        expect(await chart.getByTestId("stage-boundary").count()).toBe(1);

        // Readable on a phone: the plot keeps its height and fits its panel.
        const canvas = (await chart.locator("canvas").boundingBox())!;
        expect(canvas.height).toBeGreaterThanOrEqual(180);
        expect(canvas.x + canvas.width).toBeLessThanOrEqual(viewport.width);
        const legend = chart.getByTestId("chart-legend");
        const colors = await legend.evaluate((el) => {
          const g = globalThis as unknown as { getComputedStyle(e: unknown): { color: string; backgroundColor: string }; document: { querySelector(s: string): unknown } };
          return { text: g.getComputedStyle(el).color, panel: g.getComputedStyle(g.document.querySelector(".panel")).backgroundColor };
        });
        expect(contrast(colors.text, colors.panel)).toBeGreaterThanOrEqual(4.5);

        // Hover over run step 300 (stage 2 · step 200): the legend names the step and each series' value there.
        const plot = chart.locator(".u-over");
        const box = (await plot.boundingBox())!;
        const at = (step: number, span = 500) => box.x + (step / span) * box.width;
        const midY = box.y + box.height / 2;
        const value = (series: string) =>
          legend
            .locator("tr.u-series", { has: page.locator("th", { hasText: series }) })
            .locator(".u-value")
            .textContent();
        await page.mouse.move(at(300), midY);
        await expect.poll(() => legend.textContent(), { timeout: 5_000 }).toContain("stage 2 · step 200 (run step 300)");
        expect(await value("stage 2")).toBe(String(Number((0.2 - 200 / 4000).toPrecision(3))));
        expect(await value("stage 1")).toBe("—");

        // Drag across 20–70 % of the plot: x zooms to about steps 100–350; a double-click returns to the whole run.
        await page.mouse.move(at(100), midY);
        await page.mouse.down();
        await page.mouse.move(at(350), midY, { steps: 6 });
        await page.mouse.up();
        await expect.poll(async () => nums(await chart.getAttribute("data-x-range"))[1]!, { timeout: 5_000 }).toBeLessThan(400);
        const [z0, z1] = nums(await chart.getAttribute("data-x-range"));
        expect(z0).toBeGreaterThan(90);
        expect(z0).toBeLessThan(110);
        expect(z1).toBeGreaterThan(340);
        expect(z1).toBeLessThan(360);
        const zoomedTicks = nums(await chart.getAttribute("data-x-ticks"));
        expect(zoomedTicks.length).toBeGreaterThanOrEqual(2);
        expect(zoomedTicks.every((t) => t >= z0! && t <= z1!)).toBe(true);
        expect(await page.getByTestId("chart-reset-zoom").textContent()).toMatch(/^Reset zoom \(steps \d+–\d+\)$/);
        await page.mouse.dblclick(box.x + box.width / 2, midY);
        await expect.poll(() => chart.getAttribute("data-x-range"), { timeout: 5_000 }).toBe("0,500");
        expect(await page.getByTestId("chart-reset-zoom").count()).toBe(0);
        // The same from the keyboard-reachable "Reset zoom" button.
        await page.mouse.move(at(200), midY);
        await page.mouse.down();
        await page.mouse.move(at(450), midY, { steps: 6 });
        await page.mouse.up();
        await expect.poll(() => page.getByTestId("chart-reset-zoom").count(), { timeout: 5_000 }).toBe(1);
        expect(nums(await chart.getAttribute("data-x-range"))[0]).toBeGreaterThan(190);
        await page.getByTestId("chart-reset-zoom").click();
        await expect.poll(() => chart.getAttribute("data-x-range"), { timeout: 5_000 }).toBe("0,500");

        // Smoothing changes the drawn values with setData (no rebuild).
        const updates = Number((await chart.getAttribute("data-updates")) ?? "0");
        const slider = page.getByTestId("loss-smoothing");
        await slider.focus();
        for (let i = 0; i < 10; i++) await slider.press("ArrowRight");
        await expect.poll(async () => Number(await chart.getAttribute("data-updates"))).toBeGreaterThan(updates);
        expect(await chart.getAttribute("data-builds")).toBe("1");
        await page.mouse.move(at(300), midY);
        await expect.poll(() => legend.textContent(), { timeout: 5_000 }).toContain("run step 300");
        expect(Number(await value("stage 2"))).toBeGreaterThan(0.15); // the average still carries the earlier, higher losses

        // Log scale: the y scale becomes log10 (its range and ticks change); off again gives the linear scale back.
        const linearY = await chart.getAttribute("data-y-range");
        await page.getByTestId("loss-log").check();
        await expect.poll(() => chart.getAttribute("data-y-log"), { timeout: 5_000 }).toBe("true");
        await expect.poll(() => chart.getAttribute("data-y-range")).not.toBe(linearY);
        const logTicks = nums(await chart.getAttribute("data-y-ticks"));
        expect(logTicks.length).toBeGreaterThanOrEqual(2);
        expect(logTicks.every((t) => t > 0)).toBe(true);
        expect(nums(await chart.getAttribute("data-x-ticks"))).toEqual(xTicks); // x untouched
        await page.getByTestId("loss-log").uncheck();
        await expect.poll(() => chart.getAttribute("data-y-log")).toBe("false");
        await expect.poll(() => chart.getAttribute("data-y-range")).toBe(linearY);

        await slider.press("Home"); // smoothing off again: the raw losses
        // The text alternative: an accessible name and summary, and the numbers behind a "Data table" disclosure.
        const img = chart.getByRole("img");
        expect(await img.getAttribute("aria-label")).toBe("Training loss over 500 steps, 11 points so far");
        expect(await page.locator(`[id="${await img.getAttribute("aria-describedby")}"]`).textContent()).toContain("stage 2: 5 points, 0.188 at stage 2 · step 50 (run step 150)");
        await chart.getByText("Data table").click();
        const dataRow = chart.locator(".chart-data tbody tr", { has: page.locator("th", { hasText: "run step 300" }) });
        expect(await dataRow.locator("td").allTextContents()).toEqual(["—", "0.15"]);

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
        await page.mouse.move(at(300), midY);
        await expect.poll(() => value("stage 2")).toBe("0.15");
        await page.locator("figure", { has: chart }).screenshot({ path: join(artifactsDir, `run-chart-${name}.png`) });
        await page.screenshot({ path: join(artifactsDir, `run-page-${name}.png`), fullPage: true });

        // The compare page overlays the runs' loss curves on one axis (one series per run, in the order asked) and shows their scores.
        await page.goto(`${dashboard.url}/compare?runs=${runId},${otherRunId}`);
        const overlay = page.getByTestId("compare-losses");
        await overlay.waitFor({ timeout: 15_000 });
        await expect.poll(() => overlay.getAttribute("data-builds"), { timeout: 15_000 }).toBe("1");
        expect(JSON.parse((await overlay.getAttribute("data-runs")) ?? "[]")).toEqual([
          [runId, 11],
          [otherRunId, 6],
        ]);
        const runSeries = overlay.getByTestId("chart-legend").locator("tr.u-series:not(:first-child)");
        expect(await runSeries.locator(".u-label").allTextContents()).toEqual(["1. Red backpack (two-stage)", "2. Red backpack (two-stage)"]);
        expect(nums(await overlay.getAttribute("data-x-ticks")).length).toBeGreaterThanOrEqual(3);
        expect(nums(await overlay.getAttribute("data-y-ticks")).length).toBeGreaterThanOrEqual(3);
        await overlay.scrollIntoViewIfNeeded();
        const obox = (await overlay.locator(".u-over").boundingBox())!;
        await page.mouse.move(obox.x + (100 / 500) * obox.width, obox.y + obox.height / 2);
        await expect.poll(() => overlay.getByTestId("chart-legend").textContent(), { timeout: 5_000 }).toContain("run step 100");
        // Both runs logged at run step 100: the legend reads each curve there.
        expect(await runSeries.locator(".u-value").allTextContents()).toEqual([
          String(Number((0.5 / 100 + 0.1).toPrecision(3))),
          String(Number((0.6 / 100 + 0.12).toPrecision(3))),
        ]);
        const table = page.getByTestId("compare-table");
        expect(await table.textContent()).toContain("stage 2 · step 200 (run step 300)");
        for (const id of [runId, otherRunId]) {
          const row = table.locator(`[data-testid="compare-row"][data-run="${id}"]`);
          expect(await row.getByTestId("cell-diverse-dino").textContent()).toContain(scores[id]!.dino.toFixed(3));
          expect(await row.getByTestId("cell-diverse-clipI").textContent()).toContain(scores[id]!.clipI.toFixed(3));
        }
        const overflow = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
        expect(overflow).toBeLessThanOrEqual(viewport.width);
        await page.screenshot({ path: join(artifactsDir, `compare-${name}.png`), fullPage: true });
        // The system theme flips while the page is open: the chart is drawn again in the other theme's colours.
        await page.emulateMedia({ colorScheme: scheme === "light" ? "dark" : "light" });
        await expect.poll(() => overlay.getAttribute("data-builds"), { timeout: 5_000 }).toBe("2");
        expect(refused).toEqual([]);
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
