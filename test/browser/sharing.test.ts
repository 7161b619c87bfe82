import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { schema, type DbHandle } from "@studio/db";
import { repoRoot } from "@studio/infra/paths";
import type { Browser, BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { okAs } from "../support/auth.js";
import { bootstrapTeam } from "../support/bootstrap.js";
import { artifactsDir, launchChromium } from "../support/browser.js";
import { insertImage, insertRunWithCheckpoint, insertSubject, testDb } from "../support/fixtures.js";
import { startApi, startDashboard } from "../support/processes.js";
import { TrainerFixtures } from "../support/trainer-fixtures.js";

const KEY_STORAGE = "studio.apiKey";
type WebStorage = { sessionStorage: { setItem(k: string, v: string): void } };
type Scheme = "light" | "dark";
const photos = join(repoRoot, "examples", "backpack");

async function contextFor(browser: Browser, key: string | null, colorScheme: Scheme = "light"): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
  if (key) await context.addInitScript(([k, v]) => (globalThis as unknown as WebStorage).sessionStorage.setItem(k!, v!), [KEY_STORAGE, key]);
  return context;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(artifactsDir, name), fullPage: true });

describe("dashboard: team page, share dialog, share links, shared-with-us, model card", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof bootstrapTeam>>;
  let other: Awaited<ReturnType<typeof bootstrapTeam>>;
  let db: DbHandle;
  let fx: TrainerFixtures;
  let runId: string;
  let checkpointId: string;
  let link: string;

  beforeAll(async () => {
    [api, owner, other, browser] = await Promise.all([startApi({ API_CORS_ORIGINS: "*" }), bootstrapTeam("Backpack Lab"), bootstrapTeam("Partner Studio"), launchChromium()]);
    dashboard = await startDashboard(api.url);
    db = testDb();
    fx = new TrainerFixtures();
    // A finished run with one checkpoint, two subject photos (their display WebPs feed the model card's
    // thumbnails) and one training sample, arranged in the database and MinIO instead of training.
    const subject = await insertSubject(db, owner.teamId, "Red backpack");
    for (const name of ["00.jpg", "01.jpg"]) {
      const img = await insertImage(db, owner.teamId, subject.id);
      const webp = await sharp(await readFile(join(photos, name)))
        .resize(512, 512)
        .webp()
        .toBuffer();
      await fx.s3.putObject(fx.bucket, img.displayKey, webp, webp.length, { "Content-Type": "image/webp" });
    }
    const fixture = await insertRunWithCheckpoint(db, owner.teamId, subject.id);
    runId = fixture.run.id;
    checkpointId = fixture.checkpoint.id;
    await db.pool.query("update runs set state = 'SUCCEEDED', lease_owner = null, lease_expires_at = null, finished_at = now(), created_by = $1, config = $2 where id = $3", [
      owner.userId,
      { stage1: { steps: 100, learningRate: 0.0005 }, stage2: { steps: 400, learningRate: 5e-6, checkpointEvery: 200 }, seed: 0 },
      runId,
    ]);
    const sampleKey = `teams/${owner.teamId}/runs/${runId}/samples/stage2-200-0.webp`;
    const sample = await sharp(await readFile(join(photos, "02.jpg")))
      .resize(256, 256)
      .webp()
      .toBuffer();
    await fx.s3.putObject(fx.bucket, sampleKey, sample, sample.length, { "Content-Type": "image/webp" });
    await db.db
      .insert(schema.samples)
      .values({ runId, teamId: owner.teamId, stage: "stage2", step: 200, promptIndex: 0, prompt: "a photo of <rare> backpack", seed: 0, objectKey: sampleKey });
    await mkdir(artifactsDir, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([dashboard?.proc.stop(), api?.proc.stop()]);
    await db?.close();
    await fx?.close();
  });

  it("an OWNER creates a link in the share dialog; a browser without a key opens it; revoking it shows the revoked message", async () => {
    const ownerCtx = await contextFor(browser, owner.secret);
    const page = await ownerCtx.newPage();
    await page.goto(`${dashboard.url}/runs/${runId}`);
    await page.getByRole("button", { name: "Share" }).click();
    const dialog = page.getByRole("dialog", { name: "Share this run" });
    await expect.poll(() => dialog.isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => dialog.getByText("This run is not shared.").count(), { timeout: 15_000 }).toBe(1); // after the list loads
    await dialog.getByRole("button", { name: "Create link" }).click();
    const linkBox = dialog.getByTestId("share-link");
    await expect.poll(() => linkBox.count(), { timeout: 15_000 }).toBe(1);
    link = (await linkBox.locator("code").textContent()) ?? "";
    expect(link).toMatch(new RegExp(`^${dashboard.url}/shared/shl_[A-Za-z0-9_-]{40,}$`));
    await expect.poll(() => dialog.locator('[data-testid="share-row"][data-active="true"]').count()).toBe(1);

    // a fresh browser context: no API key anywhere, only the link
    const guestCtx = await contextFor(browser, null);
    const guest = await guestCtx.newPage();
    await guest.goto(link);
    await expect.poll(() => guest.getByTestId("link-title").textContent(), { timeout: 15_000 }).toContain("Red backpack");
    expect(await guest.getByText("Shared by").textContent()).toContain("Backpack Lab");
    // one step convention: stage-local step with the run's cumulative step beside it (stage 1 had 100 steps)
    expect(await guest.getByRole("button", { name: "stage 2 · step 200 (run step 300)" }).getAttribute("aria-pressed")).toBe("true");
    // a minimal frame for an anonymous visitor: no app navigation, no team controls
    expect(await guest.getByTestId("link-header").count()).toBe(1);
    expect(await guest.getByRole("navigation", { name: "Main" }).count()).toBe(0);
    expect(await guest.getByRole("link", { name: "Runs" }).count()).toBe(0);
    // the samples are the run page's grid, with the same column heads
    expect(await guest.getByTestId("sample-grid").count()).toBe(1);
    expect(await guest.getByTestId("sample-col").first().textContent()).toBe("stage 2 · step 200run step 300");
    await expect.poll(() => guest.getByTestId("card-token").textContent(), { timeout: 15_000 }).toBe("<rare>");
    expect(await guest.getByRole("button", { name: "Copy as Markdown" }).count()).toBe(1);
    expect(await guest.getByTestId("signin-error").count()).toBe(0);
    expect(await guest.getByRole("heading", { name: "Sign in" }).count()).toBe(0);
    // generating through the link is accepted (no trainer runs here, so it stays queued)
    await guest.getByLabel("Steps").fill("2");
    await guest.getByRole("button", { name: "Generate" }).click();
    await expect.poll(() => guest.getByTestId("generation").first().getAttribute("data-state"), { timeout: 15_000 }).toBe("QUEUED");
    for (const scheme of ["light", "dark"] as const) {
      const ctx = await contextFor(browser, null, scheme);
      const p = await ctx.newPage();
      await p.goto(link);
      await expect.poll(() => p.getByTestId("card-token").count(), { timeout: 15_000 }).toBe(1);
      await expect
        .poll(() => p.locator(".card-images img").evaluateAll((imgs) => imgs.length === 2 && imgs.every((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0)), {
          timeout: 15_000,
        })
        .toBe(true);
      await shot(p, `shared-link-${scheme}.png`);
      await ctx.close();
    }

    // the OWNER revokes it in the dialog; the dialog lists it as revoked; Esc closes the dialog
    await dialog.getByRole("button", { name: "Revoke link" }).click();
    await expect.poll(() => dialog.locator('[data-testid="share-row"][data-active="false"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await dialog.locator('[data-testid="share-row"]').first().textContent()).toContain("revoked");
    await shot(page, "share-dialog-light.png");
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await ownerCtx.close();

    await guest.reload();
    const err = guest.getByTestId("link-error");
    await expect.poll(() => err.count(), { timeout: 15_000 }).toBe(1);
    expect(await err.getByRole("heading").textContent()).toBe("This link was revoked");
    // in words first; the raw code only under "Details"
    expect(await err.locator("p").first().textContent()).toMatch(/^Not allowed: .*revoked/);
    expect(await err.getByTestId("link-error-code").textContent()).toBe("FORBIDDEN");
    expect(await err.getByTestId("link-error-code").isVisible()).toBe(false);
    await guestCtx.close();
    const dark = await contextFor(browser, null, "dark");
    const p = await dark.newPage();
    await p.goto(link);
    await expect.poll(() => p.getByTestId("link-error").count(), { timeout: 15_000 }).toBe(1);
    await shot(p, "shared-link-revoked-dark.png");
    await dark.close();
  });

  it("an expired link says so (the API's FORBIDDEN message)", async () => {
    const made = await okAs(api.url, owner.secret, `mutation($i: CreateShareInput!) { createShare(input: $i) { url share { id } } }`, {
      i: { runId, kind: "LINK", expiresInHours: 1, promptOnly: true },
    });
    await db.pool.query("update shares set expires_at = now() - interval '1 minute' where id = $1", [made.createShare.share.id]);
    const ctx = await contextFor(browser, null);
    const page = await ctx.newPage();
    await page.goto(`${dashboard.url}${made.createShare.url}`);
    const err = page.getByTestId("link-error");
    await expect.poll(() => err.count(), { timeout: 15_000 }).toBe(1);
    expect(await err.getByRole("heading").textContent()).toBe("This link has expired");
    expect(await err.locator("p").first().textContent()).toMatch(/^Not allowed: .*expired/);
    expect(await err.getByTestId("link-error-code").textContent()).toBe("FORBIDDEN");
    await ctx.close();
  });

  it("the team page lists members, creates an invitation code that a new person uses on /join, and shows the access log", async () => {
    for (const scheme of ["light", "dark"] as const) {
      const ctx = await contextFor(browser, owner.secret, scheme);
      const page = await ctx.newPage();
      await page.goto(`${dashboard.url}/team`);
      const members = page.getByTestId("member-row");
      await expect.poll(() => members.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
      expect(await members.first().textContent()).toContain("Backpack Lab owner");
      // the team id another team needs to share with this one, with a copy button
      expect(await page.getByTestId("team-id").textContent()).toBe(owner.teamId);
      expect(await page.getByRole("button", { name: "Copy team id" }).count()).toBe(1);
      await page.locator('form select[name="role"]').selectOption("VIEWER");
      await page.getByRole("button", { name: "Create invitation" }).click();
      const code = page.getByTestId("invitation-code").locator("code");
      await expect.poll(() => code.count(), { timeout: 15_000 }).toBe(1);
      const inv = (await code.textContent()) ?? "";
      expect(inv).toMatch(/^inv_[A-Za-z0-9_-]{40,}$/);
      await expect.poll(() => page.getByTestId("invitation-row").count()).toBeGreaterThanOrEqual(1);
      // the access log has the share made and revoked in the first test, and this invitation
      await expect
        .poll(
          async () => (await page.getByTestId("audit-row").evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { action: string } }).dataset.action))).join(","),
          { timeout: 15_000 },
        )
        .toMatch(/MEMBER_INVITED.*SHARE_REVOKED.*SHARE_CREATED/);
      await shot(page, `team-${scheme}.png`);
      await ctx.close();

      if (scheme === "light") {
        // the invitee joins without a key, lands on /runs signed in to the team, and is listed as a VIEWER
        const joinCtx = await contextFor(browser, null);
        const join = await joinCtx.newPage();
        await join.goto(`${dashboard.url}/join`);
        await join.getByLabel("Invitation code").fill(inv);
        await join.getByLabel("Your name").fill("Vera Viewer");
        await join.getByRole("button", { name: "Join" }).click();
        await join.waitForURL(`${dashboard.url}/runs`, { timeout: 15_000 });
        await expect.poll(() => join.getByTestId("team-name").textContent(), { timeout: 15_000 }).toBe("Backpack Lab");
        await join.goto(`${dashboard.url}/team`);
        const vera = join.getByTestId("member-row").filter({ hasText: "Vera Viewer" });
        await expect.poll(() => vera.count(), { timeout: 15_000 }).toBe(1);
        expect(await vera.textContent()).toContain("VIEWER");
        // a VIEWER gets no invitation form and no access log
        expect(await join.getByRole("button", { name: "Create invitation" }).count()).toBe(0);
        expect(await join.getByTestId("audit").count()).toBe(0);
        // the same code cannot be used twice: the API's FORBIDDEN is shown
        await join.goto(`${dashboard.url}/join`);
        await join.getByLabel("Invitation code").fill(inv);
        await join.getByLabel("Your name").fill("Someone Else");
        await join.getByRole("button", { name: "Join" }).click();
        await expect.poll(() => join.getByTestId("join-error").textContent(), { timeout: 15_000 }).toMatch(/^Not allowed: /);
        await joinCtx.close();
      }
    }
  });

  it("a run shared with another team is listed under Shared with us and opens read-only; the checkpoint page has the model card", async () => {
    await okAs(api.url, owner.secret, `mutation($i: CreateShareInput!) { createShare(input: $i) { share { id } } }`, { i: { runId, kind: "TEAM", targetTeamId: other.teamId } });
    const ctx = await contextFor(browser, other.secret);
    const page = await ctx.newPage();
    await page.goto(`${dashboard.url}/shared`);
    const row = page.getByTestId("shared-run-row");
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    expect(await row.textContent()).toContain("Backpack Lab");
    await row.getByRole("link", { name: "Red backpack" }).click();
    await expect.poll(() => page.getByTestId("shared-run-notice").count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByTestId("shared-run-notice").textContent()).toContain("by Backpack Lab");
    expect(await page.getByRole("button", { name: "Share" }).count()).toBe(0);

    await page.goto(`${dashboard.url}/checkpoints/${checkpointId}`);
    const card = page.getByTestId("model-card");
    await expect.poll(() => card.getByTestId("card-token").count(), { timeout: 15_000 }).toBe(1);
    expect(await card.textContent()).toContain("tiny-random");
    expect(await card.textContent()).toContain("Backpack Lab owner");
    expect(await card.locator(".card-images li").count()).toBe(2);
    expect(await page.getByRole("button", { name: "Export for diffusers" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Export single file (A1111/ComfyUI)" }).count()).toBe(1);
    await ctx.close();

    for (const scheme of ["light", "dark"] as const) {
      const c = await contextFor(browser, owner.secret, scheme);
      const p = await c.newPage();
      await p.goto(`${dashboard.url}/checkpoints/${checkpointId}`);
      await expect
        .poll(() => p.locator(".card-images img").evaluateAll((imgs) => imgs.length === 2 && imgs.every((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0)), {
          timeout: 15_000,
        })
        .toBe(true);
      await shot(p, `checkpoint-card-${scheme}.png`);
      await c.close();
    }
  });
});
