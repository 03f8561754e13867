import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";

import { profile } from "./profile";

import { tstz } from "./columns";

/**
 * Who merged what into what: the per-field decisions and full snapshots of every profile before
 * the merge, so `unmerge` can restore them while the survivor has not changed since.
 */
export const profileMerge = pgTable(
  "profile_merge",
  {
    id: text("id").notNull(),
    intoId: text("into_id").notNull(),
    fromIds: jsonb("from_ids").$type<string[]>().notNull(),
    /** Per path: which strategy decided and which profile's value won. */
    decisions: jsonb("decisions").$type<Record<string, unknown>[]>().notNull().default([]),
    /** { into: StoredProfile, from: StoredProfile[] } as they were before the merge. */
    snapshots: jsonb("snapshots").$type<Record<string, unknown>>().notNull(),
    /** The survivor's version right after the merge: unmerge checks it has not moved. */
    resultVersion: integer("result_version").notNull(),
    reason: text("reason"),
    actor: text("actor").notNull(),
    createdAt: tstz("created_at")
      .notNull()
      .default(sql`now()`),
    undoneAt: tstz("undone_at"),
    undoneBy: text("undone_by"),
  },
  (t) => [
    // Keyed with the survivor, the distribution column under Citus (docs/scaling.md).
    primaryKey({ columns: [t.intoId, t.id] }),
    index("profile_merge_id_idx").on(t.id),
    index("profile_merge_into_idx").on(t.intoId, t.createdAt),
  ],
);

export type ProfileMergeRow = typeof profileMerge.$inferSelect;

/**
 * Every normalised identity key of every profile (`email:…`, `phone:…`, `ext:…`), one row per
 * (key, profile), unlike `profile_identifier` where the first claimer keeps a shared value. Kept
 * equal to `profile.identity_keys` by statement triggers (migration `identity_key_sync`), so no
 * write path can forget it; its primary key lets `duplicates` stream groups in key order and
 * `identify` look keys up without a scan.
 */
export const profileIdentityKey = pgTable(
  "profile_identity_key",
  {
    key: text("key").notNull(),
    profileId: text("profile_id")
      .notNull()
      .references(() => profile.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.key, t.profileId] }),
    index("profile_identity_key_profile_idx").on(t.profileId),
  ],
);
