import { readFile, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { choice, flag, positionals, required, str, UsageError } from "./cli.args.js";
import { EXIT, INPUT_ERROR_CODES, type Command, type CommandContext } from "./cli.command.js";
import type { ModelImport } from "./client.js";
import type { ImportFileRole, ImportModelInput } from "./generated/graphql.js";
import { formatBytes, interruptible } from "./transfer.presenter.js";

const KINDS = { object: "OBJECT", live: "LIVE" } as const;
const DEFAULT_BASE_MODEL = "stable-diffusion-2-1-base";

const USAGE = `usage: studio import --name NAME --class NOUN --token TOKEN [--kind object|live]
         [--base-model stable-diffusion-2-1-base|tiny-random] MODEL.safetensors [--embedding EMB.safetensors]
         [--watch | --no-wait] [--json]
  Imports a single-file Stable Diffusion checkpoint (original key layout, as AUTOMATIC1111 and ComfyUI
  use; e.g. what \`studio export --format single-file\` saves) and optionally the token's embedding. It
  becomes a new subject with a SUCCEEDED run and a checkpoint you can prompt: waits for the import and
  prints the run and checkpoint ids.
  Only .safetensors files are accepted (pickle-based .ckpt/.pt/.bin can run code when loaded); the API
  checks each file's header too (UNSAFE_FORMAT, BAD_SAFETENSORS: exit 2). --base-model defaults to the
  one in a studio-export.json beside MODEL, else ${DEFAULT_BASE_MODEL}.
  --no-wait              print the import's id once it is queued
  --watch --json         NDJSON: one {"type":"update"} line per state change, then the {"type":"result"}
  Exit 1 when the import FAILED (BASE_MODEL_MISMATCH, BAD_CHECKPOINT, …), 130 on Ctrl-C (it goes on).`;

/** Local checks first, so a wrong file changes nothing and costs no upload. */
async function localFile(path: string, what: string, usage: string): Promise<{ path: string; size: number }> {
  if (!basename(path).toLowerCase().endsWith(".safetensors"))
    throw new UsageError(
      `${what} ${path}: only .safetensors files can be imported (pickle-based .ckpt/.pt/.bin files can run code when loaded; convert them to safetensors first)`,
      usage,
    );
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new UsageError(`${what} ${path}: no such file`, usage);
  if (info.size < 8) throw new UsageError(`${what} ${path}: ${info.size} bytes is too small for a safetensors file`, usage);
  return { path, size: info.size };
}

/** The base model a studio export was made from (its studio-export.json), if MODEL sits in one. */
async function exportedBaseModel(modelPath: string): Promise<string | null> {
  try {
    const doc = JSON.parse(await readFile(join(dirname(modelPath), "studio-export.json"), "utf8")) as { baseModel?: { id?: unknown } };
    return typeof doc.baseModel?.id === "string" ? doc.baseModel.id : null;
  } catch {
    return null;
  }
}

const importCommand: Command = {
  name: "import",
  summary: "import a single-file checkpoint (+ embedding) as a new promptable model",
  usage: USAGE,
  options: {
    name: { type: "string" },
    class: { type: "string" },
    kind: { type: "string" },
    "base-model": { type: "string" },
    token: { type: "string" },
    embedding: { type: "string" },
    watch: { type: "boolean" },
    "no-wait": { type: "boolean" },
  },
  async run(ctx) {
    const v = ctx.args.values;
    const [modelArg] = positionals(ctx.args, ["MODEL.safetensors"], ctx.usage);
    const name = required(v, "name", ctx.usage);
    const classNoun = required(v, "class", ctx.usage);
    const token = required(v, "token", ctx.usage);
    const kind = choice(v, "kind", KINDS, ctx.usage) ?? "OBJECT";
    if (flag(v, "no-wait") && flag(v, "watch")) throw new UsageError("give --watch or --no-wait, not both", ctx.usage);
    const model = await localFile(resolve(ctx.io.cwd, modelArg!), "MODEL", ctx.usage);
    const embArg = str(v, "embedding");
    const embedding = embArg === undefined ? null : await localFile(resolve(ctx.io.cwd, embArg), "--embedding", ctx.usage);
    const baseModel = str(v, "base-model") ?? (await exportedBaseModel(model.path)) ?? DEFAULT_BASE_MODEL;
    const stream = flag(v, "watch") && ctx.out.json;

    const client = ctx.client();
    const upload = async (f: { path: string; size: number }, role: ImportFileRole, signal: AbortSignal) => {
      ctx.out.info(`uploading ${basename(f.path)} (${formatBytes(f.size)}, ${role.toLowerCase()})…`);
      const id = await client.uploadImportFile(f.path, role, signal);
      ctx.out.info(`✓ ${basename(f.path)}`);
      return id;
    };
    const sent = await interruptible(ctx, async (signal) => {
      const input: ImportModelInput = { name, classNoun, kind, baseModel, token, checkpointUploadId: await upload(model, "CHECKPOINT", signal) };
      if (embedding) input.embeddingUploadId = await upload(embedding, "EMBEDDING", signal);
      return client.importModel(input); // the API checks the headers here: UNSAFE_FORMAT, BAD_SAFETENSORS
    });
    if (sent.interrupted) {
      ctx.out.info("stopped before the import was queued: nothing was imported");
      ctx.out.ndjson({ type: "interrupted" });
      return EXIT.INTERRUPTED;
    }
    const queued = sent.value;
    ctx.out.info(`import ${queued.id}: "${queued.name}" (${queued.classNoun}, ${queued.baseModel}, token ${queued.token ?? "-"}), ${queued.state}`);
    if (flag(v, "no-wait")) {
      ctx.out.result(queued, `${queued.id} ${queued.state}`);
      return EXIT.OK;
    }

    let last = queued.state;
    if (stream) ctx.out.ndjson({ type: "update", import: queued });
    const waited = await interruptible(ctx, () =>
      client.waitForImport(queued.id, (i) => {
        if (i.state === last) return;
        last = i.state;
        ctx.out.info(`import ${i.id}: ${i.state}`);
        if (stream) ctx.out.ndjson({ type: "update", import: i });
      }),
    );
    if (waited.interrupted) {
      ctx.out.info(`stopped watching: import ${queued.id} goes on`);
      ctx.out.ndjson({ type: "interrupted", importId: queued.id });
      return EXIT.INTERRUPTED;
    }
    return report(ctx, stream, waited.value);
  },
};

function report(ctx: CommandContext, stream: boolean, imp: ModelImport): number {
  const ok = imp.state === "SUCCEEDED" && !!imp.run && !!imp.checkpoint;
  const data = { ok, import: imp, runId: imp.run?.id ?? null, checkpointId: imp.checkpoint?.id ?? null };
  let text: string[];
  if (ok) {
    const c = imp.checkpoint!;
    text = [`run ${imp.run!.id} SUCCEEDED (imported; subject ${imp.run!.subject.id})`, `  checkpoint ${c.id}  ${c.stage} step ${c.step}`];
  } else {
    const err = imp.error ? `${imp.error.code}: ${imp.error.message}` : "no error recorded";
    text = [`import ${imp.id} FAILED — ${err}`];
  }
  if (stream) ctx.out.ndjson({ type: "result", ...data });
  else ctx.out.result(data, text);
  if (ok) {
    ctx.out.info(`prompt it: ./studio generate --checkpoint ${imp.checkpoint!.id} "a photo of ${imp.token ?? "<token>"} ${imp.classNoun}"`);
    return EXIT.OK;
  }
  return imp.error && INPUT_ERROR_CODES.includes(imp.error.code) ? EXIT.USAGE : EXIT.FAILED;
}

export const importCommands = [importCommand];
