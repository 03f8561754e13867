import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";

import { tstz } from "./columns";

/**
 * Events received through `profile.track`, kept for timelines and for conditions such as "did X
 * at least N times in the last D days". Keyed by (profile_id, id) so a retried event is stored once
 * and the table can be distributed by profile_id.
 */
export const event = pgTable(
  "event",
  {
    profileId: text("profile_id").notNull(),
    id: text("id").notNull(),
    type: text("type").notNull(),
    time: tstz("time").notNull(),
    sessionId: text("session_id"),
    source: text("source"),
    properties: jsonb("properties").$type<Record<string, unknown>>().notNull().default({}),
    context: jsonb("context").$type<Record<string, unknown>>().notNull().default({}),
    receivedAt: tstz("received_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    primaryKey({ columns: [t.profileId, t.id] }),
    index("event_profile_time_idx").on(t.profileId, t.time.desc()),
    index("event_type_time_idx").on(t.type, t.time),
  ],
);

export type EventRow = typeof event.$inferSelect;
