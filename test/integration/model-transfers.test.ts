import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Minio from "minio";
import { services } from "../support/services.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StudioClient } from "@studio/client";
import { openDb, schema } from "@studio/db";
import { enginePython } from "@studio/infra/engine-env";
import { repoRoot } from "@studio/infra/paths";
import { bootstrapTeam } from "../support/bootstrap.js";
import { gql, wsClient } from "../support/graphql.js";
import { startApi, startTrainer } from "../support/processes.js";
import { postUpload } from "../support/images.js";

/**
 * Exports and imports (issue "Team sharing", point 4) through the product: a tiny two-stage run,
 * DIFFUSERS and SINGLE_FILE exports streamed as .tar through the API, the diffusers folder loaded by
 * diffusers itself drawing the product's own image, the single file re-imported to identical weights,
 * and pickles / crafted headers refused with nothing stored. The trainer stores its stage-2 UNets compact
 * (STUDIO_CHECKPOINT_ENCODING=delta), so every path here — generation, both exports, the CLI's download —
 * also shows that a compact checkpoint comes out as plain safetensors.
 */
const DATASET = join(repoRoot, "examples"); // the repository's example photos (examples/README.md)
const PROMPT = "a photo of <rare> backpack on the beach";
const MIB = 2 ** 20;
const work = mkdtempSync(join(tmpdir(), "model-transfers-"));

function minio() {
  const s3 = services().s3;
  const url = new URL(s3.endpoint);
  return new Minio.Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey });
}

async function objectExists(key: string): Promise<boolean> {
  try {
    await minio().statObject(services().s3.bucket, key);
    return true;
  } catch {
    return false;
  }
}

/** Runs a Python snippet in the engine's venv (async: a blocked event loop would break kept-alive HTTP sockets). */
async function python(script: string, args: string[] = []): Promise<string> {
  const { stdout } = await promisify(execFile)(process.env.ENGINE_PYTHON ?? enginePython(), ["-c", script, ...args], {
    env: { ...process.env, PYTHONPATH: join(repoRoot, "trainer", "engine", "src"), HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** A safetensors file as the reference writer lays it out. */
function safetensorsBytes(header: Record<string, unknown>, data: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

const EXPORT_FIELDS = `id state format half files { name sizeBytes sha256 url } archiveUrl error { code message } checkpoint { id }`;
const IMPORT_FIELDS = `id state name error { code message } run { id state method baseModel subject { id name classNoun images { id } } } checkpoint { id stage step contentHash files { name sha256 sizeBytes url } }`;

describe("model exports and imports", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let trainer: Awaited<ReturnType<typeof startTrainer>>;
  let owner: Awaited<ReturnType<typeof bootstrapTeam>>;
  let viewerKey: string;
  let foreignKey: string;
  let checkpoint: { id: string; contentHash: string; encoding: string; files: { name: string; sha256: string; url: string }[] };
  let singleFileDir = ""; // the SINGLE_FILE export, extracted (the multipart test uploads its model file)
  let plainDir = ""; // the checkpoint's files as `studio checkpoints download` saves them (decoded)
  const call = <T = any>(query: string, variables: Record<string, unknown> = {}, key = owner.secret) => gql<T>(api.url, query, variables, key);

  /** Subscribes until the export/import is final; returns the last value. */
  function untilFinal(field: "modelExportUpdated" | "modelImportUpdated", fields: string, id: string, timeoutMs = 170_000): Promise<any> {
    const client = wsClient(api.wsUrl, owner.secret);
    const seen: string[] = [];
    return new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${field} ${id} not final; states ${seen.join(",")}\n${trainer.proc.output.slice(-3000)}`)), timeoutMs);
      client.subscribe<Record<string, any>>(
        { query: `subscription ($id: ID!) { ${field}(id: $id) { ${fields} } }`, variables: { id } },
        {
          next: (r) => {
            if (r.errors) return reject(new Error(JSON.stringify(r.errors)));
            const v = r.data![field];
            seen.push(v.state);
            if (v.state === "SUCCEEDED" || v.state === "FAILED") {
              clearTimeout(timer);
              resolve(v);
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
    }).finally(() => client.dispose());
  }

  async function exportAndExtract(format: "DIFFUSERS" | "SINGLE_FILE"): Promise<{ dir: string; exp: any }> {
    const res = await call(`mutation ($c: ID!, $f: ExportFormat!) { exportCheckpoint(checkpointId: $c, format: $f) { ${EXPORT_FIELDS} } }`, { c: checkpoint.id, f: format });
    expect(res.body.errors).toBeUndefined();
    const exp = await untilFinal("modelExportUpdated", EXPORT_FIELDS, res.body.data.exportCheckpoint.id);
    expect(exp.error).toBeNull();
    expect(exp.state).toBe("SUCCEEDED");
    expect(exp.archiveUrl).toMatch(/\/exports\/[0-9a-f-]{36}\.tar\?token=/);
    // the archive needs no Authorization header: the signed URL is the permission
    const tarRes = await fetch(exp.archiveUrl);
    expect(tarRes.status).toBe(200);
    expect(tarRes.headers.get("content-type")).toBe("application/x-tar");
    const tar = Buffer.from(await tarRes.arrayBuffer());
    expect(tar.length).toBe(Number(tarRes.headers.get("content-length")));
    const tarFile = join(work, `${format}.tar`);
    writeFileSync(tarFile, tar);
    const out = join(work, format);
    mkdirSync(out);
    execFileSync("tar", ["-xf", tarFile, "-C", out]);
    const [root] = readdirSync(out);
    const dir = join(out, root!);
    for (const f of exp.files as { name: string; sizeBytes: number; sha256: string }[]) {
      expect(statSync(join(dir, f.name)).size).toBe(f.sizeBytes);
      expect(sha256(join(dir, f.name))).toBe(f.sha256);
    }
    return { dir, exp };
  }

  async function upload(file: string, role: "CHECKPOINT" | "EMBEDDING", filename = file.split("/").pop()!): Promise<string> {
    const bytes = readFileSync(file);
    const up = await call(`mutation ($f: String!, $n: Float!, $r: ImportFileRole!) { createModelImportUpload(filename: $f, byteSize: $n, role: $r) { uploadId url fields } }`, {
      f: filename,
      n: bytes.length,
      r: role,
    });
    expect(up.body.errors).toBeUndefined();
    const { uploadId, url, fields } = up.body.data.createModelImportUpload;
    expect((await postUpload(url, fields, bytes, { filename })).status).toBe(204);
    return uploadId as string;
  }

  async function counts(): Promise<Record<string, number>> {
    const db = openDb(services().databaseUrl, { max: 1 });
    try {
      const out: Record<string, number> = {};
      for (const t of ["model_imports", "model_import_uploads", "subjects", "runs", "checkpoints"]) {
        const r = await db.pool.query<{ n: string }>(`select count(*)::text as n from ${t} where team_id = $1`, [owner.teamId]);
        out[t] = Number(r.rows[0]!.n);
      }
      return out;
    } finally {
      await db.close();
    }
  }

  beforeAll(async () => {
    // files over 8 MiB (the single-file export, ~10 MB) upload in 5 MiB parts, as a real model does over 1 GiB
    [api, trainer, owner] = await Promise.all([
      startApi({ IMPORT_SINGLE_POST_MAX_BYTES: String(8 * MIB), IMPORT_PART_BYTES: String(5 * MIB) }),
      startTrainer({ STUDIO_CHECKPOINT_ENCODING: "delta" }),
      bootstrapTeam("Transfers team"),
    ]);
    foreignKey = (await bootstrapTeam("Foreign team")).secret;
    // a VIEWER of the owner's team (viewers see, prompt and download)
    const db = openDb(services().databaseUrl, { max: 1 });
    try {
      const [user] = await db.db.insert(schema.users).values({ name: "viewer" }).returning();
      await db.db.insert(schema.memberships).values({ teamId: owner.teamId, userId: user!.id, role: "VIEWER" });
      viewerKey = `sk_${randomBytes(32).toString("base64url")}`;
      await db.db.insert(schema.apiKeys).values({
        teamId: owner.teamId,
        userId: user!.id,
        name: "viewer key",
        prefix: viewerKey.slice(0, 10),
        secretHash: createHash("sha256").update(viewerKey).digest("hex"),
      });
    } finally {
      await db.close();
    }

    // a tiny two-stage run whose last checkpoint carries both the token embedding and the UNet
    const created = await call(`mutation { createSubject(input: {name: "Backpack", classNoun: "backpack"}) { id } }`);
    const subjectId = created.body.data.createSubject.id as string;
    const photos = readdirSync(join(DATASET, "backpack"))
      .filter((f) => f.endsWith(".jpg"))
      .sort()
      .slice(0, 4);
    for (const f of photos) {
      const bytes = readFileSync(join(DATASET, "backpack", f));
      const up = await call(
        `mutation ($s: ID!, $f: String!, $n: Int!) { createImageUpload(subjectId: $s, filename: $f, contentType: "image/jpeg", byteSize: $n) { uploadId url fields } }`,
        { s: subjectId, f, n: bytes.length },
      );
      const { uploadId, url, fields } = up.body.data.createImageUpload;
      expect((await postUpload(url, fields, bytes, { filename: f })).status).toBe(204);
      const added = await call(`mutation ($s: ID!, $u: ID!) { addSubjectImage(subjectId: $s, uploadId: $u) { id } }`, { s: subjectId, u: uploadId });
      expect(added.body.errors).toBeUndefined();
    }
    const started = await call(
      `mutation ($s: ID!) { startRun(input: {subjectId: $s, method: TWO_STAGE, baseModel: "tiny-random", stage1Steps: 2, stage2Steps: 2, checkpointEvery: 2, samplePrompts: ["a photo of <rare> backpack"]}) { id } }`,
      { s: subjectId },
    );
    expect(started.body.errors).toBeUndefined();
    let run: any;
    for (let i = 0; i < 400; i++) {
      run = (
        await call(`query ($id: ID!) { run(id: $id) { state error { code message } checkpoints { id stage step contentHash encoding files { name sha256 url } } } }`, {
          id: started.body.data.startRun.id,
        })
      ).body.data.run;
      if (["SUCCEEDED", "FAILED", "CANCELED"].includes(run.state)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(run.state, JSON.stringify(run.error)).toBe("SUCCEEDED");
    checkpoint = run.checkpoints.find((c: { stage: string }) => c.stage === "stage2");
    expect(checkpoint).toBeDefined();
  }, 400_000);

  afterAll(async () => {
    await trainer?.proc.stop();
    await api?.proc.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("exports the diffusers layout, which diffusers loads and draws the product's own image with", async () => {
    const { dir, exp } = await exportAndExtract("DIFFUSERS");
    const names = (exp.files as { name: string }[]).map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(["model_index.json", "unet/diffusion_pytorch_model.safetensors", "learned_embeds.safetensors", "scheduler/scheduler_config.json"]),
    );
    expect(names.some((n) => /\.(bin|ckpt|pt|pkl)$/.test(n))).toBe(false);
    expect((await fetch(exp.files[0].url)).status).toBe(200); // presigned per-file URLs work too

    // the same request again reuses the export (checkpoints are immutable); a VIEWER may export too
    const again = await call(`mutation ($c: ID!) { exportCheckpoint(checkpointId: $c, format: DIFFUSERS) { id state } }`, { c: checkpoint.id });
    expect(again.body.data.exportCheckpoint).toEqual({ id: exp.id, state: "SUCCEEDED" });
    const asViewer = await call(`mutation ($c: ID!) { exportCheckpoint(checkpointId: $c, format: DIFFUSERS) { id } }`, { c: checkpoint.id }, viewerKey);
    expect(asViewer.body.data?.exportCheckpoint.id).toBe(exp.id);
    const listed = await call(`query ($c: ID!) { checkpoint(id: $c) { exports { id format } } }`, { c: checkpoint.id });
    expect(listed.body.data.checkpoint.exports).toEqual([{ id: exp.id, format: "DIFFUSERS" }]);

    // the product's own generation …
    const gen = await call(`mutation ($c: ID!, $p: String!) { generate(input: {checkpointId: $c, prompt: $p, seed: 11, steps: 3, guidanceScale: 7.5}) { id } }`, {
      c: checkpoint.id,
      p: PROMPT,
    });
    expect(gen.body.errors).toBeUndefined();
    let g: any;
    for (let i = 0; i < 240; i++) {
      g = (await call(`query ($id: ID!) { generation(id: $id) { state images { url } error { code message } } }`, { id: gen.body.data.generate.id })).body.data.generation;
      if (g.state === "SUCCEEDED" || g.state === "FAILED") break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(g.state, JSON.stringify(g.error)).toBe("SUCCEEDED");
    const png = join(work, "product.png");
    writeFileSync(png, Buffer.from(await (await fetch(g.images[0].url)).arrayBuffer()));

    // … and diffusers on the extracted folder, with the same prompt, seed, steps, guidance and size
    const result = JSON.parse(
      (
        await python(
          `
import json, sys
import numpy as np, torch
from PIL import Image
from diffusers import StableDiffusionPipeline
folder, png, prompt = sys.argv[1:4]
pipe = StableDiffusionPipeline.from_pretrained(folder, local_files_only=True)
pipe.load_textual_inversion(folder + "/learned_embeds.safetensors", token="<rare>")
pipe.set_progress_bar_config(disable=True)
size = pipe.unet.config.sample_size * pipe.vae_scale_factor
arr = pipe(prompt, num_inference_steps=3, guidance_scale=7.5, height=size, width=size, generator=torch.Generator().manual_seed(11), output_type="np").images[0]
ours = (np.clip(arr, 0, 1) * 255).round().astype(np.int64)
product = np.asarray(Image.open(png).convert("RGB")).astype(np.int64)
print(json.dumps({"shape": list(ours.shape), "productShape": list(product.shape), "maxDiff": int(np.abs(ours - product).max()), "std": float(product.std())}))
`,
          [dir, png, PROMPT],
        )
      )
        .trim()
        .split("\n")
        .pop()!,
    );
    expect(result.shape).toEqual(result.productShape);
    expect(result.std).toBeGreaterThan(0); // a real image, not a constant one
    expect(result.maxDiff).toBeLessThanOrEqual(1);
  });

  it("stores the stage-2 UNet compact and downloads it as the plain checkpoint (studio checkpoints download)", async () => {
    expect(checkpoint.encoding).toBe("DELTA");
    expect(checkpoint.files.map((f) => f.name).sort()).toEqual(["checkpoint.json", "embedding.safetensors", "unet.delta.safetensors"]);
    const client = new StudioClient({ url: api.url, apiKey: owner.secret });
    plainDir = join(work, "download");
    const exports: string[] = [];
    const paths = await client.downloadCheckpoint(checkpoint.id, plainDir, { onExport: (e) => exports.push(`${e.format} ${e.state}`) });
    expect(paths.map((p) => p.slice(plainDir.length + 1)).sort()).toEqual(["checkpoint.json", "embedding.safetensors", "unet.safetensors"]);
    expect(exports.at(-1) ?? "", "decoded by a CHECKPOINT export on the trainer").toBe("CHECKPOINT SUCCEEDED");
    // checkpoint.json lists the plain files (no encoding), their sha256 hold, and the content hash is the run's
    const meta = JSON.parse(readFileSync(join(plainDir, "checkpoint.json"), "utf8"));
    expect(meta.encoding).toBeUndefined();
    expect(meta.contentHash).toBe(checkpoint.contentHash);
    expect(meta.files.map((f: { name: string }) => f.name).sort()).toEqual(["embedding.safetensors", "unet.safetensors"]);
    for (const f of meta.files as { name: string; sha256: string; bytes: number }[]) {
      expect(sha256(join(plainDir, f.name)), f.name).toBe(f.sha256);
      expect(statSync(join(plainDir, f.name)).size).toBe(f.bytes);
    }
    // the UNet is a plain float32 state dict, not the delta's byte planes
    const unet = readFileSync(join(plainDir, "unet.safetensors"));
    const header = JSON.parse(unet.subarray(8, 8 + Number(unet.readBigUInt64LE(0))).toString("utf8"));
    const tensors = Object.entries(header).filter(([k]) => k !== "__metadata__") as [string, { dtype: string }][];
    expect(tensors.length).toBeGreaterThan(10);
    expect(new Set(tensors.map(([, t]) => t.dtype))).toEqual(new Set(["F32"]));
    expect(tensors.some(([k]) => k.startsWith("plane"))).toBe(false);
    // asking again reuses the export; --raw hands out the stored objects as they are
    const again: string[] = [];
    await client.downloadCheckpoint(checkpoint.id, plainDir, { onExport: (e) => again.push(e.state) });
    expect(again).toEqual(["SUCCEEDED"]);
    const raw = await client.downloadCheckpoint(checkpoint.id, join(work, "raw"), { raw: true });
    expect(raw.map((p) => p.split("/").pop()).sort()).toEqual(["checkpoint.json", "embedding.safetensors", "unet.delta.safetensors"]);
    expect(statSync(join(work, "raw", "unet.delta.safetensors")).size).toBeLessThan(unet.length);
  });

  it("exports a single file that re-imports to identical weights, promptable like any checkpoint", async () => {
    const { dir, exp } = await exportAndExtract("SINGLE_FILE");
    singleFileDir = dir;
    const names = (exp.files as { name: string }[]).map((f) => f.name);
    expect(names).toContain("model.safetensors");
    const embedding = names.find((n) => n.endsWith(".safetensors") && n !== "model.safetensors");
    expect(embedding).toBeDefined();

    const before = await counts();
    // over the single-POST limit: refused with USE_MULTIPART, nothing recorded; the client then uploads it in parts
    const size = statSync(join(dir, "model.safetensors")).size;
    expect(size).toBeGreaterThan(8 * MIB);
    const single = await call(`mutation ($n: Float!) { createModelImportUpload(filename: "model.safetensors", byteSize: $n, role: CHECKPOINT) { uploadId } }`, { n: size });
    expect(single.body.errors?.[0]?.extensions).toMatchObject({ code: "USE_MULTIPART", field: "byteSize" });
    expect(await counts()).toEqual(before);
    const parts: string[] = [];
    const ckptUpload = await new StudioClient({ url: api.url, apiKey: owner.secret }).uploadImportFile(join(dir, "model.safetensors"), "CHECKPOINT", undefined, {
      onPart: (done, total) => parts.push(`${done}/${total}`),
    });
    expect(parts).toEqual(["1/2", "2/2"]);
    const embUpload = await upload(join(dir, embedding!), "EMBEDDING");
    const res = await call(`mutation ($i: ImportModelInput!) { importModel(input: $i) { id state } }`, {
      i: { name: "Imported backpack", classNoun: "backpack", baseModel: "tiny-random", checkpointUploadId: ckptUpload, embeddingUploadId: embUpload },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.importModel.state).toBe("QUEUED");
    const imp = await untilFinal("modelImportUpdated", IMPORT_FIELDS, res.body.data.importModel.id);
    expect(imp.error).toBeNull();
    expect(imp.state).toBe("SUCCEEDED");
    expect(imp.run).toMatchObject({ state: "SUCCEEDED", method: "TWO_STAGE", baseModel: "tiny-random", subject: { name: "Imported backpack", classNoun: "backpack", images: [] } });
    expect(await counts()).toEqual({
      ...before,
      model_imports: before.model_imports! + 1,
      subjects: before.subjects! + 1,
      runs: before.runs! + 1,
      checkpoints: before.checkpoints! + 1,
    });

    // identical weights: the imported checkpoint's tensors equal the original's, tensor by tensor
    const files = Object.fromEntries((imp.checkpoint.files as { name: string; url: string; sha256: string }[]).map((f) => [f.name, f]));
    expect(plainDir, "the download test ran first").not.toBe("");
    for (const name of ["unet.safetensors", "embedding.safetensors"]) {
      expect(files[name], name).toBeDefined();
      writeFileSync(join(work, `imported-${name}`), Buffer.from(await (await fetch(files[name]!.url)).arrayBuffer()));
      writeFileSync(join(work, `original-${name}`), readFileSync(join(plainDir, name))); // the run's checkpoint, decoded
    }
    const same = JSON.parse(
      (
        await python(
          `
import json, sys, torch
from safetensors.torch import load_file
out = {}
for name in ("unet.safetensors", "embedding.safetensors"):
    a, b = load_file(sys.argv[1] + "/original-" + name), load_file(sys.argv[1] + "/imported-" + name)
    out[name] = sorted(a) == sorted(b) and all(a[k].dtype == b[k].dtype and torch.equal(a[k], b[k]) for k in a)
print(json.dumps(out))
`,
          [work],
        )
      )
        .trim()
        .split("\n")
        .pop()!,
    );
    expect(same).toEqual({ "unet.safetensors": true, "embedding.safetensors": true });
    // ... which the product sees without reading a tensor: equal content hashes, and (deterministic
    // safetensors) byte-identical files
    expect(imp.checkpoint.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(imp.checkpoint.contentHash).toBe(checkpoint.contentHash);
    for (const name of ["unet.safetensors", "embedding.safetensors"]) expect(files[name]!.sha256, name).toBe(sha256(join(plainDir, name)));

    // the imported model is promptable like any other checkpoint
    const gen = await call(`mutation ($c: ID!) { generate(input: {checkpointId: $c, prompt: "a photo of <rare> backpack", seed: 1, steps: 1}) { id state } }`, {
      c: imp.checkpoint.id,
    });
    expect(gen.body.errors).toBeUndefined();
  });

  it("assembles a multipart upload only when every part is there with its size; a stranger cannot complete it", async () => {
    const file = join(singleFileDir, "model.safetensors");
    const bytes = readFileSync(file);
    const res = await call(
      `mutation ($n: Float!) { createModelImportMultipartUpload(filename: "model.safetensors", byteSize: $n, role: CHECKPOINT) { uploadId partBytes parts { partNumber url } expiresAt } }`,
      { n: bytes.length },
    );
    expect(res.body.errors).toBeUndefined();
    const up = res.body.data.createModelImportMultipartUpload;
    expect(up.partBytes).toBe(5 * MIB);
    expect(up.parts.map((p: { partNumber: number }) => p.partNumber)).toEqual([1, 2]);
    const complete = (key = owner.secret) => call(`mutation ($u: ID!) { completeModelImportUpload(uploadId: $u) }`, { u: up.uploadId }, key);
    const code = async (key?: string) => (await complete(key)).body.errors?.[0]?.extensions?.code;
    expect(await code()).toBe("PARTS_MISSING");
    const put = (n: number, body: Buffer) => fetch(up.parts[n - 1].url, { method: "PUT", body });
    expect((await put(1, bytes.subarray(0, 5 * MIB))).status).toBe(200);
    expect(await code()).toBe("PARTS_MISSING"); // part 2 of 2
    expect((await put(2, bytes.subarray(5 * MIB, bytes.length - 1))).status).toBe(200); // one byte short
    expect(await code()).toBe("PART_SIZE_MISMATCH");
    const staging = `uploads/teams/${owner.teamId}/imports/${up.uploadId}/model.safetensors`;
    expect(await objectExists(staging)).toBe(false); // nothing assembled while refused
    expect(await code(foreignKey)).toBe("NOT_FOUND"); // another team's key
    expect((await put(2, bytes.subarray(5 * MIB))).status).toBe(200); // the part again, whole
    expect((await complete()).body.data).toEqual({ completeModelImportUpload: true });
    expect((await complete()).body.data).toEqual({ completeModelImportUpload: true }); // again: nothing to do
    expect(await objectExists(staging)).toBe(true);
    // a single-POST upload has nothing to complete
    const small = await call(`mutation { createModelImportUpload(filename: "e.safetensors", byteSize: 100, role: EMBEDDING) { uploadId } }`);
    const none = await call(`mutation ($u: ID!) { completeModelImportUpload(uploadId: $u) }`, { u: small.body.data.createModelImportUpload.uploadId });
    expect(none.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "uploadId" });
  });

  it("refuses pickles and crafted headers before anything is queued, and stores nothing", async () => {
    await python(
      `
import pickle, sys, torch
torch.save({"w": torch.zeros(2)}, sys.argv[1] + "/zip.safetensors")
with open(sys.argv[1] + "/pickle.safetensors", "wb") as f:
    pickle.dump({"w": [0.0, 0.0]}, f, protocol=4)
`,
      [work],
    );
    const crafted = join(work, "crafted.safetensors");
    // declares 2^40 bytes of tensor data in a 100-byte file
    writeFileSync(crafted, safetensorsBytes({ w: { dtype: "F32", shape: [2 ** 38], data_offsets: [0, 2 ** 40] } }, Buffer.alloc(100)));
    const before = await counts();
    const cases: [string, string, string][] = [
      [join(work, "zip.safetensors"), "UNSAFE_FORMAT", "a zip"],
      [join(work, "pickle.safetensors"), "UNSAFE_FORMAT", "a pickle"],
      [crafted, "BAD_SAFETENSORS", "past the 100-byte data buffer"],
    ];
    for (const [file, code, message] of cases) {
      const uploadId = await upload(file, "CHECKPOINT");
      const db = openDb(services().databaseUrl, { max: 1 });
      const { rows } = await db.pool.query<{ object_key: string }>("select object_key from model_import_uploads where id = $1", [uploadId]);
      await db.close();
      const row = { objectKey: rows[0]!.object_key };
      expect(await objectExists(row.objectKey)).toBe(true);
      const res = await call(`mutation ($i: ImportModelInput!) { importModel(input: $i) { id } }`, {
        i: { name: "Evil", classNoun: "backpack", baseModel: "tiny-random", checkpointUploadId: uploadId },
      });
      expect(res.body.data).toBeNull();
      expect(res.body.errors![0]!.extensions).toMatchObject({ code, field: "checkpointUploadId" });
      expect(res.body.errors![0]!.message).toContain(message);
      if (code === "UNSAFE_FORMAT") expect(res.body.errors![0]!.message).toMatch(/only safetensors are accepted because pickle can run code/);
      expect(await objectExists(row.objectKey)).toBe(false); // the uploaded object is deleted
    }
    expect(await counts()).toEqual(before); // no import, upload, subject, run or checkpoint rows

    // a .ckpt name is refused before any upload URL is issued
    const ckpt = await call(`mutation { createModelImportUpload(filename: "model.ckpt", byteSize: 100, role: CHECKPOINT) { uploadId } }`);
    expect(ckpt.body.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filename" });
  });

  it("a valid safetensors file that is not a model of the base fails in the engine, and nothing stays behind", async () => {
    const notAModel = join(work, "tensor.safetensors");
    writeFileSync(notAModel, safetensorsBytes({ w: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, Buffer.alloc(8)));
    const before = await counts();
    const uploadId = await upload(notAModel, "CHECKPOINT");
    const res = await call(`mutation ($i: ImportModelInput!) { importModel(input: $i) { id } }`, {
      i: { name: "Not a model", classNoun: "backpack", baseModel: "tiny-random", checkpointUploadId: uploadId },
    });
    expect(res.body.errors).toBeUndefined();
    const imp = await untilFinal("modelImportUpdated", IMPORT_FIELDS, res.body.data.importModel.id);
    expect(imp.state).toBe("FAILED");
    expect(imp.error.code).toMatch(/BAD_CHECKPOINT|BASE_MODEL_MISMATCH/);
    expect(imp.run).toBeNull();
    expect(imp.checkpoint).toBeNull();
    expect(await counts()).toEqual({ ...before, model_imports: before.model_imports! + 1 });
    const listed: string[] = [];
    // neither the staging upload nor the API's validated copy of it stays behind
    for (const prefix of [`uploads/teams/${owner.teamId}/imports/${uploadId}/`, `teams/${owner.teamId}/imports/files/${uploadId}/`])
      for await (const o of minio().listObjectsV2(services().s3.bucket, prefix, true)) if (o.name) listed.push(o.name);
    expect(listed).toEqual([]);
  });

  it("keeps teams apart and roles in place", async () => {
    const foreign = await call(`mutation ($c: ID!) { exportCheckpoint(checkpointId: $c, format: SINGLE_FILE) { id } }`, { c: checkpoint.id }, foreignKey);
    expect(foreign.body.errors![0]!.extensions!.code).toBe("NOT_FOUND");
    const exps = await call(`query ($c: ID!) { checkpoint(id: $c) { exports { id } } }`, { c: checkpoint.id });
    const someExport = exps.body.data.checkpoint.exports[0].id as string;
    const seen = await call(`query ($id: ID!) { modelExport(id: $id) { id } }`, { id: someExport }, foreignKey);
    expect(seen.body.data.modelExport).toBeNull();
    // a VIEWER downloads but does not create models
    const viewerUpload = await call(`mutation { createModelImportUpload(filename: "m.safetensors", byteSize: 100, role: CHECKPOINT) { uploadId } }`, {}, viewerKey);
    expect(viewerUpload.body.errors![0]!.extensions!.code).toBe("FORBIDDEN");
    // half applies to single files only; a tampered archive token is refused
    const half = await call(`mutation ($c: ID!) { exportCheckpoint(checkpointId: $c, format: DIFFUSERS, half: true) { id } }`, { c: checkpoint.id });
    expect(half.body.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "half" });
    const url = new URL(api.url);
    const bad = await fetch(`${url.origin}/exports/${someExport}.tar?token=1.${"A".repeat(43)}`);
    expect(bad.status).toBe(404);
  });
});
