import { z } from "zod";

import { ConsentPurpose } from "./consent";
import { ExportColumn } from "./import";
import { ListQuery } from "./list-query";
import { group } from "./profile";
import { SegmentId } from "./segment";

/** A saved view's id (assigned by the store). */
export const SavedViewId = z
  .string({ error: "Give a view id" })
  .trim()
  .min(1, "Give a view id")
  .max(100, "A view id has at most 100 characters");

/**
 * What a saved view remembers of the profiles table: search, condition, sort and page size (not
 * the cursor, which belongs to one moment's paging).
 */
export const SavedViewQuery = group({
  search: ListQuery.shape.search,
  condition: ListQuery.shape.condition,
  sort: ListQuery.shape.sort,
  order: ListQuery.shape.order,
  limit: ListQuery.shape.limit,
});
export type SavedViewQuery = z.output<typeof SavedViewQuery>;

const viewFields = {
  name: z
    .string({ error: "Give the view a name" })
    .trim()
    .min(1, "Give the view a name")
    .max(200, "A name has at most 200 characters"),
  /** Shared views are listed for everyone; others only for their owner. */
  shared: z.boolean(),
  query: SavedViewQuery,
  /** The table's columns, in order (profile paths, `traits.<key>` and the like). */
  columns: z.array(ExportColumn).max(100, "At most 100 columns"),
};

/** A new saved view of the profiles table. */
export const SavedViewInput = group({
  name: viewFields.name,
  shared: viewFields.shared.default(false),
  query: viewFields.query.prefault({}),
  columns: viewFields.columns.default(() => []),
});
export type SavedViewInput = z.output<typeof SavedViewInput>;
export type SavedViewInputInput = z.input<typeof SavedViewInput>;

/** Changes to a saved view. */
export const SavedViewPatch = group({
  name: viewFields.name.optional(),
  shared: viewFields.shared.optional(),
  query: viewFields.query.optional(),
  columns: viewFields.columns.optional(),
});
export type SavedViewPatch = z.output<typeof SavedViewPatch>;

/** A saved view as stored. */
export interface SavedView extends SavedViewInput {
  id: string;
  /** The principal that owns it, as `kind:id` (`staff:<user id>`). */
  ownerId: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * `view.promote`: a new segment from a view's condition. Name and description default to the
 * view's name and none.
 */
export const SavedViewPromotion = group({
  id: SavedViewId,
  segmentId: SegmentId,
  name: viewFields.name.optional(),
  description: z.string().trim().max(2000, "A description has at most 2000 characters").nullish(),
  purpose: ConsentPurpose.nullish(),
});
export type SavedViewPromotion = z.output<typeof SavedViewPromotion>;
