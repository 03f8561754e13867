import type { Profile } from "@cdp/profile-schema";

const clean = (value: string | null | undefined): string | null => {
  const v = value?.trim();
  return v ? v : null;
};

type NameParts = Pick<Profile["data"]["pii"], "display_name" | "firstname" | "lastname">;

/** The name staff see: the display name, else first + last name; null for nobody known. */
export function nameOf(pii: NameParts): string | null {
  return (
    clean(pii.display_name) ??
    clean([clean(pii.firstname), clean(pii.lastname)].filter(Boolean).join(" "))
  );
}

export function profileName(profile: Profile): string | null {
  return nameOf(profile.data.pii);
}

export const ANONYMOUS_NAME = "Anonymous visitor";

/** Up to two initials from a name ("Ada Lovelace" → "AL"); null when there is no name. */
export function initialsOf(name: string | null): string | null {
  if (!name) return null;
  const words = name
    .split(/[\s._@-]+/)
    .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ""))
    .filter(Boolean);
  const first = words[0]?.[0] ?? "";
  const last = words.length > 1 ? (words[words.length - 1]?.[0] ?? "") : "";
  const initials = (first + last).toUpperCase();
  return initials || null;
}

export function profileEmail(profile: Profile): string | null {
  return clean(profile.data.contact.email.main);
}

export function profilePhone(profile: Profile): string | null {
  return clean(profile.data.contact.phone.main);
}

export function profileCountry(profile: Profile): string | null {
  return clean(profile.data.contact.address.country);
}

const dateFormat = new Intl.DateTimeFormat("en-US", {
  year: "numeric",
  month: "short",
  day: "numeric",
  timeZone: "UTC",
});
const dateTimeFormat = new Intl.DateTimeFormat("en-US", {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
  timeZone: "UTC",
  timeZoneName: "short",
});
const numberFormat = new Intl.NumberFormat("en-US");

/** "Mar 4, 2024" (UTC) — the same on server and in tests, whatever the machine's zone. */
export function formatDate(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : dateFormat.format(d);
}

export function formatDateTime(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : dateTimeFormat.format(d);
}

export function formatNumber(n: number): string {
  return numberFormat.format(n);
}

/** The paths each shown value comes from, to tell whether the API masked it. */
export const NAME_PATHS = ["data.pii.display_name", "data.pii.firstname", "data.pii.lastname"];
export const EMAIL_PATH = "data.contact.email.main";
export const PHONE_PATH = "data.contact.phone.main";
export const COUNTRY_PATH = "data.contact.address.country";
export const EMAIL_PATHS = [EMAIL_PATH];
export const PHONE_PATHS = [PHONE_PATH];
export const COUNTRY_PATHS = [COUNTRY_PATH];

/** Which part of the profile a personal-data path belongs to, for grouping fields on screen. */
const SECTIONS: [prefix: string, label: string][] = [
  ["data.pii.", "Personal"],
  ["data.contact.email.", "Contact"],
  ["data.contact.phone.", "Contact"],
  ["data.contact.app.", "Messaging apps"],
  ["data.contact.address.", "Address"],
  ["data.contact.", "Contact"],
  ["data.identifier.", "Identifiers"],
  ["data.devices.", "Devices & geo"],
  ["data.media.social.", "Social media"],
  ["data.media.", "Media"],
  ["data.job.", "Job"],
  ["data.loyalty.", "Loyalty"],
];

export function sectionOf(path: string): string {
  return SECTIONS.find(([prefix]) => path.startsWith(prefix))?.[1] ?? "Other";
}

/** A revealed value as text: lists joined, maps as JSON, nothing as an em dash. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) return value.length === 0 ? "—" : value.map(formatValue).join(", ");
  if (typeof value === "object") {
    return Object.keys(value).length === 0 ? "—" : JSON.stringify(value);
  }
  return String(value);
}

/** True when any of `paths` is masked for this caller. */
export function isMasked(masked: readonly string[], paths: readonly string[]): boolean {
  return paths.some((p) => masked.includes(p));
}
