import type { Socket } from "node:net";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { TurnCorker } from "./ws-transport.js";

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
