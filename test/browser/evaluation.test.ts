import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { okAs } from "../support/auth.js";
import { bootstrapTeam } from "../support/bootstrap.js";
import { artifactsDir, launchChromium } from "../support/browser.js";
import { ensureTinyEvalModels } from "../support/eval-models.js";
import { backpackPhoto, uploadImage } from "../support/images.js";
import { startApi, startDashboard, startTrainer } from "../support/processes.js";

/**
 * Issue 6 in the dashboard, end to end on tiny-random with tiny random ONNX encoders: the run page
 * shows each checkpoint's automatic QUICK scores as they arrive (no reload), marks the checkpoint the
 * API recommends, opens an evaluation's details; the compare view lists two runs beside the paper's
 * Table 1; without encoders the run page says why and shows the API's error inline.
 */
const KEY_STORAGE = "studio.apiKey";
// The browser-side shapes these tests read (the test project has no DOM typings).
type WebStorage = { sessionStorage: { setItem(k: string, v: string): void } };
type Marked = { __notReloaded?: boolean };
type Img = { naturalWidth: number; complete: boolean };
type Ev = { id: string; protocol: string; state: string; clipI: number | null; clipT: number | null; dino: number | null; checkpoint: { id: string; stage: string; step: number } };

const ACTIVE = ["QUEUED", "GENERATING", "SCORING"];
const fmt = (v: number | null) => (v === null ? "—" : v.toFixed(3));

async function signedInContext(browser: Browser, key: string, colorScheme: "light" | "dark" = "light"): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
  await context.addInitScript(([k, v]) => (globalThis as unknown as WebStorage).sessionStorage.setItem(k!, v!), [KEY_STORAGE, key]);
  return context;
}

/** What the run page shows per checkpoint row: its id, the QUICK row's state and numbers, the Recommended mark. */
async function shownCheckpoints(page: Page) {
  return page.getByTestId("checkpoint-row").evaluateAll((groups) =>
    groups.map((g) => {
      const quick = g.querySelector('[data-protocol="QUICK"]');
      const text = (sel: string) => quick?.querySelector(sel)?.textContent?.trim() ?? null;
      return {
        id: g.getAttribute("data-checkpoint"),
        state: quick?.querySelector('[data-testid="evaluation-status"]')?.getAttribute("data-state") ?? null,
        clipI: text('[data-testid="score-clipI"]'),
        clipT: text('[data-testid="score-clipT"]'),
        dino: text('[data-testid="score-dino"]'),
        recommended: g.getAttribute("data-recommended") === "true",
        progressbars: g.querySelectorAll('[role="progressbar"]').length,
      };
    }),
  );
}

describe("dashboard: evaluation scores, recommendation and the compare view, in Chromium", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let trainer: Awaited<ReturnType<typeof startTrainer>>;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let browser: Browser;
  let key = "";
  let subjectId = "";
  const runIds: string[] = [];
  const ok = <T = Record<string, any>>(q: string, v: Record<string, unknown> = {}) => okAs<T>(api.url, key, q, v);

  const startRun = async (stage2Steps: number) => {
    const r = await ok(`mutation ($s: ID!, $n: Int!) { startRun(input: {subjectId: $s, baseModel: "tiny-random", stage1Steps: 2, stage2Steps: $n, checkpointEvery: 2}) { id } }`, {
      s: subjectId,
      n: stage2Steps,
    });
    return r.startRun.id as string;
  };
  const evaluationsOf = async (runId: string) =>
    (await ok(`query ($id: ID!) { run(id: $id) { state evaluations { id protocol state clipI clipT dino checkpoint { id stage step } } } }`, { id: runId })).run as {
      state: string;
      evaluations: Ev[];
    };

  beforeAll(async () => {
    const modelsDir = await ensureTinyEvalModels();
    api = await startApi({ API_CORS_ORIGINS: "*", EVAL_MODELS_DIR: modelsDir, EVAL_SAMPLING_STEPS: "1", EVAL_POLL_MS: "1000" });
    let team: { secret: string };
    [trainer, dashboard, browser, team] = await Promise.all([startTrainer(), startDashboard(api.url), launchChromium(), bootstrapTeam("Eval Studio")]);
    key = team.secret;
    subjectId = (await ok(`mutation { createSubject(input: {name: "Backpack", classNoun: "backpack"}) { id } }`)).createSubject.id;
    for (let i = 0; i < 4; i++) {
      const r = await uploadImage(api.url, key, subjectId, await backpackPhoto(i), { filename: `0${i}.jpg` });
      expect(r.error.code).toBeUndefined();
    }
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([dashboard?.proc.stop(), trainer?.proc.stop(), api?.proc.stop()]);
  });

  it("streams each checkpoint's QUICK scores into the open run page and marks the recommended one", async () => {
    // The API opens its encoders a moment after it starts.
    await expect.poll(async () => (await ok(`{ evaluator { available message } }`)).evaluator, { timeout: 60_000, interval: 500 }).toMatchObject({ available: true });

    runIds.push(await startRun(4));
    // The second run trains while the first one's checkpoints are scored; the compare test uses it.
    runIds.push(await startRun(2));
    const runId = runIds[0]!;

    const context = await signedInContext(browser, key);
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs/${runId}`);
    await expect.poll(() => page.getByTestId("evaluation-panel").count(), { timeout: 15_000 }).toBe(1);
    // Everything below must arrive without a reload: a reload would drop this mark.
    await page.evaluate(() => ((globalThis as unknown as Marked).__notReloaded = true));

    // Watch the page: while scoring, rows show their state with a progress bar; then the numbers.
    const statesSeen = new Set<string>();
    let progressSeen = false;
    await expect
      .poll(
        async () => {
          const rows = await shownCheckpoints(page);
          for (const r of rows) if (r.state) statesSeen.add(r.state);
          if (rows.some((r) => r.state && ACTIVE.includes(r.state) && r.progressbars > 0)) progressSeen = true;
          return rows.length === 3 && rows.every((r) => r.state === "SUCCEEDED");
        },
        { timeout: 300_000, interval: 250 },
      )
      .toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as Marked).__notReloaded)).toBe(true);
    expect(await page.getByTestId("run-state").textContent()).toBe("SUCCEEDED");
    expect([...statesSeen].some((s) => ACTIVE.includes(s))).toBe(true);
    expect(progressSeen).toBe(true);

    // The numbers on the page are the API's, per checkpoint.
    const { evaluations } = await evaluationsOf(runId);
    const quick = new Map(evaluations.filter((e) => e.protocol === "QUICK").map((e) => [e.checkpoint.id, e]));
    await expect.poll(async () => (await shownCheckpoints(page)).map((r) => r.dino).every((d) => /^-?\d\.\d{3}$/.test(d ?? "")), { timeout: 10_000 }).toBe(true);
    const rows = await shownCheckpoints(page);
    for (const r of rows) {
      const e = quick.get(r.id!)!;
      expect(e).toBeDefined();
      expect({ clipI: r.clipI, clipT: r.clipT, dino: r.dino }).toEqual({ clipI: fmt(e.clipI), clipT: fmt(e.clipT), dino: fmt(e.dino) });
    }

    // The chart draws one point per scored checkpoint.
    const chart = JSON.parse((await page.getByTestId("scores-chart").getAttribute("data-points")) ?? "[]") as [string, number, number][];
    expect(chart.map(([s, n]) => `${s}:${n}`)).toEqual(["stage1:2", "stage2:2", "stage2:4"]);

    // Exactly one checkpoint is marked, the one the API recommends, with its reason.
    const rec = (await ok(`query ($id: ID!) { run(id: $id) { recommendedCheckpoint { reason protocol checkpoint { id } } } }`, { id: runId })).run.recommendedCheckpoint as {
      reason: string;
      checkpoint: { id: string };
    };
    expect(rec).not.toBeNull();
    await expect.poll(async () => (await shownCheckpoints(page)).filter((r) => r.recommended).map((r) => r.id), { timeout: 10_000 }).toEqual([rec.checkpoint.id]);
    expect(await page.getByTestId("recommended-badge").count()).toBe(1);
    expect(await page.getByTestId("recommended-badge").textContent()).toBe("Recommended");
    expect(await page.getByTestId("recommended-reason").textContent()).toContain(rec.reason);
    expect(await page.getByTestId("scores-off").count()).toBe(0);

    await mkdir(artifactsDir, { recursive: true });
    await page.getByTestId("evaluation-panel").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifactsDir, "evaluation-run-light.png"), fullPage: true });

    // The recommended checkpoint's QUICK evaluation in detail.
    await page.locator(`[data-checkpoint="${rec.checkpoint.id}"] [data-protocol="QUICK"] a[href^="/evaluations/"]`).click();
    await page.waitForURL(/\/evaluations\/[^/]+$/, { timeout: 15_000 });
    await expect.poll(() => page.getByTestId("evaluation-detail").getAttribute("data-state"), { timeout: 15_000 }).toBe("SUCCEEDED");
    const e = quick.get(rec.checkpoint.id)!;
    expect(await page.getByTestId("detail-DINO").textContent()).toBe(fmt(e.dino));
    expect(await page.getByTestId("prompt-row").count()).toBe(4);
    expect(await page.getByTestId("prompt-row").first().locator("th").textContent()).toBe("a <rare> backpack in the jungle");
    // 4 prompts × 2 images, then 2 drift pairs side by side
    expect(await page.locator('[data-testid="per-prompt"] [data-testid="evaluation-image"]').count()).toBe(8);
    expect(await page.locator('[data-testid="drift-images"] [data-testid="evaluation-image"]').count()).toBe(4);
    await expect.poll(() => page.getByTestId("evaluation-image").evaluateAll((imgs) => imgs.every((i) => (i as unknown as Img).naturalWidth > 0)), { timeout: 15_000 }).toBe(true);
    expect(await page.getByTestId("drift").textContent()).toMatch(/a photo of backpack/);
    expect(await page.getByTestId("scored-with").textContent()).toMatch(/CLIP/);
    await page.screenshot({ path: join(artifactsDir, "evaluation-detail-light.png"), fullPage: true });
    await context.close();
  }, 420_000);

  it("compares the two runs like the paper's Table 1, from a selection on the runs list", async () => {
    expect(runIds).toHaveLength(2);
    const second = runIds[1]!;
    const deadline = Date.now() + 240_000;
    for (;;) {
      const r = await evaluationsOf(second);
      if (r.state === "FAILED") throw new Error("the second run failed");
      if (r.state === "SUCCEEDED" && r.evaluations.length === 2 && r.evaluations.every((e) => e.state === "SUCCEEDED")) break;
      if (r.evaluations.some((e) => e.state === "FAILED")) throw new Error(`evaluation failed: ${JSON.stringify(r.evaluations)}`);
      if (Date.now() > deadline) throw new Error(`the second run's evaluations did not finish: ${JSON.stringify(r)}`);
      await new Promise((res) => setTimeout(res, 1000));
    }

    const context = await signedInContext(browser, key);
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs`);
    await expect.poll(() => page.getByTestId("run-row").count(), { timeout: 15_000 }).toBe(2);
    const compare = page.getByRole("button", { name: "Compare" });
    expect(await compare.isDisabled()).toBe(true);
    await page.locator(`[data-run="${runIds[0]}"] input[type="checkbox"]`).check();
    expect(await compare.isDisabled()).toBe(true); // one run is not a comparison
    await page.locator(`[data-run="${second}"] input[type="checkbox"]`).check();
    expect(await compare.isDisabled()).toBe(false);
    await compare.click();
    await page.waitForURL(/\/compare\?runs=/, { timeout: 15_000 });
    expect(decodeURIComponent(new URL(page.url()).searchParams.get("runs") ?? "")).toBe(runIds.join(","));

    await expect.poll(() => page.getByTestId("compare-row").count(), { timeout: 15_000 }).toBe(2);
    expect(await page.getByTestId("compare-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")))).toEqual(runIds);
    const cmp = (await ok(`query ($ids: [ID!]!) { compareRuns(runIds: $ids) { rows { quick { dino clipI } diverse { dino } } paper { method diverseDino } } }`, { ids: runIds }))
      .compareRuns as { rows: { quick: { dino: number; clipI: number } | null; diverse: { dino: number } | null }[]; paper: { method: string; diverseDino: number }[] };
    const rows = page.getByTestId("compare-row");
    for (let i = 0; i < 2; i++) {
      const row = cmp.rows[i]!;
      expect(row.quick).not.toBeNull();
      // a column's best value also carries a screen-reader-only "(best)"
      const cell = async (id: string) => (await rows.nth(i).getByTestId(id).textContent())?.replace("(best)", "").trim();
      expect(await cell("cell-quick-dino")).toBe(fmt(row.quick!.dino));
      expect(await cell("cell-quick-clipI")).toBe(fmt(row.quick!.clipI));
      // No DIVERSE scores yet: "—" and a way to ask for them.
      expect(row.diverse).toBeNull();
      expect(
        await rows
          .nth(i)
          .getByTestId("cell-diverse-missing")
          .getByRole("button", { name: /Evaluate/ })
          .count(),
      ).toBe(1);
    }
    // The best QUICK DINO of the two is highlighted.
    const best = Math.max(...cmp.rows.map((r) => r.quick!.dino));
    const bestCells = page.locator('[data-testid="cell-quick-dino"].best');
    expect(await bestCells.count()).toBeGreaterThanOrEqual(1);
    expect((await bestCells.first().textContent())?.replace("(best)", "").trim()).toBe(fmt(best));
    // The paper's reference rows beneath, with its note.
    expect(cmp.paper.length).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId("paper-row").count()).toBe(cmp.paper.length);
    expect(await page.getByTestId("paper-row").first().textContent()).toContain(fmt(cmp.paper[0]!.diverseDino));
    expect(await page.getByTestId("paper-rows").textContent()).toContain("SD 2.1 base, paper Table 1");

    await mkdir(artifactsDir, { recursive: true });
    await page.screenshot({ path: join(artifactsDir, "compare-light.png"), fullPage: true });
    await context.close();
  }, 300_000);

  it("writes dark screenshots of the run page and the compare view", async () => {
    const context = await signedInContext(browser, key, "dark");
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs/${runIds[0]}`);
    await expect.poll(() => page.getByTestId("recommended-badge").count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.locator('[data-testid="sample-img"]').evaluateAll((imgs) => imgs.every((i) => (i as unknown as Img).complete)), { timeout: 10_000 }).toBe(true);
    await page.screenshot({ path: join(artifactsDir, "evaluation-run-dark.png"), fullPage: true });
    await page.goto(`${dashboard.url}/compare?runs=${runIds.join(",")}`);
    await expect.poll(() => page.getByTestId("compare-row").count(), { timeout: 15_000 }).toBe(2);
    await page.screenshot({ path: join(artifactsDir, "compare-dark.png"), fullPage: true });
    await context.close();
  });

  it("asks for a DIVERSE evaluation from the run page and shows it running", async () => {
    const context = await signedInContext(browser, key);
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs/${runIds[1]}`);
    await expect.poll(() => page.getByTestId("checkpoint-row").count(), { timeout: 15_000 }).toBe(2);
    const last = page.getByTestId("checkpoint-row").last();
    await last.getByRole("button", { name: /^Evaluate DIVERSE/ }).click();
    const diverse = last.locator('[data-protocol="DIVERSE"]');
    await expect.poll(() => diverse.count(), { timeout: 10_000 }).toBe(1);
    const state = await diverse.getByTestId("evaluation-status").getAttribute("data-state");
    expect(ACTIVE).toContain(state);
    expect(await diverse.getByRole("progressbar").count()).toBe(1);
    expect(await last.getByRole("button", { name: /^Evaluate DIVERSE/ }).isDisabled()).toBe(true);
    expect(await last.getByTestId("evaluate-error").count()).toBe(0);
    await context.close();
  });
});

describe("dashboard: without the encoder folder", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let trainer: Awaited<ReturnType<typeof startTrainer>>;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let browser: Browser;

  beforeAll(async () => {
    // startApi's default EVAL_MODELS_DIR is a folder that does not exist.
    api = await startApi({ API_CORS_ORIGINS: "*" });
    [trainer, dashboard, browser] = await Promise.all([startTrainer(), startDashboard(api.url), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([dashboard?.proc.stop(), trainer?.proc.stop(), api?.proc.stop()]);
  });

  it("says once that scores are off, without a server path, and disables the Evaluate buttons", async () => {
    const key = (await bootstrapTeam("No Encoders")).secret;
    const ok = <T = Record<string, any>>(q: string, v: Record<string, unknown> = {}) => okAs<T>(api.url, key, q, v);
    // Once the API has looked at the folder, the message names it and the command that prepares it.
    let status = { available: true, message: "" };
    await expect
      .poll(async () => (status = (await ok(`{ evaluator { available message } }`)).evaluator as typeof status).message, { timeout: 30_000, interval: 500 })
      .toContain("export-eval-models");
    expect(status.available).toBe(false);
    const subjectId = (await ok(`mutation { createSubject(input: {name: "Backpack", classNoun: "backpack"}) { id } }`)).createSubject.id as string;
    for (let i = 0; i < 4; i++) await uploadImage(api.url, key, subjectId, await backpackPhoto(i), { filename: `0${i}.jpg` });
    const runId = (
      await ok(`mutation ($s: ID!) { startRun(input: {subjectId: $s, baseModel: "tiny-random", stage1Steps: 2, stage2Steps: 2, checkpointEvery: 2}) { id } }`, { s: subjectId })
    ).startRun.id as string;

    const context = await signedInContext(browser, key);
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs/${runId}`);
    await expect.poll(() => page.getByTestId("run-state").textContent(), { timeout: 170_000, interval: 500 }).toBe("SUCCEEDED");
    await expect.poll(() => page.getByTestId("checkpoint-row").count(), { timeout: 15_000 }).toBe(2);
    expect(await page.getByTestId("scores-off").count()).toBe(1);
    // The notice says what it means for the user: no server path, no command (the API's message has both).
    const notice = (await page.getByTestId("scores-off").textContent()) ?? "";
    expect(notice).toMatch(/^Scores are off: this server has no scoring models set up/);
    expect(notice).not.toContain("export-eval-models");
    expect(notice).not.toMatch(/\/[a-z0-9_.-]+\/[a-z0-9_.-]+/i);
    expect(await page.getByTestId("evaluation-row").count()).toBe(0);

    // The Evaluate buttons are disabled and point at the notice instead of failing when pressed.
    const first = page.getByTestId("checkpoint-row").first();
    const button = first.getByRole("button", { name: /^Evaluate SIMPLE/ });
    expect(await button.isDisabled()).toBe(true);
    expect(await button.getAttribute("aria-describedby")).toBe("scores-off");
    expect(await page.locator('[data-testid="checkpoint-row"] button:not([disabled])', { hasText: "Evaluate" }).count()).toBe(0);
    // Still one notice, not one per checkpoint; no checkpoint shows an error.
    expect(await page.getByTestId("scores-off").count()).toBe(1);
    expect(await page.getByTestId("evaluate-error").count()).toBe(0);
    await mkdir(artifactsDir, { recursive: true });
    await page.screenshot({ path: join(artifactsDir, "evaluation-off-light.png"), fullPage: true });
    await context.close();
  }, 240_000);
});
