/**
 * Live fan-out benchmark (README "Performance" → "Live events"; docs/live-events.md).
 *
 *   pnpm run bench:live-fanout                                  # every scenario
 *   BENCH_SCENARIOS=one-run,storm BENCH_SECONDS=10 pnpm run bench:live-fanout
 *   BENCH_SCALE=0.2 pnpm run bench:live-fanout                 # a fifth of the clients (a quick look)
 *   BENCH_COMMIT_MS=0 pnpm run bench:live-fanout                # one commit (and NOTIFY) per event: the worst case
 *
 * Events are committed the way a trainer commits progress: every BENCH_COMMIT_MS (default 500, the
 * trainer's FLUSH_MS) one transaction per run carries the events of that span (10 at 20 events/s);
 * the rate of events is the same either way. The runs commit staggered over the interval, as runs on
 * separate trainers do (BENCH_LOCKSTEP=1: all at the same instant, the harshest burst).
 * BENCH_API_CPU_PROF=DIR writes a V8 CPU profile of the API.
 *
 * Starts what it needs in a throw-away folder (a real PostgreSQL and MinIO on free loopback ports,
 * migrations, a team made by the admin CLI, the real API process(es) with API_COUNT_SQL=total), then per
 * scenario: appends run events directly at a fixed rate (no training), connects K real graphql-ws
 * clients (in BENCH_WORKERS client processes) to 127.0.0.1 only, and prints one JSON line with:
 * delivery latency p50/p99/max (arrival − the event's `at`), failed subscriptions, internal errors,
 * missing and duplicate seqs over all clients, SQL statements per event batch (from the API's own
 * counter), and API RSS and CPU. Everything is bounded: clients, seconds, and a deadline per phase.
 *
 * Scenarios (goals from the issue "Live events at scale", for a quiet 2-core machine):
 *   one-run    K=1000 on one run, 20 events/s      → p99 ≤ 50 ms, 0 failures, 0 gaps, RSS ≤ 350 MB
 *   many-runs  K=5000 over 50 runs, 20 events/s/run → p99 ≤ 250 ms, 0 failures
 *   storm      2000 clients connect and subscribe within 2 s → all subscribed within 15 s, 0 internal errors
 *   two-apis   1000 clients over two API processes, one run → every client of both sees every event
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const RUN_EVENTS = `subscription($r: ID!, $after: Int) { runEvents(runId: $r, afterSeq: $after) { __typename ... on LossLogged { seq at } } }`;
const RUN_EVENT_BATCHES = `subscription($r: ID!, $after: Int) { runEventBatches(runId: $r, afterSeq: $after) { lastSeq events { __typename ... on LossLogged { seq at } } } }`;
/**
 * BENCH_SUBSCRIPTION: `batches` (default: runEventBatches, one message per committed batch — what the
 * dashboard and `./studio runs watch` subscribe to) or `events` (runEvents, one message per event).
 */
const SUBSCRIPTION = process.env.BENCH_SUBSCRIPTION === "events" ? "events" : "batches";

// ————————————————————————————— client worker (a forked process) —————————————————————————————

interface WorkerJob {
  clients: { url: string; runId: string; afterSeq: number }[];
  key: string;
  /** Spread the connects over this window. */
  connectWindowMs: number;
  /** Only events whose `at` is after this count for latency (epoch ms). */
  measureFrom?: number;
}
interface ClientState {
  last: number;
  subscribed: boolean;
  subscribedAt: number;
  dups: number;
  gaps: number;
  failed: string | null;
  retries: number;
  internal: number;
}

async function worker(): Promise<void> {
  const { createClient } = await import("graphql-ws");
  const WebSocket = (await import("ws")).default;
  const jobReceived = new Promise<WorkerJob>((r) => process.once("message", (m) => r(m as WorkerJob)));
  process.send!({ ready: true });
  const job = await jobReceived;
  const started = Date.now();
  let measureFrom = Number.POSITIVE_INFINITY;
  /** Delivery latency histogram: count per whole millisecond (sent to the bench as a sparse map). */
  const lat = new Map<number, number>();
  const states: ClientState[] = job.clients.map((c) => ({ last: c.afterSeq, subscribed: false, subscribedAt: 0, dups: 0, gaps: 0, failed: null, retries: 0, internal: 0 }));
  const clients: { dispose(): void | Promise<void> }[] = [];
  const jitter = (n: number) => Math.min(10_000, 250 * 2 ** n) * (0.5 + Math.random() / 2);

  const open = (i: number) => {
    const spec = job.clients[i]!;
    const st = states[i]!;
    const client = createClient({
      url: spec.url,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${job.key}` },
    });
    clients.push(client);
    let attempt = 0;
    const subscribe = () => {
      type Ev = { seq: number; at: string };
      client.subscribe<{ runEvents?: Ev; runEventBatches?: { lastSeq: number; events: Ev[] } }>(
        { query: SUBSCRIPTION === "events" ? RUN_EVENTS : RUN_EVENT_BATCHES, variables: { r: spec.runId, after: st.last } },
        {
          next: (r) => {
            if (r.errors?.length) {
              const code = String((r.errors[0] as { extensions?: { code?: string } }).extensions?.code ?? "");
              if (code === "INTERNAL_SERVER_ERROR") st.internal += 1;
              if (code === "UNAVAILABLE" || code === "INTERNAL_SERVER_ERROR") retry();
              else st.failed = code || "error";
              return;
            }
            const events = r.data?.runEventBatches?.events ?? (r.data?.runEvents ? [r.data.runEvents] : []);
            if (events.length === 0) return;
            const now = Date.now();
            if (!st.subscribed) {
              st.subscribed = true;
              st.subscribedAt = now - started;
            }
            attempt = 0;
            for (const e of events) {
              if (e.seq <= st.last) st.dups += 1;
              else {
                if (e.seq !== st.last + 1) st.gaps += e.seq - st.last - 1;
                st.last = e.seq;
              }
              const at = Date.parse(e.at);
              if (at >= measureFrom) {
                const ms = Math.max(0, now - at);
                lat.set(ms, (lat.get(ms) ?? 0) + 1);
              }
            }
          },
          error: (err) => {
            const code = (err as { code?: number }).code;
            if (code === 4500) st.internal += 1;
            retry();
          },
          complete: () => undefined,
        },
      );
    };
    const retry = () => {
      st.retries += 1;
      if (attempt >= 8) {
        st.failed = "gave up";
        return;
      }
      setTimeout(subscribe, jitter(attempt++));
    };
    subscribe();
  };

  job.clients.forEach((_, i) => setTimeout(() => open(i), (i / job.clients.length) * job.connectWindowMs));
  process.on("message", (m: { cmd: string; measureFrom?: number; finalSeq?: Record<string, number> }) => {
    if (m.cmd === "measure") measureFrom = m.measureFrom!;
    if (m.cmd === "status") process.send!({ subscribed: states.filter((s) => s.subscribed).length, lastSubscribedMs: Math.max(0, ...states.map((s) => s.subscribedAt)) });
    if (m.cmd === "caughtUp") process.send!({ caughtUp: states.filter((s, i) => s.last >= m.finalSeq![job.clients[i]!.runId]!).length });
    if (m.cmd === "report") {
      const behind = (s: ClientState, i: number) => Math.max(0, m.finalSeq![job.clients[i]!.runId]! - s.last);
      const report = {
        lat: [...lat.entries()],
        subscribed: states.filter((s) => s.subscribed).length,
        lastSubscribedMs: Math.max(0, ...states.map((s) => s.subscribedAt)),
        failed: states.filter((s) => s.failed !== null || !s.subscribed).length,
        internal: states.reduce((n, s) => n + s.internal, 0),
        retries: states.reduce((n, s) => n + s.retries, 0),
        gaps: states.reduce((n, s) => n + s.gaps, 0),
        clientsWithGaps: states.filter((s) => s.gaps > 0).length,
        behind: states.reduce((n, s, i) => n + behind(s, i), 0),
        clientsBehind: states.filter((s, i) => behind(s, i) > 0).length,
        duplicates: states.reduce((n, s) => n + s.dups, 0),
      };
      // exit only once the report has left (a large IPC message is flushed asynchronously)
      process.send!(report, () => void Promise.all(clients.map((c) => c.dispose())).finally(() => process.exit(0)));
    }
  });
}

// ————————————————————————————— the bench (main process) —————————————————————————————

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Progress on stderr (stdout carries only the JSON lines). */
const say = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : null);

/** utime+stime of a process in ms, and its RSS in MB. */
function procStats(pid: number): { cpuMs: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const tick = 100; // USER_HZ on Linux
  const cpuMs = ((Number(f[11]) + Number(f[12])) * 1000) / tick;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuMs, rssMb: Math.round(Number(rss?.[1] ?? 0) / 1024) };
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
function machineCpu(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - (f[4] ?? 0), total };
}

interface Api {
  proc: ChildProcess;
  url: string;
  wsUrl: string;
  output: string;
}

async function main(): Promise<void> {
  const { runMigrations, openDb, schema, appendRunEvents } = await import("@studio/db");
  const { startPostgres, stopPostgres } = await import("@studio/infra/postgres");
  const { startMinio, stopMinio } = await import("@studio/infra/minio");
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const workers = Number(process.env.BENCH_WORKERS ?? 2);
  const commitMs = Number(process.env.BENCH_COMMIT_MS ?? 500);
  const wanted = (process.env.BENCH_SCENARIOS ?? "one-run,many-runs,storm,two-apis").split(",");
  if (!(scale > 0 && scale <= 1) || !(seconds >= 2 && seconds <= 60) || !(workers >= 1 && workers <= 8) || !(commitMs >= 0 && commitMs <= 5000))
    throw new Error("BENCH_SCALE must be in (0, 1], BENCH_SECONDS in [2, 60], BENCH_WORKERS in [1, 8], BENCH_COMMIT_MS in [0, 5000]");

  const tmp = await mkdtemp(join(tmpdir(), "studio-bench-"));
  await chmod(tmp, 0o755);
  const pgOpts = { dataDir: join(tmp, "postgres"), port: await freePort() };
  const minioOpts = { dataDir: join(tmp, "minio"), port: await freePort(), consolePort: await freePort(), buckets: ["studio-bench"] };
  const apis: Api[] = [];
  const kids: ChildProcess[] = [];
  const cleanup = async () => {
    for (const k of kids) k.kill("SIGKILL");
    for (const a of apis) a.proc.kill("SIGTERM");
    // the APIs stop gracefully (a CPU profile is written on exit)
    await Promise.all(apis.map((a) => (a.proc.exitCode === null ? new Promise((r) => a.proc.once("exit", r)) : null)).map((p) => Promise.race([p, sleep(10_000)])));
    await Promise.allSettled([stopPostgres(pgOpts), stopMinio(minioOpts)]);
    await rm(tmp, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  // a hard bound on the whole bench, whatever happens
  const deadline = setTimeout(
    () => {
      say(`deadline reached; stopping. API output:\n${apis.map((a) => a.output.slice(-2000)).join("\n---\n")}`);
      void cleanup().finally(() => process.exit(2));
    },
    Number(process.env.BENCH_DEADLINE_S ?? 1200) * 1000,
  );
  deadline.unref();

  try {
    say(`starting PostgreSQL and MinIO in ${tmp}`);
    const [pg, minio] = await Promise.all([startPostgres(pgOpts), startMinio(minioOpts)]);
    say("migrating");
    await runMigrations(pg.url);
    const db = openDb(pg.url, { max: 10 });
    const team = await new Promise<{ teamId: string; secret: string }>((resolve, reject) => {
      const c = spawn(join(ROOT, "node_modules", ".bin", "tsx"), ["src/admin.cli.ts", "create-team", "--name", "bench", "--user", "bench", "--json"], {
        cwd: join(ROOT, "api"),
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", DATABASE_URL: pg.url },
      });
      let out = "";
      c.stdout.on("data", (d: Buffer) => (out += d.toString()));
      c.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`create-team failed (${code})`))));
    });
    const [subject] = await db.db.insert(schema.subjects).values({ teamId: team.teamId, name: "bench", classNoun: "backpack", kind: "OBJECT" }).returning();

    const startApi = async (): Promise<Api> => {
      const port = await freePort();
      // BENCH_API_CPU_PROF=DIR: a V8 CPU profile of each API process, written to DIR when it stops
      const prof = process.env.BENCH_API_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_API_CPU_PROF}`] : [];
      const proc = spawn(process.execPath, [...prof, "--import", "tsx", "src/main.ts"], {
        cwd: join(ROOT, "api"),
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: process.env.HOME ?? "/tmp",
          API_HOST: "127.0.0.1",
          API_PORT: String(port),
          DATABASE_URL: pg.url,
          S3_ENDPOINT: minio.endpoint,
          S3_ACCESS_KEY: minio.accessKey,
          S3_SECRET_KEY: minio.secretKey,
          S3_BUCKET: "studio-bench",
          API_COUNT_SQL: "total", // totals only: per-request counting would slow every promise of the API it measures
          EVAL_MODELS_DIR: join(tmp, "no-eval-models"),
          // every bench client connects from 127.0.0.1 with one key: lift the per-address and per-key front-door
          // limits (docs/security-front.md, docs/security-rate-limits.md) that a real crowd would not share
          API_WS_MAX_CONNECTIONS_PER_IP: "100000",
          API_WS_MAX_CONNECTIONS_PER_KEY: "100000",
          RATE_IP_BURST: "1000000",
          RATE_KEY_BURST: "1000000",
          RATE_AUTH_FAIL_BURST: "1000000",
          // the bench reads the hub's counters through health: no caching
          API_HEALTH_CACHE_MS: "0",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const api: Api = { proc, url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql`, output: "" };
      proc.stdout!.on("data", (d: Buffer) => (api.output = (api.output + d.toString()).slice(-20_000)));
      proc.stderr!.on("data", (d: Buffer) => (api.output = (api.output + d.toString()).slice(-20_000)));
      apis.push(api);
      const deadline = Date.now() + 120_000;
      while (!/GraphQL ready at/.test(api.output)) {
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`the API did not start:\n${api.output}`);
        await sleep(100);
      }
      return api;
    };
    /** The API's hub counters (health → postgres.details.live); its postgres check can time out under load: retried. */
    const liveStats = async (api: Api) => {
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(api.url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${team.secret}` },
          body: JSON.stringify({ query: "{ health { postgres { message details } } }" }),
          signal: AbortSignal.timeout(30_000),
        });
        const body = (await res.json()) as { data?: { health: { postgres: { message: string; details: { live: Record<string, number> } | null } } } };
        const live = body.data?.health.postgres.details?.live;
        if (live) return live;
        if (attempt >= 10) throw new Error(`no hub counters from the API: ${JSON.stringify(body).slice(0, 300)}`);
        await sleep(500);
      }
    };
    const newRuns = async (n: number) => {
      const rows = await db.db
        .insert(schema.runs)
        .values(
          Array.from({ length: n }, () => ({
            teamId: team.teamId,
            subjectId: subject!.id,
            method: "TWO_STAGE" as const,
            baseModel: "tiny-random",
            config: {},
            state: "RUNNING" as const,
            totalSteps: 100_000,
            leaseOwner: "bench",
            leaseExpiresAt: new Date(Date.now() + 3_600_000),
            startedAt: new Date(),
          })),
        )
        .returning({ id: schema.runs.id });
      const seq: Record<string, number> = {};
      for (const r of rows) {
        await db.db.transaction((tx) => appendRunEvents(tx, r.id, [{ type: "LossLogged", payload: { stage: "stage1", step: 1, loss: 1, learningRate: 1e-4 } }]));
        seq[r.id] = 1;
      }
      return seq;
    };

    const scenario = async (name: string, o: { clients: number; runs: number; ratePerRun: number; apis: number; connectWindowMs: number; subscribeDeadlineMs: number }) => {
      say(`${name}: ${o.clients} clients, ${o.runs} run(s), ${o.ratePerRun} events/s per run, ${o.apis} API process(es)`);
      while (apis.length < o.apis) await startApi();
      const targets = apis.slice(0, o.apis);
      const seq = await newRuns(o.runs);
      const runIds = Object.keys(seq);
      const perWorker = Array.from({ length: workers }, () => [] as WorkerJob["clients"]);
      for (let i = 0; i < o.clients; i++) perWorker[i % workers]!.push({ url: targets[i % targets.length]!.wsUrl, runId: runIds[i % runIds.length]!, afterSeq: 0 });
      const procs = perWorker.map((clients) => {
        const k = fork(fileURLToPath(import.meta.url), ["--worker"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
        kids.push(k);
        return { k, clients };
      });
      /** A question to a client process; it answers after the messages it has already received (bounded wait). */
      const ask = <T>(k: ChildProcess, msg: object, key: string, timeoutMs = 60_000) =>
        new Promise<T>((resolve, reject) => {
          const t = setTimeout(() => {
            k.off("message", h);
            reject(new Error(`a client process did not answer ${JSON.stringify(msg).slice(0, 40)} within ${timeoutMs} ms (exit code ${k.exitCode})`));
          }, timeoutMs);
          const h = (m: Record<string, unknown>) => {
            if (key in m) {
              clearTimeout(t);
              k.off("message", h);
              resolve(m as T);
            }
          };
          k.on("message", h);
          k.send(msg);
        });
      await Promise.all(procs.map((p) => new Promise((r) => p.k.once("message", r))));
      say(`${name}: API(s) up, ${procs.length} client processes ready`);
      const t0 = Date.now();
      for (const p of procs) p.k.send({ clients: p.clients, key: team.secret, connectWindowMs: o.connectWindowMs } satisfies WorkerJob);
      // every client subscribed (its replay arrived), or the deadline
      let subscribed = 0;
      let lastSubscribedMs = 0;
      while (Date.now() - t0 < o.subscribeDeadlineMs) {
        const st = await Promise.all(procs.map((p) => ask<{ subscribed: number; lastSubscribedMs: number }>(p.k, { cmd: "status" }, "subscribed")));
        subscribed = st.reduce((n, s) => n + s.subscribed, 0);
        lastSubscribedMs = Math.max(...st.map((s) => s.lastSubscribedMs));
        if (subscribed === o.clients) break;
        await sleep(200);
      }
      const allSubscribedMs = subscribed === o.clients ? lastSubscribedMs : null;
      say(`${name}: ${subscribed}/${o.clients} subscribed${allSubscribedMs !== null ? ` within ${allSubscribedMs} ms` : ""}; producing for ${seconds} s`);
      // steady state: events at the fixed rate, measured
      const before = await Promise.all(targets.map((a) => liveStats(a)));
      const calib = await Promise.all(targets.map((a) => liveStats(a))); // the SQL of one health read itself
      const healthSql = calib.map((c, i) => c.sqlStatements! - before[i]!.sqlStatements!);
      const cpu0 = targets.map((a) => procStats(a.proc.pid!));
      const machine0 = machineCpu();
      const clients0 = procs.map((p) => procStats(p.k.pid!).cpuMs);
      const measureFrom = Date.now();
      for (const p of procs) p.k.send({ cmd: "measure", measureFrom });
      let batches = 0;
      const lag: number[] = [];
      // one commit per run every `commitMs` carrying the events of that span (what a trainer does: it
      // commits progress every 500 ms), or with commitMs 0 one commit per event (the worst case)
      const perCommit = commitMs > 0 ? Math.max(1, Math.round((o.ratePerRun * commitMs) / 1000)) : 1;
      const interval = (1000 * perCommit) / o.ratePerRun;
      // Runs on separate trainers commit out of step: run i commits at `i / runs` of the interval after run 0
      // (BENCH_LOCKSTEP=1: every run at the same instant, the harshest burst)
      const lockstep = process.env.BENCH_LOCKSTEP === "1";
      let step = 2;
      const inFlight: Promise<unknown>[] = [];
      for (let tick = 0; tick < (seconds * o.ratePerRun) / perCommit; tick++) {
        const first = step;
        step += perCommit;
        const events = Array.from({ length: perCommit }, (_, i) => ({
          type: "LossLogged" as const,
          payload: { stage: "stage1", step: first + i, loss: 1 / (first + i), learningRate: 1e-4 },
        }));
        for (let r = 0; r < runIds.length; r++) {
          const id = runIds[r]!;
          const due = measureFrom + tick * interval + (lockstep ? 0 : (r / runIds.length) * interval);
          if (due > Date.now()) await sleep(due - Date.now());
          lag.push(Date.now() - due);
          inFlight.push(db.db.transaction((tx) => appendRunEvents(tx, id, events)).then((n) => (seq[id] = Math.max(seq[id] ?? 0, n))));
          batches += 1;
        }
      }
      await Promise.all(inFlight);
      const producedS = (Date.now() - measureFrom) / 1000;
      say(`${name}: produced ${batches} event batches in ${producedS.toFixed(1)} s; collecting`);
      const cpu1 = targets.map((a) => procStats(a.proc.pid!));
      const machine1 = machineCpu();
      const clientsCpuMs = procs.reduce((n, p, i) => n + procStats(p.k.pid!).cpuMs - clients0[i]!, 0);
      const after = await Promise.all(targets.map((a) => liveStats(a)));
      // let every client catch up (bounded), then collect
      const drainUntil = Date.now() + 15_000;
      while (Date.now() < drainUntil) {
        const c = await Promise.all(procs.map((p) => ask<{ caughtUp: number }>(p.k, { cmd: "caughtUp", finalSeq: seq }, "caughtUp")));
        if (c.reduce((n, x) => n + x.caughtUp, 0) === o.clients) break;
        await sleep(200);
      }
      const reports = await Promise.all(
        procs.map((p) =>
          ask<{
            lat: [number, number][];
            failed: number;
            internal: number;
            retries: number;
            gaps: number;
            clientsWithGaps: number;
            behind: number;
            clientsBehind: number;
            duplicates: number;
            subscribed: number;
          }>(p.k, { cmd: "report", finalSeq: seq }, "lat"),
        ),
      );
      const hist = new Map<number, number>();
      for (const r of reports) for (const [ms, n] of r.lat) hist.set(ms, (hist.get(ms) ?? 0) + n);
      const buckets = [...hist.entries()].sort((a, b) => a[0] - b[0]);
      const deliveries = buckets.reduce((n, [, c]) => n + c, 0);
      const quantile = (q: number) => {
        let seen = 0;
        for (const [ms, c] of buckets) if ((seen += c) > q * deliveries) return ms;
        return buckets.length ? buckets[buckets.length - 1]![0] : null;
      };
      const sqlPerBatch = after.map((a, i) => (a.sqlStatements! - before[i]!.sqlStatements! - healthSql[i]!) / batches);
      const out = {
        scenario: name,
        subscription: SUBSCRIPTION === "events" ? "runEvents" : "runEventBatches",
        clients: o.clients,
        runs: o.runs,
        apiProcesses: o.apis,
        ratePerRun: o.ratePerRun,
        eventsPerCommit: perCommit,
        commits: lockstep ? "lockstep" : "staggered",
        eventsPerRun: step - 2,
        achievedEventsPerSecond: Math.round((batches / producedS) * 10) / 10,
        producerLagP99Ms: pct(
          lag.sort((a, b) => a - b),
          99,
        ),
        deliveries,
        latencyMs: { p50: quantile(0.5), p99: quantile(0.99), max: buckets.length ? buckets[buckets.length - 1]![0] : null },
        subscribed,
        allSubscribedWithinMs: allSubscribedMs,
        failedSubscriptions: reports.reduce((n, r) => n + r.failed, 0),
        internalErrors: reports.reduce((n, r) => n + r.internal, 0),
        resubscribes: reports.reduce((n, r) => n + r.retries, 0),
        // seqs skipped inside what a client received (must be 0)
        gapSeqs: reports.reduce((n, r) => n + r.gaps, 0),
        clientsWithGaps: reports.reduce((n, r) => n + r.clientsWithGaps, 0),
        // seqs a client had not received yet 15 s after the last append (it was still behind)
        notYetDeliveredSeqs: reports.reduce((n, r) => n + r.behind, 0),
        clientsBehindAtEnd: reports.reduce((n, r) => n + r.clientsBehind, 0),
        duplicateSeqs: reports.reduce((n, r) => n + r.duplicates, 0),
        sqlStatementsPerEventBatch: sqlPerBatch.map((x) => Math.round(x * 100) / 100),
        hubTailReadsPerBatch: after.map((a, i) => Math.round(((a.tailReads! - before[i]!.tailReads!) / batches) * 100) / 100),
        slowConsumersCut: after.reduce((n, a, i) => n + (a.cut! - before[i]!.cut!), 0),
        // the hub's subscribers and topics while this scenario's clients are connected: earlier scenarios' are gone
        hubSubscribers: after.map((a) => a.subscribers),
        hubTopics: after.map((a) => a.topics),
        api: targets.map((_, i) => ({ rssMb: cpu1[i]!.rssMb, cpuPercent: Math.round(((cpu1[i]!.cpuMs - cpu0[i]!.cpuMs) / (producedS * 1000)) * 1000) / 10 })),
        // where the machine's CPU went while producing: everything, the API(s) above, the bench's client processes
        machine: {
          cpus: cpus().length,
          busyPercent: Math.round(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 1000) / 10,
          clientProcessesCpuPercent: Math.round((clientsCpuMs / (producedS * 1000)) * 1000) / 10,
          loadavg1m: Math.round(loadavg()[0]! * 10) / 10,
        },
      };
      console.log(JSON.stringify(out));
      // the runs end, so the next scenario starts without these subscribers
      for (const p of procs) p.k.kill("SIGKILL");
      await sleep(1000);
    };

    const k = (n: number) => Math.max(1, Math.round(n * scale));
    if (wanted.includes("one-run")) await scenario("one-run", { clients: k(1000), runs: 1, ratePerRun: 20, apis: 1, connectWindowMs: 5000, subscribeDeadlineMs: 60_000 });
    if (wanted.includes("many-runs")) await scenario("many-runs", { clients: k(5000), runs: 50, ratePerRun: 20, apis: 1, connectWindowMs: 10_000, subscribeDeadlineMs: 90_000 });
    if (wanted.includes("storm")) await scenario("storm", { clients: k(2000), runs: 1, ratePerRun: 20, apis: 1, connectWindowMs: 2000, subscribeDeadlineMs: 15_000 });
    if (wanted.includes("two-apis")) await scenario("two-apis", { clients: k(1000), runs: 1, ratePerRun: 20, apis: 2, connectWindowMs: 5000, subscribeDeadlineMs: 60_000 });
    await db.close();
  } finally {
    await cleanup();
  }
}

if (process.argv.includes("--worker")) void worker();
else
  main().then(
    () => process.exit(0),
    (err: Error) => {
      console.error(err.stack ?? err.message);
      process.exit(1);
    },
  );
