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
};

describe("engine protocol (events.schema.json)", () => {
  it("accepts a valid ready event", () => {
    expect(parseEventLine(JSON.stringify(ready)).type).toBe("ready");
  });

  it.each([
    ["not JSON", "hello from a stray print()", /non-JSON/],
    ["unknown version", JSON.stringify({ ...ready, v: 2 }), /\/v/],
    ["missing seq", JSON.stringify({ ...ready, seq: undefined }), /seq/],
    ["unknown type", JSON.stringify({ ...ready, type: "surprise" }), /\/type/],
    ["ready without torch", JSON.stringify({ ...ready, torch: undefined }), /torch/],
    ["error with lowercase code", JSON.stringify({ v: 1, seq: 2, ts: ready.ts, type: "error", code: "oops", message: "m", retryable: false }), /code/],
  ])("rejects %s", (_name, line, why) => {
    expect(() => parseEventLine(line)).toThrow(ProtocolError);
    expect(() => parseEventLine(line)).toThrow(why);
  });
});
