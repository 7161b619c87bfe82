import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "@studio/infra/paths";
import type { Browser, BrowserContext, Page, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapTeam } from "../support/bootstrap.js";
import { artifactsDir, launchChromium } from "../support/browser.js";
import { startApi, startDashboard, startTrainer } from "../support/processes.js";

const photosDir = join(repoRoot, "examples", "backpack");
const KEY_STORAGE = "studio.apiKey";
// The browser-side shapes these tests read (the test project has no DOM typings).
type WebStorage = { sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void } };
type Img = { naturalWidth: number; naturalHeight: number; complete: boolean };

/** The chart's [stage, step] pairs, as the run page exposes them. */
async function chartPoints(page: Page): Promise<[string, number][]> {
  const raw = await page
    .getByTestId("loss-chart")
    .getAttribute("data-points", { timeout: 5_000 })
    .catch(() => null);
  return raw ? (JSON.parse(raw) as [string, number][]) : [];
}

/** A context already signed in with `key` (as a returning user), at 1280×800. */
async function signedInContext(browser: Browser, key: string, colorScheme: "light" | "dark" = "light"): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme });
  await context.addInitScript(([k, v]) => (globalThis as unknown as WebStorage).sessionStorage.setItem(k!, v!), [KEY_STORAGE, key]);
  return context;
}

describe("dashboard: subject → photos → live two-stage run, in Chromium", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let trainer: Awaited<ReturnType<typeof startTrainer>>;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let browser: Browser;
  let acme: { secret: string };
  let other: { secret: string };
  let runUrl = "";
  let checkpointIds: string[] = [];

  beforeAll(async () => {
    api = await startApi({ API_CORS_ORIGINS: "*" });
    [trainer, dashboard, browser, acme, other] = await Promise.all([
      startTrainer(),
      startDashboard(api.url),
      launchChromium(),
      bootstrapTeam("Acme Studio"),
      bootstrapTeam("Other Co"),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([dashboard?.proc.stop(), trainer?.proc.stop(), api?.proc.stop()]);
  });

  it("asks for a key, refuses a bad one, signs in and out", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs`);
    await page.getByLabel("API key").fill("sk_not-a-real-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByTestId("signin-error").textContent(), { timeout: 10_000 }).toMatch(/not accepted/);
    await page.getByLabel("API key").fill(acme.secret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByTestId("team-name").textContent(), { timeout: 10_000 }).toBe("Acme Studio");
    expect(await page.getByRole("heading", { name: "Runs" }).count()).toBe(1);
    // A reload keeps the session; signing out forgets the key.
    await page.reload();
    await expect.poll(() => page.getByTestId("team-name").textContent(), { timeout: 10_000 }).toBe("Acme Studio");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => page.getByLabel("API key").count(), { timeout: 10_000 }).toBe(1);
    expect(await page.evaluate((k) => (globalThis as unknown as WebStorage).sessionStorage.getItem(k), KEY_STORAGE)).toBeNull();
    await context.close();
  });

  it("creates a subject, uploads 5 photos with progress, and refuses a non-image before uploading it", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/subjects`);
    await page.getByLabel("API key").fill(acme.secret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Name").fill("Red backpack");
    await page.getByLabel(/Class noun/).fill("backpack");
    await page.getByRole("button", { name: "Create subject" }).click();
    await page.waitForURL(/\/subjects\/[^/]+$/, { timeout: 15_000 });
    await expect.poll(() => page.getByRole("heading", { name: "Red backpack" }).count(), { timeout: 10_000 }).toBe(1);

    const photos = (await readdir(photosDir))
      .filter((f) => f.endsWith(".jpg"))
      .sort()
      .slice(0, 5);
    expect(photos).toHaveLength(5);
    await page
      .getByTestId("file-input")
      .setInputFiles([
        ...(await Promise.all(photos.map(async (f) => ({ name: f, mimeType: "image/jpeg", buffer: await readFile(join(photosDir, f)) })))),
        { name: "notes.jpg", mimeType: "image/jpeg", buffer: Buffer.from("this is not a JPEG at all") },
      ]);
    const items = page.getByTestId("upload-item");
    await expect
      .poll(async () => (await items.evaluateAll((els) => els.map((e) => e.getAttribute("data-status")))).join(","), { timeout: 60_000 })
      .toBe("done,done,done,done,done,failed");
    const bad = page.locator('[data-testid="upload-item"][data-name="notes.jpg"]');
    // refused in the browser from its first bytes, before any upload
    expect(await bad.getByTestId("upload-error").textContent()).toBe("notes.jpg is not a JPEG, PNG or WebP image (checked before uploading; nothing was sent).");
    expect(await page.getByTestId("image-count").textContent()).toBe("5");
    expect(await page.getByTestId("subject-image").count()).toBe(5);
    // The uploads reached storage: thumbnails load.
    await expect
      .poll(() => page.locator('[data-testid="subject-image"] img').evaluateAll((imgs) => imgs.every((i) => (i as unknown as Img).naturalWidth > 0)), { timeout: 15_000 })
      .toBe(true);

    await mkdir(artifactsDir, { recursive: true });
    await page.screenshot({ path: join(artifactsDir, "subject-light.png"), fullPage: true });

    // Drag and drop works too; then the extra photo is removed again.
    const sixth = "05.jpg"; // the dataset's sixth backpack photo, kept apart from the walkthroughs' five
    const b64 = (await readFile(join(photosDir, "..", "backpack-extra", sixth))).toString("base64");
    const dt = await page.evaluateHandle(
      `(() => { const bin = atob(${JSON.stringify(b64)}); const bytes = new Uint8Array(bin.length); for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        const dt = new DataTransfer(); dt.items.add(new File([bytes], ${JSON.stringify(sixth)}, { type: "image/jpeg" })); return dt; })()`,
    );
    await page.getByTestId("dropzone").dispatchEvent("drop", { dataTransfer: dt });
    await expect.poll(() => page.getByTestId("image-count").textContent(), { timeout: 30_000 }).toBe("6");
    await page.getByRole("button", { name: `Remove ${sixth}` }).click();
    await expect.poll(() => page.getByTestId("image-count").textContent(), { timeout: 10_000 }).toBe("5");
    await page.reload();
    await expect.poll(() => page.getByTestId("subject-image").count(), { timeout: 10_000 }).toBe(5);

    // The list shows the subject with thumbnails.
    await page.goto(`${dashboard.url}/subjects`);
    await expect.poll(() => page.getByTestId("subject-card").count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('[data-testid="subject-card"] img').count()).toBe(3);
    await page.getByTestId("subject-card").click();
    await page.waitForURL(/\/subjects\/[^/]+$/);

    // Start a two-stage run with small steps; the form starts at the paper's defaults.
    await page.getByRole("link", { name: "Start a run" }).click();
    await page.waitForURL(/\/runs\/new/);
    await expect.poll(() => page.locator('select[name="baseModel"] option[value="tiny-random"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('select[name="method"]').inputValue()).toBe("TWO_STAGE");
    expect(await page.locator('input[name="stage1Steps"]').inputValue()).toBe("100");
    expect(await page.locator('input[name="stage1LearningRate"]').inputValue()).toBe("5e-4");
    expect(await page.locator('input[name="stage2Steps"]').inputValue()).toBe("400");
    expect(await page.locator('input[name="stage2LearningRate"]').inputValue()).toBe("5e-6");
    expect(await page.locator('input[name="checkpointEvery"]').inputValue()).toBe("200");
    expect(await page.locator('select[name="subjectId"]').inputValue()).not.toBe("");
    // the paper's §4.1 protocol is a preset beside the §3.2 default; clipping sits in the advanced settings
    expect(await page.locator('select[name="preset"]').inputValue()).toBe("SECTION_3_2");
    await page.locator('select[name="preset"]').selectOption("SECTION_4_1");
    expect(await page.locator('input[name="stage2Steps"]').inputValue()).toBe("800");
    expect(await page.locator('input[name="checkpointEvery"]').inputValue()).toBe("200");
    await page.locator('select[name="preset"]').selectOption("SECTION_3_2");
    expect(await page.locator('input[name="stage2Steps"]').inputValue()).toBe("400");
    await page.getByTestId("advanced-settings").locator("summary").click();
    expect(await page.locator('select[name="clip"]').inputValue()).toBe("on");
    expect(await page.locator('input[name="maxGradNorm"]').inputValue()).toBe("1");
    await page.screenshot({ path: join(artifactsDir, "new-run-light.png"), fullPage: true });
    await page.locator('select[name="baseModel"]').selectOption("tiny-random");
    // A client-side check first: checkpoint interval beyond the stage.
    await page.locator('input[name="stage2Steps"]').fill("6");
    await page.locator('input[name="checkpointEvery"]').fill("30");
    await page.getByRole("button", { name: "Start run" }).click();
    expect(await page.getByTestId("error-checkpointEvery").textContent()).toMatch(/At most/);
    await page.locator('input[name="stage1Steps"]').fill("3");
    await page.locator('input[name="checkpointEvery"]').fill("3");
    await page.locator('input[name="seed"]').fill("7");
    await page.locator('textarea[name="samplePrompts"]').fill("a photo of <rare> backpack");
    await page.getByRole("button", { name: "Start run" }).click();
    await page.waitForURL(/\/runs\/(?!new)[^/?]+$/, { timeout: 15_000 });
    runUrl = page.url();

    // A second tab on the same run is reloaded mid-run: it must continue from the stored points, with
    // nothing missed or doubled, while the first tab watches the whole run live without a reload.
    // The key lives in each tab's sessionStorage (docs/security-privileges.md): the other tabs are signed in too.
    await context.addInitScript(([k, v]) => (globalThis as unknown as WebStorage).sessionStorage.setItem(k!, v!), [KEY_STORAGE, acme.secret]);
    const reloaded = await context.newPage();
    const watchReloaded = (async () => {
      await reloaded.goto(runUrl);
      await expect.poll(async () => (await chartPoints(reloaded)).length, { timeout: 120_000, interval: 100 }).toBeGreaterThan(0);
      const stateAtReload = await reloaded.getByTestId("run-view").getAttribute("data-state");
      await reloaded.reload();
      return stateAtReload;
    })();

    // A third tab loses its WebSocket mid-run (the server side goes away with 1012, "service restart"):
    // graphql-ws reconnects and the page resubscribes after the last seq it applied.
    const dropped = await context.newPage();
    const sockets: WebSocketRoute[] = [];
    const subscribed: { socket: number; afterSeq: number }[] = [];
    await dropped.routeWebSocket(/\/graphql$/, (ws) => {
      const server = ws.connectToServer();
      const socket = sockets.push(ws);
      ws.onMessage((m) => {
        const msg = JSON.parse(String(m)) as { type: string; payload?: { variables?: { afterSeq?: number } } };
        if (msg.type === "subscribe") subscribed.push({ socket, afterSeq: msg.payload?.variables?.afterSeq ?? 0 });
        server.send(m);
      });
      server.onMessage((m) => ws.send(m));
    });
    const watchDropped = (async () => {
      await dropped.goto(runUrl);
      await expect.poll(async () => (await chartPoints(dropped)).length, { timeout: 120_000, interval: 100 }).toBeGreaterThan(0);
      const stateAtDrop = await dropped.getByTestId("run-view").getAttribute("data-state");
      await Promise.all(sockets.map((ws) => ws.close({ code: 1012, reason: "test: connection dropped" })));
      return stateAtDrop;
    })();

    // Live: stage-1 points, then stage-2 points, samples and checkpoints, without a reload.
    await expect.poll(async () => (await chartPoints(page)).length, { timeout: 120_000, interval: 100 }).toBeGreaterThan(0);
    const expected = [...[1, 2, 3].map((s) => ["stage1", s]), ...[1, 2, 3, 4, 5, 6].map((s) => ["stage2", s])];
    // live, not loaded afterwards: the first points seen are an early part of the run, in order (events come a
    // committed batch at a time, so that part may already reach into stage 2 on a busy machine)
    const firstSeen = await chartPoints(page);
    expect(firstSeen.length).toBeLessThan(9);
    expect(firstSeen).toEqual(expected.slice(0, firstSeen.length));
    await expect.poll(async () => (await chartPoints(page)).some(([s]) => s === "stage2"), { timeout: 120_000, interval: 250 }).toBe(true);
    expect(await page.getByTestId("stage-boundary").count()).toBe(1);
    await expect.poll(() => page.getByTestId("checkpoint-row").count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => page.getByTestId("sample-img").count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => page.getByTestId("run-state").textContent(), { timeout: 150_000, interval: 500 }).toBe("SUCCEEDED");

    expect(await watchReloaded).toBe("RUNNING");
    expect(await watchDropped).toBe("RUNNING");
    expect(sockets.length).toBeGreaterThanOrEqual(2); // it did reconnect…
    expect(subscribed.filter((x) => x.socket >= 2).some((x) => x.afterSeq > 0)).toBe(true); // …and resumed after its last seq
    for (const p of [page, reloaded, dropped]) {
      await expect.poll(() => chartPoints(p), { timeout: 10_000 }).toEqual(expected);
      await expect.poll(() => p.getByTestId("checkpoint-row").count(), { timeout: 15_000 }).toBe(3);
      await expect.poll(() => p.getByTestId("sample-img").count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
      expect(await p.getByTestId("run-step").textContent()).toMatch(/step 9 \/ 9/);
    }
    // The live points went into the chart with setData: built once for the whole run, its x axis the whole run.
    const live = page.getByTestId("loss-chart");
    expect(await live.getAttribute("data-builds")).toBe("1");
    expect(Number(await live.getAttribute("data-updates"))).toBeGreaterThanOrEqual(2);
    expect(await live.getAttribute("data-x-range")).toBe("0,9");
    checkpointIds = await page.locator('[data-testid="checkpoint-row"] a[href^="/checkpoints/"]').evaluateAll((as) => as.map((a) => a.getAttribute("href")!.split("/").pop()!));
    await context.close();
  });

  it("shows every point exactly once to a page opened after the run", async () => {
    expect(runUrl).not.toBe("");
    const context = await signedInContext(browser, acme.secret);
    const page = await context.newPage();
    await page.goto(runUrl);
    await expect.poll(() => chartPoints(page), { timeout: 15_000 }).toHaveLength(9);
    await context.close();
  });

  it("writes screenshots of the run page, light and dark", async () => {
    await mkdir(artifactsDir, { recursive: true });
    for (const scheme of ["light", "dark"] as const) {
      const context = await signedInContext(browser, acme.secret, scheme);
      const page = await context.newPage();
      await page.goto(runUrl);
      await expect.poll(() => page.getByTestId("run-state").textContent(), { timeout: 15_000 }).toBe("SUCCEEDED");
      await expect.poll(() => page.locator('[data-testid="sample-img"]').evaluateAll((imgs) => imgs.every((i) => (i as unknown as Img).complete)), { timeout: 10_000 }).toBe(true);
      await page.screenshot({ path: join(artifactsDir, `run-${scheme}.png`) });
      await context.close();
    }
  });

  it("tells another team's user the run is not found", async () => {
    const context = await signedInContext(browser, other.secret);
    const page = await context.newPage();
    await page.goto(runUrl);
    await expect.poll(() => page.getByTestId("not-found").count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByTestId("run-view").count()).toBe(0);
    expect(await page.getByTestId("team-name").textContent()).toBe("Other Co");
    await context.close();
  });

  it("lists the run with its live state, and filters by state", async () => {
    const context = await signedInContext(browser, acme.secret);
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs`);
    await expect.poll(() => page.getByTestId("run-row").count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByTestId("run-row").getAttribute("data-state")).toBe("SUCCEEDED");
    await page.getByLabel("State").selectOption("FAILED");
    await expect.poll(() => page.getByText("No runs match these filters.").count(), { timeout: 10_000 }).toBe(1);
    await context.close();
  });

  it("generates from a checkpoint in the playground and reuses the settings", async () => {
    expect(checkpointIds).toHaveLength(3);
    const context = await signedInContext(browser, acme.secret);
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/checkpoints/${checkpointIds[2]}`);
    await expect.poll(() => page.getByLabel(/^Prompt/).inputValue(), { timeout: 15_000 }).toBe("a photo of <rare> backpack");
    await page.getByLabel(/^Prompt/).fill("a photo of <rare> backpack on the beach");
    await page.getByLabel(/^Seed/).fill("5");
    await page.getByLabel(/^Steps/).fill("2");
    // tiny-random (64 px): the sizes its base model accepts, and a sampler
    await page.getByLabel("Size").selectOption("96x64");
    await page.getByLabel("Sampler").selectOption("DPM_SOLVER");
    await page.getByRole("button", { name: "Generate" }).click();
    const gen = page.getByTestId("generation");
    await expect.poll(() => gen.first().getAttribute("data-state"), { timeout: 120_000, interval: 500 }).toBe("SUCCEEDED");
    await expect
      .poll(
        () =>
          gen
            .first()
            .locator("img")
            .evaluateAll((imgs) => imgs.length === 1 && imgs.every((i) => (i as unknown as Img).naturalWidth > 0)),
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(
      await gen
        .first()
        .locator("img")
        .evaluate((i) => [(i as unknown as Img).naturalWidth, (i as unknown as Img).naturalHeight]),
    ).toEqual([96, 64]);
    expect(await gen.first().textContent()).toContain("96 × 64 · DPM-Solver++");
    // The history is the team's (from the API): a reload, or another browser of the team, sees it.
    await page.reload();
    await expect.poll(() => gen.count(), { timeout: 15_000 }).toBe(1);
    const colleague = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await colleague.addInitScript(([k, v]) => (globalThis as unknown as WebStorage).sessionStorage.setItem(k!, v!), [KEY_STORAGE, acme.secret]);
    const other = await colleague.newPage();
    await other.goto(`${dashboard.url}/checkpoints/${checkpointIds[2]}`);
    await expect.poll(() => other.getByTestId("generation").count(), { timeout: 15_000 }).toBe(1);
    await colleague.close();
    await page.getByLabel(/^Prompt/).fill("something else");
    await page.getByRole("button", { name: "Reuse settings" }).click();
    expect(await page.getByLabel(/^Prompt/).inputValue()).toBe("a photo of <rare> backpack on the beach");
    expect(await page.getByLabel(/^Seed/).inputValue()).toBe("5");
    expect(await page.getByLabel("Size").inputValue()).toBe("96x64");
    expect(await page.getByLabel("Sampler").inputValue()).toBe("DPM_SOLVER");
    // the seed × checkpoint grid: the same settings at seeds 5 and 6 on each of the run's 3 checkpoints
    await page.getByLabel(/^Images per checkpoint/).fill("2");
    await page.getByRole("button", { name: "Run on 3 checkpoints" }).click();
    const rows = page.getByTestId("grid-row");
    await expect
      .poll(() => rows.evaluateAll((rs) => rs.map((r) => r.getAttribute("data-state"))), { timeout: 120_000, interval: 500 })
      .toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    expect(await page.getByTestId("checkpoint-grid").locator("thead th").allTextContents()).toEqual(["Checkpoint", "seed 5", "seed 6"]);
    await expect
      .poll(() => rows.locator("img").evaluateAll((imgs) => imgs.length === 6 && imgs.every((i) => (i as unknown as Img).naturalWidth === 96)), { timeout: 15_000 })
      .toBe(true);
    await context.close();
  });
});
