import { execFile } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { join } from "node:path";
import { schema, type DbHandle } from "@studio/db";
import { repoRoot } from "@studio/infra/paths";
import type { Browser, BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { okAs } from "../support/auth.js";
import { bootstrapTeam } from "../support/bootstrap.js";
import { artifactsDir, launchChromium } from "../support/browser.js";
import { appendEvents, insertImage, insertRunWithCheckpoint, insertSubject, testDb } from "../support/fixtures.js";
import { startApi, startDashboard } from "../support/processes.js";
import { TrainerFixtures } from "../support/trainer-fixtures.js";

// The dashboard's frame (issue 14): phone layout, client-side navigation, every live phase, readable charts,
// one step convention. Runs are arranged in PostgreSQL/MinIO and advanced by writing their events, so each
// phase is held as long as the test needs to look at it.
const KEY_STORAGE = "studio.apiKey";
const KNOWN_STORAGE = "studio.knownKeys";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const photos = join(repoRoot, "..", "shared", "datasets", "dreambooth", "backpack");
type Scheme = "light" | "dark";
type Win = { sessionStorage: { setItem(k: string, v: string): void }; __marker?: string };

async function contextFor(browser: Browser, key: string | null, viewport = DESKTOP, colorScheme: Scheme = "light", extra: Record<string, string> = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, colorScheme });
  const items: [string, string][] = [...(key ? [[KEY_STORAGE, key] as [string, string]] : []), ...Object.entries(extra)];
  await context.addInitScript((kv) => kv.forEach(([k, v]) => (globalThis as unknown as Win).sessionStorage.setItem(k, v)), items);
  return context;
}

/** Relative luminance contrast of two CSS rgb() colours (WCAG). */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? ["0", "0", "0"]).slice(0, 3).map((x) => {
      const v = Number(x) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}

describe("dashboard frame: phone layout, no reloads, live phases, charts, one step convention", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof bootstrapTeam>>;
  let partner: Awaited<ReturnType<typeof bootstrapTeam>>;
  let db: DbHandle;
  let fx: TrainerFixtures;
  let subjectId: string;
  let runId: string;
  let otherRunId: string;
  let checkpointId: string;
  let linkUrl: string;

  beforeAll(async () => {
    [api, owner, partner, browser] = await Promise.all([startApi({ API_CORS_ORIGINS: "*" }), bootstrapTeam("Frame Lab"), bootstrapTeam("Partner Frame"), launchChromium()]);
    dashboard = await startDashboard(api.url);
    db = testDb();
    fx = new TrainerFixtures();
    const subject = await insertSubject(db, owner.teamId, "Red backpack");
    subjectId = subject.id;
    for (const name of ["00.jpg", "01.jpg"]) {
      const img = await insertImage(db, owner.teamId, subject.id);
      const webp = await sharp(await readFile(join(photos, name))).resize(256, 256).webp().toBuffer();
      await fx.s3.putObject(fx.bucket, img.displayKey, webp, webp.length, { "Content-Type": "image/webp" });
    }
    // A finished two-stage run (100 + 400 steps) with losses, a 1234-byte checkpoint at stage 2 step 200,
    // two sample prompts in config.samples (as the API stores them) and a sample of the first.
    const config = {
      stage1: { steps: 100, learningRate: 0.0005 },
      stage2: { steps: 400, learningRate: 5e-6, checkpointEvery: 200 },
      samples: { prompts: ["a photo of <rare> backpack", "a <rare> backpack on a mountain"], seeds: [0], every: 200, steps: 2, guidanceScale: 7.5 },
      seed: 0,
    };
    for (const which of ["main", "other"] as const) {
      const f = await insertRunWithCheckpoint(db, owner.teamId, subject.id);
      await db.pool.query("update runs set state = 'SUCCEEDED', lease_owner = null, lease_expires_at = null, finished_at = now(), created_by = $1, config = $2 where id = $3", [owner.userId, config, f.run.id]);
      if (which === "other") {
        otherRunId = f.run.id;
        continue;
      }
      runId = f.run.id;
      checkpointId = f.checkpoint.id;
    }
    await db.db.insert(schema.lossPoints).values([
      ...[10, 20, 40, 60, 80, 100].map((step) => ({ runId, stage: "stage1", step, loss: 0.5 / step + 0.1, learningRate: 5e-4 })),
      ...[50, 100, 200, 300, 400].map((step) => ({ runId, stage: "stage2", step, loss: 0.2 - step / 4000, learningRate: 5e-6 })),
    ]);
    const sampleKey = `teams/${owner.teamId}/runs/${runId}/samples/stage2-200-0.webp`;
    const sample = await sharp(await readFile(join(photos, "02.jpg"))).resize(128, 128).webp().toBuffer();
    await fx.s3.putObject(fx.bucket, sampleKey, sample, sample.length, { "Content-Type": "image/webp" });
    await db.db.insert(schema.samples).values({ runId, teamId: owner.teamId, stage: "stage2", step: 200, promptIndex: 0, prompt: "a photo of <rare> backpack", seed: 0, objectKey: sampleKey });
    const share = await okAs(api.url, owner.secret, `mutation($i: CreateShareInput!) { createShare(input: $i) { url } }`, { i: { runId, kind: "LINK" } });
    linkUrl = `${dashboard.url}${share.createShare.url}`;
    await mkdir(artifactsDir, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([dashboard?.proc.stop(), api?.proc.stop()]);
    await db?.close();
    await fx?.close();
  });

  /** The main pages, each with what to wait for before measuring. */
  const pages = () => [
    { name: "runs", path: "/runs", ready: '[data-testid="run-row"]' },
    { name: "run", path: `/runs/${runId}`, ready: '[data-testid="checkpoint-row"]' },
    { name: "new-run", path: "/runs/new", ready: 'select[name="baseModel"] option[value="tiny-random"]' },
    { name: "subjects", path: "/subjects", ready: '[data-testid="subject-card"]' },
    { name: "subject", path: `/subjects/${subjectId}`, ready: '[data-testid="subject-image"]' },
    { name: "playground", path: `/checkpoints/${checkpointId}`, ready: '[data-testid="model-card"]' },
    { name: "compare", path: `/compare?runs=${runId},${otherRunId}`, ready: ".compare-table" },
    { name: "team", path: "/team", ready: '[data-testid="member-row"]' },
    { name: "shared", path: "/shared", ready: "h1" },
    { name: "health", path: "/health", ready: '[data-testid="status-storage"]' },
    { name: "join", path: "/join", ready: "form" },
    { name: "not-found", path: "/no-such-page", ready: '[data-testid="page-not-found"]' },
  ];

  it("at 390 px nothing overflows sideways on any main page, light and dark; the nav collapses behind Menu", async () => {
    for (const scheme of ["light", "dark"] as const) {
      const context = await contextFor(browser, owner.secret, PHONE, scheme);
      const page = await context.newPage();
      for (const p of [...pages(), { name: "link", path: linkUrl.slice(dashboard.url.length), ready: '[data-testid="sample-grid"]' }]) {
        await page.goto(`${dashboard.url}${p.path}`);
        await page.waitForSelector(p.ready, { timeout: 15_000, state: "attached" });
        const widths = await page.evaluate(() => {
          const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number }; body: { scrollWidth: number } } }).document;
          return { doc: d.documentElement.scrollWidth, body: d.body.scrollWidth, client: d.documentElement.clientWidth };
        });
        if (widths.doc > PHONE.width)
          console.log(
            p.name,
            await page.evaluate(() => {
              const d = (globalThis as any).document;
              return [...d.querySelectorAll("*")].filter((e: any) => e.getBoundingClientRect().right > 392).slice(0, 12).map((e: any) => `${e.tagName}.${e.className?.baseVal ?? e.className} ${Math.round(e.getBoundingClientRect().right)}`);
            }),
          );
        expect(widths.doc, `${p.name} (${scheme}) document scrollWidth`).toBeLessThanOrEqual(PHONE.width);
        expect(widths.body, `${p.name} (${scheme}) body scrollWidth`).toBeLessThanOrEqual(PHONE.width);
        await page.screenshot({ path: join(artifactsDir, `phone-${p.name}-${scheme}.png`), fullPage: true });
      }

      // The nav is one "Menu" button until opened; then every link is there, stacked.
      await page.goto(`${dashboard.url}/runs`);
      await page.waitForSelector('[data-testid="run-row"]');
      const nav = page.getByRole("navigation", { name: "Main" });
      expect(await nav.isVisible()).toBe(false);
      const topbar = await page.locator(".topbar").boundingBox();
      expect(topbar!.height).toBeLessThan(70); // one line, not three
      await page.getByTestId("menu-button").click();
      expect(await nav.isVisible()).toBe(true);
      expect(await page.getByTestId("menu-button").getAttribute("aria-expanded")).toBe("true");
      const boxes = await nav.getByRole("link").evaluateAll((as) => as.map((a) => (a as unknown as { getBoundingClientRect(): { left: number; right: number } }).getBoundingClientRect()));
      expect(boxes).toHaveLength(6);
      expect(boxes.every((b) => b.right <= PHONE.width)).toBe(true);
      // Following a link closes the menu.
      await nav.getByRole("link", { name: "Subjects" }).click();
      await page.waitForURL(/\/subjects$/);
      await expect.poll(() => nav.isVisible()).toBe(false);

      // The runs table becomes cards: every cell inside the screen, the state readable.
      await page.goto(`${dashboard.url}/runs`);
      await page.waitForSelector('[data-testid="run-row"]');
      const cells = await page.locator('[data-testid="run-row"] td').evaluateAll((tds) => tds.map((t) => (t as unknown as { getBoundingClientRect(): { right: number } }).getBoundingClientRect().right));
      expect(cells.length).toBeGreaterThanOrEqual(14);
      expect(Math.max(...cells)).toBeLessThanOrEqual(PHONE.width);
      expect(await page.locator('[data-testid="run-row"] .badge').first().isVisible()).toBe(true);

      // The loss chart keeps its height and 12 px labels on the phone.
      await page.goto(`${dashboard.url}/runs/${runId}`);
      const chart = page.getByTestId("loss-chart");
      await chart.waitFor({ timeout: 15_000 });
      const box = await chart.boundingBox();
      expect(box!.height).toBeGreaterThanOrEqual(200);
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
      const fontPx = await chart.locator(".chart-label").first().evaluate((t) => parseFloat((globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(t).fontSize));
      const scale = box!.width / Number((await chart.getAttribute("viewBox"))!.split(" ")[2]);
      expect(fontPx * scale).toBeGreaterThanOrEqual(11);

      // Legible in both themes: body text and muted text against their backgrounds (WCAG AA 4.5:1).
      const colors = await page.evaluate(() => {
        const g = globalThis as unknown as { document: { querySelector(s: string): unknown; body: unknown }; getComputedStyle(e: unknown): { color: string; backgroundColor: string } };
        const cs = (s: string) => g.getComputedStyle(g.document.querySelector(s));
        return { text: cs("h1").color, bg: g.getComputedStyle(g.document.body).backgroundColor, muted: cs(".subtle").color, panel: cs(".panel").backgroundColor };
      });
      expect(contrast(colors.text, colors.bg)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(colors.muted, colors.panel)).toBeGreaterThanOrEqual(4.5);
      if (scheme === "dark") expect(contrast("rgb(0, 0, 0)", colors.bg)).toBeLessThan(2); // really dark
      await context.close();
    }
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
      const g = globalThis as unknown as { document: { body: { textContent: string | null } }; MutationObserver: new (cb: () => void) => { observe(n: unknown, o: unknown): void }; __sawLoading?: boolean };
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
        config: { stage1: { steps: 3, learningRate: 5e-4 }, stage2: { steps: 4, learningRate: 5e-6, checkpointEvery: 4 }, samples: { prompts: ["p"], seeds: [0], every: 4, steps: 2, guidanceScale: 7.5 } },
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

  it("keeps the bundle budget: each route's own JS ≤ 60 KB gzip, shared ≤ 160 KB gzip (zod stays on the server)", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, "dashboard", "scripts", "bundle-budget.mjs")]);
    const report = JSON.parse(stdout) as { sharedKbGzip: number; routes: Record<string, number>; budget: { over: string[] } };
    console.log(`bundle budget: ${JSON.stringify(report)}`);
    expect(report.budget.over).toEqual([]);
    expect(Object.keys(report.routes)).toEqual(expect.arrayContaining(["/runs", "/runs/[id]", "/evaluations/[id]", "/checkpoints/[id]", "/shared/[token]"]));
    expect(report.sharedKbGzip).toBeGreaterThan(0);
    expect(report.sharedKbGzip).toBeLessThanOrEqual(160);
    for (const kb of Object.values(report.routes)) expect(kb).toBeLessThanOrEqual(60);
    // The evaluation page used to carry all of zod (~43 KB gzip of its own).
    expect(report.routes["/evaluations/[id]"]).toBeLessThan(15);
  });

  it("has no serious or critical accessibility violations (axe-core in the page) on any page, light and dark", async () => {
    const axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
    const found: string[] = [];
    for (const scheme of ["light", "dark"] as const) {
      // bypassCSP: the test injects axe itself; the dashboard's nonce CSP would refuse a script it did not sign.
      const context = await browser.newContext({ viewport: DESKTOP, colorScheme: scheme, bypassCSP: true });
      await context.addInitScript(([k, v]) => (globalThis as unknown as Win).sessionStorage.setItem(k!, v!), [KEY_STORAGE, owner.secret]);
      const page = await context.newPage();
      for (const p of [...pages(), { name: "link", path: linkUrl.slice(dashboard.url.length), ready: '[data-testid="sample-grid"]' }]) {
        await page.goto(`${dashboard.url}${p.path}`);
        await page.waitForSelector(p.ready, { timeout: 15_000, state: "attached" });
        await page.evaluate(axeSource);
        const violations = (await page.evaluate(async () => {
          const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> } }).axe;
          const r = await axe.run({ resultTypes: ["violations"] });
          return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
        })) as { id: string; impact: string | null; targets: string[] }[];
        for (const v of violations) if (v.impact === "serious" || v.impact === "critical") found.push(`${p.name} (${scheme}): ${v.id} [${v.impact}] ${v.targets.join(" | ")}`);
      }
      await context.close();
    }
    expect(found).toEqual([]);
  });
});
