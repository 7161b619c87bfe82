#!/usr/bin/env node
// Bundle budget (issue 14): after `next build`, prints each route's own browser JavaScript and the shared
// JavaScript every page loads, gzipped, as JSON; exits 1 when a route's own JS is over 60 KB gzip or the
// shared JS over 160 KB gzip. Reads the build's client-reference manifests; needs no dependency.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import vm from "node:vm";

const ROUTE_BUDGET = 60 * 1024;
const SHARED_BUDGET = 160 * 1024;
const root = join(import.meta.dirname, "..");
const next = join(root, ".next");

const gz = new Map();
function gzipSize(file) {
  if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(join(next, file.replace(/^\/_next\//, "")))).length);
  return gz.get(file);
}
const sum = (files) => [...files].reduce((n, f) => n + gzipSize(f), 0);

function manifests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...manifests(p));
    else if (name === "page_client-reference-manifest.js") out.push(p);
  }
  return out;
}

const build = JSON.parse(readFileSync(join(next, "build-manifest.json"), "utf8"));
const shared = new Set(build.rootMainFiles);
const routes = {};
for (const file of manifests(join(next, "server", "app"))) {
  const ctx = { globalThis: {} };
  vm.runInNewContext(readFileSync(file, "utf8"), ctx);
  const [route, m] = Object.entries(ctx.globalThis.__RSC_MANIFEST)[0];
  const entries = m.entryJSFiles ?? {};
  const layout = entries["[project]/dashboard/src/app/layout"] ?? [];
  layout.forEach((f) => shared.add(f));
  const pageKey = Object.keys(entries).find((k) => k.endsWith(`/app${route}`));
  if (!pageKey) continue;
  routes[route.replace(/\/page$/, "") || "/"] = entries[pageKey].filter((f) => !layout.includes(f) && !build.rootMainFiles.includes(f));
}

const report = { sharedKbGzip: +(sum(shared) / 1024).toFixed(1), routes: {} };
let over = [];
for (const [route, files] of Object.entries(routes).sort()) {
  const kb = +(sum(files) / 1024).toFixed(1);
  report.routes[route] = kb;
  if (kb * 1024 > ROUTE_BUDGET) over.push(`${route}: ${kb} KB`);
}
if (report.sharedKbGzip * 1024 > SHARED_BUDGET) over.push(`shared: ${report.sharedKbGzip} KB`);
report.budget = { routeKbGzip: ROUTE_BUDGET / 1024, sharedKbGzip: SHARED_BUDGET / 1024, over };
console.log(JSON.stringify(report, null, 2));
if (over.length) process.exit(1);
