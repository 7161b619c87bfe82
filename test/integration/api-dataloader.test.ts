import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@studio/db";
import { createTeam, gqlAs, type TestTeam } from "../support/auth.js";
import { insertImage, insertRunWithCheckpoint, insertSubject, testDb } from "../support/fixtures.js";
import { startApi } from "../support/processes.js";

// list sizes chosen explicitly: at their defaults (losses 5000, samples 200, …) 50 runs would be over the
// query cost budget (docs/security-front.md)
const RUNS = `query($n: Int!) { runs(first: $n) { edges { node {
  id state error { code }
  subject { id name images(first: 5) { id url } runs(first: 10) { id } }
  checkpoints(last: 5) { id step files { name url } run { id } }
  samples(last: 10) { url }
  losses(first: 50) { step loss }
} } pageInfo { hasNextPage } } }`;

describe("api: DataLoaders keep a list query at a fixed number of SQL statements", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let team: TestTeam;
  let db: DbHandle;

  beforeAll(async () => {
    [api, team] = await Promise.all([startApi({ API_COUNT_SQL: "1" }), createTeam("loader-team")]);
    db = testDb();
    for (let s = 0; s < 5; s++) {
      const subject = await insertSubject(db, team.teamId, `subject ${s}`);
      for (let i = 0; i < 2; i++) await insertImage(db, team.teamId, subject.id);
      for (let r = 0; r < 10; r++) await insertRunWithCheckpoint(db, team.teamId, subject.id);
    }
  });
  afterAll(async () => {
    await api?.proc.stop();
    await db?.close();
  });

  it("runs(first: 50) with subjects, images, checkpoints, samples and losses costs the same as runs(first: 5)", async () => {
    const count = async (n: number) => {
      const { body } = await gqlAs<any>(api.url, team.secret, RUNS, { n });
      expect(body.errors).toBeUndefined();
      expect(body.data.runs.edges).toHaveLength(n);
      return { sql: body.extensions?.sqlQueries as number, data: body.data };
    };
    await count(5); // the key's first request also settles its rate-limit precharge (one more statement)
    const small = await count(5);
    const big = await count(50);
    expect(big.data.runs.edges[49].node.subject.images).toHaveLength(2);
    expect(big.data.runs.edges[49].node.checkpoints[0].files).toHaveLength(2);
    // auth (1) + runs page (1) + subjects, images, runs by subject, checkpoints, runs of checkpoints, samples, losses (1 each)
    expect(big.sql).toBeGreaterThan(0);
    expect(big.sql).toBeLessThanOrEqual(10);
    expect(big.sql).toBe(small.sql);
  });
});
