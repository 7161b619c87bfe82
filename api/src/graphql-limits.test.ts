import { buildSchema, getNamedType, getNullableType, isListType, isObjectType, isLeafType, Kind, parse, validate, type DocumentNode, type OperationDefinitionNode } from "graphql";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { checkControlCharacters, checkOperation, checkTokens, countTokens, LIST_SIZES, measureOperation, preExecutionError, type QueryLimits } from "./graphql-limits.js";
import { loadTypeDefs } from "./schema.js";

// graphql's own builder (the executable schema comes from @graphql-tools, another module realm under vitest)
const schema = buildSchema(loadTypeDefs().join("\n"));
/** The defaults of api/src/config.ts. */
const limits: QueryLimits = { maxTokens: 5000, maxDepth: 12, maxAliases: 30, maxCost: 25_000, maxRootMutations: 5 };

function op(doc: DocumentNode): OperationDefinitionNode {
  return doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
}
function measure(query: string, variables: Record<string, unknown> = {}) {
  const doc = parse(query);
  expect(validate(schema, doc)).toEqual([]);
  return measureOperation(schema, doc, op(doc), variables);
}
function refusal(query: string, variables: Record<string, unknown> = {}) {
  const doc = parse(query);
  return checkOperation(schema, doc, op(doc), variables, limits);
}

/** `subject { runs { subject { runs … } } }` with `levels` of subject+runs pairs. */
function nested(levels: number): string {
  let inner = "id";
  for (let i = 0; i < levels; i++) inner = `subject { id runs { id ${inner} } }`;
  return `query Deep($id: ID!) { run(id: $id) { ${inner} } }`;
}

describe("cost analysis", () => {
  it("counts object fields, times list sizes from first/last, defaults and caps", () => {
    expect(measure("{ health { status } }")).toMatchObject({ cost: 1, depth: 2, aliases: 0 });
    // runs(first: 20) × (1 connection + edges 1 × (1 edge + node 1))
    expect(measure("{ runs { edges { node { id } } } }").cost).toBe(20 * (1 + 1 * (1 + 1)));
    expect(measure("{ runs(first: 5) { edges { node { id } } } }").cost).toBe(5 * 3);
    expect(measure("query($n: Int) { runs(first: $n) { edges { node { id } } } }", { n: 7 }).cost).toBe(7 * 3);
    // variables default, and clamping to the field's max (the resolver refuses more anyway)
    expect(measure("query($n: Int = 9) { runs(first: $n) { edges { node { id } } } }").cost).toBe(9 * 3);
    expect(measure("{ runs(first: 100000) { edges { node { id } } } }").cost).toBe(100 * 3);
    // scalar-only lists: losses counted by first
    expect(measure('{ run(id: "x") { losses { step } } }').cost).toBe(1 + 5000);
    expect(measure('{ run(id: "x") { losses(first: 10) { step } samples(last: 3) { id } } }').cost).toBe(1 + 10 + 3);
  });

  it("expands fragments (memoized) and counts aliases through them", () => {
    const q = `query { a: health { ...H } b: health { ...H } } fragment H on Health { s: status checkedAt }`;
    expect(measure(q)).toMatchObject({ cost: 2, aliases: 4, depth: 2 });
    // a fragment bomb: 10 levels of 10 spreads would be 10^10 fields expanded; measured at once
    let frags = "fragment F0 on Health { status }\n";
    for (let i = 1; i <= 10; i++) frags += `fragment F${i} on Health { ${Array.from({ length: 10 }, () => `...F${i - 1}`).join(" ")} }\n`;
    const t0 = Date.now();
    const m = measure(`{ health { ...F10 } } ${frags}`);
    expect(Date.now() - t0).toBeLessThan(1000); // not a timing goal: a guard against exponential expansion
    expect(m.cost).toBe(1);
  });

  it("refuses the 50-level subject/runs query by depth, and a shallow wide one by cost", () => {
    expect(refusal(nested(50))).toEqual({ limit: "depth", max: 12, actual: 102 });
    const r = refusal(nested(5)); // depth 12 exactly: within depth, far over cost (50^5 runs)
    expect(r?.limit).toBe("cost");
    expect(r!.actual).toBeGreaterThan(limits.maxCost);
    expect(refusal(nested(1))).toBeNull();
  });

  it("refuses 1 000 aliases, and too many root mutation fields", () => {
    const q = `{ ${Array.from({ length: 1000 }, (_, i) => `h${i}: health { status }`).join(" ")} }`;
    expect(refusal(q)).toEqual({ limit: "aliases", max: 30, actual: 1000 });
    const m = `mutation { ${Array.from({ length: 6 }, (_, i) => `c${i}: cancelRun(id: "${i}") { id }`).join(" ")} }`;
    expect(refusal(m)).toEqual({ limit: "rootMutations", max: 5, actual: 6 });
  });

  it("counts tokens like the parser, and refuses past the limit before parsing", () => {
    expect(countTokens("{ health { status } }", 100)).toBe(6);
    expect(countTokens("# comment\n{ a }", 100)).toBe(3);
    const big = `{ ${"health { status } ".repeat(2000)} }`;
    expect(checkTokens(big, limits)).toEqual({ limit: "tokens", max: 5000, actual: 8002 });
    expect(checkTokens("{ health { status } }", limits)).toBeNull();
    expect(() => parse(big, { maxTokens: 5000 })).toThrow(/tokens/);
  });

  it("reports QUERY_TOO_COMPLEX with limit, max and actual", () => {
    const doc = parse(nested(50));
    const err = preExecutionError(schema, doc, null, { id: "x" }, limits);
    expect(err?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "depth", max: 12, actual: 102 });
  });

  it("knows the size of every list of objects in the schema (no unbounded list slips in)", () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith("__")) continue;
      for (const field of Object.values(type.getFields())) {
        const t = getNullableType(field.type);
        if (!isListType(t) || isLeafType(getNamedType(t))) continue;
        const coordinate = `${type.name}.${field.name}`;
        if (!LIST_SIZES[coordinate]) missing.push(coordinate);
        const s = LIST_SIZES[coordinate];
        // a list with a size argument declares it in the SDL with the same default
        if (s && "arg" in s) {
          const arg = field.args.find((a) => a.name === s.arg);
          expect(arg, `${coordinate}(${s.arg})`).toBeDefined();
          expect(arg!.defaultValue, `${coordinate}(${s.arg}) default`).toBe(s.default);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("lets every capped list be read at its maximum within the default budget", () => {
    for (const [coordinate, s] of Object.entries(LIST_SIZES)) if ("arg" in s) expect(s.max + 1, coordinate).toBeLessThanOrEqual(limits.maxCost);
    expect(refusal('{ run(id: "x") { losses(first: 20000) { stage step loss } } }')).toBeNull();
  });
});

describe("control characters", () => {
  const check = (query: string, variables: Record<string, unknown> = {}) => {
    const doc = parse(query);
    return checkControlCharacters(doc, op(doc), variables);
  };

  it("refuses NUL and other controls in literals and variables, naming the argument path", () => {
    expect(check('mutation { createSubject(input: {name: "a\\u0000b", classNoun: "dog"}) { id } }')?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "input.name",
    });
    const v = check("mutation($i: CreateSubjectInput!) { createSubject(input: $i) { id } }", { i: { name: "ok", classNoun: "d\u001bg" } });
    expect(v?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.classNoun" });
    expect(check('{ run(id: "\\u007f") { id } }')?.extensions?.field).toBe("id");
    const list = check("mutation($i: StartRunInput!) { startRun(input: $i) { id } }", { i: { subjectId: "s", samplePrompts: ["a", "b\u0000"] } });
    expect(list?.extensions?.field).toBe("input.samplePrompts.1");
  });

  it("allows tab, line feed and carriage return, and ordinary Unicode", () => {
    expect(check("mutation($i: StartRunInput!) { startRun(input: $i) { id } }", { i: { subjectId: "s", samplePrompts: ["a\tphoto\nof\r\n<rare> é 日本 🎒"] } })).toBeNull();
  });
});

// Every operation the dashboard and the client send must pass the default limits, with every
// list argument at its maximum (the worst a user of them can ask for).
const repo = fileURLToPath(new URL("../..", import.meta.url));
const sources: Record<string, Record<string, unknown>> = {};
for (const dir of ["dashboard/src/graphql", "client/src/operations"])
  for (const f of readdirSync(join(repo, dir)).filter((n) => n.endsWith(".ts") && !n.endsWith(".test.ts")))
    sources[`${dir}/${f}`] = (await import(pathToFileURL(join(repo, dir, f)).href)) as Record<string, unknown>;

describe("the dashboard's and the client's operations", () => {
  const operations: { name: string; doc: DocumentNode; op: OperationDefinitionNode }[] = [];
  for (const [file, mod] of Object.entries(sources))
    for (const [exported, value] of Object.entries(mod)) {
      if (typeof value !== "string" || !/\b(query|mutation|subscription)\b[^{]*\{/.test(value)) continue;
      let doc: DocumentNode;
      try {
        doc = parse(value);
      } catch {
        continue; // not a GraphQL document
      }
      for (const d of doc.definitions)
        if (d.kind === Kind.OPERATION_DEFINITION) operations.push({ name: `${file.replace(/^.*\/(dashboard|client)\//, "$1/")}#${exported}:${d.name?.value ?? "?"}`, doc, op: d });
    }

  it("finds them", () => {
    expect(Object.keys(sources).length).toBeGreaterThanOrEqual(10);
    expect(operations.length).toBeGreaterThan(40);
  });

  it("all pass the default limits with every list argument at its maximum", () => {
    const report: string[] = [];
    let worst = { cost: 0, depth: 0, aliases: 0, tokens: 0 };
    for (const o of operations) {
      expect(validate(schema, o.doc), o.name).toEqual([]);
      const vars: Record<string, unknown> = {};
      for (const v of o.op.variableDefinitions ?? []) if (/^(first|last)$/i.test(v.variable.name.value)) vars[v.variable.name.value] = 1e9;
      const m = measureOperation(schema, o.doc, o.op, vars);
      const source = o.doc.loc!.source.body;
      const tokens = countTokens(source, 1e6);
      worst = { cost: Math.max(worst.cost, m.cost), depth: Math.max(worst.depth, m.depth), aliases: Math.max(worst.aliases, m.aliases), tokens: Math.max(worst.tokens, tokens) };
      report.push(`${o.name} cost=${m.cost} depth=${m.depth} aliases=${m.aliases} tokens=${tokens}`);
      expect(checkOperation(schema, o.doc, o.op, vars, limits), o.name).toBeNull();
      expect(tokens, o.name).toBeLessThanOrEqual(limits.maxTokens);
    }
    console.log(`worst of ${operations.length} operations: ${JSON.stringify(worst)}`);
    if (process.env.PRINT_OPERATION_COSTS) console.log(report.join("\n"));
  });
});
