import { createCallLimiter, createRequestHandler } from "@cdp/api";

import { env } from "@/env";
import { consoleOrigin, consoleRequestPrincipal, getAuth } from "@/server/auth";
import { crossSiteRefusal } from "@/server/csrf";
import { getDatabase } from "@/server/db";
import { logger } from "@/server/log";

export const dynamic = "force-dynamic";

const store = globalThis as typeof globalThis & {
  __cdpConsoleApi?: Promise<(req: Request) => Promise<Response>>;
};

/** One handler per process, so per-token call counts survive between requests. */
function apiHandler(): Promise<(req: Request) => Promise<Response>> {
  store.__cdpConsoleApi ??= Promise.all([getDatabase(), getAuth()]).then(([{ db }, auth]) =>
    createRequestHandler({
      db,
      auth,
      resolvePrincipal: consoleRequestPrincipal,
      logger,
      limitCalls:
        env.API_RATE_LIMIT_PER_SECOND > 0
          ? createCallLimiter({ calls: env.API_RATE_LIMIT_PER_SECOND, perSeconds: 1 })
          : null,
    }),
  );
  return store.__cdpConsoleApi;
}

/** The same API router as apps/api, for the console's browser code and for services. */
async function handler(req: Request): Promise<Response> {
  const refused = crossSiteRefusal(req, await consoleOrigin());
  if (refused) {
    logger.warn(
      { path: new URL(req.url).pathname, origin: req.headers.get("origin") },
      "cross-site request refused",
    );
    return refused;
  }
  return (await apiHandler())(req);
}

export { handler as GET, handler as POST };
