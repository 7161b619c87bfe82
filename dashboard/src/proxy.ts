import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy } from "@/lib/security-headers";

/**
 * Every page gets a fresh CSP nonce (Next.js reads it from the request's Content-Security-Policy
 * header and puts it on its own inline and chunk scripts; the layout is dynamically rendered).
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = contentSecurityPolicy({
    nonce,
    apiUrl: process.env.DASHBOARD_API_URL ?? "http://127.0.0.1:4000/graphql",
    storageUrl: process.env.DASHBOARD_STORAGE_URL,
    dev: process.env.NODE_ENV !== "production",
  });
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", csp); // the other headers: next.config.ts
  return response;
}

export const config = {
  matcher: [
    {
      source: "/((?!_next/static|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
