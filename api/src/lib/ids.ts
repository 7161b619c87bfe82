import { badInput } from "../errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot exist (and must not reach PostgreSQL as a uuid cast error). */
export function isUuid(v: string): boolean {
  return UUID.test(v);
}

/** Connections: cursors are the opaque base64url of the row id. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, "utf8").toString("base64url");
}

export function decodeCursor(after: string | null | undefined): string | null {
  if (after === null || after === undefined || after === "") return null;
  const id = Buffer.from(after, "base64url").toString("utf8");
  if (!isUuid(id)) throw badInput("after", "after is not a cursor from this connection");
  return id;
}

export function pageSize(first: number | null | undefined): number {
  const n = first ?? 20;
  if (!Number.isInteger(n) || n < 1 || n > 100) throw badInput("first", "first must be 1–100");
  return n;
}

/** Builds a Relay connection from rows fetched with limit = first + 1. */
export function connection<T extends { id: string }>(rows: T[], first: number) {
  const page = rows.slice(0, first);
  return {
    edges: page.map((node) => ({ cursor: encodeCursor(node.id), node })),
    pageInfo: { hasNextPage: rows.length > first, endCursor: page.length ? encodeCursor(page[page.length - 1]!.id) : null },
  };
}
