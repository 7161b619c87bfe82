import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { isTransient, StudioError } from "./client.errors.js";
import type * as G from "./generated/graphql.js";
import { GraphQLTransport, type FetchLike } from "./graphql.transport.js";
import { uploadContentType } from "./image.sniff.js";
import { EVALUATE_CHECKPOINT, EVALUATION, CHECKPOINT_EVALUATIONS, EVALUATION_UPDATED } from "./operations/evaluations.js";
import { GENERATE, GENERATION, GENERATION_UPDATED } from "./operations/generations.js";
import { CANCEL_RUN, CHECKPOINT, RUN, RUN_EVENTS, RUNS, START_RUN } from "./operations/runs.js";
import { ADD_SUBJECT_IMAGE, CREATE_IMAGE_UPLOAD, CREATE_SUBJECT, SUBJECT, SUBJECTS } from "./operations/subjects.js";
import { CREATE_SHARE, REVOKE_SHARE, SHARED_WITH_ME, SHARES } from "./operations/sharing.js";
import { BASE_MODELS, VIEWER } from "./operations/viewer.js";
import { watchRunEvents, type RunEvent, type WatchOptions } from "./run.watch.js";

export interface StudioClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** An API key (sk_…); every call but health needs one. */
  apiKey?: string | undefined;
  /** For tests or proxies; defaults to the global fetch. */
  fetch?: FetchLike | undefined;
  /** Defaults to `url` with ws:// or wss://. */
  wsUrl?: string | undefined;
}

export type Run = G.RunFieldsFragment;
export type Subject = G.SubjectFieldsFragment;
export type Generation = G.GenerationFieldsFragment;
export type Evaluation = G.EvaluationFieldsFragment;
export type Checkpoint = NonNullable<G.CheckpointQuery["checkpoint"]>;
export type Share = G.ShareFieldsFragment;
export type CreatedShare = G.CreateShareMutation["createShare"];
export type SubjectImage = G.AddSubjectImageMutation["addSubjectImage"];
export type { RunEvent };

/** A file to upload: a path, or bytes with the name to record. */
export type UploadSource = string | { filename: string; bytes: Uint8Array };

const TERMINAL_GENERATION: readonly G.GenerationState[] = ["SUCCEEDED", "FAILED"];
const TERMINAL_EVALUATION: readonly G.EvaluationState[] = ["SUCCEEDED", "FAILED"];

/**
 * A typed client of the studio's GraphQL API (types generated from api/schema). Errors are
 * StudioError with the API's `extensions.code`; a dead API is `UNREACHABLE`.
 */
export class StudioClient {
  private readonly t: GraphQLTransport;

  constructor(opts: StudioClientOptions) {
    this.t = new GraphQLTransport(opts);
  }

  get url(): string {
    return this.t.url;
  }

  /** Closes the WebSocket, if one is open. */
  close(): Promise<void> {
    return this.t.close();
  }

  // ── who am I ────────────────────────────────────────────────────────────
  async viewer(): Promise<G.ViewerQuery["viewer"]> {
    return (await this.t.request<G.ViewerQuery>(VIEWER)).viewer;
  }

  async baseModels(): Promise<G.BaseModelsQuery["baseModels"]> {
    return (await this.t.request<G.BaseModelsQuery>(BASE_MODELS)).baseModels;
  }

  // ── subjects ────────────────────────────────────────────────────────────
  async subjects(vars: G.SubjectsQueryVariables = {}): Promise<G.SubjectsQuery["subjects"]> {
    return (await this.t.request<G.SubjectsQuery, G.SubjectsQueryVariables>(SUBJECTS, vars)).subjects;
  }

  async subject(id: string): Promise<Subject | null> {
    return (await this.t.request<G.SubjectQuery, G.SubjectQueryVariables>(SUBJECT, { id })).subject;
  }

  async createSubject(input: G.CreateSubjectInput): Promise<Subject> {
    return (await this.t.request<G.CreateSubjectMutation, G.CreateSubjectMutationVariables>(CREATE_SUBJECT, { input })).createSubject;
  }

  /**
   * The upload dance: ask for a presigned PUT (content type sniffed from the bytes), PUT the bytes
   * with exactly the headers the API gave, then add the image (the API validates it there).
   */
  async uploadSubjectImage(subjectId: string, source: UploadSource): Promise<SubjectImage> {
    const { filename, bytes } = typeof source === "string" ? { filename: basename(source), bytes: await readFile(source) } : source;
    const contentType = uploadContentType(filename, bytes);
    if (!contentType) throw new StudioError("UNSUPPORTED_FILE", `${filename} is not a JPEG, PNG or WebP image`);
    const up = (
      await this.t.request<G.CreateImageUploadMutation, G.CreateImageUploadMutationVariables>(CREATE_IMAGE_UPLOAD, {
        subjectId,
        filename,
        contentType,
        byteSize: bytes.length,
      })
    ).createImageUpload;
    await this.put(up.url, up.headers as Record<string, string>, bytes, filename);
    const added = await this.t.request<G.AddSubjectImageMutation, G.AddSubjectImageMutationVariables>(ADD_SUBJECT_IMAGE, {
      subjectId,
      uploadId: up.uploadId,
    });
    return added.addSubjectImage;
  }

  // ── runs ────────────────────────────────────────────────────────────────
  async startRun(input: G.StartRunInput): Promise<Run> {
    return (await this.t.request<G.StartRunMutation, G.StartRunMutationVariables>(START_RUN, { input })).startRun;
  }

  async run(id: string): Promise<Run | null> {
    return (await this.t.request<G.RunQuery, G.RunQueryVariables>(RUN, { id })).run;
  }

  async runs(vars: G.RunsQueryVariables = {}): Promise<G.RunsQuery["runs"]> {
    return (await this.t.request<G.RunsQuery, G.RunsQueryVariables>(RUNS, vars)).runs;
  }

  async cancelRun(id: string): Promise<Run> {
    return (await this.t.request<G.CancelRunMutation, G.CancelRunMutationVariables>(CANCEL_RUN, { id })).cancelRun;
  }

  /**
   * The run's events (history after `afterSeq`, then live) until it SUCCEEDED, FAILED or was
   * CANCELED. A dropped connection is resumed with afterSeq: no gap, no duplicate.
   */
  watchRun(runId: string, opts: WatchOptions = {}): AsyncGenerator<RunEvent> {
    return watchRunEvents(
      (afterSeq) => mapIter(this.t.subscribe<G.RunEventsSubscription>(RUN_EVENTS, { runId, afterSeq }), (d) => d.runEvents),
      opts,
    );
  }

  async checkpoint(id: string): Promise<Checkpoint | null> {
    return (await this.t.request<G.CheckpointQuery, G.CheckpointQueryVariables>(CHECKPOINT, { id })).checkpoint;
  }

  /** Downloads every file of a checkpoint into `dir`, checking each sha256; returns the paths. */
  async downloadCheckpoint(id: string, dir: string): Promise<string[]> {
    const ckpt = await this.checkpoint(id);
    if (!ckpt) throw new StudioError("NOT_FOUND", `checkpoint ${id} not found`);
    await mkdir(dir, { recursive: true });
    const paths: string[] = [];
    for (const f of ckpt.files) {
      const bytes = await this.download(f.url, f.name);
      const sha = createHash("sha256").update(bytes).digest("hex");
      if (sha !== f.sha256) throw new StudioError("DOWNLOAD_FAILED", `${f.name}: sha256 ${sha} does not match the recorded ${f.sha256}`);
      const path = join(dir, basename(f.name));
      await writeFile(path, bytes);
      paths.push(path);
    }
    return paths;
  }

  // ── generations ─────────────────────────────────────────────────────────
  async generate(input: G.GenerateInput): Promise<Generation> {
    return (await this.t.request<G.GenerateMutation, G.GenerateMutationVariables>(GENERATE, { input })).generate;
  }

  async generation(id: string): Promise<Generation | null> {
    return (await this.t.request<G.GenerationQuery, G.GenerationQueryVariables>(GENERATION, { id })).generation;
  }

  /** Follows generationUpdated until SUCCEEDED or FAILED; `onUpdate` sees every state. */
  waitForGeneration(id: string, onUpdate?: (g: Generation) => void): Promise<Generation> {
    return this.follow(
      () => mapIter(this.t.subscribe<G.GenerationUpdatedSubscription>(GENERATION_UPDATED, { id }), (d) => d.generationUpdated),
      (g) => TERMINAL_GENERATION.includes(g.state),
      onUpdate,
    );
  }

  /** Saves a generation's images as `<prefix>-<index>-seed-<seed>.png` in `dir`; returns the paths. */
  async saveGenerationImages(g: Generation, dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const paths: string[] = [];
    for (const img of g.images) {
      const path = join(dir, `generation-${g.id.slice(0, 8)}-${img.index}-seed-${img.seed}.png`);
      await writeFile(path, await this.download(img.url, basename(path)));
      paths.push(path);
    }
    return paths;
  }

  // ── evaluations (docs/evaluation-contract.md) ───────────────────────────
  async evaluateCheckpoint(checkpointId: string, protocol: G.EvaluationProtocol = "QUICK"): Promise<Evaluation> {
    const r = await this.t.request<G.EvaluateCheckpointMutation, G.EvaluateCheckpointMutationVariables>(EVALUATE_CHECKPOINT, {
      checkpointId,
      protocol,
    });
    return r.evaluateCheckpoint;
  }

  async evaluation(id: string): Promise<Evaluation | null> {
    return (await this.t.request<G.EvaluationQuery, G.EvaluationQueryVariables>(EVALUATION, { id })).evaluation;
  }

  /** A checkpoint's evaluations, newest first. */
  async evaluations(checkpointId: string): Promise<Evaluation[]> {
    const r = await this.t.request<G.CheckpointEvaluationsQuery, G.CheckpointEvaluationsQueryVariables>(CHECKPOINT_EVALUATIONS, {
      id: checkpointId,
    });
    if (!r.checkpoint) throw new StudioError("NOT_FOUND", `checkpoint ${checkpointId} not found`);
    return r.checkpoint.evaluations;
  }

  /** Follows evaluationUpdated until SUCCEEDED or FAILED. */
  waitForEvaluation(id: string, onUpdate?: (e: Evaluation) => void): Promise<Evaluation> {
    return this.follow(
      () => mapIter(this.t.subscribe<G.EvaluationUpdatedSubscription>(EVALUATION_UPDATED, { id }), (d) => d.evaluationUpdated),
      (e) => TERMINAL_EVALUATION.includes(e.state),
      onUpdate,
    );
  }

  // ── sharing (api/schema/sharing.graphql) ──────────────────────────────
  /** OWNER. A TEAM share (targetTeamId) or a LINK (token `shl_…`, shown only in this answer). */
  async createShare(input: G.CreateShareInput): Promise<CreatedShare> {
    return (await this.t.request<G.CreateShareMutation, G.CreateShareMutationVariables>(CREATE_SHARE, { input })).createShare;
  }

  async revokeShare(id: string): Promise<Share> {
    return (await this.t.request<G.RevokeShareMutation, G.RevokeShareMutationVariables>(REVOKE_SHARE, { id })).revokeShare;
  }

  /** The team's outgoing shares (of one run, or all), newest first. */
  async shares(runId?: string): Promise<Share[]> {
    return (await this.t.request<G.SharesQuery, G.SharesQueryVariables>(SHARES, { runId: runId ?? null })).shares;
  }

  async sharedWithMe(): Promise<G.SharedWithMeQuery["sharedWithMe"]> {
    return (await this.t.request<G.SharedWithMeQuery>(SHARED_WITH_ME)).sharedWithMe;
  }

  // ── helpers ─────────────────────────────────────────────────────────────
  /**
   * For subscriptions that send the current state first: resubscribing after a dropped
   * connection loses nothing, so transient failures are retried a few times.
   */
  private async follow<T>(open: () => AsyncIterable<T>, done: (v: T) => boolean, onUpdate?: (v: T) => void): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const v of open()) {
          onUpdate?.(v);
          if (done(v)) return v;
        }
        throw new StudioError("CONNECTION_LOST", "the API ended the subscription early");
      } catch (err) {
        if (!isTransient(err) || attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
  }

  private async put(url: string, headers: Record<string, string>, bytes: Uint8Array, filename: string): Promise<void> {
    let res: Response;
    try {
      res = await this.t.fetch(url, { method: "PUT", headers, body: bytes });
    } catch (err) {
      throw new StudioError("UPLOAD_FAILED", `${filename}: cannot reach object storage at ${new URL(url).origin}`, undefined, [], { cause: err });
    }
    if (!res.ok) throw new StudioError("UPLOAD_FAILED", `${filename}: storage answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  }

  private async download(url: string, what: string): Promise<Buffer> {
    let res: Response;
    try {
      res = await this.t.fetch(url);
    } catch (err) {
      throw new StudioError("DOWNLOAD_FAILED", `${what}: cannot reach object storage at ${new URL(url).origin}`, undefined, [], { cause: err });
    }
    if (!res.ok) throw new StudioError("DOWNLOAD_FAILED", `${what}: storage answered HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }
}

async function* mapIter<A, B>(src: AsyncIterable<A>, f: (a: A) => B): AsyncGenerator<B> {
  for await (const a of src) yield f(a);
}
