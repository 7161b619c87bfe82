import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { schema } from "@studio/db";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactsDir } from "../support/browser.js";
import { contextFor, DESKTOP, KNOWN_STORAGE, PHONE, startDashboardFixture, type DashboardFixture, type Scheme } from "../support/dashboard-fixture.js";
import { appendEvents } from "../support/fixtures.js";

type Doc = { documentElement: { scrollWidth: number }; body: { scrollWidth: number } };
type NewRunEvent = Parameters<typeof appendEvents>[2][number];

/** React's hydration failures in a production build (minified errors 418/419/421/422/423/425) or in words. */
const HYDRATION = /hydrat|Minified React error #(418|419|421|422|423|425)\b|react\.dev\/errors\/(418|419|421|422|423|425)\b/i;

// Issue 14 (docs/dashboard.md "Server-rendered frame", "Browser matrix"): every route's HTML from the server
// already holds its frame, hydration is clean, and the eight pages of the acceptance at 390 px and 1280 px, light
// and dark, with screenshots in test/artifacts/matrix-<page>-<width>-<theme>.png. Reuses the frame fixture's
// seeded data; the live phases are runs held in one phase each by their events (no trainer).
describe("dashboard: server-rendered frame, hydration, and the 390/1280 × light/dark matrix", () => {
  let fx: DashboardFixture;
  let base: string;
  /** Runs held in each live phase (plus the fixture's finished run). */
  const live: Record<string, string> = {};

  beforeAll(async () => {
    fx = await startDashboardFixture();
    base = fx.dashboard.url;
    await mkdir(artifactsDir, { recursive: true });
    const { db, owner, subjectId } = fx;
    // A run as a trainer leaves it in the database at that moment (row, loss points) and in its event log.
    const held = async (phase: string, state: "QUEUED" | "RUNNING", losses: [string, number][] = []) => {
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
      const last = losses[losses.length - 1];
      const step = last ? (last[0] === "stage2" ? 3 : 0) + last[1] : 0;
      const events: NewRunEvent[] = [{ type: "RunStateChanged", payload: { state: "QUEUED", previousState: null } }];
      if (state === "RUNNING") {
        await db.pool.query(
          "update runs set state = 'RUNNING', started_at = now(), stage = $2, step = $3, lease_owner = 'fixture', lease_expires_at = now() + interval '1 hour' where id = $1",
          [id, last?.[0] ?? null, step],
        );
        events.push({ type: "RunStateChanged", payload: { state: "RUNNING", previousState: "QUEUED" } });
      }
      for (const [stage, s] of losses) {
        if (s === 1) events.push({ type: "StageStarted", payload: { stage, totalSteps: stage === "stage1" ? 3 : 4 } });
        events.push({ type: "LossLogged", payload: { stage, step: s, loss: 0.3 - s / 100, learningRate: 5e-4 } });
      }
      if (losses.length) await db.db.insert(schema.lossPoints).values(losses.map(([stage, s]) => ({ runId: id, stage, step: s, loss: 0.3 - s / 100, learningRate: 5e-4 })));
      await appendEvents(db, id, events);
      live[phase] = id;
    };
    const s1: [string, number][] = [
      ["stage1", 1],
      ["stage1", 2],
      ["stage1", 3],
    ];
    await held("queued", "QUEUED");
    await held("loading", "RUNNING");
    await held("stage1", "RUNNING", s1.slice(0, 2));
    await held("stage2", "RUNNING", [...s1, ["stage2", 1]]);
    await held("finishing", "RUNNING", [...s1, ...[1, 2, 3, 4].map((s) => ["stage2", s] as [string, number])]);
    live.succeeded = fx.runId;
  });
  afterAll(async () => {
    await fx?.close();
  });

  /** Every route a signed-in person opens, with the heading its server-rendered frame carries. */
  const frameRoutes = () => [
    { path: "/runs", h1: "Runs" },
    { path: `/runs/${fx.runId}`, h1: "Run", panels: ["Progress", "Loss", "Samples"] },
    { path: "/runs/new", h1: "New run" },
    { path: "/subjects", h1: "Subjects", panels: ["New subject"] },
    { path: `/subjects/${fx.subjectId}`, h1: "Subject", panels: ["Photos", "Upload photos"] },
    { path: `/checkpoints/${fx.checkpointId}`, h1: "Playground", panels: ["Generations", "Model card"] },
    { path: `/compare?runs=${fx.runId},${fx.otherRunId}`, h1: "Compare runs" },
    { path: "/evaluations/00000000-0000-4000-8000-000000000000", h1: "Evaluation", panels: ["Per prompt"] },
    { path: "/team", h1: "Team", panels: ["Members", "API keys"] },
    { path: "/shared", h1: "Shared with us" },
    { path: "/health", h1: "System health" },
    { path: "/join", h1: "Join a team" },
    { path: "/no-such-page", h1: "Page not found" },
  ];

  it("serves every route's frame in its HTML: nav and h1 with JavaScript off (no data, not just 'Loading…'); the link page keeps its minimal frame", async () => {
    const context = await fx.browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false });
    const page = await context.newPage();
    const gqlRequests: string[] = [];
    page.on("request", (r) => r.url().startsWith(fx.api.url) && gqlRequests.push(r.url()));
    for (const r of frameRoutes()) {
      const res = await page.goto(`${base}${r.path}`);
      expect(res!.status(), r.path).toBe(r.path === "/no-such-page" ? 404 : 200);
      const nav = page.getByRole("navigation", { name: "Main" });
      expect(await nav.getByRole("link").count(), `${r.path} nav links`).toBe(6);
      expect(await page.locator("h1").allTextContents(), `${r.path} h1`).toEqual([r.h1]);
      for (const h2 of r.panels ?? []) expect(await page.getByRole("heading", { level: 2, name: h2, exact: true }).count(), `${r.path} panel ${h2}`).toBe(1);
      // The frame is more than a status line, and no team data is in it (the server has no key).
      const main = (await page.locator("main").textContent()) ?? "";
      expect(main.replace(/\s+/g, " ").trim(), r.path).not.toBe("Loading…");
      expect(await page.locator("main").textContent(), r.path).not.toContain("Red backpack");
      expect(await page.getByTestId("team-name").count(), r.path).toBe(0);
      if (r.path === `/runs/${fx.runId}`) await page.screenshot({ path: join(artifactsDir, "frame-run-no-js.png"), fullPage: true });
    }
    // The HTML itself (a plain GET, no browser) has the same: the nav links and the h1.
    const html = await (await fetch(`${base}/runs`)).text();
    expect(html).toMatch(/<nav[^>]*aria-label="Main"/);
    expect(html).toMatch(/<h1[^>]*>Runs<\/h1>/);
    expect(html).toContain('href="/subjects"');
    // A share link: product name only, no app navigation.
    await page.goto(fx.linkUrl);
    expect(await page.getByTestId("link-header").count()).toBe(1);
    expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(0);
    expect(gqlRequests).toEqual([]); // nothing ran in the page
    await context.close();
  });

  it("hydrates every route without a React hydration error; then the data fills the frame", async () => {
    const context = await contextFor(fx.browser, fx.owner.secret, DESKTOP);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(String(e)));
    const ready: Record<string, string> = Object.fromEntries(fx.pages().map((p) => [p.path, p.ready]));
    for (const r of frameRoutes()) {
      await page.goto(`${base}${r.path}`);
      const sel = ready[r.path] ?? "h1";
      await page.waitForSelector(sel, { timeout: 15_000, state: "attached" });
      // signed in: the frame's placeholders gave way to the page itself
      await expect.poll(() => page.getByTestId("page-frame").count(), { timeout: 15_000 }).toBe(0);
    }
    await page.goto(fx.linkUrl);
    await page.getByTestId("sample-grid").waitFor({ timeout: 15_000 });
    console.log(`console errors over ${frameRoutes().length + 1} pages: ${JSON.stringify(errors)}`);
    expect(errors.filter((e) => HYDRATION.test(e))).toEqual([]);
    await context.close();
  });

  it("walks the eight acceptance pages at 390 px and 1280 px, light and dark: no sideways scroll, key element visible, screenshots", async () => {
    const t0 = Date.now();
    const known = JSON.stringify({
      [fx.owner.teamId]: { teamName: "Frame Lab", key: fx.owner.secret },
      [fx.partner.teamId]: { teamName: "Partner Frame", key: fx.partner.secret },
    });
    let shots = 0;
    for (const [width, viewport] of [
      ["390", PHONE],
      ["1280", DESKTOP],
    ] as const) {
      for (const theme of ["light", "dark"] as Scheme[]) {
        const signedIn = await contextFor(fx.browser, fx.owner.secret, viewport, theme, { [KNOWN_STORAGE]: known });
        const anonymous = await contextFor(fx.browser, null, viewport, theme);
        const page = await signedIn.newPage();
        const guest = await anonymous.newPage();
        const check = async (p: Page, name: string, key: ReturnType<Page["locator"]>) => {
          await key.first().waitFor({ state: "visible", timeout: 15_000 });
          expect(await key.first().isVisible(), `${name} ${width} ${theme}: key element`).toBe(true);
          const w = await p.evaluate(() => {
            const d = (globalThis as unknown as { document: Doc }).document;
            return Math.max(d.documentElement.scrollWidth, d.body.scrollWidth);
          });
          expect(w, `${name} ${width} ${theme}: scrollWidth`).toBeLessThanOrEqual(viewport.width);
          await p.screenshot({ path: join(artifactsDir, `matrix-${name}-${width}-${theme}.png`), fullPage: true });
          shots++;
        };

        // sign-in: a signed-out visitor of a team page gets the form, and nothing of the team
        await guest.goto(`${base}/team`);
        await check(guest, "signin", guest.getByRole("heading", { name: "Sign in", level: 1 }));
        expect(await guest.getByText("Frame Lab").count()).toBe(0);
        expect(await guest.getByTestId("page-frame").count()).toBe(0);

        await page.goto(`${base}/subjects`);
        await check(page, "subjects", page.getByTestId("subject-card"));
        await page.goto(`${base}/runs/new`);
        await page.waitForSelector('select[name="baseModel"] option[value="tiny-random"]', { state: "attached", timeout: 15_000 });
        await check(page, "new-run", page.locator('select[name="baseModel"]'));

        // live run: every phase, each held by its run's events
        for (const [phase, id] of Object.entries(live)) {
          await page.goto(`${base}/runs/${id}`);
          const line = page.getByTestId("run-phase");
          await expect.poll(() => line.getAttribute("data-phase"), { timeout: 15_000 }).toBe(phase);
          if (phase === "queued") expect(await page.getByTestId("run-queue").textContent()).toMatch(/position \d+ in the queue/);
          if (phase === "finishing") expect(await page.getByTestId("run-left").textContent()).toBe("saving…");
          await check(page, `live-${phase}`, line);
        }

        await page.goto(`${base}/checkpoints/${fx.checkpointId}`);
        await page.getByTestId("model-card").getByText("Base model").waitFor({ timeout: 15_000 });
        await check(page, "playground", page.getByRole("button", { name: "Generate", exact: true }));
        await page.goto(`${base}/compare?runs=${fx.runId},${fx.otherRunId}`);
        await page.waitForSelector('[data-testid="compare-losses"][data-builds]', { timeout: 15_000 });
        await check(page, "compare", page.getByTestId("compare-losses"));

        // sharing with a team: the dialog offers the other team by name (the share itself is run-page test ground)
        await page.goto(`${base}/runs/${fx.otherRunId}`);
        await page.getByRole("button", { name: "Share" }).click();
        const dialog = page.getByRole("dialog", { name: "Share this run" });
        await dialog.waitFor({ timeout: 15_000 });
        await dialog.getByLabel("Another team").check();
        await dialog.locator('select[name="teamPicker"]').selectOption({ label: "Partner Frame" });
        expect(await dialog.locator('input[name="targetTeamId"]').inputValue()).toBe(fx.partner.teamId);
        await check(page, "share-team", dialog.locator('select[name="teamPicker"]'));

        await guest.goto(fx.linkUrl);
        await check(guest, "link", guest.getByTestId("sample-grid"));
        await signedIn.close();
        await anonymous.close();
      }
    }
    expect(shots).toBe(4 * (7 + Object.keys(live).length));
    console.log(`matrix: ${shots} screenshots in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});
