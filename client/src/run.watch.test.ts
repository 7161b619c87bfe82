import { describe, expect, it } from "vitest";
import { StudioError } from "./client.errors.js";
import { watchRunEvents, type RunEvent } from "./run.watch.js";

const ev = (seq: number, state?: "RUNNING" | "SUCCEEDED"): RunEvent =>
  state
    ? { __typename: "RunStateChanged", seq, at: "2026-01-01T00:00:00Z", state, previousState: null, errorCode: null, errorMessage: null }
    : { __typename: "LossLogged", seq, at: "2026-01-01T00:00:00Z", stage: "stage1", step: seq, loss: 0.1, learningRate: 1e-3 };

describe("watchRunEvents", () => {
  it("resumes after a dropped connection with afterSeq = the last seq seen: no gap, no duplicate", async () => {
    const asked: number[] = [];
    const reconnects: number[] = [];
    let call = 0;
    const subscribe = (afterSeq: number): AsyncIterable<RunEvent> => {
      asked.push(afterSeq);
      const attempt = call++;
      return (async function* () {
        if (attempt === 0) {
          yield ev(1, "RUNNING");
          yield ev(2);
          throw new StudioError("CONNECTION_LOST", "socket closed (1006)");
        }
        yield ev(2); // a server resending what was seen is skipped
        yield ev(3);
        yield ev(4, "SUCCEEDED");
        yield ev(5); // nothing after the terminal state is read
      })();
    };
    const seen: number[] = [];
    for await (const e of watchRunEvents(subscribe, { reconnectDelayMs: 1, onReconnect: (i) => reconnects.push(i.afterSeq) })) seen.push(e.seq);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(asked).toEqual([0, 2]);
    expect(reconnects).toEqual([2]);
  });

  it("does not retry GraphQL errors (e.g. NOT_FOUND)", async () => {
    let calls = 0;
    const subscribe = (): AsyncIterable<RunEvent> => {
      calls++;
      return (async function* () {
        throw new StudioError("NOT_FOUND", "run not found");
      })();
    };
    await expect(async () => {
      for await (const _ of watchRunEvents(subscribe, { reconnectDelayMs: 1 })) void _;
    }).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(calls).toBe(1);
  });

  it("gives up after maxReconnects failures in a row", async () => {
    let calls = 0;
    const subscribe = (): AsyncIterable<RunEvent> => {
      calls++;
      return (async function* () {
        throw new StudioError("UNREACHABLE", "cannot reach the API");
      })();
    };
    await expect(async () => {
      for await (const _ of watchRunEvents(subscribe, { reconnectDelayMs: 1, maxReconnects: 2 })) void _;
    }).rejects.toMatchObject({ code: "UNREACHABLE" });
    expect(calls).toBe(3);
  });

  it("retries UNAVAILABLE and 4290 cuts after jittered pauses, says it resumed, and ends when the API completes the stream", async () => {
    const asked: number[] = [];
    const delays: number[] = [];
    const resumed: number[] = [];
    let call = 0;
    const subscribe = (afterSeq: number): AsyncIterable<RunEvent> => {
      asked.push(afterSeq);
      const attempt = call++;
      return (async function* () {
        if (attempt === 0) {
          yield ev(1);
          throw new StudioError("UNAVAILABLE", "the service is busy");
        }
        if (attempt === 1) {
          yield ev(2);
          throw new StudioError("CONNECTION_LOST", "the API cut this client for falling behind the stream (4290)");
        }
        yield ev(3); // then the API completes: the run's story ended without a terminal event here (afterSeq past it)
      })();
    };
    const randoms = [0, 0.999];
    const seen: number[] = [];
    for await (const e of watchRunEvents(subscribe, {
      reconnectDelayMs: 100,
      random: () => randoms.shift() ?? 0.5,
      onReconnect: (i) => delays.push(i.delayMs),
      onResumed: (i) => resumed.push(i.afterSeq),
    }))
      seen.push(e.seq);
    expect(seen).toEqual([1, 2, 3]);
    expect(asked).toEqual([0, 1, 2]);
    // attempt 1: ceiling 100 ms → 50..100; attempt count resets after an event, so again 50..100
    expect(delays).toEqual([50, 100]);
    expect(resumed).toEqual([2, 3]);
  });
});
