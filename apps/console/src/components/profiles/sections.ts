import { fieldMetadata } from "@cdp/profile-schema";
import type { FieldMeta } from "@cdp/profile-schema";

/** A seed section of the profile: the field metadata under its paths, shown as one tab. */
export interface ProfileSection {
  id: string;
  label: string;
  /** Paths the section holds: a path ending in "." takes everything below it. */
  paths: readonly string[];
  description: string;
  /** Staff with `profiles:write` edit this section's fields on the tab (ADR 0005: type a new value). */
  editable?: boolean;
}

export const PROFILE_SECTIONS: readonly ProfileSection[] = [
  {
    id: "personal",
    label: "Personal",
    paths: ["data.pii."],
    description: "Names, birthday, languages and other personal details.",
    editable: true,
  },
  {
    id: "contact",
    label: "Contact",
    paths: ["data.contact."],
    description: "E-mail addresses, phone numbers, messaging apps and the postal address.",
    editable: true,
  },
  {
    id: "identifiers",
    label: "Identifiers",
    paths: ["data.identifier."],
    description: "Keys of this person in other systems: CRM ids, badges, coupons.",
  },
  {
    id: "devices",
    label: "Devices & geo",
    paths: ["data.devices."],
    description: "Push tokens, other devices and the last known location.",
  },
  {
    id: "media",
    label: "Media",
    paths: ["data.media."],
    description: "Picture, web page and social media handles.",
  },
  {
    id: "preferences",
    label: "Preferences",
    paths: ["data.preferences."],
    description: "Stated or observed preferences: brands, channels, sizes…",
  },
  {
    id: "job",
    label: "Job",
    paths: ["data.job."],
    description: "Position, department and employer.",
  },
  {
    id: "loyalty",
    label: "Loyalty & metrics",
    paths: ["data.loyalty.", "data.metrics."],
    description: "Loyalty programme membership and lifetime value metrics.",
  },
  {
    id: "traits",
    label: "Traits & interests",
    paths: ["traits", "interests"],
    description: "Free traits set by integrations, and interest scores from tracked events.",
  },
  {
    id: "stats",
    label: "Stats",
    paths: ["stats.", "metadata.time."],
    description: "Visits, views, counters and the profile's timestamps.",
  },
];

function inSection(section: ProfileSection, path: string): boolean {
  return section.paths.some((p) => (p.endsWith(".") ? path.startsWith(p) : path === p));
}

/** The section's leaf fields, in schema order. */
export function sectionFields(section: ProfileSection): FieldMeta[] {
  return Object.values(fieldMetadata).filter((f) => inSection(section, f.path));
}

// Headings for the groups inside sections; any other group is named after its last key.
const GROUP_LABELS: Record<string, string> = {
  "data.pii": "Person",
  "data.pii.language": "Languages",
  "data.pii.education": "Education",
  "data.pii.civil": "Civil status",
  "data.pii.attributes": "Physical attributes",
  "data.contact": "Confirmed contacts",
  "data.contact.email": "E-mail",
  "data.contact.phone": "Phone",
  "data.contact.app": "Messaging apps",
  "data.contact.address": "Address",
  "data.identifier": "Identifiers",
  "data.devices": "Devices",
  "data.devices.last.geo": "Last location",
  "data.devices.last.geo.country": "Last location",
  "data.media": "Media",
  "data.media.social": "Social media",
  "data.preferences": "Preferences",
  "data.job": "Position",
  "data.job.company": "Company",
  "data.loyalty": "Loyalty programme",
  "data.loyalty.card": "Loyalty card",
  "data.metrics": "Metrics",
  stats: "Visits and views",
  "metadata.time": "Timestamps",
  "metadata.time.visit": "Current visit",
  "": "Free data",
};

function groupKey(path: string): string {
  return path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
}

export function groupLabel(key: string): string {
  const known = GROUP_LABELS[key];
  if (known) return known;
  const last = key.slice(key.lastIndexOf(".") + 1).replace(/_/g, " ");
  return last.charAt(0).toUpperCase() + last.slice(1);
}

/**
 * A section's fields grouped under headings (fields with the same heading side by side). Groups
 * of a single field (education level, civil status…) are gathered under "More details" rather
 * than each getting a card of its own.
 */
export function sectionGroups(section: ProfileSection): { label: string; fields: FieldMeta[] }[] {
  const groups: { label: string; fields: FieldMeta[] }[] = [];
  for (const field of sectionFields(section)) {
    const label = groupLabel(groupKey(field.path));
    const same = groups.find((g) => g.label === label);
    if (same) same.fields.push(field);
    else groups.push({ label, fields: [field] });
  }
  if (groups.length < 3) return groups;
  const single = (g: { fields: FieldMeta[] }) =>
    g.fields.length === 1 && g.fields[0]?.type !== "map";
  const more = groups.filter(single).flatMap((g) => g.fields);
  return more.length < 2
    ? groups
    : [...groups.filter((g) => !single(g)), { label: "More details", fields: more }];
}

/** The tabs of the profile page after the seed sections. */
export const ACTIVITY_TABS = [
  { id: "consents", label: "Consents" },
  { id: "events", label: "Events" },
  { id: "history", label: "Field history" },
  { id: "identity", label: "Identity" },
  { id: "audit", label: "Audit" },
] as const;

export const PROFILE_TAB_IDS: readonly string[] = [
  "overview",
  ...PROFILE_SECTIONS.map((s) => s.id),
  ...ACTIVITY_TABS.map((t) => t.id),
];

/** The value at a dotted path of a document (undefined when a step is missing). */
export function valueAtPath(document: unknown, path: string): unknown {
  let node: unknown = document;
  for (const key of path.split(".")) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
