import {
  createLoader,
  createSerializer,
  parseAsArrayOf,
  parseAsInteger,
  parseAsString,
  parseAsStringLiteral,
} from "nuqs/server";
import { profileSortKeys } from "@cdp/profile-schema";

export const DENSITIES = ["comfortable", "compact"] as const;
export type Density = (typeof DENSITIES)[number];

export const SORT_ORDERS = ["asc", "desc"] as const;

/**
 * The profiles table's state in the URL: search text, filter (the query bar's text), sort, keyset
 * cursor (with the page number it leads to, only for "Showing 51–100"), visible columns, density.
 * Shared by the server page (createLoader) and the client controls (useQueryStates).
 */
export const profilesSearchParams = {
  q: parseAsString.withDefault(""),
  where: parseAsString.withDefault(""),
  sort: parseAsStringLiteral(profileSortKeys).withDefault("inserted_at"),
  order: parseAsStringLiteral(SORT_ORDERS).withDefault("desc"),
  cursor: parseAsString,
  page: parseAsInteger.withDefault(1),
  /** Visible optional columns; absent means the default set. */
  columns: parseAsArrayOf(parseAsString, ","),
  density: parseAsStringLiteral(DENSITIES).withDefault("comfortable"),
};

export const loadProfilesSearchParams = createLoader(profilesSearchParams);

/** `/profiles?…` for a table state (defaults left out). */
export const profilesHref = createSerializer(profilesSearchParams, { clearOnDefault: true });

/** Longest search text the API accepts. */
export const SEARCH_MAX = 200;
