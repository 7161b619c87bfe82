import type { Socket } from "node:net";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ExecutionResult } from "graphql";
import type { WebSocket } from "ws";
import { pumpDirect, TurnCorker } from "./ws-transport.js";

/** A stream that records each write the kernel would get (one `_writev` = one system call). */
function recorder() {
  const calls: number[] = [];
  const w = new Writable({
    write(_chunk, _enc, cb) {
      calls.push(1);
      cb();
    },
    writev(chunks, cb) {
      calls.push(chunks.length);
      cb();
    },
  });
  return { socket: w as unknown as Socket, calls };
}
const turn = () => new Promise((r) => setImmediate(r));

describe("TurnCorker: the writes of one turn of the event loop leave together", () => {
  it("10 messages sent on one socket in one turn reach it as one write of 10 chunks, after the turn", async () => {
    const c = new TurnCorker();
    const r = recorder();
    for (let i = 0; i < 10; i++) {
      c.cork(r.socket);
      r.socket.write(`m${i}`);
    }
    expect(r.calls).toEqual([]); // nothing yet: still this turn
    await turn();
    expect(r.calls).toEqual([10]);
    // the next turn corks again
    c.cork(r.socket);
    r.socket.write("again");
    await turn();
    expect(r.calls).toEqual([10, 1]);
  });

  it("flush uncorks one socket at once (its buffer is over the mark) and leaves the others corked", async () => {
    const c = new TurnCorker();
    const a = recorder();
    const b = recorder();
    c.cork(a.socket);
    c.cork(b.socket);
    a.socket.write("a1");
    a.socket.write("a2");
    b.socket.write("b1");
    c.flush(a.socket);
    expect(a.calls).toEqual([2]);
    expect(b.calls).toEqual([]);
    await turn();
    expect(b.calls).toEqual([1]);
    expect(a.calls).toEqual([2]); // not uncorked twice
  });
});

describe("pumpDirect: a hub stream's results as graphql-ws next messages, in order, without a promise per message", () => {
  function setup() {
    const queue: (ExecutionResult | Promise<ExecutionResult>)[] = [];
    let onChange = () => {};
    let ended = false;
    let returned = 0;
    const frames: string[] = [];
    const socket = { OPEN: 1, readyState: 1, bufferedAmount: 0, send: (d: string) => frames.push(d) } as unknown as WebSocket;
    let subscribed = true;
    const stream = {
      pull: (f: () => void) => {
        onChange = f;
        return { takeAll: () => queue.splice(0), ended: () => ended };
      },
      return: async () => {
        returned += 1;
      },
    };
    const it = pumpDirect({ id: "s1", socket, stream, present: (r) => r, subscribed: () => subscribed });
    return {
      it,
      frames,
      push: (...r: (ExecutionResult | Promise<ExecutionResult>)[]) => {
        queue.push(...r);
        onChange();
      },
      end: () => {
        ended = true;
        onChange();
      },
      unsubscribe: () => (subscribed = false),
      returned: () => returned,
    };
  }

  it("frames carry the subscription id and each result's JSON; a result still computing holds the later ones; the end completes the iterator", async () => {
    const s = setup();
    let resolveSlow!: (r: ExecutionResult) => void;
    const slow = new Promise<ExecutionResult>((r) => (resolveSlow = r));
    s.push({ data: { e: 1 } }, slow, { data: { e: 3 } });
    await Promise.resolve();
    expect(s.frames).toEqual(['{"id":"s1","type":"next","payload":{"data":{"e":1}}}']);
    resolveSlow({ data: { e: 2 } });
    await new Promise((r) => setImmediate(r));
    expect(s.frames.map((f) => JSON.parse(f).payload.data.e)).toEqual([1, 2, 3]);
    let done = false;
    void s.it.next().then((r) => (done = !!r.done));
    s.end();
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(true);
    for (const f of s.frames) expect(JSON.parse(f)).toMatchObject({ id: "s1", type: "next" });
  });

  it("return() (the client's complete) ends the hub stream; an operation the client already completed sends nothing and ends it", async () => {
    const a = setup();
    await a.it.return!();
    expect(a.returned()).toBe(1);
    const b = setup();
    b.unsubscribe();
    b.push({ data: { e: 1 } });
    await new Promise((r) => setImmediate(r));
    expect(b.frames).toEqual([]);
    expect(b.returned()).toBe(1);
  });
});
