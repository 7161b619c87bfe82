import { GraphQLError, type ExecutionResult } from "graphql";
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from "graphql-ws";
import type { Socket } from "node:net";
import type { IncomingMessage } from "node:http";
import type { WebSocket, WebSocketServer } from "ws";

/** What every operation's context carries of its connection (`ctx.extra`). */
export interface WsExtra {
  socket: WebSocket;
  request: IncomingMessage;
}

/**
 * graphql-ws on a `ws` server, in place of graphql-ws's own `useServer`, for many viewers
 * (docs/live-events.md, "Sending"): the protocol and every hook stay graphql-ws's (`makeServer`);
 * only the way a message reaches the socket differs.
 *
 * - A message is handed to the socket without waiting for the kernel to take it, and the socket is
 *   corked until the end of the current turn of the event loop: whatever one turn sends on one socket
 *   (a replay page, the events a busy process owes a subscriber, several subscriptions on one
 *   connection) leaves in one system call instead of one per message. A process that falls behind
 *   thereby sends bigger writes instead of an ever longer queue of small ones.
 * - Backpressure stays: past `highWaterBytes` unsent on a socket, `send` waits for it to drain, so a
 *   stream (its `for await`) pulls no more until the client reads; the live hub cuts such a subscriber
 *   (LIVE_MAX_BUFFERED_BYTES) rather than hold an unbounded backlog for it.
 * - Keep-alive: a ping every `keepAliveMs`; no pong within the next interval terminates the socket.
 */
export function serveGraphqlWs(
  options: ServerOptions<Record<string, unknown> | undefined, WsExtra>,
  wss: WebSocketServer,
  o: { keepAliveMs?: number; highWaterBytes?: number } = {},
): { dispose(): Promise<void> } {
  const server = makeServer(options);
  const keepAliveMs = o.keepAliveMs ?? 12_000;
  const highWater = o.highWaterBytes ?? HIGH_WATER_BYTES;
  wss.options.handleProtocols = handleProtocols;

  wss.on("connection", (socket: WebSocket, request) => {
    socket.once("error", () => socket.close(CloseCode.InternalServerError, "Internal server error"));
    let pongWait: NodeJS.Timeout | null = null;
    const ping = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
      socket.once("pong", () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, keepAliveMs);
    const raw = (socket as unknown as { _socket?: Socket })._socket;
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          if (socket.readyState !== socket.OPEN) return;
          if (raw) corker.cork(raw);
          socket.send(data);
          if (!raw || socket.bufferedAmount <= highWater) return;
          // the client is not reading: pull nothing more for this socket until it drains (or closes)
          corker.flush(raw);
          return new Promise<void>((resolve) => {
            const done = () => {
              raw.off("drain", done);
              raw.off("close", done);
              resolve();
            };
            raw.on("drain", done);
            raw.on("close", done);
          });
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on("message", async (event) => {
            try {
              await cb(String(event));
            } catch {
              socket.close(CloseCode.InternalServerError, "Internal server error");
            }
          }),
      },
      { socket, request },
    );
    socket.once("close", (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      clearInterval(ping);
      void closed(code, String(reason));
    });
  });

  return {
    dispose: async () => {
      for (const client of wss.clients) client.close(1001, "Going away");
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** Unsent bytes on one socket past which its streams pull nothing more until it drains. */
const HIGH_WATER_BYTES = 1 << 20;

/** What `pumpDirect` consumes: a hub stream mapped to results (shared-execution.ts), in order. */
export interface DirectStream {
  pull(onChange: () => void): { takeAll(): (ExecutionResult | Promise<ExecutionResult>)[]; ended(): boolean };
  return?(): Promise<unknown>;
}

export function isDirectStream(x: unknown): x is DirectStream {
  return typeof (x as DirectStream | null)?.pull === "function";
}

/** The JSON of a result, once per result object (subscribers sharing an execution share the text too). */
const payloadText = new WeakMap<object, string>();

/**
 * Sends a hub stream's results on a socket as graphql-ws `next` messages without a promise per
 * message (docs/live-events.md, "Sending"): whenever the hub queues events, everything queued is
 * turned into frames at once — one shared JSON text per result, the subscription id around it — and
 * handed to the corked socket. Order is kept (a result still being computed holds the ones after it);
 * past 1 MiB unsent it waits for the socket to drain, leaving later events queued in the hub (which
 * cuts the subscriber past its limits). It returns what graphql-ws iterates: an iterator that yields
 * nothing and completes when the stream does, so graphql-ws sends `complete` after the last frame, and
 * whose `return` (the client's `complete`, a closed socket) ends the stream.
 */
export function pumpDirect(o: {
  id: string;
  socket: WebSocket;
  stream: DirectStream;
  /** What a result looks like on the wire (error masking); identity for most. */
  present(r: ExecutionResult): ExecutionResult;
  /** false once the client completed the operation (graphql-ws's `id in ctx.subscriptions`). */
  subscribed(): boolean;
}): AsyncIterableIterator<ExecutionResult> {
  const { socket, stream } = o;
  const raw = (socket as unknown as { _socket?: Socket })._socket;
  const head = `{"id":${JSON.stringify(o.id)},"type":"next","payload":`;
  const pending: (ExecutionResult | Promise<ExecutionResult>)[] = [];
  let finished = false;
  let waiting = false;
  let resolveEnd!: (r: IteratorResult<ExecutionResult>) => void;
  const end = new Promise<IteratorResult<ExecutionResult>>((r) => (resolveEnd = r));
  const finish = () => {
    if (finished) return;
    finished = true;
    resolveEnd({ done: true, value: undefined });
  };
  const send = (r: ExecutionResult) => {
    const shown = o.present(r);
    let text = payloadText.get(shown);
    if (text === undefined) payloadText.set(shown, (text = JSON.stringify(shown)));
    if (raw) corker.cork(raw);
    socket.send(head + text + "}");
  };
  const pump = (): void => {
    if (finished || waiting) return;
    for (;;) {
      if (socket.readyState !== socket.OPEN) return finish();
      if (!o.subscribed()) {
        // completed by the client before graphql-ws took this iterator: nothing will call return()
        finish();
        void stream.return?.();
        return;
      }
      if (pending.length === 0) for (const r of source.takeAll()) pending.push(r);
      if (pending.length === 0) {
        if (source.ended()) finish();
        return;
      }
      const next = pending[0]!;
      if (next instanceof Promise) {
        waiting = true;
        next.then(
          (v) => {
            pending[0] = v;
            waiting = false;
            pump();
          },
          () => {
            pending[0] = { errors: [new GraphQLError("internal error", { extensions: { code: "INTERNAL_SERVER_ERROR" } })] };
            waiting = false;
            pump();
          },
        );
        return;
      }
      pending.shift();
      send(next);
      if (raw && socket.bufferedAmount > HIGH_WATER_BYTES) {
        // the client is not reading: take nothing more until it drains (or the socket closes)
        waiting = true;
        corker.flush(raw);
        const resume = () => {
          raw.off("drain", resume);
          raw.off("close", resume);
          waiting = false;
          pump();
        };
        raw.on("drain", resume);
        raw.on("close", resume);
        return;
      }
    }
  };
  const source = stream.pull(pump);
  queueMicrotask(pump); // what was queued before (a replay page)
  return {
    next: () => end,
    return: async () => {
      finish();
      await stream.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Corks a socket at most once per turn of the event loop and uncorks every socket it corked in a
 * `setImmediate` (after the I/O and microtasks of the turn): the writes of one turn leave together.
 */
export class TurnCorker {
  private readonly corked = new Set<Socket>();
  private scheduled = false;

  cork(socket: Socket): void {
    if (this.corked.has(socket)) return;
    socket.cork();
    this.corked.add(socket);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  /** Uncorks one socket now (its buffer is over the mark: let the kernel take what it can). */
  flush(socket: Socket): void {
    if (this.corked.delete(socket)) socket.uncork();
  }

  private flushAll(): void {
    this.scheduled = false;
    const all = [...this.corked];
    this.corked.clear();
    for (const s of all) if (!s.destroyed) s.uncork();
  }
}

/** One corker for the process: every socket's writes of one turn leave together. */
const corker = new TurnCorker();
