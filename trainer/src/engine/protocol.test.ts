import { describe, expect, it } from "vitest";
import { parseEventLine, ProtocolError } from "./protocol.js";

const ready = {
  v: 1,
  seq: 1,
  ts: "2026-11-27T10:00:00.000Z",
  type: "ready",
  engineVersion: "0.1.0",
  protocolVersion: 1,
  python: "3.11.7",
  torch: "2.15.0",
  diffusers: "0.42.1",
  transformers: "5.23.0",
  device: { type: "cpu" },
  threads: { intraOp: 1, interOp: 1 },
};

describe("engine protocol (events.schema.json)", () => {
  it("accepts a valid ready event", () => {
    expect(parseEventLine(JSON.stringify(ready)).type).toBe("ready");
  });

  it.each([
    ["progress", { v: 1, seq: 5, ts: ready.ts, type: "progress", stage: "stage2", step: 3, totalSteps: 400, loss: 0.12, learningRate: 5e-6, stepsPerSecond: 8.5 }],
    [
      "class-image progress (no loss)",
      { v: 1, seq: 5, ts: ready.ts, type: "progress", stage: "class_images", step: 1, totalSteps: 200, loss: null, learningRate: 0, stepsPerSecond: 1 },
    ],
    [
      "checkpoint.saved",
      {
        v: 1,
        seq: 9,
        ts: ready.ts,
        type: "checkpoint.saved",
        stage: "stage2",
        step: 200,
        path: "/o/checkpoints/stage2-step-000200",
        bytes: 10,
        files: [{ name: "unet.safetensors", path: "/o/x", sha256: "a".repeat(64), bytes: 10 }],
      },
    ],
    ["serve error", { v: 1, seq: 3, ts: ready.ts, type: "error", code: "BAD_REQUEST", message: "prompt: too long", retryable: false, field: "prompt", requestId: "r1" }],
  ])("accepts %s", (_name, event) => {
    expect(parseEventLine(JSON.stringify(event)).seq).toBe(event.seq);
  });

  it.each([
    [
      "checkpoint without sha256",
      JSON.stringify({ v: 1, seq: 9, ts: ready.ts, type: "checkpoint.saved", stage: "stage2", step: 2, path: "/p", bytes: 1, files: [{ name: "u", path: "/u", bytes: 1 }] }),
      /sha256/,
    ],
    [
      "progress of an unknown stage",
      JSON.stringify({ v: 1, seq: 5, ts: ready.ts, type: "progress", stage: "stage3", step: 1, totalSteps: 2, loss: 1, learningRate: 1, stepsPerSecond: 1 }),
      /stage/,
    ],
    ["not JSON", "hello from a stray print()", /non-JSON/],
    ["unknown version", JSON.stringify({ ...ready, v: 2 }), /\/v/],
    ["missing seq", JSON.stringify({ ...ready, seq: undefined }), /seq/],
    ["unknown type", JSON.stringify({ ...ready, type: "surprise" }), /\/type/],
    ["ready without torch", JSON.stringify({ ...ready, torch: undefined }), /torch/],
    ["ready without threads", JSON.stringify({ ...ready, threads: undefined }), /threads/],
    ["ready with zero threads", JSON.stringify({ ...ready, threads: { intraOp: 0, interOp: 1 } }), /intraOp/],
    ["error with lowercase code", JSON.stringify({ v: 1, seq: 2, ts: ready.ts, type: "error", code: "oops", message: "m", retryable: false }), /code/],
  ])("rejects %s", (_name, line, why) => {
    expect(() => parseEventLine(line)).toThrow(ProtocolError);
    expect(() => parseEventLine(line)).toThrow(why);
  });
});
