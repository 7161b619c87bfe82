import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium, headless, with everything that would reach the internet turned off. */
export async function launchChromium(): Promise<Browser> {
  // playwright gives each launch a fresh, empty profile of its own
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
  });
}

export const artifactsDir = join(import.meta.dirname, "..", "artifacts");
