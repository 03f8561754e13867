import { createRequestHandler } from "@cdp/api";

import { getAuth, consoleRequestPrincipal } from "@/server/auth";
import { getDatabase } from "@/server/db";

export const dynamic = "force-dynamic";

/** The same API router as apps/api, for the console's browser code and for services. */
async function handler(req: Request): Promise<Response> {
  const [{ db }, auth] = await Promise.all([getDatabase(), getAuth()]);
  return createRequestHandler({ db, auth, resolvePrincipal: consoleRequestPrincipal })(req);
}

export { handler as GET, handler as POST };
