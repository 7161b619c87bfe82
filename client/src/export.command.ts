import { DEFAULT_METHOD, METHOD_TOKEN } from "@studio/protocol";
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { choice, flag, positionals, required, str, UsageError } from "./cli.args.js";
import { EXIT, type Command, type CommandContext } from "./cli.command.js";
import type { ExportArchive, ExportedFile, ModelExport } from "./client.js";
import type { ExportFormat } from "./generated/graphql.js";
import { ByteProgress, formatBytes, interruptible } from "./transfer.presenter.js";

const FORMATS = { diffusers: "DIFFUSERS", "single-file": "SINGLE_FILE", checkpoint: "CHECKPOINT" } as const;
const FORMAT_NAMES: Record<ExportFormat, string> = { DIFFUSERS: "diffusers", SINGLE_FILE: "single-file", CHECKPOINT: "checkpoint" };

/** Files every export carries beside the weights (docs/platform-contract.md "Exports and imports"). */
const META_FILES = ["README.md", "studio-export.json"];
const SINGLE_FILE = "model.safetensors";
const DIFFUSERS_EMBEDDING = "learned_embeds.safetensors";

const USAGE = `usage: studio export --checkpoint ID --format diffusers|single-file|checkpoint [--half] [--out DIR] [--tar]
         [--watch | --no-wait] [--json]
  Exports a checkpoint as a model other tools load, waits for it (a state line per change), then
  downloads every file into DIR (default ./export-<checkpoint>-<format>[-fp16]), streaming each to disk
  and checking its sha256; files already there with the same sha256 are kept. Prints the files and how
  to load them. An export of the same checkpoint and format is reused, so running it again is cheap.
  --format diffusers     a diffusers folder: StableDiffusionPipeline.from_pretrained(DIR) + learned_embeds
  --format single-file   model.safetensors (AUTOMATIC1111, ComfyUI) + <token>.safetensors (the embedding)
  --format checkpoint    the checkpoint's own files, plain (a compact checkpoint's UNet decoded)
  --half                 float16 weights (single-file only)
  --tar                  save the API's streamed .tar instead (DIR.tar; --out FILE.tar or a folder for it)
  --no-wait              queue it and print the export's id and state, download nothing
  --watch --json         NDJSON: one {"type":"update"} line per state change, then the {"type":"result"}
  Exit 1 when the export FAILED (its code and message are printed), 130 on Ctrl-C (the export goes on).`;

const exportCommand: Command = {
  name: "export",
  summary: "export a checkpoint (diffusers folder or single file) and download it",
  usage: USAGE,
  options: {
    checkpoint: { type: "string" },
    format: { type: "string" },
    half: { type: "boolean" },
    out: { type: "string" },
    tar: { type: "boolean" },
    watch: { type: "boolean" },
    "no-wait": { type: "boolean" },
  },
  async run(ctx) {
    positionals(ctx.args, [], ctx.usage);
    const v = ctx.args.values;
    const checkpointId = required(v, "checkpoint", ctx.usage);
    if (str(v, "format") === undefined) throw new UsageError("--format is required (diffusers, single-file or checkpoint)", ctx.usage);
    const format = choice(v, "format", FORMATS, ctx.usage)!;
    const half = flag(v, "half");
    if (half && format !== "SINGLE_FILE") throw new UsageError("--half applies to --format single-file only (a diffusers export keeps float32)", ctx.usage);
    const noWait = flag(v, "no-wait");
    if (noWait && (flag(v, "watch") || flag(v, "tar") || str(v, "out") !== undefined))
      throw new UsageError("--no-wait downloads nothing: it takes no --watch, --tar or --out", ctx.usage);
    const stream = flag(v, "watch") && ctx.out.json;
    const name = `export-${checkpointId}-${FORMAT_NAMES[format]}${half ? "-fp16" : ""}`;

    const client = ctx.client();
    const queued = await client.exportCheckpoint(checkpointId, format, half);
    ctx.out.info(
      `export ${queued.id}: ${FORMAT_NAMES[format]}${half ? " fp16" : ""} of checkpoint ${checkpointId} (${queued.checkpoint.stage} step ${queued.checkpoint.step}), ${queued.state}`,
    );
    if (noWait) {
      ctx.out.result(queued, `${queued.id} ${queued.state}`);
      if (queued.state !== "SUCCEEDED") ctx.out.info("run the same command without --no-wait to wait for it and download it (the export is reused)");
      return EXIT.OK;
    }

    let last = queued.state;
    if (stream) ctx.out.ndjson({ type: "update", export: queued });
    const waited = await interruptible(ctx, () =>
      client.waitForExport(queued.id, (e) => {
        if (e.state === last) return;
        last = e.state;
        ctx.out.info(`export ${e.id}: ${e.state}`);
        if (stream) ctx.out.ndjson({ type: "update", export: e });
      }),
    );
    if (waited.interrupted) return interrupted(ctx, queued.id, "the export goes on; run the same command again to wait for it and download it");
    const exp = waited.value;
    if (exp.state !== "SUCCEEDED") {
      const err = exp.error ? `${exp.error.code}: ${exp.error.message}` : "no error recorded";
      emit(ctx, stream, { ok: false, export: exp, files: [] }, `export ${exp.id} FAILED — ${err}`);
      return EXIT.FAILED;
    }

    const progress = new ByteProgress(ctx);
    if (flag(v, "tar")) {
      const out = str(v, "out");
      const path = !out ? resolve(ctx.io.cwd, `${name}.tar`) : out.endsWith(".tar") ? resolve(ctx.io.cwd, out) : join(resolve(ctx.io.cwd, out), `${name}.tar`);
      ctx.out.info(`downloading the archive (${formatBytes(exp.files.reduce((n, f) => n + f.sizeBytes, 0))} in ${exp.files.length} files) to ${path}`);
      const got = await interruptible(ctx, (signal) => client.downloadExportArchive(exp, path, { signal, onProgress: progress.update }));
      if (got.interrupted) {
        progress.end();
        return interrupted(ctx, exp.id, "nothing was kept; run the same command again to download it");
      }
      progress.done(`✓ ${basename(path)}  ${formatBytes(got.value.sizeBytes)}  (every file's sha256 checked)`);
      const hint = archiveHint(exp, got.value);
      emit(
        ctx,
        stream,
        { ok: true, export: exp, archive: got.value.path, sizeBytes: got.value.sizeBytes, root: got.value.root, hint },
        `${got.value.path}  ${formatBytes(got.value.sizeBytes)}`,
      );
      for (const line of hint) ctx.out.info(line);
      return EXIT.OK;
    }

    const dir = resolve(ctx.io.cwd, str(v, "out") ?? name);
    ctx.out.info(`downloading ${exp.files.length} files (${formatBytes(exp.files.reduce((n, f) => n + f.sizeBytes, 0))}) to ${dir}`);
    const got = await interruptible(ctx, (signal) =>
      client.downloadExport(exp, dir, {
        signal,
        onProgress: progress.update,
        onFile: (f) => progress.done(`${f.skipped ? "= " : "✓ "}${f.name}  ${formatBytes(f.sizeBytes)}${f.skipped ? "  (already there, sha256 matches)" : ""}`),
      }),
    );
    if (got.interrupted) {
      progress.end();
      return interrupted(ctx, exp.id, "finished files stay; run the same command again to fetch the rest");
    }
    const files = got.value;
    const hint = folderHint(exp, dir, files, await readToken(dir));
    emit(
      ctx,
      stream,
      { ok: true, export: exp, dir, files: files.map(({ name, path, sizeBytes, sha256 }) => ({ name, path, sizeBytes, sha256 })), hint },
      files.map((f) => `${f.path}  ${formatBytes(f.sizeBytes)}`),
    );
    for (const line of hint) ctx.out.info(line);
    return EXIT.OK;
  },
};

/** The result: one JSON document (an NDJSON `result` line with --watch --json), or text lines. */
function emit(ctx: CommandContext, stream: boolean, data: Record<string, unknown>, text: string | string[]): void {
  if (stream) ctx.out.ndjson({ type: "result", ...data });
  else ctx.out.result(data, text);
}

function interrupted(ctx: CommandContext, exportId: string, what: string): number {
  ctx.out.info(`stopped: ${what} (export ${exportId})`);
  ctx.out.ndjson({ type: "interrupted", exportId });
  return EXIT.INTERRUPTED;
}

/** The token from the export's studio-export.json (written by the engine), if there is one. */
async function readToken(dir: string): Promise<string | null> {
  try {
    const doc = JSON.parse(await readFile(join(dir, "studio-export.json"), "utf8")) as { token?: unknown };
    return typeof doc.token === "string" && doc.token ? doc.token : null;
  } catch {
    return null;
  }
}

/** How to use the downloaded files: a Python line for diffusers, where the files go for A1111/ComfyUI. */
export function folderHint(exp: Pick<ModelExport, "format">, dir: string, files: Pick<ExportedFile, "name" | "path">[], token: string | null): string[] {
  const names = files.map((f) => f.name);
  if (exp.format === "DIFFUSERS") {
    const emb = names.includes(DIFFUSERS_EMBEDDING)
      ? `; pipe.load_textual_inversion(${py(join(dir, DIFFUSERS_EMBEDDING))}, token=${py(token ?? METHOD_TOKEN[DEFAULT_METHOD])})`
      : "";
    return [`load it in Python: from diffusers import StableDiffusionPipeline; pipe = StableDiffusionPipeline.from_pretrained(${py(dir)})${emb}`];
  }
  if (exp.format === "CHECKPOINT")
    return [
      `a plain checkpoint folder: checkpoint.json lists each file's sha256; unet.safetensors is the UNet state dict in diffusers' key layout, embedding.safetensors the token's row`,
    ];
  const model = files.find((f) => f.name === SINGLE_FILE);
  const emb = files.find((f) => f.name !== SINGLE_FILE && f.name.endsWith(".safetensors") && !META_FILES.includes(f.name));
  const stem = emb ? basename(emb.name, ".safetensors") : null;
  return [
    `AUTOMATIC1111: copy ${model?.path ?? SINGLE_FILE} into stable-diffusion-webui/models/Stable-diffusion/${emb ? ` and ${emb.path} into stable-diffusion-webui/embeddings/; prompt "a photo of ${stem} …"` : ""}`,
    `ComfyUI: copy ${model?.path ?? SINGLE_FILE} into ComfyUI/models/checkpoints/${emb ? ` and ${emb.path} into ComfyUI/models/embeddings/; prompt "a photo of embedding:${stem} …"` : ""}`,
  ];
}

function archiveHint(exp: ModelExport, a: ExportArchive): string[] {
  const dir = join(resolve(a.path, ".."), a.root);
  const token = typeof a.exportMeta?.token === "string" && a.exportMeta.token ? a.exportMeta.token : null;
  const files = exp.files.map((f) => ({ name: f.name, path: join(dir, f.name) }));
  return [`extract it: tar -xf ${sh(a.path)} -C ${sh(resolve(a.path, ".."))}   (creates ${a.root}/)`, ...folderHint(exp, dir, files, token)];
}

function py(s: string): string {
  return JSON.stringify(s);
}

function sh(s: string): string {
  return /^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export const exportCommands = [exportCommand];
