/**
 * Writes the seeded profiles' names, e-mails and phones to SEEDED_PROFILES_FILE, read through the
 * API as a test-only principal that may see PII. Run by e2e/serve.sh after the seed and before
 * `next start` (an embedded PGlite directory takes one process at a time):
 *
 *   tsx e2e/export-seeded.ts        (PGLITE_DIR set to the seeded directory)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createCaller, createTRPCContext } from "@cdp/api";
import { openDatabase } from "@cdp/db";

import { SEEDED_PROFILES_FILE } from "./seeded";
import type { SeededProfile } from "./seeded";

const handle = await openDatabase();
try {
  const api = createCaller(
    createTRPCContext({
      db: handle.db,
      principal: {
        kind: "system",
        id: "e2e-export",
        name: "e2e fixture export",
        permissions: ["profiles:read", "profiles:pii"],
      },
    }),
  );
  const out: SeededProfile[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof api.profile.list>> = await api.profile.list({
      cursor,
      limit: 200,
    });
    for (const { profile } of page.items) {
      const { pii, contact } = profile.data;
      out.push({
        id: profile.id,
        firstname: pii.firstname,
        lastname: pii.lastname,
        displayName: pii.display_name,
        emails: [contact.email.main, contact.email.business],
        phones: [contact.phone.main, contact.phone.mobile],
      });
    }
    cursor = page.nextCursor;
  } while (cursor);
  mkdirSync(path.dirname(SEEDED_PROFILES_FILE), { recursive: true });
  writeFileSync(SEEDED_PROFILES_FILE, JSON.stringify(out));
  console.log(`e2e/export-seeded.ts: ${out.length} profiles → ${SEEDED_PROFILES_FILE}`);
} finally {
  await handle.close();
}
