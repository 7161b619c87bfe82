import { describe, expect, it } from "vitest";
import { redactSecrets } from "./redact.js";

describe("redactSecrets", () => {
  it("drops SQL parameters but keeps the statement", () => {
    const line =
      'internal error at run: Error: Failed query: select * from "api_keys" where "secret_hash" = $1\nparams: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
    const out = redactSecrets(line);
    expect(out).toContain('select * from "api_keys"');
    expect(out).toContain("params: [redacted]");
    expect(out).not.toContain("9f86d081");
  });

  it("drops keys, link tokens, invitation codes, bearer values, hashes and passwords", () => {
    const secret = "sk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde";
    const out = redactSecrets(
      `auth ${secret} link shl_ZZZZZZZZZZZZZZZZZZZZ code inv_YYYYYYYYYYYYYYYYYYYY header Bearer whatever.token ` +
        `hash ${"ab".repeat(32)} Key (secret_hash)=(deadbeef) already exists postgres://studio:hunter2@db:5432/x ` +
        `https://s3/x?X-Amz-Signature=abc123&X-Amz-Credential=AKIA%2F /exports/1.tar?token=t0k3n`,
    );
    for (const leaked of [secret, "shl_ZZZZ", "inv_YYYY", "whatever.token", "ab".repeat(32), "deadbeef", "hunter2", "abc123", "AKIA", "t0k3n"])
      expect(out, leaked).not.toContain(leaked);
    expect(out).toContain("sk_[redacted]");
    expect(out).toContain("Key (secret_hash)=([redacted])");
    expect(out).toContain("postgres://studio:[redacted]@db:5432/x");
  });

  it("leaves ordinary lines alone", () => {
    const line = "GraphQL ready at http://127.0.0.1:4000/graphql (subscriptions ws://127.0.0.1:4000/graphql)";
    expect(redactSecrets(line)).toBe(line);
  });
});
