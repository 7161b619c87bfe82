import { randomUUID } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { objectKeys, workerQueries } from "@studio/db";
import { keepLease } from "../lease/lease.keeper.js";
import { runEngineCommand, safeRelativeName, TransferError, TransferWorker, type EngineFile } from "./transfer.engine.js";

const METHODS = ["TWO_STAGE", "DREAMBOOTH", "TEXTUAL_INVERSION"] as const;

interface CheckpointSaved {
  stage: string;
  step: number;
  path: string;
  files: EngineFile[];
}

/**
 * Imports one claimed model at a time: download the uploaded files, run `studio_engine import` (which
 * checks them again with its safetensors guard and writes a checkpoint folder like training does),
 * upload that folder as run.recorder does for a trained checkpoint, and record — in one transaction —
 * a Subject, a SUCCEEDED Run and its Checkpoint, so the model is promptable like any other. On failure
 * nothing is recorded but the import's FAILED state, and every object it touched is deleted.
 */
export class ImportWorker extends TransferWorker<workerQueries.ClaimedImport> {
  protected claim() {
    return workerQueries.claimImport(this.db, this.config.TRAINER_ID, this.config.TRAINER_LEASE_MS);
  }

  protected async execute(imp: workerQueries.ClaimedImport): Promise<void> {
    const owner = { owner: this.config.TRAINER_ID, attempt: imp.attempt };
    const workDir = join(this.config.TRAINER_WORK_DIR, "imports", `${imp.id}-attempt-${imp.attempt}`);
    const lease = keepLease(
      this.config,
      `import ${imp.id}`,
      () => workerQueries.heartbeatImport(this.db, imp.id, owner, this.config.TRAINER_LEASE_MS),
      () => this.engine,
      this.log,
    );
    const sources = imp.uploads.map((u) => u.objectKey);
    const uploaded: string[] = [];
    this.log("info", `import ${imp.id}: claimed (${imp.baseModel}, ${imp.uploads.length} file(s))`);
    try {
      try {
        await rm(workDir, { recursive: true, force: true });
        const local: Record<string, string> = {};
        for (const u of imp.uploads) {
          const file = join(workDir, "in", u.role.toLowerCase(), basename(u.objectKey));
          await this.storage.download(u.objectKey, file, u); // size + sha256 the API recorded for its validated copy
          local[u.role] = file;
        }
        if (!local.CHECKPOINT) throw new TransferError("BAD_IMPORT", "the import has no CHECKPOINT file");
        const args = ["import", "--model", imp.baseModel, "--file", local.CHECKPOINT, "--out", join(workDir, "out", "checkpoint")];
        if (local.EMBEDDING) args.push("--embedding", local.EMBEDDING);
        if (imp.token) args.push("--token", imp.token);
        const events = await runEngineCommand(this.config, args, (engine) => (this.engine = engine));
        const saved = events.find((e) => e.type === "checkpoint.saved") as unknown as CheckpointSaved | undefined;
        if (!saved) throw new TransferError("PROTOCOL_ERROR", "the engine's import reported no checkpoint.saved");
        const meta = JSON.parse(await readFile(join(saved.path, "checkpoint.json"), "utf8")) as Record<string, unknown>;

        const runId = randomUUID();
        const prefix = objectKeys.checkpointFolder({ teamId: imp.teamId, runId, attempt: null, stage: saved.stage, step: saved.step });
        const files: workerQueries.TransferFile[] = [];
        for (const f of saved.files) {
          const name = safeRelativeName(f.name);
          const key = `${prefix}/${name}`;
          uploaded.push(key);
          const up = await this.storage.upload(f.path, key, name.endsWith(".json") ? "application/json" : "application/octet-stream");
          if (up.sha256 !== f.sha256 || up.sizeBytes !== f.bytes)
            throw new TransferError("CHECKPOINT_VERIFY_FAILED", `${name}: uploaded sha256 ${up.sha256} (${up.sizeBytes} bytes), engine reported ${f.sha256} (${f.bytes} bytes)`);
          files.push({ name, objectKey: key, sizeBytes: up.sizeBytes, sha256: up.sha256 });
        }
        const manifest = files.find((f) => f.name === "checkpoint.json");
        if (!manifest) throw new TransferError("CHECKPOINT_VERIFY_FAILED", "the imported checkpoint has no checkpoint.json");
        if (lease.lost || this.stopping) throw new TransferError("INTERRUPTED", "the import was interrupted");
        const method = METHODS.find((m) => m === meta.method) ?? "TWO_STAGE";
        const { checkpointId } = await workerQueries.finishImportSucceeded(this.db, imp, owner, {
          subjectId: randomUUID(),
          runId,
          method,
          config: {
            imported: {
              importId: imp.id,
              method: meta.method ?? null,
              token: meta.token ?? null,
              classNoun: meta.classNoun ?? null,
              files: imp.uploads.map((u) => ({ role: u.role, filename: u.filename, sizeBytes: u.sizeBytes })),
              ...(typeof meta.imported === "object" && meta.imported ? (meta.imported as Record<string, unknown>) : {}),
            },
          },
          checkpoint: {
            stage: saved.stage,
            step: saved.step,
            sizeBytes: files.reduce((n, f) => n + f.sizeBytes, 0),
            sha256: manifest.sha256,
            files,
            contentHash: typeof meta.contentHash === "string" ? meta.contentHash : null,
          },
        });
        this.log("info", `import ${imp.id}: SUCCEEDED (run ${runId}, checkpoint ${checkpointId})`);
        // the source files were copied into the checkpoint folder; keep only the checkpoint's objects
        await this.storage.remove(...sources).catch(() => undefined);
      } catch (err) {
        await this.storage.remove(...uploaded).catch(() => undefined);
        if (lease.lost) return void this.log("warn", `import ${imp.id}: lease lost; leaving it to its new owner`);
        if (this.stopping) return; // our own shutdown: the lease lets another trainer redo it
        const code = (err as { code?: unknown }).code;
        const errorCode = err instanceof workerQueries.LeaseLostError ? null : typeof code === "string" ? code : "IMPORT_FAILED";
        if (errorCode === null) return void this.log("warn", `import ${imp.id}: lease lost before the final state`);
        await this.storage.remove(...sources).catch(() => undefined);
        try {
          await workerQueries.failImport(this.db, imp.id, owner, errorCode, (err as Error).message);
          this.log("info", `import ${imp.id}: FAILED (${errorCode}: ${(err as Error).message})`);
        } catch (e) {
          if (!(e instanceof workerQueries.LeaseLostError)) throw e;
          this.log("warn", `import ${imp.id}: lease lost before the final state`);
        }
      }
    } finally {
      lease.stop();
      this.engine = null;
      await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
