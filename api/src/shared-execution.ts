import { createSourceEventStream, execute, getOperationAST, Kind, print, visit, type DocumentNode, type ExecutionArgs, type ExecutionResult, type SelectionSetNode } from "graphql";

/**
 * Subscriptions fan one payload out to many viewers (docs/live-events.md): the live hub hands the same
 * row object to every subscriber of a run. Executing the subscriber's selection on it is then the same
 * work for every subscriber that sent the same document and can see the same things, so it is done
 * once per (payload, share key) and the result reused — the per-viewer cost left is one JSON frame.
 *
 * The share key is the viewer class (team, role, share link: everything resolvers scope by), the
 * operation, the printed document and the variables used inside the root field's selection (those used
 * only by the root field's arguments, such as `runId` or `afterSeq`, pick the stream and do not change
 * how a payload is shown). A context without `viewerKey` is never shared.
 */
export interface SharedExecutionContext {
  /** The viewer class of the connection, or absent for no sharing. */
  viewerKey?: string;
}

const results = new WeakMap<object, Map<string, Promise<ExecutionResult> | ExecutionResult>>();

export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterator(source)) return source as ExecutionResult;
  const key = shareKey(args);
  const run = (payload: unknown): Promise<ExecutionResult> | ExecutionResult => {
    if (key === null || typeof payload !== "object" || payload === null) return execute({ ...args, rootValue: payload });
    let byKey = results.get(payload);
    if (!byKey) results.set(payload, (byKey = new Map()));
    const hit = byKey.get(key);
    if (hit) return hit;
    const r = execute({ ...args, rootValue: payload });
    byKey.set(key, r);
    // once settled, later subscribers get the result itself (no promise hop per delivery)
    if (r instanceof Promise)
      void r.then(
        (v) => byKey.set(key, v),
        () => undefined,
      );
    return r;
  };
  return mapIterator(source, run);
}

/** The key under which a subscription's results are shared, or null (never shared). */
export function shareKey(args: ExecutionArgs): string | null {
  const viewer = (args.contextValue as SharedExecutionContext | undefined)?.viewerKey;
  if (!viewer) return null;
  const op = getOperationAST(args.document, args.operationName ?? undefined);
  if (!op) return null;
  const vars = selectionUsesVariables(args.document, op.selectionSet) ? JSON.stringify(args.variableValues ?? {}) : "";
  return `${viewer}\u0000${args.operationName ?? ""}\u0000${print(args.document)}\u0000${vars}`;
}

/** Whether any variable is used below the root fields (in their selections or in any fragment). */
function selectionUsesVariables(doc: DocumentNode, root: SelectionSetNode): boolean {
  let used = false;
  const look = (node: Parameters<typeof visit>[0]) =>
    visit(node, {
      Variable() {
        used = true;
      },
    });
  for (const sel of root.selections)
    if (sel.kind === Kind.FIELD && sel.selectionSet) look(sel.selectionSet);
    else if (sel.kind !== Kind.FIELD) look(sel);
  for (const def of doc.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) look(def);
  return used;
}

function isAsyncIterator(x: unknown): x is AsyncIterableIterator<unknown> {
  return typeof x === "object" && x !== null && typeof (x as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}

function mapIterator<T, U>(source: AsyncIterableIterator<T>, fn: (v: T) => Promise<U> | U): AsyncIterableIterator<U> {
  // a source that can be ended from outside stays so through the map (access-guard.ts uses it)
  const { fail, onEnd, pull } = source as Partial<{
    fail: (e: Error) => void;
    onEnd: (f: () => void) => void;
    pull: (onChange: () => void) => { takeAll(): T[]; ended(): boolean };
  }>;
  const passThrough =
    typeof fail === "function" && typeof onEnd === "function"
      ? {
          fail: fail.bind(source),
          onEnd: onEnd.bind(source),
          // the direct consumer (ws-transport.ts pumpDirect) gets results, mapped in order
          ...(typeof pull === "function"
            ? {
                pull: (onChange: () => void) => {
                  const p = pull.call(source, onChange);
                  return { takeAll: () => p.takeAll().map(fn), ended: () => p.ended() };
                },
              }
            : {}),
        }
      : {};
  // a result already computed for another subscriber is used as is: one `then` per event, not an async hop more
  const map = (r: IteratorResult<T>): IteratorResult<U> | Promise<IteratorResult<U>> => {
    if (r.done) return r as IteratorReturnResult<never>;
    const v = fn(r.value);
    return v instanceof Promise ? v.then((value) => ({ done: false, value })) : { done: false, value: v };
  };
  return {
    ...passThrough,
    next: () => source.next().then(map),
    return: async () => (typeof source.return === "function" ? await map(await source.return()) : { done: true, value: undefined as never }),
    throw: async (err?: unknown) => {
      if (typeof source.throw === "function") return await map(await source.throw(err));
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
