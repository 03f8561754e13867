import { sql } from "drizzle-orm";
import { pgTable, text } from "drizzle-orm/pg-core";

import { tstz } from "./columns";

/**
 * Identifiers of erased people, hashed, so `track` and `import` do not re-create them until the
 * suppression is lifted. Holds no readable personal data.
 */
export const suppression = pgTable("suppression", {
  /** SHA-256 of `type:normalised value` (e.g. `email:ada@example.com`). */
  hash: text("hash").primaryKey(),
  type: text("type").notNull(),
  reason: text("reason"),
  createdBy: text("created_by").notNull(),
  createdAt: tstz("created_at")
    .notNull()
    .default(sql`now()`),
  liftedAt: tstz("lifted_at"),
  liftedBy: text("lifted_by"),
});

export type SuppressionRow = typeof suppression.$inferSelect;
