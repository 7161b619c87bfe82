import { hostname } from "node:os";
import { beatWorker, deleteWorker, openDb, upsertWorker, type DbHandle } from "@studio/db";
import type { TrainerConfig } from "./config.js";
import { probeEngine } from "./engine/engine.process.js";

export type Log = (level: "info" | "warn" | "error", msg: string) => void;

/**
 * The trainer's life: check that the engine works, register in PostgreSQL, then heartbeat. The
 * heartbeat survives database outages: it logs once, keeps trying, and re-registers if its row
 * disappeared. (Claiming runs arrives with the platform issue.)
 */
export class Trainer {
  private db: DbHandle;
  private timer: NodeJS.Timeout | null = null;
  private engine: Record<string, unknown> | null = null;
  private dbDown = false;
  private stopped = false;

  constructor(
    private readonly config: TrainerConfig,
    private readonly log: Log,
  ) {
    this.db = openDb(config.DATABASE_URL, { max: 4, onError: (e) => this.log("warn", `postgres: ${e.message}`) });
  }

  async start(): Promise<Record<string, unknown>> {
    const ready = await probeEngine(this.config.ENGINE_PYTHON, this.config.ENGINE_DIR, this.config.ENGINE_READY_TIMEOUT_MS);
    const { v: _v, seq: _s, ts: _t, type: _ty, ...engine } = ready;
    this.engine = engine;
    this.log("info", `engine ready: ${JSON.stringify(engine)}`);
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.config.TRAINER_HEARTBEAT_MS);
    return engine;
  }

  private async tick(): Promise<void> {
    if (this.stopped || !this.engine) return;
    try {
      try {
        await beatWorker(this.db.db, this.config.TRAINER_ID);
      } catch (err) {
        if (!/is not registered/.test((err as Error).message)) throw err;
        await upsertWorker(this.db.db, {
          id: this.config.TRAINER_ID,
          hostname: hostname(),
          pid: process.pid,
          engine: this.engine,
        });
        await beatWorker(this.db.db, this.config.TRAINER_ID);
        this.log("info", `registered as worker ${this.config.TRAINER_ID}`);
      }
      if (this.dbDown) this.log("info", "postgres reachable again");
      this.dbDown = false;
    } catch (err) {
      if (!this.dbDown) this.log("warn", `heartbeat failed (will keep trying): ${(err as Error).message}`);
      this.dbDown = true;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await deleteWorker(this.db.db, this.config.TRAINER_ID).catch(() => undefined);
    await this.db.close();
  }
}
