import { execFile } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@studio/infra/paths";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactsDir } from "../support/browser.js";
import { contextFor, contrast, DESKTOP, KEY_STORAGE, PHONE, startDashboardFixture, type DashboardFixture, type Win } from "../support/dashboard-fixture.js";

// The dashboard's layout (issue 14, docs/dashboard.md): every main page at 390 px in both themes, the collapsed
// nav, legible colours, axe-core in every page, and the bundle budget.
describe("dashboard layout: phone widths, themes, accessibility, bundle budget", () => {
  let fx: DashboardFixture;
  let dashboard: DashboardFixture["dashboard"];
  let browser: DashboardFixture["browser"];
  let owner: DashboardFixture["owner"];
  let runId: string;
  let linkUrl: string;
  let pages: DashboardFixture["pages"];

  beforeAll(async () => {
    fx = await startDashboardFixture();
    ({ dashboard, browser, owner, runId, linkUrl, pages } = fx);
    await mkdir(artifactsDir, { recursive: true });
  });
  afterAll(async () => {
    await fx?.close();
  });

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
        if (widths.doc > PHONE.width) {
          // Name what sticks out, so a failure says where to look.
          type El = { tagName: string; getAttribute(n: string): string | null; getBoundingClientRect(): { right: number } };
          const wide = await page.evaluate((limit) => {
            const all = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<El> } }).document.querySelectorAll("*");
            return [...all]
              .filter((e) => e.getBoundingClientRect().right > limit)
              .slice(0, 12)
              .map((e) => `${e.tagName}.${e.getAttribute("class") ?? ""} ${Math.round(e.getBoundingClientRect().right)}`);
          }, PHONE.width + 2);
          console.log(`${p.name} (${scheme}) is wider than the phone:`, wide);
        }
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
      const boxes = await nav
        .getByRole("link")
        .evaluateAll((as) => as.map((a) => (a as unknown as { getBoundingClientRect(): { left: number; right: number } }).getBoundingClientRect()));
      expect(boxes).toHaveLength(6);
      expect(boxes.every((b) => b.right <= PHONE.width)).toBe(true);
      // Following a link closes the menu.
      await nav.getByRole("link", { name: "Subjects" }).click();
      await page.waitForURL(/\/subjects$/);
      await expect.poll(() => nav.isVisible()).toBe(false);

      // The runs table becomes cards: every cell inside the screen, the state readable.
      await page.goto(`${dashboard.url}/runs`);
      await page.waitForSelector('[data-testid="run-row"]');
      const cells = await page
        .locator('[data-testid="run-row"] td')
        .evaluateAll((tds) => tds.map((t) => (t as unknown as { getBoundingClientRect(): { right: number } }).getBoundingClientRect().right));
      expect(cells.length).toBeGreaterThanOrEqual(14);
      expect(Math.max(...cells)).toBeLessThanOrEqual(PHONE.width);
      expect(await page.locator('[data-testid="run-row"] .badge').first().isVisible()).toBe(true);

      // The loss chart (uPlot, drawn at the box's real width) keeps a readable height and fits the screen, with labelled ticks.
      await page.goto(`${dashboard.url}/runs/${runId}`);
      const chart = page.getByTestId("loss-chart");
      await expect.poll(() => chart.getAttribute("data-builds"), { timeout: 15_000 }).toBe("1");
      const box = (await chart.locator("canvas").boundingBox())!;
      expect(box.height).toBeGreaterThanOrEqual(180);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      expect(Number(await chart.getAttribute("data-width"))).toBeLessThanOrEqual(PHONE.width);
      expect((await chart.getAttribute("data-x-ticks"))!.split(",").length).toBeGreaterThanOrEqual(3);
      expect((await chart.getAttribute("data-y-ticks"))!.split(",").length).toBeGreaterThanOrEqual(3);

      // Legible in both themes: body text and muted text against their backgrounds (WCAG AA 4.5:1).
      const colors = await page.evaluate(() => {
        const g = globalThis as unknown as {
          document: { querySelector(s: string): unknown; body: unknown };
          getComputedStyle(e: unknown): { color: string; backgroundColor: string };
        };
        const cs = (s: string) => g.getComputedStyle(g.document.querySelector(s));
        return { text: cs("h1").color, bg: g.getComputedStyle(g.document.body).backgroundColor, muted: cs(".subtle").color, panel: cs(".panel").backgroundColor };
      });
      expect(contrast(colors.text, colors.bg)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(colors.muted, colors.panel)).toBeGreaterThanOrEqual(4.5);
      if (scheme === "dark") expect(contrast("rgb(0, 0, 0)", colors.bg)).toBeLessThan(2); // really dark
      await context.close();
    }
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
});
