import { describe, expect, it } from "vitest";
import type { Database } from "@studio/db";
import type { StorageRepository, UploadedObject } from "../repositories/storage.repository.js";
import { RunRecorder } from "./run.recorder.js";

/** Storage that "stores" every file but reports a hash other than the engine's (a corrupted upload). */
class CorruptingStorage {
  uploads: string[] = [];
  async upload(_file: string, objectKey: string): Promise<UploadedObject> {
    this.uploads.push(objectKey);
    return { objectKey, sizeBytes: 10, sha256: "0".repeat(64) };
  }
}

describe("RunRecorder", () => {
  it("fails the run with CHECKPOINT_VERIFY_FAILED when an uploaded file's sha256 differs, and stops the engine", async () => {
    const storage = new CorruptingStorage();
    const fatal: string[] = [];
    const recorder = new RunRecorder({
      db: {} as Database, // never reached: verification fails before anything is recorded
      storage: storage as unknown as StorageRepository,
      owner: { owner: "t1", attempt: 1 },
      run: { id: "r1", teamId: "team1", config: { stage1: { steps: 3 } }, attempt: 1 },
      onFatal: (why) => fatal.push(why),
    });
    recorder.handle({
      v: 1,
      seq: 5,
      ts: "2026-01-01T00:00:00Z",
      type: "checkpoint.saved",
      stage: "stage2",
      step: 3,
      bytes: 10,
      path: "/x/stage2-step-000003",
      files: [{ name: "unet.safetensors", path: "/x/stage2-step-000003/unet.safetensors", sha256: "a".repeat(64), bytes: 10 }],
    });
    await recorder.drain();
    expect(storage.uploads).toEqual(["teams/team1/runs/r1/checkpoints/a1/stage2-step-000003/unet.safetensors"]);
    expect(recorder.failure?.code).toBe("CHECKPOINT_VERIFY_FAILED");
    expect(recorder.failure?.message).toContain("unet.safetensors");
    expect(fatal).toHaveLength(1);
  });
});
