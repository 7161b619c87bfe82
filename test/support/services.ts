import { inject } from "vitest";

type Services = ReturnType<typeof inject<"services">>;

/**
 * The services of the test file that calls it: integration and browser files run in parallel (vitest.config.ts),
 * each worker on its own PostgreSQL database and MinIO bucket (with its own service users), prepared by the
 * global setup for every worker id (`VITEST_POOL_ID`, 1..maxWorkers), with its own API and trainer roles (roles are
 * cluster-wide). Files on one worker run one after another
 * and share its database, as all files once did; files on different workers never see each other's teams,
 * queued runs, trainers, rate buckets or objects.
 */
export function services(): Services {
  const s = inject("services");
  const id = Number(process.env.VITEST_POOL_ID ?? "1");
  const w = s.workers[id - 1];
  if (!w) throw new Error(`no test services for worker ${id}: the global setup prepared ${s.workers.length} (raise STUDIO_TEST_WORKERS)`);
  return { ...s, ...w, s3: { ...s.s3, ...w.s3 } };
}
