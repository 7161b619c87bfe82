import { join } from "node:path";
import ts from "typescript";
import { parseAllDocuments } from "yaml";

/**
 * Offline, strict validation of rendered Kubernetes objects (the chart in infra/helm/rare-studio),
 * against the `kubernetes-models` packages (Kubernetes' OpenAPI schemas; KEDA's CRDs for keda.sh):
 *
 * 1. each object is type-checked by the TypeScript compiler as a literal of its kind's interface, so
 *    an unknown field anywhere (excess property), a missing required one, a wrong type or a value
 *    outside an enum fails — the "strict" half: JSON schema validation alone lets unknown fields pass;
 * 2. each object is validated at run time by its model's `validate()` (the JSON schemas: formats,
 *    patterns, required fields).
 *
 * An apiVersion/kind without a model fails too.
 */

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The documents of a multi-document YAML stream (helm template's output), empty ones dropped. */
export function parseManifests(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value = doc.toJS({ maxAliasCount: 0 }) as unknown;
    if (value === null || value === undefined) continue;
    const o = value as K8sObject;
    if (typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof o.metadata?.name !== "string")
      throw new Error(`a document without apiVersion, kind and metadata.name: ${JSON.stringify(value).slice(0, 200)}`);
    out.push(o);
  }
  return out;
}

/** The module of the kubernetes-models class for an apiVersion and kind. */
export function modelModule(apiVersion: string, kind: string): string {
  if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]+$/.test(kind)) throw new Error(`unexpected apiVersion/kind ${apiVersion}/${kind}`);
  if (apiVersion.startsWith("keda.sh/")) return `@kubernetes-models/keda/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

const describe = (o: K8sObject) => `${o.kind} ${o.metadata.name}`;

/** Run-time JSON schema validation; returns one message per invalid object. */
export async function validateWithModels(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    let Model: (new (data: unknown) => { validate(): void }) | undefined;
    try {
      Model = (await import(modelModule(o.apiVersion, o.kind)))[o.kind];
    } catch (err) {
      problems.push(`${describe(o)}: no schema for ${o.apiVersion} ${o.kind} (${(err as Error).message.split("\n")[0]})`);
      continue;
    }
    if (!Model) {
      problems.push(`${describe(o)}: no model class ${o.kind}`);
      continue;
    }
    try {
      new Model(structuredClone(o)).validate();
    } catch (err) {
      problems.push(`${describe(o)}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/**
 * Type-checks every object as a literal of its kind's interface (`I<Kind>` of kubernetes-models).
 * `fromDir` is where the packages resolve from (a folder whose node_modules holds kubernetes-models).
 * Returns one message per compiler diagnostic, naming the object.
 */
export function typecheckWithModels(objects: K8sObject[], fromDir: string): string[] {
  const file = join(fromDir, "__k8s_objects_check__.ts");
  const lines: string[] = [];
  const objectOfLine: number[] = [];
  objects.forEach((o, i) => {
    let module: string;
    try {
      module = modelModule(o.apiVersion, o.kind);
    } catch {
      module = `unknown-kind/${o.kind}`; // reported by the compiler as an unresolved module
    }
    lines.push(`import type { I${o.kind} as T${i} } from ${JSON.stringify(module)};`);
    objectOfLine.push(i);
  });
  objects.forEach((o, i) => {
    for (const l of `export const o${i}: T${i} = ${JSON.stringify(o, null, 1)};`.split("\n")) {
      lines.push(l);
      objectOfLine.push(i);
    }
  });
  const source = lines.join("\n");
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => (name === file ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, onError, create));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === file ? source : readFile(name));
  const program = ts.createProgram([file], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file || !d.file);
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const o = objects[objectOfLine[line] ?? -1];
    return `${o ? describe(o) : "?"}: ${text}`;
  });
}
