import type { ProfileSortKey } from "@cdp/profile-schema";

import { COUNTRY_PATH, EMAIL_PATH, NAME_PATHS, PHONE_PATH } from "@/lib/profile";

/** What a profile without a name is called when it is identified (not an anonymous visitor). */
export const UNNAMED_CUSTOMER = "Unnamed customer";

/** How a column's value is shown. */
export type ColumnKind = "name" | "text" | "number" | "date" | "list" | "status";

export interface ProfileColumn {
  id: string;
  label: string;
  /** Profile paths the value is read from (the first non-empty wins; masked if any is). */
  paths: readonly string[];
  kind: ColumnKind;
  /** The list sort key ordering by this column, when the store has an index for it. */
  sort?: ProfileSortKey;
  /** Shown unless the person hides it. */
  byDefault: boolean;
  /** Cannot be hidden (the row's link). */
  fixed?: boolean;
  align?: "right";
}

/** Every column the profiles table offers, in display order. */
export const PROFILE_COLUMNS: readonly ProfileColumn[] = [
  {
    id: "name",
    label: "Name",
    paths: NAME_PATHS,
    kind: "name",
    sort: "lastname",
    byDefault: true,
    fixed: true,
  },
  {
    id: "email",
    label: "Email",
    paths: [EMAIL_PATH],
    kind: "text",
    sort: "email",
    byDefault: true,
  },
  {
    id: "phone",
    label: "Phone",
    paths: [PHONE_PATH],
    kind: "text",
    sort: "phone",
    byDefault: true,
  },
  {
    id: "country",
    label: "Country",
    paths: [COUNTRY_PATH],
    kind: "text",
    sort: "country",
    byDefault: true,
  },
  {
    id: "town",
    label: "Town",
    paths: ["data.contact.address.town"],
    kind: "text",
    byDefault: false,
  },
  {
    id: "company",
    label: "Company",
    paths: ["data.job.company.name"],
    kind: "text",
    byDefault: false,
  },
  {
    id: "visits",
    label: "Visits",
    paths: ["stats.visits"],
    kind: "number",
    sort: "visits",
    byDefault: true,
    align: "right",
  },
  {
    id: "views",
    label: "Views",
    paths: ["stats.views"],
    kind: "number",
    sort: "views",
    byDefault: true,
    align: "right",
  },
  {
    id: "lastVisit",
    label: "Last visit",
    paths: ["metadata.time.visit.last"],
    kind: "date",
    sort: "visit_last",
    byDefault: false,
  },
  {
    id: "created",
    label: "Created",
    paths: ["metadata.time.insert"],
    kind: "date",
    sort: "inserted_at",
    byDefault: true,
  },
  {
    id: "updated",
    label: "Updated",
    paths: ["metadata.time.update"],
    kind: "date",
    sort: "updated_at",
    byDefault: false,
  },
  { id: "segments", label: "Segments", paths: ["segments"], kind: "list", byDefault: false },
  { id: "status", label: "Status", paths: ["data.anonymous"], kind: "status", byDefault: true },
];

export const DEFAULT_COLUMN_IDS: readonly string[] = PROFILE_COLUMNS.filter(
  (c) => c.byDefault && !c.fixed,
).map((c) => c.id);

/** The optional columns shown for a `columns` URL value (unknown ids ignored). */
export function visibleColumnIds(fromUrl: readonly string[] | null): Set<string> {
  if (fromUrl === null) return new Set(DEFAULT_COLUMN_IDS);
  const known = new Set(PROFILE_COLUMNS.filter((c) => !c.fixed).map((c) => c.id));
  return new Set(fromUrl.filter((id) => known.has(id)));
}

/** A cell as the server hands it to the table: the value (masked by the API) and whether it is. */
export interface ProfileCell {
  value: string | number | boolean | string[] | null;
  masked: boolean;
}

/** One row of the profiles table: only what the columns show, never the whole document. */
export interface ProfileRow {
  id: string;
  cells: Record<string, ProfileCell>;
}
