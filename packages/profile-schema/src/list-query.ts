import { z } from "zod";

import { Condition } from "./condition";

/**
 * Keys a profile list can be sorted by: each a native or promoted column with an index in
 * `@cdp/db`, which builds its sort columns from this tuple.
 */
export const profileSortKeys = [
  "inserted_at",
  "updated_at",
  "visit_last",
  "email",
  "phone",
  "lastname",
  "display_name",
  "country",
  "visits",
  "views",
] as const;
export type ProfileSortKey = (typeof profileSortKeys)[number];

/** Most profiles one page returns. */
export const MAX_PAGE_SIZE = 200;

/**
 * A page request of the profiles table: search text (names, e-mails, phones), a condition,
 * sort and keyset cursor. The console keeps it in the URL; the API takes it as `profile.list`'s
 * input.
 */
export const ListQuery = z.object({
  search: z.string().trim().max(200, "Search text is longer than 200 characters").optional(),
  condition: Condition.optional(),
  sort: z.enum(profileSortKeys).default("inserted_at"),
  order: z.enum(["asc", "desc"]).default("desc"),
  /** Opaque cursor from the previous page; null or absent for the first page. */
  cursor: z.string().max(1000).nullish(),
  limit: z.int().min(1).max(MAX_PAGE_SIZE).default(50),
  withTotal: z.boolean().default(false),
});
export type ListQuery = z.output<typeof ListQuery>;
export type ListQueryInput = z.input<typeof ListQuery>;
