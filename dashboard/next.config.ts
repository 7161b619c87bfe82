import type { NextConfig } from "next";
import { STATIC_SECURITY_HEADERS } from "./src/lib/security-headers";

const config: NextConfig = {
  // The dashboard talks to the API from the browser (HTTP + graphql-ws); no server-side proxying.
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  // Every response (static files too); pages also get their nonce CSP from src/proxy.ts.
  async headers() {
    return [{ source: "/:path*", headers: STATIC_SECURITY_HEADERS }];
  },
  // The runs list is the home page.
  async redirects() {
    return [{ source: "/", destination: "/runs", permanent: false }];
  },
};

export default config;
