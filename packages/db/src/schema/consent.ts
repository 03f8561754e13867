import { sql } from "drizzle-orm";
import { bigserial, boolean, index, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { consentActions, consentDefaults, legalBases } from "@cdp/profile-schema";

import { tstz } from "./columns";

/**
 * The consent-type catalogue. Types are archived, never deleted, because the ledger references
 * them. Small and read by every consent write: a reference table under Citus.
 */
export const consentType = pgTable("consent_type", {
  /** Slug: `[a-z0-9-]`, at most 64 characters; the key in `profile.consents`. */
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description"),
  purpose: text("purpose").notNull(),
  revokable: boolean("revokable").notNull().default(true),
  defaultValue: text("default_value", { enum: consentDefaults }).notNull().default("deny"),
  enabled: boolean("enabled").notNull().default(true),
  required: boolean("required").notNull().default(false),
  tags: jsonb("tags").$type<string[]>().notNull().default([]),
  /** ISO-8601 duration (`P1Y`, `P6M`, `P30D`) a grant lasts; null: until revoked. */
  autoRevoke: text("auto_revoke"),
  createdAt: tstz("created_at")
    .notNull()
    .default(sql`now()`),
  updatedAt: tstz("updated_at")
    .notNull()
    .default(sql`now()`),
  archivedAt: tstz("archived_at"),
});

export type ConsentTypeRow = typeof consentType.$inferSelect;
export type ConsentTypeInsertRow = typeof consentType.$inferInsert;

/**
 * The append-only consent ledger: every grant, denial and revocation, with its legal basis,
 * source, actor, policy version and proof. `profile.consents` is derived from it. Keyed by
 * (profile_id, id) so it can be distributed by profile; no foreign key to `profile`, like
 * `event`, so the ledger can outlive or precede a profile row within a batch. `proof` (and
 * `reason`) may hold personal data: the privacy erase redacts them.
 */
export const consentEvent = pgTable(
  "consent_event",
  {
    id: bigserial("id", { mode: "number" }).notNull(),
    profileId: text("profile_id").notNull(),
    typeId: text("type_id")
      .notNull()
      .references(() => consentType.id, { onDelete: "restrict" }),
    action: text("action", { enum: consentActions }).notNull(),
    legalBasis: text("legal_basis", { enum: legalBases }),
    source: text("source").notNull(),
    /** The principal as `kind:id` (`staff:u1`, `service:t1`, `system:import`). */
    actor: text("actor").notNull(),
    policyVersion: text("policy_version"),
    reason: text("reason"),
    /** When it happened (may precede the write: an event time, a back-dated paper form). */
    at: tstz("at").notNull(),
    /** `at` + the type's auto-revoke interval, fixed at grant time; null: no expiry. */
    expiresAt: tstz("expires_at"),
    proof: jsonb("proof").$type<Record<string, unknown>>(),
    createdAt: tstz("created_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    primaryKey({ columns: [t.profileId, t.id] }),
    index("consent_event_profile_type_at_idx").on(t.profileId, t.typeId, t.at),
    index("consent_event_type_idx").on(t.typeId),
  ],
);

export type ConsentEventRow = typeof consentEvent.$inferSelect;
export type ConsentEventInsertRow = typeof consentEvent.$inferInsert;
