import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { generate } from "../../scripts/gen-event-types.mjs";
import type { EngineEvent } from "./events.generated.js";
import { parseEventLine } from "./protocol.js";

const schema = JSON.parse(readFileSync(new URL("../../protocol/events.schema.json", import.meta.url), "utf8"));

describe("engine event types generated from events.schema.json", () => {
  it("are up to date with the schema (run `pnpm codegen` after changing it)", () => {
    const committed = readFileSync(new URL("./events.generated.ts", import.meta.url), "utf8");
    expect(committed).toBe((generate as (s: unknown) => string)(schema));
  });

  it("name every event type of the schema, discriminated by `type`", () => {
    const text = readFileSync(new URL("./events.generated.ts", import.meta.url), "utf8");
    for (const t of schema.properties.type.enum as string[]) expect(text).toContain(`type: ${JSON.stringify(t)};`);
    // a validated line narrows to its interface
    const e = parseEventLine(
      JSON.stringify({
        v: 1,
        seq: 3,
        ts: "2026-11-30T10:00:00.000Z",
        type: "progress",
        stage: "stage2",
        step: 4,
        totalSteps: 9,
        loss: 0.25,
        learningRate: 5e-6,
        stepsPerSecond: 3,
      }),
    ) as EngineEvent;
    if (e.type !== "progress") throw new Error("not a progress event");
    const step: number = e.step; // typed: no cast
    expect([e.stage, step, e.loss]).toEqual(["stage2", 4, 0.25]);
  });
});
