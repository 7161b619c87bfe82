import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { schema, type DbHandle } from "@studio/db";
import { repoRoot } from "@studio/infra/paths";
import type { Browser, BrowserContext } from "playwright-core";
import sharp from "sharp";
import { okAs } from "./auth.js";
import { bootstrapTeam } from "./bootstrap.js";
import { launchChromium } from "./browser.js";
import { insertImage, insertRunWithCheckpoint, insertSubject, testDb } from "./fixtures.js";
import { startApi, startDashboard } from "./processes.js";
import { TrainerFixtures } from "./trainer-fixtures.js";

/**
 * What the dashboard frame tests (test/browser/dashboard-*.test.ts) share: an API and a dashboard, a team
 * with a finished two-stage run arranged in PostgreSQL/MinIO (losses, a 1234-byte checkpoint at stage 2
 * step 200, two sample prompts in config.samples and a sample of the first), a second run to compare, a
 * partner team, and a share link.
 */
export const KEY_STORAGE = "studio.apiKey";
export const KNOWN_STORAGE = "studio.knownKeys";
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };
export type Scheme = "light" | "dark";
export type Win = { sessionStorage: { setItem(k: string, v: string): void }; __marker?: string };
const photos = join(repoRoot, "examples", "backpack");

export async function contextFor(
  browser: Browser,
  key: string | null,
  viewport = DESKTOP,
  colorScheme: Scheme = "light",
  extra: Record<string, string> = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, colorScheme });
  const items: [string, string][] = [...(key ? [[KEY_STORAGE, key] as [string, string]] : []), ...Object.entries(extra)];
  await context.addInitScript((kv) => kv.forEach(([k, v]) => (globalThis as unknown as Win).sessionStorage.setItem(k, v)), items);
  return context;
}

/** Relative luminance contrast of two CSS rgb() colours (WCAG). */
export function contrast(a: string, b: string): number {
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

export async function startDashboardFixture() {
  const [api, owner, partner, browser] = await Promise.all([startApi({ API_CORS_ORIGINS: "*" }), bootstrapTeam("Frame Lab"), bootstrapTeam("Partner Frame"), launchChromium()]);
  const dashboard = await startDashboard(api.url);
  const db: DbHandle = testDb();
  const fx = new TrainerFixtures();
  const subject = await insertSubject(db, owner.teamId, "Red backpack");
  const subjectId = subject.id;
  for (const name of ["00.jpg", "01.jpg"]) {
    const img = await insertImage(db, owner.teamId, subject.id);
    const webp = await sharp(await readFile(join(photos, name)))
      .resize(256, 256)
      .webp()
      .toBuffer();
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
  const finished = async () => {
    const f = await insertRunWithCheckpoint(db, owner.teamId, subject.id);
    await db.pool.query("update runs set state = 'SUCCEEDED', lease_owner = null, lease_expires_at = null, finished_at = now(), created_by = $1, config = $2 where id = $3", [
      owner.userId,
      config,
      f.run.id,
    ]);
    return f;
  };
  const main = await finished();
  const runId = main.run.id;
  const checkpointId = main.checkpoint.id;
  const otherRunId = (await finished()).run.id;
  await db.db
    .insert(schema.lossPoints)
    .values([
      ...[10, 20, 40, 60, 80, 100].map((step) => ({ runId, stage: "stage1", step, loss: 0.5 / step + 0.1, learningRate: 5e-4 })),
      ...[50, 100, 200, 300, 400].map((step) => ({ runId, stage: "stage2", step, loss: 0.2 - step / 4000, learningRate: 5e-6 })),
    ]);
  const sampleKey = `teams/${owner.teamId}/runs/${runId}/samples/stage2-200-0.webp`;
  const sample = await sharp(await readFile(join(photos, "02.jpg")))
    .resize(128, 128)
    .webp()
    .toBuffer();
  await fx.s3.putObject(fx.bucket, sampleKey, sample, sample.length, { "Content-Type": "image/webp" });
  await db.db
    .insert(schema.samples)
    .values({ runId, teamId: owner.teamId, stage: "stage2", step: 200, promptIndex: 0, prompt: "a photo of <rare> backpack", seed: 0, objectKey: sampleKey });
  const share = await okAs(api.url, owner.secret, `mutation($i: CreateShareInput!) { createShare(input: $i) { url } }`, { i: { runId, kind: "LINK" } });
  const linkUrl = `${dashboard.url}${share.createShare.url}`;
  const f = { api, dashboard, browser, owner, partner, db, subjectId, runId, otherRunId, checkpointId, linkUrl };
  return {
    ...f,
    /** The main pages, each with what to wait for before measuring. */
    pages: () => [
      { name: "runs", path: "/runs", ready: '[data-testid="run-row"]' },
      // Chart pages are ready once uPlot has drawn (data-builds; the page's data came in the same render), so axe sees the legends.
      { name: "run", path: `/runs/${runId}`, ready: '[data-testid="loss-chart"][data-builds]' },
      { name: "new-run", path: "/runs/new", ready: 'select[name="baseModel"] option[value="tiny-random"]' },
      { name: "subjects", path: "/subjects", ready: '[data-testid="subject-card"]' },
      { name: "subject", path: `/subjects/${subjectId}`, ready: '[data-testid="subject-image"]' },
      { name: "playground", path: `/checkpoints/${checkpointId}`, ready: '[data-testid="model-card"]' },
      { name: "compare", path: `/compare?runs=${runId},${otherRunId}`, ready: '[data-testid="compare-losses"][data-builds]' },
      { name: "team", path: "/team", ready: '[data-testid="member-row"]' },
      { name: "shared", path: "/shared", ready: "h1" },
      { name: "health", path: "/health", ready: '[data-testid="status-storage"]' },
      { name: "join", path: "/join", ready: "form" },
      { name: "not-found", path: "/no-such-page", ready: '[data-testid="page-not-found"]' },
    ],
    async close() {
      await browser?.close();
      await Promise.all([dashboard?.proc.stop(), api?.proc.stop()]);
      await db?.close();
      await fx?.close();
    },
  };
}
export type DashboardFixture = Awaited<ReturnType<typeof startDashboardFixture>>;
