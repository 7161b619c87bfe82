import { access, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { objectKeys, workerQueries } from "@studio/db";
import { keepLease } from "../lease/lease.keeper.js";
import { runEngineCommand, safeRelativeName, TransferError, TransferWorker, type EngineFile } from "./transfer.engine.js";

const FORMAT_ARG = { DIFFUSERS: "diffusers", SINGLE_FILE: "single-file", CHECKPOINT: "checkpoint" } as const;

function contentType(name: string): string {
  if (name.endsWith(".json")) return "application/json";
  if (name.endsWith(".md")) return "text/markdown; charset=utf-8";
  if (name.endsWith(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

/**
 * Exports one claimed checkpoint at a time: download it (or reuse the generation cache), run
 * `studio_engine export`, stream every file it wrote to storage (hashed on the way; verified against
 * the engine's sha256 and size) under `teams/{teamId}/exports/{exportId}/{name}`, then record the files.
 * A failure deletes what was uploaded and stores the engine's code and message.
 */
export class ExportWorker extends TransferWorker<workerQueries.ClaimedExport> {
  protected claim() {
    return workerQueries.claimExport(this.db, this.config.TRAINER_ID, this.config.TRAINER_LEASE_MS);
  }

  protected async execute(e: workerQueries.ClaimedExport): Promise<void> {
    const owner = { owner: this.config.TRAINER_ID, attempt: e.attempt };
    const workDir = join(this.config.TRAINER_WORK_DIR, "exports", `${e.id}-attempt-${e.attempt}`);
    const lease = keepLease(
      this.config,
      `export ${e.id}`,
      () => workerQueries.heartbeatExport(this.db, e.id, owner, this.config.TRAINER_LEASE_MS),
      () => this.engine,
      this.log,
    );
    const uploaded: string[] = [];
    this.log("info", `export ${e.id}: claimed (${e.format}${e.half ? ", half" : ""}, checkpoint ${e.checkpointId})`);
    try {
      let outcome: workerQueries.TransferOutcome;
      try {
        const inputs = await workerQueries.exportInputs(this.db, e.checkpointId);
        if (!inputs) throw new TransferError("CHECKPOINT_NOT_FOUND", `checkpoint ${e.checkpointId} does not exist`);
        await rm(workDir, { recursive: true, force: true });
        const checkpoint = await this.checkpointDir(inputs.checkpointId, inputs.files, workDir);
        const out = join(workDir, "out");
        const args = ["export", "--model", inputs.baseModel, "--checkpoint", checkpoint, "--format", FORMAT_ARG[e.format], "--out", out];
        const events = await runEngineCommand(this.config, e.half ? [...args, "--half"] : args, (engine) => (this.engine = engine));
        const files: workerQueries.TransferFile[] = [];
        for (const f of events.filter((x) => x.type === "export.file") as unknown as EngineFile[]) {
          const name = safeRelativeName(f.name);
          const key = objectKeys.exportFile(e.teamId, e.id, e.attempt, name);
          uploaded.push(key);
          const up = await this.storage.upload(f.path, key, contentType(name));
          if (up.sha256 !== f.sha256 || up.sizeBytes !== f.bytes)
            throw new TransferError("EXPORT_VERIFY_FAILED", `${name}: uploaded sha256 ${up.sha256} (${up.sizeBytes} bytes), engine reported ${f.sha256} (${f.bytes} bytes)`);
          files.push({ name, objectKey: key, sizeBytes: up.sizeBytes, sha256: up.sha256 });
        }
        if (files.length === 0) throw new TransferError("PROTOCOL_ERROR", "the engine reported no exported files");
        outcome = { state: "SUCCEEDED", files };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        outcome = { state: "FAILED", errorCode: typeof code === "string" ? code : "EXPORT_FAILED", errorMessage: (err as Error).message };
      }
      if (lease.lost) return void this.log("warn", `export ${e.id}: lease lost; leaving it to its new owner`);
      if (this.stopping && outcome.state === "FAILED") return; // our own shutdown: the lease lets another trainer redo it
      if (outcome.state === "FAILED") await this.storage.remove(...uploaded).catch(() => undefined);
      try {
        await workerQueries.finishExport(this.db, e.id, owner, outcome);
        this.log("info", `export ${e.id}: ${outcome.state}${outcome.state === "FAILED" ? ` (${outcome.errorCode}: ${outcome.errorMessage})` : ""}`);
      } catch (err) {
        if (!(err instanceof workerQueries.LeaseLostError)) throw err;
        this.log("warn", `export ${e.id}: lease lost before the final state`);
      }
    } finally {
      lease.stop();
      this.engine = null;
      await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /**
   * The checkpoint folder: the generation worker's cache when it already holds it (immutable, read
   * only here), otherwise a download into this job's folder (never into the cache, whose writer is
   * the generation worker).
   */
  private async checkpointDir(checkpointId: string, files: { name: string; objectKey: string; sizeBytes: number; sha256: string }[], workDir: string): Promise<string> {
    const cached = join(this.config.TRAINER_WORK_DIR, "checkpoint-cache", checkpointId);
    if (
      await access(join(cached, "checkpoint.json")).then(
        () => true,
        () => false,
      )
    )
      return cached;
    const dir = join(workDir, "checkpoint");
    for (const f of files) await this.storage.download(f.objectKey, join(dir, basename(f.name)), f);
    return dir;
  }
}
