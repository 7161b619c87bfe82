import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseConfig as parseApiConfig } from "../../api/src/config.js";
import { parseConfig as parseTrainerConfig } from "../../trainer/src/config.js";
import { ensureHadolint } from "./hadolint.service.js";
import { chartDir, ensureHelmBinary, helm } from "./helm.service.js";
import { parseManifests, typecheckWithModels, validateWithModels, type K8sObject } from "./k8s-validate.js";
import { repoRoot } from "./paths.js";
import { run } from "./proc.js";

/**
 * The Kubernetes chart (infra/helm/rare-studio), checked offline: `helm lint --strict`, `helm template`
 * with the default values, the production example and a chart-created Secret, every rendered object
 * validated strictly against the Kubernetes and KEDA schemas (k8s-validate.ts), and the properties
 * the product relies on (GPU request, probes, scale-to-zero, migration hook, default-deny network, no
 * secret outside the Secret, env accepted by the processes' own config parsers).
 */

const PROD = join(chartDir, "values-production.yaml");
const KUBE_VERSION = "v1.33.0";
let home: string;

async function render(args: string[] = []): Promise<K8sObject[]> {
  const out = await helm(["template", "studio", chartDir, "--namespace", "studio", "--kube-version", KUBE_VERSION, ...args], home);
  return parseManifests(out);
}

const DUMMY_SECRETS = [
  "secrets.create=true",
  "secrets.databaseUrl=postgres://studio_migrator:pw-migrator-1234@db.internal:5432/studio",
  "secrets.databaseUrlApi=postgres://studio_api:pw-api-5678@db.internal:5432/studio",
  "secrets.databaseUrlTrainer=postgres://studio_trainer:pw-trainer-9012@db.internal:5432/studio",
  "secrets.s3AccessKey=AKIAEXAMPLEACCESS",
  "secrets.s3SecretKey=s3-secret-value-abcdef",
  "secrets.exportUrlSecret=export-secret-0123456789abcdef0123456789abcdef",
];

type Container = {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: Record<string, any>;
  readinessProbe?: Record<string, any>;
  startupProbe?: Record<string, any>;
  securityContext?: Record<string, any>;
  workingDir?: string;
};
type PodSpec = {
  containers: Container[];
  securityContext?: Record<string, any>;
  terminationGracePeriodSeconds?: number;
  automountServiceAccountToken?: boolean;
};

const find = (objs: K8sObject[], kind: string, suffix: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name.endsWith(suffix));
  if (!o) throw new Error(`no ${kind} *${suffix} among ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
  return o as K8sObject & { spec: any };
};
const podSpec = (o: K8sObject): PodSpec => (o as any).spec.template.spec;
const podLabels = (o: K8sObject): Record<string, string> => (o as any).spec.template.metadata.labels;
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const workloads = (objs: K8sObject[]) => objs.filter((o) => o.kind === "Deployment" || o.kind === "Job");

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "studio-helm-"));
  await ensureHelmBinary((m) => console.log(m));
}, 1_800_000); // a fresh machine builds helm from its Go module first

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

describe("helm chart: lint and strict schema validation", () => {
  it("passes helm lint --strict with the default, production and chart-created-Secret values", async () => {
    for (const args of [[], ["-f", PROD], DUMMY_SECRETS.flatMap((s) => ["--set", s])]) {
      const out = await helm(["lint", "--strict", "--kube-version", KUBE_VERSION, chartDir, ...args], home);
      expect(out).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  }, 120_000);

  it.each([
    ["default values", [] as string[]],
    ["values-production.yaml", ["-f", PROD]],
    ["a chart-created Secret and the ingress", [...DUMMY_SECRETS, "ingress.enabled=true"].flatMap((s) => ["--set", s])],
  ])(
    "renders every object valid against the Kubernetes and KEDA schemas (%s)",
    async (_name, args) => {
      const objs = await render(args);
      expect(objs.length).toBeGreaterThan(10);
      expect(await validateWithModels(objs)).toEqual([]);
      expect(typecheckWithModels(objs, join(repoRoot, "infra", "src"))).toEqual([]);
    },
    120_000,
  );

  it("the validation is strict: an unknown field, a wrong type and an unknown kind fail", async () => {
    const objs = await render();
    const trainer = structuredClone(find(objs, "Deployment", "-trainer"));
    (trainer.spec.template.spec.containers[0] as Record<string, unknown>).gpus = 1; // not a Container field
    const scaled = structuredClone(find(objs, "ScaledObject", "-trainer"));
    scaled.spec.minReplicas = 0; // KEDA's field is minReplicaCount
    const api = structuredClone(find(objs, "Deployment", "-api"));
    api.spec.template.spec.terminationGracePeriodSeconds = "30"; // must be an integer
    const unknown = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } };
    const typed = typecheckWithModels([trainer, scaled, api, unknown], join(repoRoot, "infra", "src"));
    expect(typed.join("\n")).toMatch(/Deployment studio-rare-studio-trainer: .*'"?gpus"?' does not exist/);
    expect(typed.join("\n")).toMatch(/ScaledObject studio-rare-studio-trainer: .*'"?minReplicas"?' does not exist/);
    expect(typed.join("\n")).toMatch(/Deployment studio-rare-studio-api: Type 'string' is not assignable to type 'number'/);
    expect(typed.join("\n")).toMatch(/Widget w: Cannot find module 'kubernetes-models\/example.com\/v1\/Widget'/);
    const runtime = await validateWithModels([api, unknown]);
    expect(runtime).toHaveLength(2);
    expect(runtime[0]).toMatch(/terminationGracePeriodSeconds must be integer/);
    expect(runtime[1]).toMatch(/Widget.*no schema/);
  }, 120_000);
});

describe("helm chart: what the product relies on", () => {
  let objs: K8sObject[];
  beforeAll(async () => {
    objs = await render();
  }, 120_000);

  it("renders the expected objects; no Secret and no Ingress by default", () => {
    const names = objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(names).toEqual(
      [
        "Deployment/studio-rare-studio-api",
        "Deployment/studio-rare-studio-dashboard",
        "Deployment/studio-rare-studio-trainer",
        "HorizontalPodAutoscaler/studio-rare-studio-api",
        "Job/studio-rare-studio-migrate",
        "NetworkPolicy/studio-rare-studio-api-ingress",
        "NetworkPolicy/studio-rare-studio-dashboard-ingress",
        "NetworkPolicy/studio-rare-studio-default-deny",
        "NetworkPolicy/studio-rare-studio-dns",
        "NetworkPolicy/studio-rare-studio-postgresql-egress",
        "NetworkPolicy/studio-rare-studio-s3-egress",
        "PodDisruptionBudget/studio-rare-studio-api",
        "PodDisruptionBudget/studio-rare-studio-dashboard",
        "ScaledObject/studio-rare-studio-trainer",
        "Service/studio-rare-studio-api",
        "Service/studio-rare-studio-dashboard",
        "ServiceAccount/studio-rare-studio",
        "TriggerAuthentication/studio-rare-studio-trainer-queue",
      ].sort(),
    );
  });

  it("trainer: one GPU, a grace period that leaves the run to a successor, no fixed replica count", () => {
    const t = find(objs, "Deployment", "-trainer");
    const spec = podSpec(t);
    const c = spec.containers[0]!;
    expect(c.resources?.requests?.["nvidia.com/gpu"]).toBe(1);
    expect(c.resources?.limits?.["nvidia.com/gpu"]).toBe(1);
    const env = envOf(c);
    const engineGraceMs = Number(env.ENGINE_STOP_GRACE_MS?.value);
    const leaseMs = Number(env.TRAINER_LEASE_MS?.value);
    expect(engineGraceMs).toBeGreaterThan(0);
    expect(leaseMs).toBeGreaterThan(0);
    // SIGTERM → the engine finishes its step within ENGINE_STOP_GRACE_MS, then uploads and exit need time.
    expect(spec.terminationGracePeriodSeconds! * 1000).toBeGreaterThanOrEqual(engineGraceMs + 60_000);
    expect(t.spec.replicas).toBeUndefined(); // KEDA owns the count
    expect(t.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    // the trainer code handles SIGTERM as the chart assumes: the run stays RUNNING for a successor
    const main = readFileSync(join(repoRoot, "trainer", "src", "main.ts"), "utf8");
    expect(main).toMatch(/"SIGTERM"/);
    expect(readFileSync(join(repoRoot, "trainer", "src", "runs", "run.executor.ts"), "utf8")).toMatch(/the run stays RUNNING/);
  });

  it("values.schema.json refuses misspelt or out-of-range values", async () => {
    await expect(render(["--set", "trainer.autoscaling.minReplicas=0"])).rejects.toThrow(/additional properties 'minReplicas' not allowed/);
    await expect(render(["--set", "trainer.gpu.count=0"])).rejects.toThrow(/trainer\/gpu\/count': minimum: got 0, want 1/);
    await expect(render(["--set", "s3.bucket=Not_A_Bucket"])).rejects.toThrow(/s3\/bucket/);
  }, 60_000);

  it("a trainer grace period too short for ENGINE_STOP_GRACE_MS is refused", async () => {
    await expect(render(["--set", "trainer.terminationGracePeriodSeconds=30"])).rejects.toThrow(/terminationGracePeriodSeconds \(30\) must exceed ENGINE_STOP_GRACE_MS/);
  }, 60_000);

  it("KEDA: scales the trainer Deployment from 0 on the queue with the PostgreSQL scaler and a Secret", () => {
    const so = find(objs, "ScaledObject", "-trainer");
    expect(so.spec.minReplicaCount).toBe(0);
    expect(so.spec.maxReplicaCount).toBeGreaterThan(0);
    expect(so.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: find(objs, "Deployment", "-trainer").metadata.name });
    expect(so.spec.triggers).toHaveLength(1);
    const trig = so.spec.triggers[0];
    expect(trig.type).toBe("postgresql");
    expect(trig.metadata.query).toMatch(/FROM runs WHERE state IN \('QUEUED', 'RUNNING'\)/);
    expect(Number(trig.metadata.targetQueryValue)).toBeGreaterThan(0);
    expect(JSON.stringify(trig.metadata)).not.toMatch(/password|postgres:\/\//i);
    const ta = find(objs, "TriggerAuthentication", "-trainer-queue");
    expect(trig.authenticationRef.name).toBe(ta.metadata.name);
    expect(ta.spec.secretTargetRef).toEqual([{ parameter: "connection", name: "studio-rare-studio", key: "database-url-trainer" }]);
    // the scale-down of a busy pool is gradual (one pod per period)
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.policies).toEqual([{ type: "Pods", value: 1, periodSeconds: 300 }]);
  });

  it("the queue query names tables, columns and states of the schema", () => {
    const query: string = find(objs, "ScaledObject", "-trainer").spec.triggers[0].metadata.query;
    const migrations = ["0000_init.sql", "0001_platform.sql", "0002_evaluation_sharing.sql", "0005_leases_fair_share.sql"]
      .map((f) => join(repoRoot, "db", "drizzle", f))
      .filter(existsSync)
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    for (const [, table, states] of query.matchAll(/FROM (\w+) WHERE state IN \(([^)]*)\)/g)) {
      expect(migrations).toContain(`CREATE TABLE "${table}"`);
      for (const s of states!.split(",").map((x) => x.trim().replace(/'/g, ""))) expect(migrations).toMatch(new RegExp(`'${s}'`));
    }
    expect([...new Set([...query.matchAll(/(?:FROM|JOIN) (\w+)/g)].map((m) => m[1]))].sort()).toEqual(
      ["evaluations", "generations", "model_exports", "model_imports", "runs", "team_run_limits"].sort(),
    );
    // fair share: only runs a trainer could claim (docs/scheduling.md) count
    expect(query).toMatch(/coalesce\(l\.run_concurrency, 1\)/);
  });

  it("api: probes on real endpoints, CPU autoscaling and a disruption budget that select its pods", () => {
    const api = find(objs, "Deployment", "-api");
    const c = podSpec(api).containers[0]!;
    expect(c.livenessProbe?.httpGet).toMatchObject({ path: "/livez", port: "http" });
    expect(c.startupProbe?.httpGet).toMatchObject({ path: "/livez" });
    expect(c.readinessProbe?.httpGet.path).toBe("/graphql?query=%7Bhealth%7Bstatus%7D%7D");
    expect(c.readinessProbe?.httpGet.httpHeaders).toEqual([{ name: "apollo-require-preflight", value: "true" }]);
    // the endpoints exist in the API
    expect(readFileSync(join(repoRoot, "api", "src", "http.ts"), "utf8")).toMatch(/pathname === "\/livez"/);
    expect(readFileSync(join(repoRoot, "api", "schema", "health.graphql"), "utf8")).toMatch(/health: Health!/);
    expect(api.spec.replicas).toBeUndefined(); // the HPA owns the count
    const hpa = find(objs, "HorizontalPodAutoscaler", "-api");
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: api.metadata.name });
    expect(hpa.spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }]);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const pdb = find(objs, "PodDisruptionBudget", "-api");
    expect(pdb.spec.minAvailable).toBe(1);
    expect(matches(pdb.spec.selector.matchLabels, podLabels(api))).toBe(true);
    expect(matches(pdb.spec.selector.matchLabels, podLabels(find(objs, "Deployment", "-trainer")))).toBe(false);
    expect(c.resources?.requests?.cpu).toBeTruthy(); // CPU utilization needs a request
  });

  it("migration Job: a pre-install/pre-upgrade hook running the project's migrate CLI as the migration role", () => {
    const job = find(objs, "Job", "-migrate");
    expect(job.metadata.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
    const c = podSpec(job).containers[0]!;
    expect(c.command?.slice(-1)).toEqual(["src/migrate.cli.ts"]);
    expect(c.workingDir).toBe("/app/db");
    expect(existsSync(join(repoRoot, "db", "src", "migrate.cli.ts"))).toBe(true);
    expect(readFileSync(join(repoRoot, "db", "src", "migrate.cli.ts"), "utf8")).toMatch(/runMigrations/);
    // same image as the API (which ships db/), and the tsx loader the API image installs
    expect(c.image).toBe(podSpec(find(objs, "Deployment", "-api")).containers[0]!.image);
    const dockerfile = readFileSync(join(repoRoot, "infra", "docker", "api.Dockerfile"), "utf8");
    expect(c.command!.slice(0, 3)).toEqual(["node", "--import", "/app/node_modules/tsx/dist/loader.mjs"]);
    expect(dockerfile).toContain(`ENTRYPOINT ["node", "--import", "${c.command![2]}", "src/main.ts"]`);
    expect(dockerfile).toContain("cp -r /usr/local/lib/node_modules/tsx node_modules/tsx"); // WORKDIR /app
    expect(envOf(c).DATABASE_URL?.valueFrom?.secretKeyRef).toEqual({ name: "studio-rare-studio", key: "database-url" });
  });

  it("network: default deny for every pod of the release, then only the documented paths", () => {
    const pols = objs.filter((o) => o.kind === "NetworkPolicy") as (K8sObject & { spec: any })[];
    const deny = find(objs, "NetworkPolicy", "-default-deny");
    expect(deny.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(deny.spec.ingress).toBeUndefined();
    expect(deny.spec.egress).toBeUndefined();
    for (const w of workloads(objs)) expect(matches(deny.spec.podSelector.matchLabels, podLabels(w))).toBe(true);

    const selects = (p: any, w: K8sObject) =>
      matches(p.spec.podSelector.matchLabels ?? {}, podLabels(w)) &&
      (p.spec.podSelector.matchExpressions ?? []).every((e: any) => e.values.includes(podLabels(w)["app.kubernetes.io/component"]));
    const ingressTo = (w: K8sObject) => pols.filter((p) => p.spec.policyTypes.includes("Ingress") && p.spec.ingress && selects(p, w));
    const egressOf = (w: K8sObject) => pols.filter((p) => p.spec.policyTypes.includes("Egress") && p.spec.egress && selects(p, w));
    const api = find(objs, "Deployment", "-api");
    const dash = find(objs, "Deployment", "-dashboard");
    const trainer = find(objs, "Deployment", "-trainer");
    const job = find(objs, "Job", "-migrate");

    // nothing may connect to trainers or the migration Job
    expect(ingressTo(trainer)).toEqual([]);
    expect(ingressTo(job)).toEqual([]);
    // API <- ingress controller and dashboard, on its port only
    const apiIn = ingressTo(api);
    expect(apiIn).toHaveLength(1);
    expect(apiIn[0]!.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 4000 }]);
    const from = apiIn[0]!.spec.ingress[0].from;
    expect(from[0].namespaceSelector.matchLabels).toEqual({ "kubernetes.io/metadata.name": "ingress-nginx" });
    expect(matches(from[1].podSelector.matchLabels, podLabels(dash))).toBe(true);
    expect(ingressTo(dash)).toHaveLength(1);

    const egressPorts = (w: K8sObject) =>
      egressOf(w)
        .flatMap((p) => p.spec.egress.flatMap((r: any) => r.ports.map((x: any) => `${x.protocol}/${x.port}`)))
        .sort();
    expect(egressPorts(trainer)).toEqual(["TCP/443", "TCP/5432", "TCP/53", "UDP/53"].sort());
    expect(egressPorts(api)).toEqual(["TCP/443", "TCP/5432", "TCP/53", "UDP/53"].sort());
    expect(egressPorts(job)).toEqual(["TCP/5432", "TCP/53", "UDP/53"].sort());
    expect(egressPorts(dash)).toEqual(["TCP/53", "UDP/53"]); // the browser talks to the API, not the dashboard's server
  });

  it("pods run as non-root with a read-only root filesystem and no service-account token", () => {
    for (const w of workloads(objs)) {
      const spec = podSpec(w);
      expect(spec.securityContext?.runAsNonRoot, w.metadata.name).toBe(true);
      expect(spec.automountServiceAccountToken, w.metadata.name).toBe(false);
      for (const c of spec.containers) {
        expect(c.securityContext, `${w.metadata.name}/${c.name}`).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
        });
      }
    }
  });

  it("no secret in plain values: passwords and keys only through the Secret", async () => {
    const secretLike = /^(DATABASE_URL.*|.*_KEY|.*SECRET.*|.*PASSWORD.*)$/;
    for (const w of workloads(objs))
      for (const c of podSpec(w).containers)
        for (const e of c.env ?? [])
          if (secretLike.test(e.name)) {
            expect(e.value, `${w.metadata.name} ${e.name}`).toBeUndefined();
            expect(e.valueFrom?.secretKeyRef?.name, `${w.metadata.name} ${e.name}`).toBe("studio-rare-studio");
          }
    // the shipped values files carry none
    for (const f of ["values.yaml", "values-production.yaml"]) {
      const v = parseYaml(readFileSync(join(chartDir, f), "utf8")) as { secrets: Record<string, unknown> };
      for (const [k, x] of Object.entries(v.secrets)) if (!["name", "create"].includes(k)) expect(x ?? "", `${f} secrets.${k}`).toBe("");
    }
    // a chart-created Secret: its values appear in the Secret and nowhere else
    const withSecret = await render(DUMMY_SECRETS.flatMap((s) => ["--set", s]));
    const secret = find(withSecret, "Secret", "studio-rare-studio") as unknown as K8sObject & { stringData: Record<string, string> };
    expect(secret.metadata.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade"); // exists before the migration hook
    const others = JSON.stringify(withSecret.filter((o) => o !== secret));
    for (const s of ["pw-migrator-1234", "pw-api-5678", "pw-trainer-9012", "s3-secret-value-abcdef", "AKIAEXAMPLEACCESS", "export-secret-0123456789abcdef"]) {
      expect(JSON.stringify(secret.stringData)).toContain(s);
      expect(others).not.toContain(s);
    }
    // every key a pod or KEDA reads is one the chart's Secret has (the documented key list)
    const used = new Set<string>();
    for (const w of workloads(withSecret))
      for (const c of podSpec(w).containers) for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) used.add(e.valueFrom.secretKeyRef.key);
    for (const r of find(withSecret, "TriggerAuthentication", "-trainer-queue").spec.secretTargetRef) used.add(r.key);
    expect([...used].filter((k) => !(k in secret.stringData))).toEqual([]);
    expect(Object.keys(secret.stringData).sort()).toEqual(
      [
        "database-url",
        "database-url-api",
        "database-url-trainer",
        "export-url-secret",
        "s3-access-key-api",
        "s3-access-key-trainer",
        "s3-secret-key-api",
        "s3-secret-key-trainer",
      ].sort(),
    );
    expect(secret.stringData["database-url-api"]).toContain("studio_api");
  }, 120_000);

  it("the env of the API and the trainer is accepted by their own config parsers", async () => {
    for (const args of [[], ["-f", PROD]]) {
      const rendered = await render(args);
      const asEnv = (w: K8sObject) =>
        Object.fromEntries(
          (podSpec(w).containers[0]!.env ?? []).map((e) => [e.name, e.value ?? (e.name.startsWith("DATABASE_URL") ? "postgres://u:p@db:5432/studio" : "x".repeat(40))]),
        );
      const apiEnv = asEnv(find(rendered, "Deployment", "-api"));
      const api = parseApiConfig(apiEnv);
      expect(api.API_HOST).toBe("0.0.0.0");
      expect(api.S3_ENDPOINT).toMatch(/^https:\/\//);
      const trainer = parseTrainerConfig(asEnv(find(rendered, "Deployment", "-trainer")));
      expect(trainer.TRAINER_WORK_DIR).toBe("/work");
      expect(trainer.ENGINE_ENV.HF_HOME).toBe("/cache/huggingface"); // reaches the engine
      // every variable the chart sets is one the process reads (a typo would be ignored silently)
      const sources = (dir: string) => readTree(join(repoRoot, dir, "src"));
      const apiSrc = sources("api");
      const trainerSrc = sources("trainer");
      for (const name of Object.keys(apiEnv)) expect(apiSrc, `api reads ${name}`).toContain(name);
      for (const name of Object.keys(asEnv(find(rendered, "Deployment", "-trainer")))) {
        if (name === "HF_HOME" || name === "STUDIO_CACHE_DIR" || name === "STUDIO_SD21_BASE_DIR") continue; // the engine's (passed through)
        expect(trainerSrc, `trainer reads ${name}`).toContain(name);
      }
    }
  }, 120_000);

  it("production values: registry-prefixed images, ingress with TLS, grants in the migration Job", async () => {
    const prod = await render(["-f", PROD]);
    for (const w of workloads(prod))
      for (const c of podSpec(w).containers) expect(c.image).toMatch(/^registry\.example\.com\/rare-studio\/rare-studio\/(api|dashboard|trainer):0\.1\.0$/);
    const ing = find(prod, "Ingress", "studio-rare-studio");
    expect(ing.spec.tls[0].hosts).toEqual(["studio.example.com"]);
    expect(ing.spec.rules[0].http.paths.map((p: any) => p.path)).toEqual(["/graphql", "/exports", "/"]);
    const job = envOf(podSpec(find(prod, "Job", "-migrate")).containers[0]!);
    expect(Object.keys(job).sort()).toEqual(["DATABASE_URL", "DATABASE_URL_API", "DATABASE_URL_TRAINER"]);
    expect(find(prod, "ScaledObject", "-trainer").spec.maxReplicaCount).toBe(16);
    const pg = find(prod, "NetworkPolicy", "-postgresql-egress");
    expect(pg.spec.egress[0].to).toEqual([{ ipBlock: { cidr: "10.20.0.0/24" } }]);
  }, 60_000);
});

describe("container build files", () => {
  const files = ["api", "dashboard", "trainer"].map((n) => join(repoRoot, "infra", "docker", `${n}.Dockerfile`));
  let hadolint: string;
  beforeAll(async () => {
    hadolint = await ensureHadolint((m) => console.log(m));
  }, 600_000);

  it("hadolint finds nothing in any of them, and does find a planted mistake", async () => {
    for (const f of files) expect(await run(hadolint, ["--no-color", f]), f).toBe("");
    const bad = join(home, "bad.Dockerfile");
    await writeFile(bad, "FROM node:latest\nRUN cd /app && npm install\n");
    await expect(run(hadolint, ["--no-color", bad])).rejects.toThrow(/DL3007/);
  }, 60_000);

  it.each(["api", "dashboard", "trainer"])("%s.Dockerfile: copies only files that exist, runs as a non-root user, pins its tools", (name) => {
    const file = join(repoRoot, "infra", "docker", `${name}.Dockerfile`);
    const text = readFileSync(file, "utf8");
    const lines = text.split("\n").filter((l) => !l.startsWith("#"));
    for (const l of lines) {
      const m = /^COPY (?!--from)(.+) (\S+)$/.exec(l);
      if (!m) continue;
      for (const src of m[1]!.split(/\s+/)) expect(existsSync(join(repoRoot, src)), `${file}: ${src}`).toBe(true);
    }
    const users = lines.filter((l) => l.startsWith("USER "));
    expect(users.at(-1)).toBe("USER 1000:1000");
    expect(text).toMatch(/npm install -g pnpm@12\.\d+\.\d+/);
    const tsx = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { devDependencies: Record<string, string> }).devDependencies.tsx;
    if (text.includes("tsx@")) expect(text).toContain(`tsx@${tsx}`);
    const entry = /ENTRYPOINT \[(.*)\]/.exec(text)?.[1];
    expect(entry).toMatch(/\S/);
    if (entry!.includes("src/main.ts")) {
      const workdir = [...text.matchAll(/^WORKDIR \/app\/(\S+)$/gm)].at(-1)![1]!;
      expect(existsSync(join(repoRoot, workdir, "src", "main.ts"))).toBe(true);
    }
  });

  it("the trainer image bakes the engine's locked virtualenv on a CUDA runtime base", () => {
    const text = readFileSync(files[2]!, "utf8");
    expect(text).toMatch(/ARG CUDA_IMAGE=nvidia\/cuda:[\d.]+-runtime-ubuntu[\d.]+/);
    expect(text).toContain("pip install --no-cache-dir --disable-pip-version-check -r /opt/engine-locks/requirements.lock");
    expect(text).toContain("--no-deps -r /opt/engine-locks/requirements-nodeps.lock");
    expect(text).toContain("ENGINE_PYTHON=/opt/engine-venv/bin/python");
  });
});

function readTree(dir: string): string {
  let out = "";
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "generated" && name !== "node_modules") out += readTree(p);
    } else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out += readFileSync(p, "utf8");
  }
  return out;
}
