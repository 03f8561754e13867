import type { NextConfig } from "next";

import { STATIC_SECURITY_HEADERS } from "./src/lib/security-headers";

const config: NextConfig = {
  // Several builds side by side (parallel e2e runs on one checkout) each take their own folder.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  // Workspace packages ship TypeScript source: Next compiles them with the app.
  transpilePackages: ["@cdp/api", "@cdp/auth", "@cdp/db", "@cdp/profile-schema", "@cdp/ui"],
  // PGlite loads its WebAssembly and data files from its own package folder at run time.
  serverExternalPackages: ["@electric-sql/pglite"],
  experimental: {
    // Import only the radix primitives a component uses, not the whole barrel.
    optimizePackageImports: ["radix-ui"],
    // An import sends its file (up to 50 MB, IMPORT_MAX_BYTES) to a server action, through the
    // proxy: both limits default lower (1 MB, 10 MB); the margin covers the action's encoding.
    serverActions: { bodySizeLimit: "60mb" },
    proxyClientMaxBodySize: "60mb",
  },
  poweredByHeader: false,
  headers: async () => [{ source: "/:path*", headers: STATIC_SECURITY_HEADERS }],
  reactStrictMode: true,
};

export default config;
