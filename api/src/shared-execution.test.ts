import { buildSchema, parse, type ExecutionResult, type GraphQLObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import { shareKey, sharedSubscribe } from "./shared-execution.js";

/** A schema whose subscription hands the same payload objects to every subscriber, as the live hub does. */
function setup() {
  const payloads = [{ seq: 1 }, { seq: 2 }];
  let labelCalls = 0;
  const schema = buildSchema(`type Query { x: Int }
      type Event { seq: Int! label(prefix: String): String! }
      type Subscription { events(runId: ID!, afterSeq: Int): Event! }`);
  const events = schema.getSubscriptionType()!.getFields().events!;
  events.subscribe = async function* () {
    for (const p of payloads) yield p;
  };
  events.resolve = (p: unknown) => p;
  (schema.getType("Event") as GraphQLObjectType).getFields().label!.resolve = (e: { seq: number }, a: { prefix?: string }, ctx: { viewerKey?: string }) => {
    labelCalls++;
    return `${a.prefix ?? ""}${e.seq}@${ctx.viewerKey ?? "-"}`;
  };
  return { schema, calls: () => labelCalls };
}

async function collect(it: AsyncIterableIterator<ExecutionResult> | ExecutionResult): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const r of it as AsyncIterableIterator<ExecutionResult>) out.push(r.data);
  return out;
}

const Q = `subscription($r: ID!, $a: Int) { events(runId: $r, afterSeq: $a) { seq label } }`;

describe("sharedSubscribe: one execution per payload, document and viewer class", () => {
  it("executes the selection once for many subscribers of the same viewer class, whatever their root arguments", async () => {
    const { schema, calls } = setup();
    const subs = await Promise.all(
      [0, 1, 2, 3].map((i) => sharedSubscribe({ schema, document: parse(Q), variableValues: { r: "run", a: i }, contextValue: { viewerKey: "team:a" } })),
    );
    const got = await Promise.all(subs.map(collect));
    for (const g of got) expect(g).toEqual([{ events: { seq: 1, label: "1@team:a" } }, { events: { seq: 2, label: "2@team:a" } }]);
    expect(calls()).toBe(2); // 2 payloads, not 2 × 4 subscribers
  });

  it("does not share across viewer classes, nor without a viewer key", async () => {
    const { schema, calls } = setup();
    const a = await collect(await sharedSubscribe({ schema, document: parse(Q), variableValues: { r: "run" }, contextValue: { viewerKey: "team:a" } }));
    const b = await collect(await sharedSubscribe({ schema, document: parse(Q), variableValues: { r: "run" }, contextValue: { viewerKey: "link:s" } }));
    const c = await collect(await sharedSubscribe({ schema, document: parse(Q), variableValues: { r: "run" }, contextValue: {} }));
    expect((a[0] as { events: { label: string } }).events.label).toBe("1@team:a");
    expect((b[0] as { events: { label: string } }).events.label).toBe("1@link:s");
    expect((c[0] as { events: { label: string } }).events.label).toBe("1@-");
    expect(calls()).toBe(6);
  });

  it("keys on variables used inside the selection (they change how a payload is shown)", () => {
    const q = `subscription($r: ID!, $p: String) { events(runId: $r) { seq label(prefix: $p) } }`;
    const key = (p: string, r = "run") => shareKey({ schema: setup().schema, document: parse(q), variableValues: { r, p }, contextValue: { viewerKey: "v" } });
    expect(key("x")).not.toBe(key("y"));
    const plain = (r: string) => shareKey({ schema: setup().schema, document: parse(Q), variableValues: { r, a: 0 }, contextValue: { viewerKey: "v" } });
    expect(plain("one")).toBe(plain("two"));
  });
});
