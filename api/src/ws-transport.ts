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
  const highWater = o.highWaterBytes ?? 1 << 20;
  wss.options.handleProtocols = handleProtocols;
  const corker = new TurnCorker();

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
