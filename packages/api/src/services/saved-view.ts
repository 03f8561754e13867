import type {
  SavedView,
  SavedViewInput,
  SavedViewPatch,
  SavedViewPromotion,
} from "@cdp/profile-schema";
import {
  deleteSavedView,
  DomainError,
  getSavedView,
  insertSavedView,
  listSavedViews,
  updateSavedView,
} from "@cdp/db";
import type { AuditChange, Database } from "@cdp/db";

import { can } from "../authz";
import type { Principal } from "../authz";
import { audit } from "./audit";
import type { AuditOrigin } from "./audit";
import { createSegment } from "./segment";
import type { SegmentWithSize } from "./segment";

/** The owner a principal's views are kept under: `kind:id`. */
export const viewOwnerOf = (principal: Principal) => `${principal.kind}:${principal.id}`;

const viewFields = ["name", "shared", "query", "columns"] as const;

function viewChanges(before: SavedViewInput | null, after: SavedViewInput): AuditChange[] {
  return viewFields
    .filter((f) => JSON.stringify(before?.[f] ?? null) !== JSON.stringify(after[f]))
    .map((f) => ({ path: f, before: before?.[f] ?? null, after: after[f] }));
}

const notFound = (id: string) =>
  new DomainError("NOT_FOUND", `Saved view ${id} was not found.`, {
    path: ["id"],
    entity: "Saved view",
    id,
  });

/** A view the principal may see (their own or a shared one); others are NOT_FOUND. */
async function visibleView(db: Database, principal: Principal, id: string): Promise<SavedView> {
  const view = await getSavedView(db, id);
  if (!view || (!view.shared && view.ownerId !== viewOwnerOf(principal))) throw notFound(id);
  return view;
}

/** A view the principal may change: their own (admins: any they can see). */
async function ownView(db: Database, principal: Principal, id: string): Promise<SavedView> {
  const view = await visibleView(db, principal, id);
  if (view.ownerId !== viewOwnerOf(principal) && !can(principal, "admin")) {
    throw new DomainError(
      "FORBIDDEN",
      `View "${view.name}" is shared with you; only its owner can change it.`,
      {
        path: ["id"],
      },
    );
  }
  return view;
}

/** The principal's own views and every shared one, by name. */
export function listViews(db: Database, principal: Principal): Promise<SavedView[]> {
  return listSavedViews(db, viewOwnerOf(principal));
}

/** One visible view. */
export function getView(db: Database, principal: Principal, id: string): Promise<SavedView> {
  return visibleView(db, principal, id);
}

/** Saves a view for the principal (a name they already use → CONFLICT on `name`); audited. */
export async function createView(
  db: Database,
  origin: AuditOrigin,
  input: SavedViewInput,
): Promise<SavedView> {
  const view = await insertSavedView(db, { ownerId: viewOwnerOf(origin.principal), input });
  await audit(db, origin, {
    action: "view.create",
    entity: "saved_view",
    entityId: view.id,
    changes: viewChanges(null, view),
  });
  return view;
}

/** Changes one of the principal's views; audited. */
export async function updateView(
  db: Database,
  origin: AuditOrigin,
  input: { id: string; patch: SavedViewPatch },
): Promise<SavedView> {
  const before = await ownView(db, origin.principal, input.id);
  const after = await updateSavedView(db, input);
  await audit(db, origin, {
    action: "view.update",
    entity: "saved_view",
    entityId: input.id,
    changes: viewChanges(before, after),
  });
  return after;
}

/** Deletes one of the principal's views; audited. */
export async function deleteView(
  db: Database,
  origin: AuditOrigin,
  id: string,
): Promise<{ id: string; deleted: boolean }> {
  const before = await ownView(db, origin.principal, id);
  const deleted = await deleteSavedView(db, id);
  await audit(db, origin, {
    action: "view.delete",
    entity: "saved_view",
    entityId: id,
    changes: viewFields.map((f) => ({ path: f, before: before[f], after: null })),
  });
  return { id, deleted };
}

/**
 * Makes a segment of a visible view's condition. A view that searches by text cannot become one
 * (search is not part of the condition language), nor one without a condition.
 */
export async function promoteView(
  db: Database,
  origin: AuditOrigin,
  input: SavedViewPromotion,
  options: { now?: Date | string; batchSize?: number } = {},
): Promise<SegmentWithSize> {
  const view = await visibleView(db, origin.principal, input.id);
  if (view.query.search) {
    throw new DomainError(
      "BAD_REQUEST",
      `View "${view.name}" also filters by the search text "${view.query.search}", which a segment cannot hold; clear the search or express it as a condition first.`,
      { path: ["id"] },
    );
  }
  if (!view.query.condition) {
    throw new DomainError(
      "BAD_REQUEST",
      `View "${view.name}" has no condition to make a segment of.`,
      { path: ["id"] },
    );
  }
  try {
    return await createSegment(
      db,
      origin,
      {
        id: input.segmentId,
        name: input.name ?? view.name,
        description: input.description ?? null,
        condition: view.query.condition,
        purpose: input.purpose ?? null,
      },
      options,
    );
  } catch (error) {
    // Point refusals at this input's fields: the segment id, or the view its condition came from.
    if (error instanceof DomainError && Array.isArray(error.details.path)) {
      const [first] = error.details.path as unknown[];
      const path = first === "id" ? ["segmentId"] : first === "condition" ? ["id"] : null;
      if (path) throw new DomainError(error.code, error.message, { ...error.details, path });
    }
    throw error;
  }
}
