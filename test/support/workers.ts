/**
 * How many test files run at once (vitest.config.ts `maxWorkers`), and so how many databases and buckets the
 * global setup prepares per project. Integration files train and serve on CPU: on CI's two cores three at a
 * time keep both cores busy while files wait on processes (measured: one file at a time left ~40 % idle).
 */
export const TEST_WORKERS = Math.max(1, Math.min(8, Number(process.env.STUDIO_TEST_WORKERS ?? "2") || 2));
