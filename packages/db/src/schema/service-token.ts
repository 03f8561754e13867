import { sql } from "drizzle-orm";
import { jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";

import { tstz } from "./columns";

/**
 * Credentials of internal services. Only a SHA-256 of the secret is stored (the secret is random
 * and long, so a slow hash adds nothing); the secret is shown once, at creation.
 */
export const serviceToken = pgTable(
  "service_token",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** The first characters of the token, to recognise it in lists. */
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull(),
    scopes: jsonb("scopes").$type<string[]>().notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: tstz("created_at")
      .notNull()
      .default(sql`now()`),
    lastUsedAt: tstz("last_used_at"),
    expiresAt: tstz("expires_at"),
    revokedAt: tstz("revoked_at"),
  },
  (t) => [uniqueIndex("service_token_secret_hash_idx").on(t.secretHash)],
);

export type ServiceTokenRow = typeof serviceToken.$inferSelect;
