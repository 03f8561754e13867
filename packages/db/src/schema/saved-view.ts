import { sql } from "drizzle-orm";
import { boolean, index, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import type { SavedViewQuery } from "@cdp/profile-schema";

import { tstz } from "./columns";

/** Saved views of the profiles table: a list query and its columns, private or shared. */
export const savedView = pgTable(
  "saved_view",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** The owning principal as `kind:id` (`staff:<user id>`). */
    ownerId: text("owner_id").notNull(),
    shared: boolean("shared").notNull().default(false),
    query: jsonb("query").$type<SavedViewQuery>().notNull(),
    columns: jsonb("columns").$type<string[]>().notNull().default([]),
    createdAt: tstz("created_at")
      .notNull()
      .default(sql`now()`),
    updatedAt: tstz("updated_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    uniqueIndex("saved_view_owner_name_idx").on(t.ownerId, t.name),
    index("saved_view_shared_idx").on(t.shared),
  ],
);

export type SavedViewRow = typeof savedView.$inferSelect;
