import { sql } from "drizzle-orm";
import { bigserial, index, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";

import { tstz } from "./columns";

export interface AuditChange {
  path: string;
  before: unknown;
  after: unknown;
}

/**
 * Append-only record of every mutation: who (staff user, service token, system), what (action,
 * entity, id), the before/after of every changed path, why, and under which request. Nothing
 * updates or deletes these rows except the redaction an erase performs.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).notNull(),
    at: tstz("at")
      .notNull()
      .default(sql`clock_timestamp()`),
    actorType: text("actor_type", { enum: ["staff", "service", "system"] }).notNull(),
    actorId: text("actor_id").notNull(),
    actorName: text("actor_name").notNull(),
    action: text("action").notNull(),
    entity: text("entity").notNull(),
    entityId: text("entity_id").notNull(),
    changes: jsonb("changes").$type<AuditChange[]>().notNull().default([]),
    reason: text("reason"),
    requestId: text("request_id"),
  },
  (t) => [
    // Keyed with the entity id, the distribution column under Citus (docs/scaling.md): a profile's
    // audit rows live on its shard, written in the same single-shard transaction as the profile.
    primaryKey({ columns: [t.entityId, t.id] }),
    index("audit_log_entity_idx").on(t.entity, t.entityId, t.at),
    index("audit_log_actor_idx").on(t.actorId, t.at),
    index("audit_log_at_idx").on(t.at),
    index("audit_log_action_idx").on(t.action, t.at),
  ],
);

export type AuditLogRow = typeof auditLog.$inferSelect;
