/**
 * Creates the e2e staff accounts (one per role, e2e/staff.ts). Run by e2e/serve.sh after the seed
 * and before `next start` (an embedded PGlite directory takes one process at a time):
 *
 *   tsx e2e/create-staff.ts        (PGLITE_DIR set to the seeded directory)
 */
import { createAuth, createStaffUser, staffRoles } from "@cdp/auth";
import { openDatabase } from "@cdp/db";

import { STAFF } from "./staff";

const handle = await openDatabase();
try {
  const auth = createAuth({ db: handle.db });
  for (const role of staffRoles) {
    const user = await createStaffUser(auth, { ...STAFF[role], role });
    console.log(`e2e/create-staff.ts: ${user.role} ${user.email}`);
  }
} finally {
  await handle.close();
}
