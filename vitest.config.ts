import { defineConfig } from "vitest/config";
import { LongFilesFirst } from "./test/support/sequencer.js";
import { TEST_WORKERS } from "./test/support/workers.js";

// One vitest run covers every TypeScript test. Integration and browser tests share a global setup
// that starts a real PostgreSQL and a real MinIO in a temporary folder on free ports (one per project), with one
// database and one bucket per worker (test/support/services.ts), so their files run in parallel.
export default defineConfig({
  test: {
    maxWorkers: TEST_WORKERS,
    sequence: { sequencer: LongFilesFirst },
    projects: [
      {
        test: {
          name: "unit",
          include: ["{api,trainer,db,infra,client}/src/**/*.test.ts", "trainer/protocol/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
