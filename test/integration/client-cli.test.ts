import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "@studio/infra/paths";
import { bootstrapTeam } from "../support/bootstrap.js";
import { gql } from "../support/graphql.js";
import { datasetDir } from "../support/images.js";
import { startApi, startTrainer } from "../support/processes.js";

/**
 * The scripting CLI (client/src/cli.ts) as a user runs it: a real child process against a real
 * API, trainer and engine (tiny-random), reading its stdout, stderr and exit code.
 */
interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Each stderr line with the ms (since spawn) it arrived at: shows progress is live. */
  stderrLines: { at: number; line: string }[];
}

const tsx = join(repoRoot, "node_modules", ".bin", "tsx");

function cli(entry: "client" | "studio", args: string[], env: Record<string, string>, timeoutMs = 170_000): Promise<CliResult> {
  const script = entry === "client" ? join(repoRoot, "client", "src", "cli.ts") : join(repoRoot, "infra", "src", "cli.ts");
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(tsx, [script, ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    const r: CliResult = { code: null, stdout: "", stderr: "", stderrLines: [] };
    let partial = "";
    child.stdout.on("data", (d: Buffer) => (r.stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      r.stderr += d.toString();
      const lines = (partial + d.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) r.stderrLines.push({ at: Date.now() - started, line });
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`studio ${args.join(" ")} did not exit within ${timeoutMs} ms:\n${r.stderr.slice(-3000)}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ ...r, code });
    });
  });
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

const parseNdjson = (s: string) =>
  s
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, any>);

describe("client CLI: scripts train and prompt through ./studio subjects|runs|generate", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let trainer: Awaited<ReturnType<typeof startTrainer>>;
  let work: string;
  let env: Record<string, string>;
  let subjectId: string;
  let checkpointId: string;
  const run = (args: string[], extra: Record<string, string> = {}) => cli("client", args, { ...env, ...extra });

  beforeAll(async () => {
    [api, trainer] = await Promise.all([startApi(), startTrainer()]);
    const key = (await bootstrapTeam("CLI team")).secret;
    work = await mkdtemp(join(tmpdir(), "studio-cli-"));
    await mkdir(join(work, "photos"));
    for (const f of ["00.jpg", "01.jpg", "02.jpg", "03.jpg"]) await copyFile(join(datasetDir, "backpack", f), join(work, "photos", f));
    env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: work,
      STUDIO_CONFIG_DIR: join(work, "config"),
      STUDIO_DATA_DIR: join(work, "no-data"),
      STUDIO_API_URL: api.url,
      STUDIO_API_KEY: key,
    };
  });
  afterAll(async () => {
    await trainer?.proc.stop();
    await api?.proc.stop();
  });

  it("subjects create uploads every photo of a folder and prints the subject id", async () => {
    const r = await run(["subjects", "create", "--name", "CLI backpack", "--class", "backpack", join(work, "photos")]);
    expect(r.code, r.stderr).toBe(0);
    subjectId = r.stdout.trim();
    expect(subjectId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.stderr.match(/✓ 0\d\.jpg/g)).toHaveLength(4);
    expect(r.stderr).not.toContain(env.STUDIO_API_KEY!);

    const listed = await run(["subjects", "list", "--json"]);
    expect(listed.code).toBe(0);
    const subject = JSON.parse(listed.stdout).subjects.find((s: { id: string }) => s.id === subjectId);
    expect(subject.images.map((i: { filename: string }) => i.filename)).toEqual(["00.jpg", "01.jpg", "02.jpg", "03.jpg"]);
  });

  it("runs start --watch shows live progress (stage, step, loss) and exits 0 when the run SUCCEEDED", async () => {
    const r = await run(["runs", "start", "--subject", subjectId, "--base-model", "tiny-random", "--stage1-steps", "2", "--stage2-steps", "2", "--watch"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderrLines.map((l) => l.line);
    expect(lines).toContain("stage stage1 started (2 steps)");
    expect(lines).toContain("stage stage2 started (2 steps)");
    const steps = r.stderrLines.filter((l) => /^stage[12] step \d\/2 {2}loss \d+\.\d{4}/.test(l.line));
    expect(steps.map((l) => l.line.split("  ")[0])).toEqual(["stage1 step 1/2", "stage1 step 2/2", "stage2 step 1/2", "stage2 step 2/2"]);
    expect(lines.at(-1)).toBe("state SUCCEEDED");
    // live, not printed at the end: the first step arrived well before the run finished
    const finishedAt = r.stderrLines.find((l) => l.line === "state SUCCEEDED")!.at;
    expect(finishedAt - steps[0]!.at).toBeGreaterThan(200);
    expect(r.stdout).toMatch(/^run [0-9a-f-]{36} SUCCEEDED\n/);
    const ckpt = r.stdout.match(/checkpoint ([0-9a-f-]{36}) {2}stage2 step 2/);
    expect(ckpt).not.toBeNull();
    checkpointId = ckpt![1]!;
  });

  it("runs start --watch --json prints NDJSON events, then a final SUCCEEDED result", async () => {
    const r = await run(["runs", "start", "--subject", subjectId, "--base-model", "tiny-random", "--stage1-steps", "2", "--stage2-steps", "2", "--watch", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const docs = parseNdjson(r.stdout);
    expect(docs[0]!.type).toBe("started");
    const runId = docs[0]!.run.id as string;
    const events = docs.filter((d) => d.type === "event");
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1)); // no gap, no duplicate
    expect(events.every((e) => e.runId === runId)).toBe(true);
    const losses = events.filter((e) => e.__typename === "LossLogged");
    expect(losses.map((e) => `${e.stage}:${e.step}`)).toEqual(["stage1:1", "stage1:2", "stage2:1", "stage2:2"]);
    expect(losses.every((e) => typeof e.loss === "number" && Number.isFinite(e.loss))).toBe(true);
    const result = docs.at(-1)!;
    expect(result).toMatchObject({ type: "result", ok: true, run: { id: runId, state: "SUCCEEDED", step: 4, totalSteps: 4 } });

    // watching a finished run replays it and ends the same way
    const again = await run(["runs", "watch", runId, "--json"]);
    expect(again.code).toBe(0);
    expect(parseNdjson(again.stdout).at(-1)).toMatchObject({ type: "result", ok: true, run: { id: runId } });
  });

  it("generate waits for the images and saves PNGs that decode", async () => {
    const out = join(work, "gen");
    const r = await run([
      "generate",
      "--checkpoint",
      checkpointId,
      "a photo of <rare> backpack on the beach",
      "--count",
      "2",
      "--seed",
      "3",
      "--steps",
      "2",
      "--out",
      out,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.generation.images.map((i: { seed: number }) => i.seed)).toEqual([3, 4]);
    expect(doc.files).toHaveLength(2);
    for (const f of doc.files as string[]) {
      expect(f.startsWith(out)).toBe(true);
      const meta = await sharp(f).metadata();
      expect(meta.format).toBe("png");
      expect(meta.width).toBeGreaterThan(0);
    }
  });

  it("export --format single-file --json streams every file to disk with the API's sha256; --tar saves the archive", async () => {
    const out = join(work, "export-sf");
    const r = await run(["export", "--checkpoint", checkpointId, "--format", "single-file", "--out", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, dir: out, export: { state: "SUCCEEDED", format: "SINGLE_FILE", half: false, checkpoint: { id: checkpointId } } });
    expect(r.stderr).toMatch(/export [0-9a-f-]{36}: SUCCEEDED/);

    // the API's own record of the files, asked separately
    const api = await gql<any>(env.STUDIO_API_URL!, `query ($id: ID!) { modelExport(id: $id) { files { name sizeBytes sha256 } } }`, { id: doc.export.id }, env.STUDIO_API_KEY);
    const recorded = api.body.data.modelExport.files as { name: string; sizeBytes: number; sha256: string }[];
    expect(recorded.map((f) => f.name)).toEqual(expect.arrayContaining(["model.safetensors", "rare.safetensors", "README.md", "studio-export.json"]));
    expect(doc.files.map((f: { name: string }) => f.name)).toEqual(recorded.map((f) => f.name));
    for (const f of recorded) {
      const path = join(out, f.name);
      expect((await stat(path)).size, f.name).toBe(f.sizeBytes);
      expect(await sha256File(path), f.name).toBe(f.sha256);
    }
    expect(await filesUnder(out)).toEqual(recorded.map((f) => f.name).sort()); // no temp files left behind
    expect(r.stderr).toContain("stable-diffusion-webui/models/Stable-diffusion/");
    expect(r.stderr).toContain("stable-diffusion-webui/embeddings/");
    expect(r.stderr).toContain("ComfyUI/models/checkpoints/");

    // again: the export is reused and the files already there are kept
    const again = await run(["export", "--checkpoint", checkpointId, "--format", "single-file", "--out", out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("= model.safetensors");
    expect(again.stdout.trim().split("\n")).toHaveLength(recorded.length); // one "path  size" line per file

    const tarPath = join(work, "sf.tar");
    const tar = await run(["export", "--checkpoint", checkpointId, "--format", "single-file", "--tar", "--out", tarPath, "--json"]);
    expect(tar.code, tar.stderr).toBe(0);
    expect(JSON.parse(tar.stdout)).toMatchObject({ ok: true, archive: tarPath, root: expect.stringMatching(/^model-single-file-/) });
    const listed = execFileSync("tar", ["-tf", tarPath], { encoding: "utf8" }).trim().split("\n");
    expect(listed.map((l) => l.slice(l.indexOf("/") + 1)).sort()).toEqual(recorded.map((f) => f.name).sort());
  });

  it("export --format diffusers prints how to load it with diffusers", async () => {
    const out = join(work, "export-diffusers");
    const r = await run(["export", "--checkpoint", checkpointId, "--format", "diffusers", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(join(out, "unet", "diffusion_pytorch_model.safetensors"));
    expect(r.stderr).toContain(`StableDiffusionPipeline.from_pretrained(${JSON.stringify(out)})`);
    expect(r.stderr).toContain(`pipe.load_textual_inversion(${JSON.stringify(join(out, "learned_embeds.safetensors"))}, token="<rare>")`);

    const half = await run(["export", "--checkpoint", checkpointId, "--format", "diffusers", "--half"]);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain("--half applies to --format single-file only");
  });

  it("import of the exported single file succeeds and prints a checkpoint that generate can prompt", async () => {
    const dir = join(work, "export-sf");
    const r = await run([
      "import",
      "--name",
      "Imported backpack",
      "--class",
      "backpack",
      "--token",
      "<rare>",
      join(dir, "model.safetensors"),
      "--embedding",
      join(dir, "rare.safetensors"),
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    // --base-model came from the export's studio-export.json
    expect(doc).toMatchObject({ ok: true, import: { state: "SUCCEEDED", name: "Imported backpack", baseModel: "tiny-random", token: "<rare>" } });
    expect(doc.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(doc.checkpointId).toMatch(/^[0-9a-f-]{36}$/);
    expect(doc.checkpointId).not.toBe(checkpointId);
    expect(r.stderr).toMatch(/uploading model\.safetensors .*\n✓ model\.safetensors/);

    const shown = await run(["runs", "show", doc.runId, "--json"]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ state: "SUCCEEDED", subject: { name: "Imported backpack" }, checkpoints: [{ id: doc.checkpointId }] });

    const gen = await run([
      "generate",
      "--checkpoint",
      doc.checkpointId,
      "a photo of <rare> backpack",
      "--count",
      "1",
      "--steps",
      "1",
      "--out",
      join(work, "gen-imported"),
      "--json",
    ]);
    expect(gen.code, gen.stderr).toBe(0);
    expect(JSON.parse(gen.stdout)).toMatchObject({ ok: true, generation: { state: "SUCCEEDED" } });
  });

  it("import refuses a pickle (the API's UNSAFE_FORMAT) and a non-.safetensors name (locally) with exit 2", async () => {
    const pickle = join(work, "x.safetensors");
    // a pickle protocol-4 stream (PROTO 4, FRAME …) under a .safetensors name
    await writeFile(pickle, Buffer.concat([Buffer.from([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x94]), Buffer.alloc(64, 0x2e)]));
    const before = JSON.parse((await run(["subjects", "list", "--json"])).stdout).subjects.length;
    const r = await run(["import", "--name", "Evil", "--class", "backpack", "--base-model", "tiny-random", "--token", "<rare>", pickle, "--json"]);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: "UNSAFE_FORMAT", field: "checkpointUploadId" });
    expect(r.stderr).toContain("UNSAFE_FORMAT (checkpointUploadId)");
    expect(r.stderr).toMatch(/only safetensors are accepted because pickle can run code/);
    expect(JSON.parse((await run(["subjects", "list", "--json"])).stdout).subjects.length).toBe(before);

    const ckpt = join(work, "model.ckpt");
    await writeFile(ckpt, Buffer.from([0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0]));
    const local = await run(["import", "--name", "Evil", "--class", "backpack", "--token", "<rare>", ckpt]);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain("only .safetensors files can be imported");
  });

  it("bad input: a missing folder and a wrong class noun exit 2 and change nothing; an unknown run exits 1 with NOT_FOUND", async () => {
    const before = JSON.parse((await run(["subjects", "list", "--json"])).stdout).subjects.length;

    const missing = await run(["subjects", "create", "--class", "backpack", join(work, "nope")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such folder");

    const badClass = await run(["subjects", "create", "--class", "Dogs!", join(work, "photos"), "--json"]);
    expect(badClass.code).toBe(2);
    expect(JSON.parse(badClass.stdout).error).toMatchObject({ code: "BAD_USER_INPUT", field: "classNoun" });
    expect(badClass.stderr).toContain("BAD_USER_INPUT (classNoun)");

    const after = JSON.parse((await run(["subjects", "list", "--json"])).stdout).subjects.length;
    expect(after).toBe(before);

    const unknown = await run(["runs", "show", "00000000-0000-4000-8000-000000000000", "--json"]);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).error.code).toBe("NOT_FOUND");

    const badSteps = await run(["runs", "start", "--subject", subjectId, "--stage1-steps", "0"]);
    expect(badSteps.code).toBe(2);
    expect(badSteps.stderr).toContain("--stage1-steps must be an integer from 1 to 20000");
  });

  it("a photo the API rejects is reported with its code, the others upload, and the exit code is 1", async () => {
    const dir = join(work, "mixed");
    await mkdir(dir);
    await copyFile(join(datasetDir, "backpack", "00.jpg"), join(dir, "a.jpg"));
    await writeFile(join(dir, "b.jpg"), "this is not a JPEG");
    const r = await run(["subjects", "create", "--class", "backpack", dir, "--json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.failed).toBe(1);
    expect(doc.uploads[0]).toMatchObject({ ok: true });
    expect(doc.uploads[1]).toMatchObject({ ok: false, error: { code: "BAD_USER_INPUT" } });
    expect(r.stderr).toMatch(/✗ b\.jpg {2}BAD_USER_INPUT/);
  });

  it("no API or a bad key exits 3 with a clear message; ./studio forwards to the same CLI", async () => {
    const down = await run(["runs", "list"], { STUDIO_API_URL: "http://127.0.0.1:9/graphql" });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain("cannot reach the API at http://127.0.0.1:9/graphql");

    const badKey = await run(["whoami", "--json"], { STUDIO_API_KEY: "sk_not_a_key" });
    expect(badKey.code).toBe(3);
    expect(JSON.parse(badKey.stdout).error.code).toBe("UNAUTHENTICATED");

    const viaStudio = await cli("studio", ["whoami", "--json"], env);
    expect(viaStudio.code, viaStudio.stderr).toBe(0);
    expect(JSON.parse(viaStudio.stdout).team.name).toBe("CLI team");
  });
});
