import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import type { Condition, Mapping, MappingRuleDefinition } from "@cdp/profile-schema";

import { tstz } from "./columns";

/**
 * Mapping rules as they are now: one row per rule, read by every `profile.track` batch (enabled
 * ones, by position). Small: a reference table under Citus.
 */
export const mappingRule = pgTable(
  "mapping_rule",
  {
    /** Slug: `[a-z0-9-]`, at most 64 characters; audit rows name it with the version. */
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    /** The event types it applies to (a JSON array of strings). */
    eventTypes: jsonb("event_types").$type<string[]>().notNull(),
    /** The validated, normalised condition tree (event fields allowed); null: always. */
    condition: jsonb("condition").$type<Condition>(),
    mappings: jsonb("mappings").$type<Mapping[]>().notNull(),
    /** Rules run by position, then id. */
    position: integer("position").notNull().default(0),
    enabled: boolean("enabled").notNull().default(false),
    /** The current definition's number in mapping_rule_version; +1 with every saved change. */
    version: integer("version").notNull().default(1),
    createdBy: text("created_by").notNull(),
    updatedBy: text("updated_by").notNull(),
    createdAt: tstz("created_at")
      .notNull()
      .default(sql`now()`),
    updatedAt: tstz("updated_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [index("mapping_rule_enabled_idx").on(t.enabled, t.position, t.id)],
);

export type MappingRuleRow = typeof mappingRule.$inferSelect;

/**
 * Every saved definition of every rule, append-only: history and diffs for the console, and what
 * an audit row's `(rule, version)` meant. Outlives its rule (no foreign key), so a deleted rule's
 * versions still explain the changes it made; a rule created again under the same id continues
 * its numbering.
 */
export const mappingRuleVersion = pgTable(
  "mapping_rule_version",
  {
    ruleId: text("rule_id").notNull(),
    version: integer("version").notNull(),
    definition: jsonb("definition").$type<MappingRuleDefinition>().notNull(),
    savedBy: text("saved_by").notNull(),
    savedAt: tstz("saved_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.version] })],
);

export type MappingRuleVersionRow = typeof mappingRuleVersion.$inferSelect;
