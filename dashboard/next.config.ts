import type { NextConfig } from "next";

const config: NextConfig = {
  // The dashboard talks to the API from the browser (HTTP + graphql-ws); no server-side proxying.
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  // The runs list is the home page.
  async redirects() {
    return [{ source: "/", destination: "/runs", permanent: false }];
  },
};

export default config;
