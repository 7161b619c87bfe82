import { describe, expect, it } from "vitest";
import { errorFromGraphQL, StudioError, unreachable } from "./client.errors.js";
import { StudioClient } from "./client.js";

const jsonResponse = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("error mapping", () => {
  it("takes code and field from the first GraphQL error", () => {
    const e = errorFromGraphQL([{ message: "classNoun must be a lowercase noun", extensions: { code: "BAD_USER_INPUT", field: "classNoun" } }, { message: "second" }]);
    expect(e).toBeInstanceOf(StudioError);
    expect(e.code).toBe("BAD_USER_INPUT");
    expect(e.field).toBe("classNoun");
    expect(e.message).toBe("classNoun must be a lowercase noun (and 1 more)");
    expect(e.describe()).toBe("BAD_USER_INPUT (classNoun): classNoun must be a lowercase noun (and 1 more)");
    expect(e.toJSON()).toEqual({ code: "BAD_USER_INPUT", field: "classNoun", message: e.message });
  });

  it("names the URL and the system's reason when the API is unreachable", () => {
    const cause = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4000"), { code: "ECONNREFUSED" }) });
    const e = unreachable("http://127.0.0.1:4000/graphql", cause);
    expect(e.code).toBe("UNREACHABLE");
    expect(e.message).toBe("cannot reach the API at http://127.0.0.1:4000/graphql (ECONNREFUSED); is it running? (./studio up)");
  });
});

describe("StudioClient over a fake fetch", () => {
  it("sends the key as a bearer token and returns typed data", async () => {
    const seen: RequestInit[] = [];
    const client = new StudioClient({
      url: "http://api/graphql",
      apiKey: "sk_test",
      fetch: async (_url, init) => {
        seen.push(init!);
        return jsonResponse({ data: { viewer: { role: "OWNER", user: { id: "u", name: "ann" }, team: { id: "t", name: "T" } } } });
      },
    });
    const v = await client.viewer();
    expect(v.team.name).toBe("T");
    expect((seen[0]!.headers as Record<string, string>).authorization).toBe("Bearer sk_test");
  });

  it("turns GraphQL errors into StudioError and non-JSON answers into BAD_RESPONSE", async () => {
    const errors = new StudioClient({
      url: "http://api/graphql",
      fetch: async () => jsonResponse({ errors: [{ message: "an API key is required", extensions: { code: "UNAUTHENTICATED" } }] }),
    });
    await expect(errors.viewer()).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "an API key is required" });
    const html = new StudioClient({ url: "http://api/wrong", fetch: async () => new Response("<html>Not Found</html>", { status: 404 }) });
    await expect(html.viewer()).rejects.toMatchObject({ code: "BAD_RESPONSE", message: expect.stringContaining("HTTP 404") });
  });

  it("uploads with the sniffed content type as a POST form: the presigned fields in order, then the file", async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    const client = new StudioClient({
      url: "http://api/graphql",
      apiKey: "k",
      fetch: async (url, init) => {
        calls.push({ url: String(url), init: init! });
        if (String(url).startsWith("http://s3/")) return new Response(null, { status: 200 });
        const body = JSON.parse(String(init!.body)) as { query: string; variables: Record<string, unknown> };
        if (body.query.includes("createImageUpload"))
          return jsonResponse({
            data: { createImageUpload: { uploadId: "up1", url: "http://s3/bucket", fields: { key: "uploads/a.png", "Content-Type": "image/png", policy: "p" }, expiresAt: "" } },
          });
        return jsonResponse({ data: { addSubjectImage: { id: "img", filename: "photo.jpg", contentType: "image/png", byteSize: 12, sha256: "x", width: 1, height: 1 } } });
      },
    });
    const img = await client.uploadSubjectImage("s1", { filename: "photo.jpg", bytes: png });
    expect(img.id).toBe("img");
    const created = JSON.parse(String(calls[0]!.init.body));
    expect(created.variables).toEqual({ subjectId: "s1", filename: "photo.jpg", contentType: "image/png", byteSize: 12 });
    expect(calls[1]).toMatchObject({ url: "http://s3/bucket", init: { method: "POST" } });
    const headers = calls[1]!.init.headers as Record<string, string>;
    const form = Buffer.from(await new Response(calls[1]!.init.body).arrayBuffer());
    expect(headers["content-length"]).toBe(String(form.length));
    const boundary = headers["content-type"]!.match(/^multipart\/form-data; boundary=(.+)$/)![1]!;
    const text = form.toString("latin1");
    const names = [...text.matchAll(/; name="([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual(["key", "Content-Type", "policy", "file"]);
    expect(text).toContain(`name="Content-Type"\r\n\r\nimage/png\r\n`);
    expect(text.endsWith(`\r\n--${boundary}--\r\n`)).toBe(true);
    expect(form.includes(Buffer.from(png))).toBe(true);
    expect(JSON.parse(String(calls[2]!.init.body)).variables).toEqual({ subjectId: "s1", uploadId: "up1" });
  });

  it("refuses a file that is no image by bytes or by name, before calling the API", async () => {
    const client = new StudioClient({
      url: "http://api/graphql",
      fetch: async () => {
        throw new Error("must not be called");
      },
    });
    await expect(client.uploadSubjectImage("s", { filename: "notes.txt", bytes: new Uint8Array([1, 2, 3]) })).rejects.toMatchObject({ code: "UNSUPPORTED_FILE" });
  });
});
