import { EngineProcess } from "./engine.process.js";

/**
 * The base models this machine's engine has (`studio_engine models list`: no PyTorch import, well under
 * a second). Throws when the engine cannot answer, so a failed check never reports "no models".
 */
export async function listBaseModels(python: string, engineDir: string, deadlineMs: number, baseEnv: Record<string, string>): Promise<string[]> {
  const result = await new EngineProcess({ python, engineDir, args: ["models", "list"], deadlineMs, baseEnv }).run();
  const answer = result.events.find((e) => e.type === "models");
  if (result.exitCode !== 0 || !answer || !Array.isArray(answer.models)) {
    const why = result.protocolError?.message ?? (result.timedOut ? `no answer within ${deadlineMs} ms` : `exit ${result.exitCode ?? result.signal}`);
    throw new Error(`engine models list failed: ${why}\n${result.stderrTail.slice(-5).join("\n")}`);
  }
  return (answer.models as { id: string; available: boolean }[])
    .filter((m) => m.available)
    .map((m) => m.id)
    .sort();
}
