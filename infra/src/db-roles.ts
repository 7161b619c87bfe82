import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { applyGrants, DEFAULT_ROLE_NAMES, ensureLoginRoles, roleOfUrl, runMigrations, urlForRole } from "@studio/db";

/**
 * The database side of least privilege (docs/security-privileges.md): roles, migrations, grants, in
 * that order, on every start. Returns the three URLs: `owner` (migrations, admin command, test
 * fixtures), `api` and `trainer` (the services).
 */
export interface DbUrls {
  owner: string;
  api: string;
  trainer: string;
}

type Passwords = Record<"migrator" | "api" | "trainer", string>;

/** Generated once per data folder, mode 0600, like the first API key. */
async function rolePasswords(file: string): Promise<Passwords> {
  const saved: Partial<Passwords> = existsSync(file) ? JSON.parse(await readFile(file, "utf8")) : {};
  const all: Passwords = {
    migrator: saved.migrator ?? randomBytes(18).toString("base64url"),
    api: saved.api ?? randomBytes(18).toString("base64url"),
    trainer: saved.trainer ?? randomBytes(18).toString("base64url"),
  };
  if (all.migrator !== saved.migrator || all.api !== saved.api || all.trainer !== saved.trainer) await writeFile(file, JSON.stringify(all, null, 2) + "\n", { mode: 0o600 });
  return all;
}

export async function prepareDatabase(opts: {
  /** The embedded server's superuser: creates all three roles; the migrator becomes the owner. */
  superuserUrl?: string;
  /** An external server: the migration role (owner of the tables). */
  databaseUrl?: string;
  apiUrl?: string;
  trainerUrl?: string;
  /** Where generated role passwords are kept. */
  passwordsFile: string;
}): Promise<DbUrls> {
  let urls: DbUrls;
  if (opts.superuserUrl) {
    const pw = await rolePasswords(opts.passwordsFile);
    const n = DEFAULT_ROLE_NAMES;
    await ensureLoginRoles(
      opts.superuserUrl,
      [
        { name: n.migrator, password: pw.migrator },
        { name: n.api, password: pw.api },
        { name: n.trainer, password: pw.trainer },
      ],
      n.migrator,
    );
    urls = {
      owner: urlForRole(opts.superuserUrl, n.migrator, pw.migrator),
      api: opts.apiUrl ?? urlForRole(opts.superuserUrl, n.api, pw.api),
      trainer: opts.trainerUrl ?? urlForRole(opts.superuserUrl, n.trainer, pw.trainer),
    };
  } else if (opts.databaseUrl && opts.apiUrl && opts.trainerUrl) {
    urls = { owner: opts.databaseUrl, api: opts.apiUrl, trainer: opts.trainerUrl };
  } else if (opts.databaseUrl) {
    // External server without service URLs: create the service roles with the migration role,
    // which needs CREATEROLE for that.
    const pw = await rolePasswords(opts.passwordsFile);
    const n = DEFAULT_ROLE_NAMES;
    try {
      await ensureLoginRoles(opts.databaseUrl, [
        { name: n.api, password: pw.api },
        { name: n.trainer, password: pw.trainer },
      ]);
    } catch (err) {
      throw new Error(
        `cannot create the database roles ${n.api} and ${n.trainer} as the DATABASE_URL user (${(err as Error).message}); ` +
          `give that user CREATEROLE, or create two LOGIN roles and set DATABASE_URL_API and DATABASE_URL_TRAINER ` +
          `(docs/security-privileges.md)`,
        { cause: err },
      );
    }
    urls = {
      owner: opts.databaseUrl,
      api: urlForRole(opts.databaseUrl, n.api, pw.api),
      trainer: urlForRole(opts.databaseUrl, n.trainer, pw.trainer),
    };
  } else throw new Error("prepareDatabase: no database URL");
  for (const [name, url] of Object.entries(urls))
    if (name !== "owner" && roleOfUrl(url) === roleOfUrl(urls.owner)) throw new Error(`DATABASE_URL_${name.toUpperCase()} must log in as its own role, not as the migration role`);
  await runMigrations(urls.owner);
  await applyGrants(urls.owner, { api: roleOfUrl(urls.api), trainer: roleOfUrl(urls.trainer) });
  return urls;
}
