import type { Command } from "./cli.command.js";
import { StudioError } from "./client.errors.js";

/**
 * Placeholder until the API offers model exports (a `ModelExport` type in api/schema). It fails
 * with a clear message instead of pretending; `checkpoints download` gets the raw files meanwhile.
 */
const exportCommand: Command = {
  name: "export",
  summary: "export a checkpoint as a model (not available yet)",
  usage: `usage: studio export --checkpoint ID [--json]
  Not available yet: the API has no ModelExport. Meanwhile: studio checkpoints download ID --out DIR`,
  options: { checkpoint: { type: "string" }, format: { type: "string" }, out: { type: "string" } },
  async run() {
    throw new StudioError(
      "NOT_AVAILABLE",
      "export is not available yet: this API has no ModelExport. Meanwhile `studio checkpoints download ID --out DIR` saves the checkpoint's safetensors files",
    );
  },
};

export const exportCommands = [exportCommand];
