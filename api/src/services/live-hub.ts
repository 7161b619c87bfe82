import { CHANNELS, type ChannelName, type Payload, type PgListener } from "@studio/db";
import type { RunEventModel } from "../models.js";
import { DomainError } from "../errors.js";

/**
 * The live hub (docs/live-events.md): one stream per run per API process. Every subscriber of a run
 * shares one topic that reads new rows once per wake (a NOTIFY, a reconnect of the LISTEN
 * connection, or the fallback poll) and hands the same rows to every subscriber, so the SQL per
 * committed event batch does not depend on how many watch. A late joiner replays from the database
 * after its `afterSeq`, then joins the live tail at the topic's position: no gap, no duplicate.
 *
 * The same shape serves "a row until it is final" (generation, evaluation, export, import): one
 * read per wake per key, fanned out to every subscriber of that key (`follow`).
 */

/** The close code of a socket whose subscriber could not keep up; resume with runEvents(afterSeq). */
export const SLOW_CONSUMER_CLOSE_CODE = 4290;
export const SLOW_CONSUMER_REASON = "slow consumer: resume with afterSeq";

/** What the hub needs of the socket of a subscription (a `ws` WebSocket). */
export interface SocketLike {
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
}

/** What a run's story looks like now (one SQL statement). */
export interface RunStory {
  /** runs.last_event_seq: every event up to it is committed. */
  lastSeq: number;
  /** The run is SUCCEEDED, FAILED or CANCELED. */
  final: boolean;
  /** An evaluation of its checkpoints is QUEUED, GENERATING or SCORING, or an automatic one is still to be queued. */
  evaluationsPending: boolean;
}

export interface LiveHubOptions {
  /** `tail`: a topic's read of new rows (once per batch); `replay`: one subscriber catching up. */
  readEvents(runId: string, afterSeq: number, limit: number, purpose: "tail" | "replay"): Promise<RunEventModel[]>;
  /** null: the run no longer exists. */
  story(runId: string): Promise<RunStory | null>;
  /** Fallback re-read without a NOTIFY (RUN_EVENTS_POLL_MS). */
  pollMs: number;
  /** Events queued for one subscriber (not yet taken by its socket) before it is cut (LIVE_MAX_QUEUED_EVENTS). */
  maxQueuedEvents: number;
  /** Bytes waiting in a subscriber's socket before it is cut (LIVE_MAX_BUFFERED_BYTES). */
  maxBufferedBytes: number;
  log(level: "info" | "warn", msg: string): void;
}

const PAGE = 500;
/** A failed topic read is retried after this (then doubling, up to 5 s); subscribers only see latency. */
const RETRY_MS = 250;

/** An item a stream yields instead of a value: the subscription's resolver throws it (see `unwrapLive`). */
export class LiveFailure {
  constructor(readonly error: Error) {}
}

/** For subscription `resolve` functions: a LiveFailure becomes the operation's GraphQL error. */
export function unwrapLive<T>(payload: T | LiveFailure): T {
  if (payload instanceof LiveFailure) throw payload.error;
  return payload;
}

/** The error a subscriber gets when it was cut and no socket could be closed (it resumes by afterSeq). */
export const slowConsumerError = () =>
  new DomainError("UNAVAILABLE", "the subscriber could not keep up with the stream: subscribe again with afterSeq", undefined, {
    retryAfterMs: 1000,
  });

export interface HubStats {
  topics: number;
  subscribers: number;
  /** Topic reads of new rows (one per wake per run, whatever the number of subscribers). */
  tailReads: number;
  replayReads: number;
  storyReads: number;
  cut: number;
}

export class LiveHub {
  private readonly runs = new Map<string, RunTopic>();
  private readonly rows = new Map<string, RowTopic<unknown>>();
  readonly stats: HubStats = { topics: 0, subscribers: 0, tailReads: 0, replayReads: 0, storyReads: 0, cut: 0 };

  constructor(
    readonly listener: PgListener,
    readonly opts: LiveHubOptions,
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {}

  /** Releases what the hub holds (its own pool); open streams should have ended first. */
  close(): Promise<void> {
    return this.onClose();
  }

  /**
   * A run's events after `afterSeq`: the stored ones, then live ones, in seq order with no gap and
   * no duplicate; completes once the run's story ended (see `RunTopic.applyStory`) and every event
   * up to its last seq was delivered. `socket` is looked up when the subscriber must be cut.
   */
  runEvents(runId: string, afterSeq: number, io: { socket?: () => SocketLike | undefined } = {}): LiveStream<RunEventModel | LiveFailure> {
    return this.topicOf(runId).join(afterSeq, io.socket ?? (() => undefined), false) as LiveStream<RunEventModel | LiveFailure>;
  }

  /**
   * The same stream as `runEvents`, one item per committed batch (a replay page, or what one read of
   * the run's new rows brought): subscribers that are caught up get the very same array, so a
   * subscription's result is computed once per batch for all of them (runEventBatches).
   */
  runEventBatches(runId: string, afterSeq: number, io: { socket?: () => SocketLike | undefined } = {}): LiveStream<RunEventModel[] | LiveFailure> {
    return this.topicOf(runId).join(afterSeq, io.socket ?? (() => undefined), true) as LiveStream<RunEventModel[] | LiveFailure>;
  }

  private topicOf(runId: string): RunTopic {
    let topic = this.runs.get(runId);
    if (!topic) {
      topic = new RunTopic(this, runId, () => this.runs.delete(runId));
      this.runs.set(runId, topic);
    }
    return topic;
  }

  /**
   * A row now, then each time it changes (its fingerprint differs), ending after a final one. One
   * read per wake per key, whatever the number of subscribers: the first subscriber's `read` is used
   * by all (each was authorized for the id before it got here).
   */
  follow<T, C extends ChannelName>(spec: {
    key: string;
    channel: C;
    matches: (n: Partial<Payload<C>>) => boolean;
    read: () => Promise<T | null>;
    fingerprint: (v: T) => string;
    isFinal: (v: T) => boolean;
  }): AsyncIterableIterator<T | LiveFailure> {
    let topic = this.rows.get(spec.key) as RowTopic<T> | undefined;
    if (!topic) {
      topic = new RowTopic<T>(this, spec, () => this.rows.delete(spec.key));
      this.rows.set(spec.key, topic as RowTopic<unknown>);
    }
    return topic.join();
  }

  /** Subscribers of a run now (tests, the bench). */
  subscribersOf(runId: string): number {
    return this.runs.get(runId)?.subs.size ?? 0;
  }
}

/** Shared by both topic kinds: wake on NOTIFY / reconnect / poll, one loop at a time, retry on failure. */
abstract class Topic {
  protected wakePending = true;
  private running = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly pollTimer: NodeJS.Timeout;
  private readonly offs: (() => void)[] = [];
  protected disposed = false;

  constructor(
    protected readonly hub: LiveHub,
    private readonly onDispose: () => void,
  ) {
    hub.stats.topics += 1;
    this.offs.push(hub.listener.onReconnect(() => this.wake()));
    this.pollTimer = setInterval(() => this.onPoll(), hub.opts.pollMs);
    this.pollTimer.unref();
  }

  protected listen<C extends ChannelName>(channel: C, handler: (n: Partial<Payload<C>>) => void): void {
    this.offs.push(this.hub.listener.subscribe(channel, handler));
  }

  protected onPoll(): void {
    this.wake();
  }

  wake(): void {
    this.wakePending = true;
    this.kick();
  }

  protected kick(): void {
    if (this.running || this.disposed || this.retryTimer) return;
    this.running = true;
    void this.work()
      .then(
        () => {
          this.failures = 0;
        },
        (err: Error) => {
          this.failures += 1;
          const delay = Math.min(5000, RETRY_MS * 2 ** Math.min(this.failures - 1, 5));
          if (this.failures === 1) this.hub.opts.log("warn", `live: a read failed (${err.message}); retrying in ${delay} ms`);
          this.wakePending = true;
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            this.kick();
          }, delay);
          this.retryTimer.unref();
        },
      )
      .finally(() => {
        this.running = false;
        if (this.hasWork()) this.kick();
      });
  }

  protected abstract work(): Promise<void>;
  protected abstract hasWork(): boolean;

  protected dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.hub.stats.topics -= 1;
    for (const off of this.offs) off();
    clearInterval(this.pollTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.onDispose();
  }
}

/**
 * A hub stream that can be ended from outside without a wrapper around every `next()` (the access
 * guard of 5 000 viewers would otherwise add a promise per delivery): `fail` drops what is queued and
 * ends the stream with that error as its last item; `onEnd` is told once when it leaves its topic.
 */
export interface LiveStream<T> extends AsyncIterableIterator<T> {
  fail(error: Error): void;
  onEnd(f: () => void): void;
  /**
   * Consumes the stream without a promise per item (ws-transport.ts `pumpDirect`): `onChange` is
   * called whenever items or the end arrive; `takeAll` hands over everything queued, in order; `ended`
   * says whether the stream is over once nothing is queued. Use either this or `next()`, not both.
   */
  pull(onChange: () => void): { takeAll(): T[]; ended(): boolean };
}

export function isLiveStream(x: unknown): x is LiveStream<unknown> {
  return typeof (x as LiveStream<unknown>)?.fail === "function" && typeof (x as LiveStream<unknown>)?.onEnd === "function";
}

/** A pull queue with a waiter: what one subscriber has not taken yet. */
class Mailbox<T> {
  readonly queue: T[] = [];
  done = false;
  /** A pending take(): settled with the next item as soon as one is pushed (one promise per item). */
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private drained: { below: number; resolve: () => void } | null = null;

  /** Resolves once at most `below` items wait (or it ended): flow control for a replay. */
  waitBelow(below: number): Promise<void> {
    if (this.queue.length <= below || this.done) return Promise.resolve();
    return new Promise((resolve) => (this.drained = { below, resolve }));
  }
  private checkDrained(): void {
    const d = this.drained;
    if (d && (this.queue.length <= d.below || this.done)) {
      this.drained = null;
      d.resolve();
    }
  }

  push(items: readonly T[]): void {
    if (this.done) return;
    for (const i of items) this.queue.push(i);
    this.poke();
  }
  end(): void {
    this.done = true;
    this.poke();
    this.checkDrained();
  }
  /** A synchronous consumer (`LiveStream.pull`): told when items or the end arrive; it drains with `takeAll`. */
  onChange: (() => void) | null = null;
  takeAll(): T[] {
    const items = this.queue.splice(0);
    this.checkDrained();
    return items;
  }
  /** Hands the waiting take() what there is now (the next item, or the end). */
  poke(): void {
    this.onChange?.();
    const w = this.waiter;
    if (!w) return;
    if (this.queue.length > 0) {
      this.waiter = null;
      const value = this.queue.shift()!;
      this.checkDrained();
      w({ done: false, value });
    } else if (this.done) {
      this.waiter = null;
      w({ done: true, value: undefined });
    }
  }
  /** The next item; a queued one without waiting. */
  take(): Promise<IteratorResult<T>> {
    if (this.queue.length > 0) {
      const value = this.queue.shift()!;
      this.checkDrained();
      return Promise.resolve({ done: false, value });
    }
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

interface RunSub {
  /** The seq of the newest event queued for it. */
  last: number;
  live: boolean;
  /** Items are whole batches (RunEventModel[]), not single events. */
  batched: boolean;
  box: Mailbox<RunEventModel | RunEventModel[] | LiveFailure>;
  socket: () => SocketLike | undefined;
  /** Ends it after what is queued (the story ended). */
  finish(): void;
  leave(): void;
}

class RunTopic extends Topic {
  readonly subs = new Set<RunSub>();
  /** The seq the topic has read up to; null until the first story read. */
  private tail: number | null = null;
  /** Set when the story ended: subscribers that reach this seq complete. */
  private endSeq: number | null = null;
  private final = false;
  private storyDirty = true;
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(
    hub: LiveHub,
    private readonly runId: string,
    onDispose: () => void,
  ) {
    super(hub, onDispose);
    this.ready = new Promise((r) => (this.markReady = r));
    this.listen(CHANNELS.runEvents, (n) => {
      if (n.runId === runId) this.wake();
    });
    // a queued or changed evaluation can end (or extend) the story without a run event
    this.listen(CHANNELS.evaluations, (n) => {
      if (n.runId === runId) this.dirty();
    });
  }

  private dirty(): void {
    this.storyDirty = true;
    this.kick();
  }

  protected override onPoll(): void {
    if (this.final && this.endSeq === null) this.storyDirty = true;
    this.wake();
  }

  protected hasWork(): boolean {
    return !this.disposed && (this.storyDirty || (this.wakePending && this.tail !== null));
  }

  protected async work(): Promise<void> {
    while (this.hasWork() && this.subs.size > 0) {
      if (this.storyDirty) {
        this.storyDirty = false;
        this.hub.stats.storyReads += 1;
        const story = await this.hub.opts.story(this.runId);
        this.applyStory(story);
        continue;
      }
      this.wakePending = false;
      this.hub.stats.tailReads += 1;
      const rows = await this.hub.opts.readEvents(this.runId, this.tail!, PAGE, "tail");
      if (rows.length === 0) continue;
      this.tail = rows[rows.length - 1]!.seq;
      if (rows.length === PAGE) this.wakePending = true;
      // a state change or an evaluation result may end the story: re-read it once for the batch
      if (rows.some((r) => r.type === "RunStateChanged" || r.type === "EvaluationUpdated")) this.storyDirty = true;
      for (const s of [...this.subs]) {
        if (!s.live) continue;
        const fresh = s.last >= rows[0]!.seq ? rows.filter((r) => r.seq > s.last) : rows;
        if (fresh.length === 0) continue;
        // it has not taken what the previous batches brought: cut it rather than hold an unbounded backlog
        if (this.cutIfSlow(s)) continue;
        s.last = fresh[fresh.length - 1]!.seq;
        s.box.push(s.batched ? [fresh] : fresh);
        this.checkEnd(s);
      }
    }
    if (this.subs.size === 0) this.dispose();
  }

  /**
   * The completion rule (docs/live-events.md): the run is final and no evaluation of its
   * checkpoints is pending; then the story's last seq is the run's last_event_seq now.
   */
  private applyStory(story: RunStory | null): void {
    if (!story) {
      for (const s of [...this.subs]) s.finish();
      return;
    }
    if (this.tail === null) {
      this.tail = story.lastSeq;
      this.markReady();
    } else if (story.lastSeq > this.tail) this.wakePending = true;
    this.final = story.final;
    this.endSeq = story.final && !story.evaluationsPending ? story.lastSeq : null;
    for (const s of this.subs) if (s.live) this.checkEnd(s);
  }

  private checkEnd(s: RunSub): void {
    if (this.endSeq !== null && s.last >= this.endSeq) s.finish();
  }

  /**
   * true when it was cut: more than LIVE_MAX_QUEUED_EVENTS events still wait for it when a new batch
   * comes, or its socket holds more than LIVE_MAX_BUFFERED_BYTES unsent bytes.
   */
  private cutIfSlow(s: RunSub): boolean {
    const socket = s.socket();
    const queued = s.batched ? s.box.queue.reduce<number>((n, b) => n + (Array.isArray(b) ? b.length : 1), 0) : s.box.queue.length;
    if (queued <= this.hub.opts.maxQueuedEvents && (socket?.bufferedAmount ?? 0) <= this.hub.opts.maxBufferedBytes) return false;
    this.hub.stats.cut += 1;
    this.hub.opts.log("warn", `live: cut a slow subscriber of run ${this.runId} (${queued} events queued, ${socket?.bufferedAmount ?? 0} bytes buffered)`);
    s.leave();
    if (socket) socket.close(SLOW_CONSUMER_CLOSE_CODE, SLOW_CONSUMER_REASON);
    else {
      s.box.queue.length = 0;
      s.box.push([new LiveFailure(slowConsumerError())]);
      s.box.end();
    }
    return true;
  }

  join(afterSeq: number, socket: () => SocketLike | undefined, batched: boolean): LiveStream<RunEventModel | RunEventModel[] | LiveFailure> {
    const box = new Mailbox<RunEventModel | RunEventModel[] | LiveFailure>();
    const sub: RunSub = {
      last: afterSeq,
      live: false,
      batched,
      box,
      socket,
      finish: () => {
        sub.leave();
        box.end();
      },
      leave: () => {
        if (!this.subs.delete(sub)) return;
        this.hub.stats.subscribers -= 1;
        if (this.subs.size === 0 && !this.disposed) this.kick(); // the loop disposes of an empty topic
      },
    };
    this.subs.add(sub);
    this.hub.stats.subscribers += 1;
    this.kick();
    void this.replay(sub).catch((err: Error) => {
      sub.leave();
      box.push([new LiveFailure(err)]);
      box.end();
    });
    const ended: (() => void)[] = [];
    const leave = sub.leave;
    sub.leave = () => {
      leave();
      for (const f of ended.splice(0)) f();
    };
    const stream: LiveStream<RunEventModel | RunEventModel[] | LiveFailure> = {
      next: () => box.take(),
      return: async () => {
        sub.leave();
        box.queue.length = 0;
        box.end();
        return { done: true, value: undefined };
      },
      fail: (error) => {
        sub.leave();
        box.queue.length = 0;
        box.push([new LiveFailure(error)]);
        box.end();
      },
      onEnd: (f) => {
        if (this.subs.has(sub)) ended.push(f);
        else f();
      },
      pull: (onChange) => {
        box.onChange = onChange;
        return { takeAll: () => box.takeAll(), ended: () => box.done && box.queue.length === 0 };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return stream;
  }

  /** Stored events after the subscriber's seq until it reaches the topic's tail; then it is live. */
  private async replay(sub: RunSub): Promise<void> {
    await this.ready;
    for (;;) {
      if (!this.subs.has(sub)) return;
      if (sub.last >= this.tail!) {
        // from here on the topic's reads (which start after `tail`) feed it: nothing between
        sub.live = true;
        this.checkEnd(sub);
        return;
      }
      this.hub.stats.replayReads += 1;
      const rows = await this.hub.opts.readEvents(this.runId, sub.last, PAGE, "replay");
      if (!this.subs.has(sub)) return;
      if (rows.length === 0) {
        // the topic is ahead of what is stored (cannot happen: its tail is a committed seq); re-sync
        sub.last = Math.max(sub.last, this.tail!);
        continue;
      }
      sub.last = rows[rows.length - 1]!.seq;
      sub.box.push(sub.batched ? [rows] : rows);
      // flow control: the next page is read once this one is mostly taken (a stalled reader holds one page)
      await sub.box.waitBelow(sub.batched ? 0 : PAGE / 5);
    }
  }
}

/** One row (generation, evaluation, export, import) followed until final, shared by its subscribers. */
class RowTopic<T> extends Topic {
  private readonly subs = new Set<{ seen: string; box: Mailbox<T | LiveFailure> }>();
  private current: { value: T; key: string } | null = null;
  private ended = false;

  constructor(
    hub: LiveHub,
    private readonly spec: {
      channel: ChannelName;
      matches: (n: never) => boolean;
      read: () => Promise<T | null>;
      fingerprint: (v: T) => string;
      isFinal: (v: T) => boolean;
    },
    onDispose: () => void,
  ) {
    super(hub, onDispose);
    this.listen(spec.channel, (n) => {
      if (spec.matches(n as never)) this.wake();
    });
  }

  protected hasWork(): boolean {
    return !this.disposed && !this.ended && this.wakePending;
  }

  protected async work(): Promise<void> {
    while (this.hasWork() && this.subs.size > 0) {
      this.wakePending = false;
      this.hub.stats.tailReads += 1;
      const v = await this.spec.read();
      if (v === null) {
        this.ended = true;
        for (const s of this.subs) s.box.end();
        break;
      }
      this.current = { value: v, key: this.spec.fingerprint(v) };
      this.ended = this.spec.isFinal(v);
      for (const s of this.subs) this.deliver(s);
    }
    if (this.subs.size === 0 || this.ended) this.dispose();
  }

  private deliver(s: { seen: string; box: Mailbox<T | LiveFailure> }): void {
    if (!this.current || s.seen === this.current.key) return;
    s.seen = this.current.key;
    s.box.push([this.current.value]);
    if (this.spec.isFinal(this.current.value)) s.box.end();
  }

  join(): AsyncIterableIterator<T | LiveFailure> {
    const sub = { seen: "", box: new Mailbox<T | LiveFailure>() };
    this.subs.add(sub);
    this.hub.stats.subscribers += 1;
    // a new subscriber starts with the row now: a fresh read (shared with whoever else waits for it)
    this.wake();
    const leave = () => {
      if (this.subs.delete(sub)) this.hub.stats.subscribers -= 1;
      if (this.subs.size === 0) this.kick();
    };
    return {
      next: async () => {
        const r = await sub.box.take();
        if (r.done) leave();
        return r;
      },
      return: async () => {
        leave();
        sub.box.end();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

/**
 * Passes `inner` through while `check` finds no error; `check` runs on every studio_access notice and
 * every `everyMs`. Once it answers an error, that error is the stream's last item.
 */
export function whileAllowed<T>(
  inner: AsyncIterableIterator<T | LiveFailure>,
  listener: PgListener,
  everyMs: number,
  check: () => Promise<Error | null>,
): AsyncIterableIterator<T | LiveFailure> {
  let denied: Error | null = null;
  let finished = false;
  // one waiter per pending next() (racing a never-settling promise would retain every event)
  let denyWaiter: ((v: "denied") => void) | null = null;
  const onDenied = () => denyWaiter?.("denied");
  let checking = false;
  const run = async () => {
    if (checking || finished || denied) return;
    checking = true;
    try {
      const err = await check().catch(() => null); // a failed check (database busy) is retried later
      if (err && !finished) {
        denied = err;
        onDenied();
      }
    } finally {
      checking = false;
    }
  };
  const off = listener.subscribe(CHANNELS.access, () => void run());
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  const stop = async () => {
    if (finished) return;
    finished = true;
    off();
    clearInterval(timer);
    await inner.return?.();
  };
  return {
    async next() {
      if (finished) return { done: true, value: undefined };
      const r = denied
        ? ("denied" as const)
        : await new Promise<IteratorResult<T | LiveFailure> | "denied">((resolve, reject) => {
            denyWaiter = resolve;
            inner.next().then(resolve, reject);
          }).finally(() => (denyWaiter = null));
      if (r === "denied") {
        await stop();
        return { done: false, value: new LiveFailure(denied!) };
      }
      if (r.done) await stop();
      return r;
    },
    async return() {
      await stop();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
