import { sql } from "drizzle-orm";
import { bigserial, index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { segmentMembershipKinds } from "@cdp/profile-schema";
import type { Condition } from "@cdp/profile-schema";

import { tstz } from "./columns";
import { profile } from "./profile";

/**
 * Segment definitions. Small and read by every profile write: a reference table under Citus.
 */
export const segment = pgTable("segment", {
  /** Slug: `[a-z0-9-]`, at most 64 characters; the value kept in `profile.segments`. */
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description"),
  /** The validated, normalised condition tree. */
  condition: jsonb("condition").$type<Condition>().notNull(),
  /** A consent purpose: members must hold a consent granted now for a type of it. */
  purpose: text("purpose"),
  /** Optimistic concurrency: every change increments it. */
  version: integer("version").notNull().default(1),
  /**
   * The version whose membership has been computed for every profile; behind `version` while a
   * (re)computation runs or after one was interrupted (the scheduled refresh finishes it).
   */
  computedVersion: integer("computed_version"),
  /** The principal that created it, as `kind:id`. */
  createdBy: text("created_by").notNull(),
  createdAt: tstz("created_at")
    .notNull()
    .default(sql`now()`),
  updatedAt: tstz("updated_at")
    .notNull()
    .default(sql`now()`),
});

export type SegmentRow = typeof segment.$inferSelect;

/**
 * Current members: one row per (profile, segment), the same set as `profile.segments` holds of
 * our segments. Keyed by profile first so it is distributed with `profile` under Citus.
 */
export const segmentMembership = pgTable(
  "segment_membership",
  {
    profileId: text("profile_id")
      .notNull()
      .references(() => profile.id, { onDelete: "cascade" }),
    segmentId: text("segment_id")
      .notNull()
      .references(() => segment.id, { onDelete: "cascade" }),
    /** When the profile entered (this time). */
    since: tstz("since").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.profileId, t.segmentId] }),
    index("segment_membership_segment_idx").on(t.segmentId, t.profileId),
  ],
);

/**
 * Entries into and exits from segments, append-only. Outlives the segment (a deleted segment's
 * members get an exit); goes with the profile (erase, merge), like its events.
 */
export const segmentMembershipEvent = pgTable(
  "segment_membership_event",
  {
    id: bigserial("id", { mode: "number" }).notNull(),
    profileId: text("profile_id")
      .notNull()
      .references(() => profile.id, { onDelete: "cascade" }),
    segmentId: text("segment_id").notNull(),
    kind: text("kind", { enum: segmentMembershipKinds }).notNull(),
    at: tstz("at").notNull(),
    /** What caused it: `track:<event id>`, `staff:<id>`, `segment.create`, `refresh`, … */
    source: text("source").notNull(),
    requestId: text("request_id"),
  },
  (t) => [
    primaryKey({ columns: [t.profileId, t.id] }),
    index("segment_membership_event_profile_idx").on(t.profileId, t.at, t.id),
    index("segment_membership_event_segment_idx").on(t.segmentId, t.at, t.id),
  ],
);

export type SegmentMembershipEventRow = typeof segmentMembershipEvent.$inferSelect;
