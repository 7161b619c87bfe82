import { describe, expect, it } from "vitest";
import { queueLine } from "./run.presenter.js";

describe("queueLine", () => {
  it("shows the fair-share position and the estimated start (UTC)", () => {
    expect(queueLine({ queuePosition: 3, estimatedStartAt: "2026-11-30T14:05:00.000Z" })).toBe("queued: position 3, estimated start 14:05 UTC");
  });
  it("without an estimate (nothing finished yet to measure)", () => {
    expect(queueLine({ queuePosition: 1, estimatedStartAt: null })).toBe("queued: position 1");
  });
});
