import { defineConfig } from "vitest/config";

// One vitest run covers every TypeScript test. Integration and browser tests share a global setup
// that starts a real PostgreSQL and a real MinIO in a temporary folder on free ports.
export default defineConfig({
  test: {
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
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
