import type { NextConfig } from "next";

const config: NextConfig = {
  // The dashboard talks to the API from the browser (HTTP + graphql-ws); no server-side proxying.
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
};

export default config;
