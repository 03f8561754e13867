import { and, desc, eq, gte, lt, lte, or, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";

import type { Database } from "../client";
import { DomainError } from "../errors";
import { auditLog } from "../schema";
import type { AuditChange, AuditLogRow } from "../schema";

export type AuditEntry = Omit<AuditLogRow, "id" | "at"> & { at?: string };

/** Appends audit rows (call inside the transaction of the change they describe). */
export async function insertAudit(db: Database, entries: AuditEntry[]): Promise<void> {
  // One JSON parameter a statement, as for events: ten bound parameters a row cost more CPU than
  // the insert. Rows without a time get the clock's, one by one, as the column default does.
  for (let i = 0; i < entries.length; i += 5000) {
    const part = entries.slice(i, i + 5000);
    await db.execute(sql`
      insert into ${auditLog} (at, actor_type, actor_id, actor_name, action, entity, entity_id,
                               changes, reason, request_id)
      select coalesce(x.at, clock_timestamp()), x."actorType", x."actorId", x."actorName",
             x.action, x.entity, x."entityId", coalesce(x.changes, '[]'::jsonb), x.reason,
             x."requestId"
      from jsonb_to_recordset(${JSON.stringify(part)}::text::jsonb) as x(
        at timestamptz, "actorType" text, "actorId" text, "actorName" text, action text,
        entity text, "entityId" text, changes jsonb, reason text, "requestId" text
      )`);
  }
}

export interface AuditFilter {
  actorId?: string | null;
  entity?: string | null;
  entityId?: string | null;
  action?: string | null;
  from?: string | null;
  to?: string | null;
  cursor?: string | null;
  limit?: number;
}

/** Newest first, keyset-paged by id. */
export async function listAudit(
  db: Database,
  filter: AuditFilter = {},
): Promise<{ items: AuditLogRow[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const where: SQL[] = [];
  if (filter.actorId) where.push(eq(auditLog.actorId, filter.actorId));
  if (filter.entity) where.push(eq(auditLog.entity, filter.entity));
  if (filter.entityId) where.push(eq(auditLog.entityId, filter.entityId));
  if (filter.action) where.push(eq(auditLog.action, filter.action));
  if (filter.from) where.push(gte(auditLog.at, filter.from));
  if (filter.to) where.push(lte(auditLog.at, filter.to));
  if (filter.cursor) {
    const id = Number(filter.cursor);
    if (!Number.isSafeInteger(id) || id < 1) {
      throw new DomainError("BAD_REQUEST", "The cursor is not one this list produced.", {
        path: ["cursor"],
      });
    }
    where.push(lt(auditLog.id, id));
  }
  const rows = await db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? String(last.id) : null };
}

/** Every audit row about one entity id or written by one actor (privacy export). */
export async function auditAbout(db: Database, entityId: string): Promise<AuditLogRow[]> {
  return db
    .select()
    .from(auditLog)
    .where(or(eq(auditLog.entityId, entityId), eq(auditLog.actorId, entityId)))
    .orderBy(desc(auditLog.id));
}

export type { AuditChange };
