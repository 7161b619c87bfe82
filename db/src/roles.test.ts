import { describe, expect, it } from "vitest";
import { missingGrantEntries, schemaTableNames, TABLE_GRANTS } from "./roles.js";

describe("TABLE_GRANTS", () => {
  it("has an entry for every table of the schema, and none for a table that does not exist", () => {
    const tables = schemaTableNames();
    expect(tables.length).toBeGreaterThan(15);
    expect(missingGrantEntries(tables)).toEqual({ missing: [], unknown: [] });
  });

  it("reports a table without an entry (a new migration that forgot its grants)", () => {
    expect(missingGrantEntries([...schemaTableNames(), "brand_new"]).missing).toEqual(["brand_new"]);
  });

  it("keeps append-only logs append-only for both services", () => {
    for (const t of ["access_audit", "run_events", "loss_points", "samples", "checkpoints"]) {
      for (const role of ["api", "trainer"] as const) {
        expect(TABLE_GRANTS[t]![role]).not.toContain("UPDATE");
        expect(TABLE_GRANTS[t]![role]).not.toContain("DELETE");
      }
    }
    expect(TABLE_GRANTS.access_audit).toEqual({ api: ["SELECT", "INSERT"], trainer: [] });
  });

  it("gives the trainer nothing on keys, members, invitations, shares and the audit", () => {
    for (const t of ["api_keys", "users", "memberships", "invitations", "shares", "access_audit", "teams"]) expect(TABLE_GRANTS[t]!.trainer).toEqual([]);
  });
});
