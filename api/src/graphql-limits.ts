import {
  GraphQLError,
  getNamedType,
  getOperationAST,
  getNullableType,
  isCompositeType,
  isListType,
  Kind,
  Lexer,
  Source,
  TokenKind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { badInput } from "./errors.js";

/**
 * Cost limits for GraphQL (docs/security-front.md). Every operation, over HTTP or graphql-ws, is
 * measured on its parsed document before anything executes; one over a limit is refused with
 * `extensions.code = QUERY_TOO_COMPLEX`, `extensions.limit` (which limit), `extensions.max` and
 * `extensions.actual`. The measures:
 * - tokens: lexical tokens of the document (the parser also stops there, so a huge document is never built);
 * - depth: nesting of field selections (a leaf at the root is depth 1);
 * - aliases: fields selected under an alias, fragments expanded;
 * - cost: every object field costs 1 plus its selection, times the list size for a list field
 *   (the field's `first`/`last` argument, else its default, clamped to its maximum; for lists without an
 *   argument, their documented cap); scalar fields cost 0;
 * - rootMutations: mutation fields at the root of one request.
 */
export interface QueryLimits {
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxRootMutations: number;
}

export type LimitName = "tokens" | "depth" | "aliases" | "cost" | "rootMutations";

export interface LimitExceeded {
  limit: LimitName;
  max: number;
  actual: number;
}

export const QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX";

export function tooComplexError(e: LimitExceeded): GraphQLError {
  const what: Record<LimitName, string> = {
    tokens: "tokens",
    depth: "levels of nesting",
    aliases: "aliases",
    cost: "cost (fields × list sizes)",
    rootMutations: "mutation fields in one request",
  };
  return new GraphQLError(`query too complex: ${e.actual} ${what[e.limit]}, at most ${e.max} allowed (limit: ${e.limit})`, {
    extensions: { code: QUERY_TOO_COMPLEX, limit: e.limit, max: e.max, actual: e.actual, http: { status: 400 } },
  });
}

/** List sizes of every list field: `arg` (with default and max, as the resolver enforces them) or a fixed `size` cap. */
export type ListSize = { arg: "first" | "last"; default: number; max: number } | { size: number };

/**
 * The size each list (or connection) field can reach. Every list field of object type in the schema
 * must be here (a unit test checks), so a new unbounded list cannot slip in unnoticed. Connections
 * (`runs`, `subjects`) multiply at the connection field; their `edges` count once.
 */
export const LIST_SIZES: Record<string, ListSize> = {
  "Query.runs": { arg: "first", default: 20, max: 100 },
  "Query.subjects": { arg: "first", default: 20, max: 100 },
  "RunConnection.edges": { size: 1 },
  "SubjectConnection.edges": { size: 1 },
  "Subject.images": { arg: "first", default: 50, max: 200 },
  "Subject.runs": { arg: "first", default: 50, max: 100 },
  "Run.losses": { arg: "first", default: 5000, max: 20000 },
  "Run.samples": { arg: "last", default: 200, max: 1000 },
  "Run.checkpoints": { arg: "last", default: 100, max: 500 },
  "Run.evaluations": { arg: "first", default: 50, max: 200 },
  /** The last maxAttempts reasons (default 3); the resolver returns at most 10. */
  "Run.attemptErrors": { size: 10 },
  /** One committed batch or replay page: at most the hub's page (live-hub.ts PAGE). */
  "RunEventBatch.events": { size: 500 },
  "Checkpoint.evaluations": { arg: "first", default: 50, max: 200 },
  "Checkpoint.exports": { arg: "first", default: 20, max: 100 },
  "Checkpoint.generations": { arg: "first", default: 20, max: 100 },
  "Checkpoint.files": { size: 32 },
  "Generation.images": { size: 16 },
  "Evaluation.perPrompt": { size: 64 },
  "Evaluation.prompts": { size: 64 },
  "Evaluation.images": { size: 256 },
  "RunComparison.rows": { size: 4 },
  "RunComparison.paper": { size: 16 },
  "ModelCard.subjectImages": { size: 200 },
  "ModelCard.evaluations": { size: 8 },
  "ModelExport.files": { size: 32 },
  "MultipartImportUpload.parts": { size: 128 },
  "Team.members": { arg: "first", default: 200, max: 1000 },
  "Viewer.teams": { arg: "first", default: 100, max: 500 },
  "Viewer.apiKeys": { arg: "first", default: 100, max: 500 },
  "Query.baseModels": { size: 32 },
  "RunMethods.methods": { size: 8 },
  "RunMethods.presets": { size: 8 },
  "TrainingPresetFacts.stage2Steps": { size: 8 },
  "Query.invitations": { arg: "first", default: 100, max: 500 },
  "Query.shares": { arg: "first", default: 100, max: 500 },
  "Query.sharedWithMe": { arg: "first", default: 100, max: 500 },
  "Query.shareAudit": { arg: "first", default: 50, max: 500 },
};

/** Lists of introspection types (`__schema { types { fields … } } }`) count as this many. */
const INTROSPECTION_LIST_SIZE = 1;
/** A list field missing from LIST_SIZES (never in this schema: the unit test forbids it). */
const UNKNOWN_LIST_SIZE = 100;

/** The size a list field is counted at: its argument (clamped to 0..max), else the default, else the cap. */
export function listSize(coordinate: string, args: Record<string, unknown>): number {
  const s = LIST_SIZES[coordinate];
  if (!s) return coordinate.startsWith("__") ? INTROSPECTION_LIST_SIZE : UNKNOWN_LIST_SIZE;
  if ("size" in s) return s.size;
  const v = args[s.arg];
  const n = typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : s.default;
  return Math.max(0, Math.min(n, s.max));
}

/** Counts lexical tokens (as graphql's parser does), stopping once past `stopAfter`. Throws on bad syntax (then the parser reports it). */
export function countTokens(source: string, stopAfter: number): number {
  const lexer = new Lexer(new Source(source));
  let n = 0;
  for (let t = lexer.advance(); t.kind !== TokenKind.EOF; t = lexer.advance()) {
    if (t.kind === TokenKind.COMMENT) continue;
    if (++n > stopAfter) return n;
  }
  return n;
}

/** The tokens check on raw text, before parsing; null when fine. */
export function checkTokens(source: string, limits: Pick<QueryLimits, "maxTokens">): LimitExceeded | null {
  let n: number;
  try {
    n = countTokens(source, limits.maxTokens * 4);
  } catch {
    return null; // a syntax error: the parser reports it
  }
  return n > limits.maxTokens ? { limit: "tokens", max: limits.maxTokens, actual: n } : null;
}

interface Measure {
  cost: number;
  depth: number;
  aliases: number;
}

/**
 * Measures one operation of a validated document. Fragments are measured once per type they apply to
 * (memoized), so a "fragment bomb" costs the analysis nothing more than it costs the document.
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): Measure & { rootMutations: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, Measure>();
  const vars = variables ?? {};
  const defaults: Record<string, unknown> = {};
  for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) defaults[v.variable.name.value] = valueFromASTUntyped(v.defaultValue);
  const argValue = (node: ValueNode): unknown => (node.kind === Kind.VARIABLE ? (vars[node.name.value] ?? defaults[node.name.value]) : valueFromASTUntyped(node, vars));

  const measureSet = (set: SelectionSetNode, parent: GraphQLCompositeType, visiting: Set<string>): Measure => {
    const total: Measure = { cost: 0, depth: 0, aliases: 0 };
    const add = (m: Measure) => {
      total.cost += m.cost;
      total.aliases += m.aliases;
      total.depth = Math.max(total.depth, m.depth);
    };
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) add(measureField(sel, parent, visiting));
      else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? (schema.getType(sel.typeCondition.name.value) as GraphQLCompositeType | undefined) : parent;
        if (type) add(measureSet(sel.selectionSet, type, visiting));
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag || visiting.has(name)) continue; // cycles are a validation error anyway
        const type = schema.getType(frag.typeCondition.name.value) as GraphQLCompositeType | undefined;
        if (!type) continue;
        const key = `${name}`;
        let m = memo.get(key);
        if (!m) {
          visiting.add(name);
          m = measureSet(frag.selectionSet, type, visiting);
          visiting.delete(name);
          memo.set(key, m);
        }
        add(m);
      }
    }
    return total;
  };

  const measureField = (field: FieldNode, parent: GraphQLCompositeType, visiting: Set<string>): Measure => {
    const aliased = field.alias && field.alias.value !== field.name.value ? 1 : 0;
    const name = field.name.value;
    if (name === "__typename") return { cost: 0, depth: 1, aliases: aliased };
    const def =
      name === "__schema"
        ? { type: schema.getType("__Schema")! }
        : name === "__type"
          ? { type: schema.getType("__Type")! }
          : "getFields" in parent
            ? parent.getFields()[name]
            : undefined;
    if (!def) return { cost: 0, depth: 1, aliases: aliased };
    const named = getNamedType(def.type as never);
    if (!field.selectionSet || !isCompositeType(named)) return { cost: 0, depth: 1, aliases: aliased };
    const inner = measureSet(field.selectionSet, named, visiting);
    let multiplier = 1;
    const coordinate = `${parent.name}.${name}`;
    let t = getNullableType(def.type as never) as unknown;
    const isList = isListType(t);
    if (isList || LIST_SIZES[coordinate]) {
      const args: Record<string, unknown> = {};
      for (const a of field.arguments ?? []) args[a.name.value] = argValue(a.value);
      multiplier = listSize(coordinate, args);
      // a list of lists multiplies again (none in this schema)
      while (isList && isListType((t = getNullableType((t as { ofType: never }).ofType) as unknown))) multiplier *= UNKNOWN_LIST_SIZE;
    }
    return { cost: multiplier * (1 + inner.cost), depth: 1 + inner.depth, aliases: aliased + inner.aliases };
  };

  const root = operation.operation === "query" ? schema.getQueryType() : operation.operation === "mutation" ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return { cost: 0, depth: 0, aliases: 0, rootMutations: 0 };
  const m = measureSet(operation.selectionSet, root, new Set());
  let rootMutations = 0;
  if (operation.operation === "mutation") {
    const countRoot = (set: SelectionSetNode, seen: Set<string>): number =>
      set.selections.reduce((n, s) => {
        if (s.kind === Kind.FIELD) return n + (s.name.value === "__typename" ? 0 : 1);
        if (s.kind === Kind.INLINE_FRAGMENT) return n + countRoot(s.selectionSet, seen);
        const f = fragments.get(s.name.value);
        if (!f || seen.has(f.name.value)) return n;
        seen.add(f.name.value);
        const r = countRoot(f.selectionSet, seen);
        seen.delete(f.name.value);
        return n + r;
      }, 0);
    rootMutations = countRoot(operation.selectionSet, new Set());
  }
  return { ...m, rootMutations };
}

/** Checks one operation against the limits; null when it may run. */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits,
): LimitExceeded | null {
  const m = measureOperation(schema, document, operation, variables);
  if (m.depth > limits.maxDepth) return { limit: "depth", max: limits.maxDepth, actual: m.depth };
  if (m.aliases > limits.maxAliases) return { limit: "aliases", max: limits.maxAliases, actual: m.aliases };
  if (m.rootMutations > limits.maxRootMutations) return { limit: "rootMutations", max: limits.maxRootMutations, actual: m.rootMutations };
  if (m.cost > limits.maxCost) return { limit: "cost", max: limits.maxCost, actual: Math.min(m.cost, Number.MAX_SAFE_INTEGER) };
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Control characters in string input

/**
 * C0 controls but TAB, LF and CR; DEL; C1 controls. PostgreSQL cannot store NUL in text at all, and the
 * others have no place in names, prompts or ids. TAB, LF and CR stay allowed (free text such as
 * prompts and descriptions may span lines; the services bound what each field accepts).
 */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** Finds the first string with a control character in a JSON-like value; returns its path or null. */
function findControl(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === "string") return CONTROL_CHARS.test(value) ? path : null;
  if (depth > 64 || value === null || typeof value !== "object") return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findControl(value[i], `${path}.${i}`, depth + 1);
      if (p) return p;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const p = findControl(v, `${path}.${k}`, depth + 1);
    if (p) return p;
    if (CONTROL_CHARS.test(k)) return `${path}.${k}`;
  }
  return null;
}

/**
 * Every argument of every field of the operation (literals and variables, nested input objects and
 * lists too) must be free of control characters; otherwise a BAD_USER_INPUT error naming the
 * argument path (`input.name`) in `extensions.field`. Runs before any resolver.
 */
export function checkControlCharacters(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | null | undefined): GraphQLError | null {
  const vars = variables ?? {};
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seen = new Set<string>();
  const literal = (node: ValueNode, path: string): string | null => {
    switch (node.kind) {
      case Kind.STRING:
        return CONTROL_CHARS.test(node.value) ? path : null;
      case Kind.VARIABLE:
        return findControl(vars[node.name.value], path);
      case Kind.LIST:
        for (let i = 0; i < node.values.length; i++) {
          const p = literal(node.values[i]!, `${path}.${i}`);
          if (p) return p;
        }
        return null;
      case Kind.OBJECT:
        for (const f of node.fields) {
          const p = literal(f.value, `${path}.${f.name.value}`);
          if (p) return p;
        }
        return null;
      default:
        return null;
    }
  };
  const walk = (set: SelectionSetNode): string | null => {
    for (const sel of set.selections) {
      let p: string | null;
      if (sel.kind === Kind.FIELD) {
        for (const a of sel.arguments ?? []) if ((p = literal(a.value, a.name.value))) return p;
        if (sel.selectionSet && (p = walk(sel.selectionSet))) return p;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        if ((p = walk(sel.selectionSet))) return p;
      } else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        const f = fragments.get(sel.name.value);
        if (f && (p = walk(f.selectionSet))) return p;
      }
    }
    return null;
  };
  const field = walk(operation.selectionSet);
  if (!field) return null;
  return new GraphQLError(`${field}: control characters (such as NUL) are not allowed in text; tab, line feed and carriage return are`, {
    extensions: { code: "BAD_USER_INPUT", field, http: { status: 400 } },
  });
}

/**
 * Everything checked before execution, for one operation of a parsed, validated document: the cost
 * limits, then control characters in its input. Null when it may run.
 */
export function preExecutionError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits,
): GraphQLError | null {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return null; // graphql reports "unknown operation" itself
  const exceeded = checkOperation(schema, document, operation, variables, limits);
  if (exceeded) return tooComplexError(exceeded);
  return checkControlCharacters(document, operation, variables);
}

/**
 * The resolver side of LIST_SIZES: the argument of a capped list field, checked (1..max, else
 * BAD_USER_INPUT naming it) or defaulted. The same table drives the cost analysis, so the two agree.
 */
export function listArg(coordinate: string, value: number | null | undefined): number {
  const s = LIST_SIZES[coordinate];
  if (!s || "size" in s) throw new Error(`${coordinate} has no list argument`);
  const n = value ?? s.default;
  if (!Number.isInteger(n) || n < 1 || n > s.max) throw badInput(s.arg, `${s.arg} must be an integer from 1 to ${s.max}`);
  return n;
}

/** `list` cut to the field's `first` (from the start) or `last` (from the end). */
export function capList<T>(coordinate: string, list: readonly T[], value: number | null | undefined): T[] {
  const n = listArg(coordinate, value);
  const s = LIST_SIZES[coordinate] as { arg: "first" | "last" };
  return s.arg === "first" ? list.slice(0, n) : list.slice(Math.max(0, list.length - n));
}
