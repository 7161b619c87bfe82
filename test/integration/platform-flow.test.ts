import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as Minio from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "@studio/infra/paths";
import { gql, wsClient } from "../support/graphql.js";
import { startApi, startTrainer } from "../support/processes.js";
import { bootstrapTeam } from "../support/bootstrap.js";
import { postUpload } from "../support/images.js";
import { services } from "../support/services.js";

/**
 * The script flow of the platform issue, end to end over real HTTP and graphql-ws: subject →
 * presigned uploads → two-stage run on tiny-random → live events → checkpoints in MinIO → generate.
 */
const DATASET = join(repoRoot, "examples"); // the repository's example photos (examples/README.md)

type Event = { __typename: string; seq: number; [k: string]: unknown };

const RUN_EVENTS = /* GraphQL */ `
  subscription ($runId: ID!, $afterSeq: Int) {
    runEvents(runId: $runId, afterSeq: $afterSeq) {
      __typename
      ... on RunStateChanged {
        seq
        state
      }
      ... on StageStarted {
        seq
        stage
        totalSteps
      }
      ... on LossLogged {
        seq
        stage
        step
        loss
        learningRate
      }
      ... on SampleSaved {
        seq
        step
        prompt
        seed
        url
      }
      ... on CheckpointSaved {
        seq
        checkpoint {
          id
          stage
          step
          sha256
          sizeBytes
        }
      }
      ... on PhaseChanged {
        seq
        phase
        phaseState
        baseModel
        durationMs
      }
    }
  }
`;

function minio() {
  const s3 = services().s3;
  const url = new URL(s3.endpoint);
  return new Minio.Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey });
}

describe("platform: a script trains and prompts a personalized model", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let trainer: Awaited<ReturnType<typeof startTrainer>>;
  let key: string;
  const call = <T = any>(query: string, variables: Record<string, unknown> = {}) => gql<T>(api.url, query, variables, key);

  beforeAll(async () => {
    api = await startApi();
    trainer = await startTrainer();
    key = (await bootstrapTeam("Flow team")).secret;
  });
  afterAll(async () => {
    await trainer?.proc.stop();
    await api?.proc.stop();
  });

  it("runs the whole flow", async () => {
    const created = await call(`mutation { createSubject(input: {name: "Blue backpack", classNoun: "backpack", kind: OBJECT}) { id } }`);
    expect(created.body.errors).toBeUndefined();
    const subjectId = created.body.data.createSubject.id as string;

    const photos = readdirSync(join(DATASET, "backpack"))
      .filter((f) => f.endsWith(".jpg"))
      .sort()
      .slice(0, 5);
    for (const f of photos) {
      const bytes = readFileSync(join(DATASET, "backpack", f));
      const up = await call(
        `mutation ($s: ID!, $f: String!, $n: Int!) { createImageUpload(subjectId: $s, filename: $f, contentType: "image/jpeg", byteSize: $n) { uploadId url fields } }`,
        { s: subjectId, f, n: bytes.length },
      );
      expect(up.body.errors).toBeUndefined();
      const { uploadId, url, fields } = up.body.data.createImageUpload;
      const post = await postUpload(url, fields, bytes, { filename: f });
      expect(post.status).toBe(204);
      const added = await call(`mutation ($s: ID!, $u: ID!) { addSubjectImage(subjectId: $s, uploadId: $u) { id width height } }`, { s: subjectId, u: uploadId });
      expect(added.body.errors).toBeUndefined();
    }
    const subject = await call(`query ($id: ID!) { subject(id: $id) { images { id url width height } } }`, { id: subjectId });
    expect(subject.body.data.subject.images).toHaveLength(5);
    expect((await fetch(subject.body.data.subject.images[0].url)).status).toBe(200);

    const started = await call(
      `mutation ($s: ID!) { startRun(input: {subjectId: $s, method: TWO_STAGE, baseModel: "tiny-random", stage1Steps: 3, stage2Steps: 6, checkpointEvery: 3, samplePrompts: ["a photo of <rare> backpack"]}) { id state totalSteps } }`,
      { s: subjectId },
    );
    expect(started.body.errors).toBeUndefined();
    const run = started.body.data.startRun;
    expect(run.totalSteps).toBe(9);

    // Live events over graphql-ws until the run ends.
    const client = wsClient(api.wsUrl, key);
    const events: Event[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`run did not finish; events: ${JSON.stringify(events.slice(-5))}`)), 170_000);
      client.subscribe<{ runEvents: Event }>(
        { query: RUN_EVENTS, variables: { runId: run.id, afterSeq: 0 } },
        {
          next: (r) => {
            if (r.errors) return reject(new Error(JSON.stringify(r.errors)));
            const e = r.data!.runEvents;
            events.push(e);
            if (e.__typename === "RunStateChanged" && ["SUCCEEDED", "FAILED", "CANCELED"].includes(e.state as string)) {
              clearTimeout(timer);
              resolve();
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    await client.dispose();

    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1)); // no gap, no duplicate
    const states = events.filter((e) => e.__typename === "RunStateChanged").map((e) => e.state);
    expect(states).toEqual(["QUEUED", "RUNNING", "SUCCEEDED"]);
    const phases = events.filter((e) => e.__typename === "PhaseChanged").map((e) => `${e.phase}:${e.phaseState}:${e.baseModel}`);
    expect(phases).toEqual(["LOADING_BASE_MODEL:STARTED:tiny-random", "LOADING_BASE_MODEL:ENDED:tiny-random"]);
    expect(events.find((e) => e.__typename === "PhaseChanged" && e.phaseState === "ENDED")!.durationMs).toEqual(expect.any(Number));
    const losses = events.filter((e) => e.__typename === "LossLogged").map((e) => `${e.stage}:${e.step}`);
    expect(losses).toEqual([...[1, 2, 3].map((s) => `stage1:${s}`), ...[1, 2, 3, 4, 5, 6].map((s) => `stage2:${s}`)]);
    const samples = events.filter((e) => e.__typename === "SampleSaved");
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect((await fetch(samples[0]!.url as string)).status).toBe(200);
    const ckpts = events.filter((e) => e.__typename === "CheckpointSaved").map((e) => e.checkpoint as { id: string; stage: string; step: number; sha256: string });
    expect(ckpts.map((c) => `${c.stage}:${c.step}`)).toEqual(["stage1:3", "stage2:3", "stage2:6"]);

    // The checkpoint's objects exist in MinIO with the recorded sha256.
    const last = await call(`query ($id: ID!) { checkpoint(id: $id) { id sizeBytes contentHash downloadUrl files { name sizeBytes sha256 url } } }`, { id: ckpts[2]!.id });
    const files = last.body.data.checkpoint.files as { name: string; sizeBytes: number; sha256: string; url: string }[];
    // the private training state (bit-exact resume) is stored with the checkpoint but never listed
    expect(files.map((f) => f.name).sort()).toEqual(["checkpoint.json", "embedding.safetensors", "unet.safetensors"]);
    expect(last.body.data.checkpoint.contentHash).toMatch(/^[0-9a-f]{64}$/);
    for (const f of files) {
      const bytes = Buffer.from(await (await fetch(f.url)).arrayBuffer());
      expect(bytes.length).toBe(f.sizeBytes);
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(f.sha256);
    }
    const listed: string[] = [];
    for await (const o of minio().listObjectsV2(services().s3.bucket, "", true)) if (o.name) listed.push(o.name);
    expect(listed.filter((n) => n.includes(`/runs/${run.id}/checkpoints/a1/stage2-step-000006/`))).toHaveLength(3);

    // Prompt the checkpoint.
    const gen = await call(
      `mutation ($c: ID!) { generate(input: {checkpointId: $c, prompt: "a photo of <rare> backpack on the beach", seed: 5, steps: 2, count: 2}) { id state } }`,
      { c: ckpts[2]!.id },
    );
    expect(gen.body.errors).toBeUndefined();
    let generation: any;
    for (let i = 0; i < 240; i++) {
      generation = (await call(`query ($id: ID!) { generation(id: $id) { state images { url seed } error { code message } } }`, { id: gen.body.data.generate.id })).body.data
        .generation;
      if (["SUCCEEDED", "FAILED"].includes(generation.state)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(generation.state).toBe("SUCCEEDED");
    expect(generation.images.map((i: { seed: number }) => i.seed)).toEqual([5, 6]);
    const png = Buffer.from(await (await fetch(generation.images[0].url)).arrayBuffer());
    expect(png.subarray(1, 4).toString()).toBe("PNG");
  });

  it("cancelRun mid-stage-2 ends the run CANCELED within seconds and the engine is gone", async () => {
    const subjects = await call(`{ subjects(first: 1) { edges { node { id } } } }`);
    const subjectId = subjects.body.data.subjects.edges[0].node.id as string;
    const started = await call(
      `mutation ($s: ID!) { startRun(input: {subjectId: $s, method: TWO_STAGE, baseModel: "tiny-random", stage1Steps: 2, stage2Steps: 5000, checkpointEvery: 5000}) { id } }`,
      { s: subjectId },
    );
    const runId = started.body.data.startRun.id as string;
    const enginePids = () => {
      try {
        return execFileSync("pgrep", ["-f", `runs/${runId}-attempt`])
          .toString()
          .trim()
          .split("\n")
          .filter(Boolean);
      } catch {
        return []; // pgrep exits 1 when nothing matches
      }
    };
    const client = wsClient(api.wsUrl, key);
    let canceledAt = 0;
    let requestedAt = 0;
    let enginesAtCancel = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no CANCELED state within 120 s")), 120_000);
      client.subscribe<{ runEvents: Event }>(
        { query: RUN_EVENTS, variables: { runId, afterSeq: 0 } },
        {
          next: (r) => {
            const e = r.data!.runEvents;
            if (!requestedAt && e.__typename === "LossLogged" && e.stage === "stage2" && (e.step as number) >= 3) {
              requestedAt = Date.now();
              enginesAtCancel = enginePids().length;
              void call(`mutation ($id: ID!) { cancelRun(id: $id) { id } }`, { id: runId }).then((res) => {
                if (res.body.errors) reject(new Error(JSON.stringify(res.body.errors)));
              });
            }
            if (e.__typename === "RunStateChanged" && e.state === "CANCELED") {
              canceledAt = Date.now();
              clearTimeout(timer);
              resolve();
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    await client.dispose();
    expect(enginesAtCancel).toBeGreaterThan(0); // the engine was really training when cancel arrived
    expect(canceledAt - requestedAt).toBeLessThan(15_000);
    const run = await call(`query ($id: ID!) { run(id: $id) { state finishedAt } }`, { id: runId });
    expect(run.body.data.run.state).toBe("CANCELED");
    for (let i = 0; i < 20 && enginePids().length > 0; i++) await new Promise((r) => setTimeout(r, 250));
    expect(enginePids()).toEqual([]);
  });
});
