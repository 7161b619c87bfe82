import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { schema } from "@studio/db";
import { repoRoot } from "@studio/infra/paths";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapTeam } from "../support/bootstrap.js";
import { artifactsDir, launchChromium } from "../support/browser.js";
import { insertSubject, testDb } from "../support/fixtures.js";
import { gql } from "../support/graphql.js";
import { startApi, startDashboard, startTrainer } from "../support/processes.js";
import { postUpload } from "../support/images.js";

const KEY_STORAGE = "studio.apiKey";
type WebStorage = { sessionStorage: { setItem(k: string, v: string): void } };
type Img = { naturalWidth: number };
const photo = join(repoRoot, "examples", "backpack", "00.jpg");

async function signedIn(browser: Browser, key: string, colorScheme: "light" | "dark" = "light"): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme });
  await context.addInitScript(([k, v]) => (globalThis as unknown as WebStorage).sessionStorage.setItem(k!, v!), [KEY_STORAGE, key]);
  return context;
}

describe("dashboard: a failed run, cancel from the page, the playground's look", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let trainer: Awaited<ReturnType<typeof startTrainer>>;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let browser: Browser;
  let team: { teamId: string; secret: string };
  const call = <T = any>(q: string, v: Record<string, unknown> = {}) => gql<T>(api.url, q, v, team.secret);

  beforeAll(async () => {
    api = await startApi({ API_CORS_ORIGINS: "*" });
    [trainer, dashboard, browser, team] = await Promise.all([startTrainer(), startDashboard(api.url), launchChromium(), bootstrapTeam("Cancel Co")]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([dashboard?.proc.stop(), trainer?.proc.stop(), api?.proc.stop()]);
  });

  it("shows a failed run's error code, message and log tail", async () => {
    const db = testDb();
    let runId: string;
    try {
      const subject = await insertSubject(db, team.teamId, "Broken photos");
      const [run] = await db.db
        .insert(schema.runs)
        .values({
          teamId: team.teamId,
          subjectId: subject.id,
          method: "TWO_STAGE",
          baseModel: "tiny-random",
          config: {},
          state: "FAILED",
          totalSteps: 9,
          errorCode: "IMAGE_UNREADABLE",
          errorMessage: "photo.jpg: not a readable image",
          logTail: "studio_engine: IMAGE_UNREADABLE: photo.jpg: not a readable image",
          startedAt: new Date(),
          finishedAt: new Date(),
        })
        .returning();
      runId = run!.id;
    } finally {
      await db.close();
    }
    const context = await signedIn(browser, team.secret);
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs/${runId}`);
    const error = page.getByTestId("run-error");
    await expect.poll(() => error.count(), { timeout: 15_000 }).toBe(1);
    expect(await error.textContent()).toContain("IMAGE_UNREADABLE");
    expect(await error.textContent()).toContain("photo.jpg: not a readable image");
    expect(await page.getByText("Log tail").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Cancel run" }).count()).toBe(0);
    await context.close();
  });

  it("cancels a running run from its page, then the playground draws from its stage-1 checkpoint (screenshots)", async () => {
    const subject = (await call(`mutation { createSubject(input: {name: "Cancel me", classNoun: "backpack", kind: OBJECT}) { id } }`)).body.data.createSubject.id;
    const bytes = readFileSync(photo);
    const up = (
      await call(`mutation ($s: ID!, $n: Int!) { createImageUpload(subjectId: $s, filename: "00.jpg", contentType: "image/jpeg", byteSize: $n) { uploadId url fields } }`, {
        s: subject,
        n: bytes.length,
      })
    ).body.data.createImageUpload;
    expect((await postUpload(up.url, up.fields, bytes, { filename: "00.jpg" })).status).toBe(204);
    expect((await call(`mutation ($s: ID!, $u: ID!) { addSubjectImage(subjectId: $s, uploadId: $u) { id } }`, { s: subject, u: up.uploadId })).body.errors).toBeUndefined();
    const started = await call(
      `mutation ($s: ID!) { startRun(input: {subjectId: $s, method: TWO_STAGE, baseModel: "tiny-random", stage1Steps: 2, stage2Steps: 5000, checkpointEvery: 5000}) { id } }`,
      { s: subject },
    );
    const runId = started.body.data.startRun.id as string;

    const context = await signedIn(browser, team.secret);
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/runs/${runId}`);
    // wait until stage 2 is really training, then cancel from the page
    await expect.poll(async () => Number(/step (\d+)/.exec((await page.getByTestId("run-step").textContent()) ?? "")?.[1] ?? 0), { timeout: 120_000 }).toBeGreaterThan(4);
    await page.getByRole("button", { name: "Cancel run" }).click();
    await expect.poll(() => page.getByTestId("run-state").textContent(), { timeout: 30_000 }).toBe("CANCELED");
    expect(await page.getByRole("button", { name: /Cancel/ }).count()).toBe(0);
    const checkpointHref = await page.locator('[data-testid="checkpoint-row"] a[href^="/checkpoints/"]').first().getAttribute("href");
    expect(checkpointHref).toMatch(/^\/checkpoints\/[0-9a-f-]{36}$/);
    await context.close();

    await mkdir(artifactsDir, { recursive: true });
    for (const scheme of ["light", "dark"] as const) {
      const ctx = await signedIn(browser, team.secret, scheme);
      const p = await ctx.newPage();
      await p.goto(`${dashboard.url}${checkpointHref}`);
      await expect.poll(() => p.getByLabel(/^Prompt/).inputValue(), { timeout: 15_000 }).toContain("<rare> backpack");
      await p.getByLabel(/^Steps/).fill("2");
      await p.getByRole("button", { name: "Generate" }).click();
      const gen = p.getByTestId("generation").first();
      await expect.poll(() => gen.getAttribute("data-state"), { timeout: 120_000, interval: 500 }).toBe("SUCCEEDED");
      await expect
        .poll(() => gen.locator("img").evaluateAll((imgs) => imgs.length > 0 && imgs.every((i) => (i as unknown as Img).naturalWidth > 0)), { timeout: 15_000 })
        .toBe(true);
      await p.screenshot({ path: join(artifactsDir, `playground-${scheme}.png`) });
      await ctx.close();
    }
  });
});
