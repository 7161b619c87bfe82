/**
 * A subscription that re-reads its source of truth whenever it is woken (a NOTIFY), or every
 * `pollMs` as a fallback. Because every read starts from what was already delivered (e.g. a seq),
 * a missed or duplicated notification can cause neither a gap nor a duplicate.
 *
 * `listen` is called before the first read, so a change committed between the two still wakes it.
 * `return()` (the client unsubscribed) ends it at once, even while it is waiting.
 */
export function wakeableStream<T>(opts: {
  listen: (wake: () => void) => () => void;
  /** The next items; `null` ends the stream. */
  read: () => Promise<T[] | null>;
  pollMs: number;
  /** An item after which nothing more can come (e.g. a final state). */
  isLast?: (item: T) => boolean;
}): AsyncIterableIterator<T> {
  const queue: T[] = [];
  let closed = false;
  let pending = true;
  let wakeWaiter: (() => void) | null = null;
  const wake = () => {
    pending = true;
    wakeWaiter?.();
  };
  const unlisten = opts.listen(wake);
  const close = () => {
    if (closed) return;
    closed = true;
    unlisten();
    wakeWaiter?.();
  };

  const it: AsyncIterableIterator<T> = {
    async next() {
      for (;;) {
        if (queue.length > 0) return { done: false, value: queue.shift()! };
        if (closed) return { done: true, value: undefined };
        if (!pending) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              pending = true; // the fallback: read even though nothing woke us
              resolve();
            }, opts.pollMs);
            wakeWaiter = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wakeWaiter = null;
          continue;
        }
        pending = false;
        let items: T[] | null;
        try {
          items = await opts.read();
        } catch (err) {
          close();
          throw err;
        }
        if (closed) return { done: true, value: undefined };
        if (items === null) close();
        else {
          queue.push(...items);
          // a final item ends the stream right after it is delivered (queued items still go out first)
          if (opts.isLast && items.some(opts.isLast)) close();
        }
      }
    },
    async return() {
      close();
      queue.length = 0;
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return it;
}
