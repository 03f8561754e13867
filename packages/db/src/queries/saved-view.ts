import { randomUUID } from "node:crypto";
import { and, asc, eq, or, sql } from "drizzle-orm";
import { normalizeDate } from "@cdp/profile-schema";
import type { SavedView, SavedViewInput, SavedViewPatch } from "@cdp/profile-schema";

import type { Database } from "../client";
import { DomainError, NotFoundError } from "../errors";
import { savedView } from "../schema";
import type { SavedViewRow } from "../schema";
import { pgTimestampToIso } from "../sql";

const iso = (value: string) => normalizeDate(pgTimestampToIso(value) ?? value);

/** A saved-view row as the contract's SavedView. */
export function rowToSavedView(row: SavedViewRow): SavedView {
  return {
    id: row.id,
    name: row.name,
    ownerId: row.ownerId,
    shared: row.shared,
    query: row.query,
    columns: row.columns,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

function nameTaken(name: string): DomainError {
  return new DomainError("CONFLICT", `You already have a view named "${name}".`, {
    path: ["name"],
    name,
  });
}

/** One view by id; null when there is none. */
export async function getSavedView(db: Database, id: string): Promise<SavedView | null> {
  const rows = await db.select().from(savedView).where(eq(savedView.id, id));
  const row = rows[0];
  return row ? rowToSavedView(row) : null;
}

/** The views an owner sees: their own and every shared one, by name. */
export async function listSavedViews(db: Database, ownerId: string): Promise<SavedView[]> {
  const rows = await db
    .select()
    .from(savedView)
    .where(or(eq(savedView.ownerId, ownerId), eq(savedView.shared, true)))
    .orderBy(asc(savedView.name), asc(savedView.id));
  return rows.map(rowToSavedView);
}

/** Adds a view for `ownerId`; a name the owner already uses is a CONFLICT on `name`. */
export async function insertSavedView(
  db: Database,
  params: { ownerId: string; input: SavedViewInput },
): Promise<SavedView> {
  const inserted = await db
    .insert(savedView)
    .values({ id: randomUUID(), ownerId: params.ownerId, ...params.input })
    .onConflictDoNothing()
    .returning();
  const row = inserted[0];
  if (!row) throw nameTaken(params.input.name);
  return rowToSavedView(row);
}

/** Applies a patch (fields left out stay); a name the owner already uses is a CONFLICT. */
export async function updateSavedView(
  db: Database,
  params: { id: string; patch: SavedViewPatch },
): Promise<SavedView> {
  const set = Object.fromEntries(Object.entries(params.patch).filter(([, v]) => v !== undefined));
  const current = await getSavedView(db, params.id);
  if (!current) throw new NotFoundError("Saved view", params.id);
  if (params.patch.name !== undefined && params.patch.name !== current.name) {
    const clash = await db
      .select({ id: savedView.id })
      .from(savedView)
      .where(and(eq(savedView.ownerId, current.ownerId), eq(savedView.name, params.patch.name)));
    if (clash.length > 0) throw nameTaken(params.patch.name);
  }
  const updated = await db
    .update(savedView)
    .set({ ...set, updatedAt: sql`now()` })
    .where(eq(savedView.id, params.id))
    .returning();
  const row = updated[0];
  if (!row) throw new NotFoundError("Saved view", params.id);
  return rowToSavedView(row);
}

/** Deletes a view; false when there was none. */
export async function deleteSavedView(db: Database, id: string): Promise<boolean> {
  const deleted = await db
    .delete(savedView)
    .where(eq(savedView.id, id))
    .returning({ id: savedView.id });
  return deleted.length > 0;
}
