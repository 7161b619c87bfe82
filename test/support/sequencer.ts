import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The longest files (seconds each in a clean-clone `.ci/run` with two workers: trainer-resume ~210, client-cli
 * ~170, trainer-runs ~155, browser evaluation ~145, model-transfers ~135, trainer-fleet ~125, then 40–75), in
 * that order. They start first, so the run does not end with one of them running alone while the other worker
 * idles. vitest's own order (the cached durations of a previous run, else the file size) breaks ties and
 * orders the rest.
 */
export const LONG_FILES_FIRST = [
  "test/integration/trainer-resume.test.ts",
  "test/integration/client-cli.test.ts",
  "test/integration/trainer-runs.test.ts",
  "test/browser/evaluation.test.ts",
  "test/integration/model-transfers.test.ts",
  "test/integration/trainer-fleet.test.ts",
  "test/browser/run-failure-cancel.test.ts",
  "test/browser/run-flow.test.ts",
  "test/integration/evaluation-flow.test.ts",
  "test/browser/dashboard-matrix.test.ts",
  "test/integration/platform-flow.test.ts",
  "test/browser/dashboard-layout.test.ts",
];

export class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONG_FILES_FIRST.findIndex((p) => f.moduleId.endsWith(`/${p}`));
      return i < 0 ? LONG_FILES_FIRST.length : i;
    };
    return ordered
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map((x) => x.f);
  }
}
