import { STAGING_PREFIX, TEAM_AREAS } from "@studio/db";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cacheDir, repoRoot } from "./paths.js";
import { run } from "./proc.js";

/**
 * MinIO credentials per service (docs/security-privileges.md): the API and the trainer each get an IAM
 * user whose policy allows only their bucket and, for writes, only the prefixes they write. Created
 * with the root credentials through MinIO's admin API by `infra/minio-admin` (a small Go program on
 * madmin-go, built once and cached like the MinIO server).
 */
export interface S3Credentials {
  accessKey: string;
  secretKey: string;
}

type Statement = { Effect: "Allow"; Action: string[]; Resource: string[] };
export interface StoragePolicy {
  Version: "2012-10-17";
  Statement: Statement[];
}

const WRITE = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];

/**
 * Object keys all live under `teams/{teamId}/` (built by @studio/db objectKeys; docs/platform-contract.md). Both services read every
 * team's objects (they act for every team); writes are split by who produces what:
 * - api: staging uploads (`uploads/*`: the presigned POST policies are signed with these credentials and
 *   name one key each), validated photos and their derivatives (`teams/*\/subjects/*`), validated import
 *   files (`teams/*\/imports/files/*`), and the bucket's lifecycle rule for `uploads/`; so an upload can never
 *   write a checkpoint, sample or export.
 * - trainer: what training and jobs produce (`runs`, `generations`, `evaluations`, `exports`) and the
 *   deletion of imported files once imported.
 * Neither may list other buckets, create or delete buckets, or change any bucket setting but that rule.
 */
export function storagePolicies(bucket: string): { api: StoragePolicy; trainer: StoragePolicy } {
  const arn = (p: string) => `arn:aws:s3:::${bucket}${p}`;
  const area = (a: string) => arn(`/teams/*/${a}/*`); // every team's objects in that area
  const base: Statement[] = [
    { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [arn("")] },
    { Effect: "Allow", Action: ["s3:GetObject"], Resource: [arn("/teams/*")] },
  ];
  return {
    api: {
      Version: "2012-10-17",
      Statement: [
        ...base,
        // staging uploads: the API signs the POST policies (so clients write with its rights, only the key a
        // policy names), reads them to copy, and deletes them (docs/security-uploads.md)
        { Effect: "Allow", Action: ["s3:GetObject", ...WRITE], Resource: [arn(`/${STAGING_PREFIX}*`)] },
        { Effect: "Allow", Action: WRITE, Resource: [area(TEAM_AREAS.subjects), area(TEAM_AREAS.importFiles)] },
        // the backstop lifecycle rule on uploads/ (UPLOAD_LIFECYCLE_DAYS); no other bucket setting
        { Effect: "Allow", Action: ["s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"], Resource: [arn("")] },
      ],
    },
    trainer: {
      Version: "2012-10-17",
      Statement: [
        ...base,
        {
          Effect: "Allow",
          Action: WRITE,
          Resource: [TEAM_AREAS.runs, TEAM_AREAS.generations, TEAM_AREAS.evaluations, TEAM_AREAS.exports].map(area),
        },
        { Effect: "Allow", Action: ["s3:DeleteObject"], Resource: [area(TEAM_AREAS.importFiles)] },
      ],
    },
  };
}

const toolDir = join(repoRoot, "infra", "minio-admin");

/** Builds `infra/minio-admin` with `go build` unless the binary for these sources is cached. */
export async function ensureMinioAdminBinary(log: (msg: string) => void = console.log): Promise<string> {
  const h = createHash("sha256");
  for (const f of ["main.go", "go.mod", "go.sum"]) h.update(await readFile(join(toolDir, f)));
  const dir = join(cacheDir(), `minio-admin-${h.digest("hex").slice(0, 16)}`);
  const bin = join(dir, "minio-admin");
  if (existsSync(bin)) return bin;
  log("minio: building the admin helper infra/minio-admin with go (once) ...");
  await mkdir(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  await run("go", ["build", "-trimpath", "-o", tmp, "."], {
    cwd: toolDir,
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false" },
  });
  await rename(tmp, bin);
  return bin;
}

/** Generated once per data folder (mode 0600). */
async function serviceSecrets(file: string): Promise<{ api: S3Credentials; trainer: S3Credentials }> {
  const saved = existsSync(file) ? (JSON.parse(await readFile(file, "utf8")) as Partial<Record<"api" | "trainer", S3Credentials>>) : {};
  const make = (who: string): S3Credentials => ({
    accessKey: `studio-${who}-${randomBytes(4).toString("hex")}`,
    secretKey: randomBytes(24).toString("base64url"),
  });
  const all = { api: saved.api ?? make("api"), trainer: saved.trainer ?? make("trainer") };
  if (!saved.api || !saved.trainer) await writeFile(file, JSON.stringify(all, null, 2) + "\n", { mode: 0o600 });
  return all;
}

/**
 * Creates (or brings back to spec) the API's and the trainer's MinIO users and policies. Idempotent;
 * `root` are the server's root credentials, which then stay with the server (and infra) only.
 */
export async function ensureMinioServiceUsers(opts: {
  endpoint: string;
  root: S3Credentials;
  bucket: string;
  secretsFile: string;
}): Promise<{ api: S3Credentials; trainer: S3Credentials }> {
  const creds = await serviceSecrets(opts.secretsFile);
  const policies = storagePolicies(opts.bucket);
  const bin = await ensureMinioAdminBinary();
  const url = new URL(opts.endpoint);
  const spec = {
    users: (["api", "trainer"] as const).map((who) => ({
      accessKey: creds[who].accessKey,
      secretKey: creds[who].secretKey,
      policyName: `studio-${who}-${opts.bucket}`,
      policy: policies[who],
    })),
  };
  await run(bin, [], {
    input: JSON.stringify(spec),
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      MINIO_ENDPOINT: url.host,
      MINIO_SECURE: url.protocol === "https:" ? "1" : "0",
      MINIO_ROOT_USER: opts.root.accessKey,
      MINIO_ROOT_PASSWORD: opts.root.secretKey,
    },
  });
  return creds;
}
