import type { Log } from "../trainer.service.js";

/**
 * Runs `step` one job at a time: right after a job (there may be more), otherwise every `pollMs` or
 * as soon as `wake()` is called (NOTIFY work). Polling stays because a NOTIFY sent while the LISTEN
 * connection was down is never delivered.
 */
export class ClaimLoop {
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly name: string,
    /** Claims and processes one job; false when there was nothing to claim. */
    private readonly step: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly log: Log,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops claiming; resolves when the job in progress (if any) has returned. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failing = false;
    while (!this.stopped) {
      this.woken = false;
      let worked = false;
      try {
        worked = await this.step();
        if (failing) this.log("info", `${this.name}: claiming works again`);
        failing = false;
      } catch (err) {
        if (!failing) this.log("warn", `${this.name}: ${(err as Error).message} (will keep trying)`);
        failing = true;
      }
      if (worked || this.stopped || this.woken) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.pollMs);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeUp = null;
    }
  }
}
