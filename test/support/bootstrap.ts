import { createHash, randomBytes } from "node:crypto";
import { openDb, schema } from "@studio/db";
import { services } from "./services.js";

/**
 * A team with an OWNER user and an API key, written straight to the database (as an operator's
 * admin command would), for tests that need to act as a script of that team.
 */
export async function bootstrapTeam(name: string): Promise<{ teamId: string; userId: string; secret: string }> {
  const handle = openDb(services().databaseUrl, { max: 1 });
  try {
    const [team] = await handle.db.insert(schema.teams).values({ name }).returning();
    const [user] = await handle.db
      .insert(schema.users)
      .values({ name: `${name} owner` })
      .returning();
    await handle.db.insert(schema.memberships).values({ teamId: team!.id, userId: user!.id, role: "OWNER" });
    const secret = `sk_${randomBytes(32).toString("base64url")}`;
    await handle.db.insert(schema.apiKeys).values({
      teamId: team!.id,
      userId: user!.id,
      name: "test key",
      prefix: secret.slice(0, 10),
      secretHash: createHash("sha256").update(secret).digest("hex"),
    });
    return { teamId: team!.id, userId: user!.id, secret };
  } finally {
    await handle.close();
  }
}
