import { spawn, spawnSync, type SpawnOptions } from "node:child_process";

export class CommandError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

/** Runs a command to completion, capturing output; throws with the output's tail when it fails. */
export function run(cmd: string, args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", (err) => reject(new CommandError(`${cmd}: ${err.message}`, out)));
    child.on("close", (code, signal) => {
      if (code === 0) resolvePromise(out);
      else reject(new CommandError(`${cmd} ${args.join(" ")} exited with ${code ?? signal}\n${out.slice(-4000)}`, out));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs a command with its output shown to the user (long installs), throwing when it fails. */
export function runVisible(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (err) => reject(new CommandError(`${cmd}: ${err.message}`, "")));
    child.on("close", (code, signal) => (code === 0 ? resolvePromise() : reject(new CommandError(`${cmd} exited with ${code ?? signal}`, ""))));
  });
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

export function commandExists(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
