import { describe, expect, it } from "vitest";
import { sniffImageType, uploadContentType } from "./image.sniff.js";

describe("content type sniffing", () => {
  it("reads JPEG, PNG and WebP magic numbers, whatever the name says", () => {
    expect(sniffImageType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe("image/jpeg");
    expect(sniffImageType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe("image/png");
    expect(sniffImageType(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8 "))).toBe("image/webp");
    expect(uploadContentType("photo.jpg", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe("image/png");
  });

  it("falls back to the extension (the API then judges the bytes), else null", () => {
    const text = new TextEncoder().encode("not an image");
    expect(sniffImageType(text)).toBeNull();
    expect(uploadContentType("b.JPEG", text)).toBe("image/jpeg");
    expect(uploadContentType("notes.txt", text)).toBeNull();
  });
});
