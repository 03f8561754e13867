import { createExportHandler } from "@cdp/api";

import { consoleRequestPrincipal } from "@/server/auth";
import { getDatabase } from "@/server/db";

export const dynamic = "force-dynamic";

/** Streamed NDJSON / CSV export of a profile query (PII masked without `profiles:pii`). */
export async function GET(req: Request): Promise<Response> {
  const { db } = await getDatabase();
  return createExportHandler({ db, resolvePrincipal: (r) => consoleRequestPrincipal(r, db) })(req);
}
