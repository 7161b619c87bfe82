import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { objectKeys, STAGING_PREFIX, stepName, TEAM_AREAS } from "./object-keys.js";

const doc = readFileSync(new URL("../../docs/platform-contract.md", import.meta.url), "utf8");
/** Every key template docs/platform-contract.md lists (`teams/…` or `uploads/…` in backticks). */
const templates = [...doc.matchAll(/`((?:uploads\/)?teams\/\{teamId\}\/[^`\s]+)`/g)].map((m) => m[1]!);
const asRegex = (t: string) =>
  new RegExp(
    "^" +
      t
        .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
        .replace(/\{NNNNNN\}/g, "\\d{6}")
        .replace(/\{NN\}/g, "\\d{2}")
        .replace(/\{safetensors,json\}/g, "(safetensors|json)")
        .replace(/\{name\}$/, ".+") // an export file's path inside the export
        .replace(/\{\w+\}/g, "[^/]+") +
      "$",
  );

const t = "11111111-1111-4111-8111-111111111111";
const run = { teamId: t, runId: "r1", attempt: 3, stage: "stage2", step: 200 };
const built: [string, string][] = [
  ["subjectUpload", objectKeys.subjectUpload(t, "s1", "u1", "photo.jpg")],
  ["subjectImage", objectKeys.subjectImage(t, "s1", "i1", "photo.jpg")],
  ["subjectDisplay", objectKeys.subjectDisplay(t, "s1", "i1")],
  ["subjectThumb", objectKeys.subjectThumb(t, "s1", "i1", 256)],
  ["sample", objectKeys.sample({ ...run, promptIndex: 1, seed: 7 })],
  ["checkpointFolder", `${objectKeys.checkpointFolder(run)}/checkpoint.json`],
  ["checkpointFolder (import)", `${objectKeys.checkpointFolder({ ...run, attempt: null })}/unet.safetensors`],
  ["trainingStateFolder", `${objectKeys.trainingStateFolder(run)}/training-state.json`],
  ["generatedImage", objectKeys.generatedImage({ teamId: t, generationId: "g1", attempt: 1, index: 2, seed: 9 })],
  ["evaluationImage", objectKeys.evaluationImage({ teamId: t, evaluationId: "e1", group: "PROMPTS", promptIndex: 4, seed: 0 })],
  ["exportFile", objectKeys.exportFile(t, "x1", 2, "unet/diffusion_pytorch_model.safetensors")],
  ["importUpload", objectKeys.importUpload(t, "u2", "model.safetensors")],
  ["importFile", objectKeys.importFile(t, "u2", "model.safetensors")],
];

describe("object keys: one module, the layout docs/platform-contract.md documents", () => {
  it("finds the documented templates", () => {
    expect(templates.length).toBeGreaterThanOrEqual(12);
  });

  it.each(built)("%s follows a documented template", (_name, key) => {
    expect(
      templates.some((tpl) => asRegex(tpl).test(key)),
      `${key} matches none of:\n${templates.join("\n")}`,
    ).toBe(true);
  });

  it("every documented template is built by the module (the docs describe no layout the code lacks)", () => {
    for (const tpl of templates)
      expect(
        built.some(([, key]) => asRegex(tpl).test(key)),
        tpl,
      ).toBe(true);
  });

  it("zero-pads steps and image indexes and scopes leased writes by attempt", () => {
    expect(stepName("stage1", 42)).toBe("stage1-step-000042");
    expect(objectKeys.sample({ ...run, promptIndex: 0, seed: 5 })).toBe(`teams/${t}/runs/r1/samples/a3/stage2-step-000200-p0-s5.png`);
    expect(objectKeys.generatedImage({ teamId: t, generationId: "g", attempt: 2, index: 3, seed: 1 })).toBe(`teams/${t}/generations/g/a2/image-03-seed-1.png`);
  });

  it("puts only client uploads under the staging prefix, and everything of a team under its prefix", () => {
    for (const [name, key] of built) {
      expect(key.startsWith(STAGING_PREFIX), name).toBe(name === "subjectUpload" || name === "importUpload");
      expect(key.replace(STAGING_PREFIX, "").startsWith(`teams/${t}/`), name).toBe(true);
    }
    // every non-staging key sits in one of the areas the storage policies grant
    for (const [name, key] of built.filter(([, k]) => !k.startsWith(STAGING_PREFIX)))
      expect(
        Object.values(TEAM_AREAS).some((a) => key.startsWith(`teams/${t}/${a}/`)),
        name,
      ).toBe(true);
  });
});
