import { z } from "zod";

import { IsoDateTime, normalizeDate } from "./date";
import { JsonObject } from "./json";
import { group } from "./profile";
import type { ConsentRevoke } from "./profile";

// ---------------------------------------------------------------------------------------------
// 1. Vocabulary
// ---------------------------------------------------------------------------------------------

/** What a consent type is for; segments restricted to a purpose count only consented profiles. */
export const consentPurposes = [
  "necessary",
  "marketing",
  "analytics",
  "personalization",
  "profiling",
  "third-party",
  "other",
] as const;
export const ConsentPurpose = z.enum(consentPurposes, {
  error: () => `Purpose must be one of ${consentPurposes.join(", ")}`,
});
export type ConsentPurpose = z.output<typeof ConsentPurpose>;

/** The lawful bases of GDPR Art. 6(1). */
export const legalBases = [
  "consent",
  "contract",
  "legal_obligation",
  "vital_interests",
  "public_task",
  "legitimate_interests",
] as const;
export const LegalBasis = z.enum(legalBases, {
  error: () => `Legal basis must be one of ${legalBases.join(", ")} (GDPR Art. 6)`,
});
export type LegalBasis = z.output<typeof LegalBasis>;

/** What a ledger entry records. */
export const consentActions = ["granted", "denied", "revoked"] as const;
export const ConsentAction = z.enum(consentActions, {
  error: () => `Action must be one of ${consentActions.join(", ")}`,
});
export type ConsentAction = z.output<typeof ConsentAction>;

/** What the console preselects for a type nobody has decided on yet. */
export const consentDefaults = ["grant", "deny"] as const;
export const ConsentDefault = z.enum(consentDefaults, {
  error: () => `Default must be "grant" or "deny"`,
});
export type ConsentDefault = z.output<typeof ConsentDefault>;

/** A consent type id: the key under `profile.consents`. */
export const ConsentTypeId = z
  .string({ error: "Give a consent type id" })
  .trim()
  .min(1, "Give a consent type id")
  .max(64, "A consent type id has at most 64 characters")
  // Empty passes here: min(1) already says so.
  .regex(
    /^(?:[a-z0-9][a-z0-9-]*)?$/,
    "A consent type id uses lowercase letters, digits and hyphens, and starts with a letter or digit",
  );

// ---------------------------------------------------------------------------------------------
// 2. ISO-8601 durations (auto-revoke)
// ---------------------------------------------------------------------------------------------

/** The parts of an ISO-8601 duration, as integers. */
export interface IsoDurationParts {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const DURATION_RE =
  /^P(?:(\d{1,6})Y)?(?:(\d{1,6})M)?(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6})S)?)?$/;

/** Parses `P1Y`, `P6M`, `P2W`, `P30D`, `PT12H`, `P1Y2M3DT4H5M6S`; null when not one (or zero). */
export function parseIsoDuration(text: string): IsoDurationParts | null {
  const m = DURATION_RE.exec(text);
  if (!m || text === "P" || text.endsWith("T")) return null;
  const n = (i: number) => Number(m[i] ?? 0);
  const duration = {
    years: n(1),
    months: n(2),
    weeks: n(3),
    days: n(4),
    hours: n(5),
    minutes: n(6),
    seconds: n(7),
  };
  return Object.values(duration).some((v) => v > 0) ? duration : null;
}

/** An ISO-8601 duration of whole units (`P1Y`, `P6M`, `P30D`, `PT12H`), not zero. */
export const IsoDuration = z
  .string()
  .trim()
  .transform((text) => text.toUpperCase())
  .refine((text) => parseIsoDuration(text) !== null, {
    error: "Expected an ISO-8601 duration such as P1Y, P6M, P30D or PT12H",
  });

const CANONICAL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z$/;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/**
 * `at` plus an ISO-8601 duration, as PostgreSQL adds an interval in UTC: years and months on the
 * calendar (the day clamped to the month's length: Jan 31 + P1M = Feb 28/29), then days and time
 * exactly. Microseconds are kept. Returns the canonical form.
 * @throws RangeError on an invalid date or duration, or a result past year 9999.
 */
export function addDuration(at: string, duration: string): string {
  const d = parseIsoDuration(duration);
  if (!d) throw new RangeError(`Invalid ISO-8601 duration "${duration}"`);
  const m = CANONICAL_RE.exec(normalizeDate(at));
  if (!m) throw new RangeError(`Invalid date "${at}"`);
  const [, ys, mos, ds, hs, mis, ss, micros] = m;
  const monthIndex = Number(ys) * 12 + (Number(mos) - 1) + d.years * 12 + d.months;
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  const day = Math.min(Number(ds), daysInMonth(year, month));
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(Number(hs), Number(mis), Number(ss), 0);
  const seconds = (d.weeks * 7 + d.days) * 86_400 + d.hours * 3_600 + d.minutes * 60 + d.seconds;
  const end = new Date(date.getTime() + seconds * 1000);
  if (end.getUTCFullYear() > 9999) {
    throw new RangeError(`${at} + ${duration} is past the year 9999`);
  }
  return (
    `${pad(end.getUTCFullYear(), 4)}-${pad(end.getUTCMonth() + 1, 2)}-${pad(end.getUTCDate(), 2)}T` +
    `${pad(end.getUTCHours(), 2)}:${pad(end.getUTCMinutes(), 2)}:${pad(end.getUTCSeconds(), 2)}.${micros}Z`
  );
}

// ---------------------------------------------------------------------------------------------
// 3. The catalogue
// ---------------------------------------------------------------------------------------------

const Tag = z
  .string()
  .trim()
  .min(1, "A tag must not be empty")
  .max(64, "A tag has at most 64 characters");

const consentTypeFields = {
  name: z
    .string({ error: "Give the consent type a name" })
    .trim()
    .min(1, "Give the consent type a name")
    .max(200, "A name has at most 200 characters"),
  description: z.string().trim().max(2000, "A description has at most 2000 characters").nullable(),
  purpose: ConsentPurpose,
  revokable: z.boolean(),
  defaultValue: ConsentDefault,
  enabled: z.boolean(),
  required: z.boolean(),
  tags: z
    .array(Tag)
    .max(50, "At most 50 tags")
    .transform((tags) => [...new Set(tags)]),
  autoRevoke: IsoDuration.nullable(),
};

/**
 * A new consent type. Defaults: revokable, default `deny`, enabled, not required, no tags, no
 * auto-revoke.
 */
export const ConsentTypeInput = group({
  id: ConsentTypeId,
  name: consentTypeFields.name,
  description: consentTypeFields.description.default(null),
  purpose: consentTypeFields.purpose,
  revokable: consentTypeFields.revokable.default(true),
  defaultValue: consentTypeFields.defaultValue.default("deny"),
  enabled: consentTypeFields.enabled.default(true),
  required: consentTypeFields.required.default(false),
  tags: consentTypeFields.tags.default(() => []),
  autoRevoke: consentTypeFields.autoRevoke.default(null),
});
export type ConsentTypeInput = z.output<typeof ConsentTypeInput>;

/** Changes to a consent type: any field but the id (which the ledger and profiles key on). */
export const ConsentTypePatch = group({
  name: consentTypeFields.name.optional(),
  description: consentTypeFields.description.optional(),
  purpose: consentTypeFields.purpose.optional(),
  revokable: consentTypeFields.revokable.optional(),
  defaultValue: consentTypeFields.defaultValue.optional(),
  enabled: consentTypeFields.enabled.optional(),
  required: consentTypeFields.required.optional(),
  tags: consentTypeFields.tags.optional(),
  autoRevoke: consentTypeFields.autoRevoke.optional(),
});
export type ConsentTypePatch = z.output<typeof ConsentTypePatch>;

/** A consent type as stored. */
export interface ConsentType extends ConsentTypeInput {
  createdAt: string;
  updatedAt: string;
  /** Set when archived: no new grants or denials; the ledger stays readable. */
  archivedAt: string | null;
}

// ---------------------------------------------------------------------------------------------
// 4. Changes and the ledger
// ---------------------------------------------------------------------------------------------

/** Where a change came from: `console`, `api`, `track:<event id>`, `import`, … */
export const ConsentSource = z
  .string()
  .trim()
  .min(1, "A source must not be empty")
  .max(200, "A source has at most 200 characters");

const PolicyVersion = z
  .string()
  .trim()
  .min(1, "A policy version must not be empty")
  .max(100, "A policy version has at most 100 characters");

const MAX_PROOF_BYTES = 16_384;

/** Evidence of the decision (form id, IP hash, text shown). May hold personal data. */
export const ConsentProof = JsonObject.refine(
  (proof) => JSON.stringify(proof).length <= MAX_PROOF_BYTES,
  { error: `Proof must be at most ${MAX_PROOF_BYTES} characters of JSON` },
);

const ProfileKey = z
  .string({ error: "Give a profile id or identifier" })
  .trim()
  .min(1, "Give a profile id or identifier")
  .max(512);

const Reason = z.string().trim().max(1000, "A reason has at most 1000 characters");

const changeFields = {
  profileId: ProfileKey,
  typeId: ConsentTypeId,
  source: ConsentSource.optional(),
  policyVersion: PolicyVersion.optional(),
  proof: ConsentProof.optional(),
  /** When it happened; defaults to now. */
  at: IsoDateTime.optional(),
};

/** `consent.grant`: the person agreed, on a legal basis. */
export const ConsentGrant = group({ ...changeFields, legalBasis: LegalBasis });
export type ConsentGrant = z.output<typeof ConsentGrant>;

/** `consent.deny`: the person declined (legal basis defaults to `consent`). */
export const ConsentDeny = group({ ...changeFields, legalBasis: LegalBasis.default("consent") });
export type ConsentDeny = z.output<typeof ConsentDeny>;

/** `consent.revoke`: the person withdrew a consent in effect. */
export const ConsentRevocation = group({ ...changeFields, reason: Reason.optional() });
export type ConsentRevocation = z.output<typeof ConsentRevocation>;

/**
 * One consent change, whatever its path (API, console, `consent-update` events, import): the
 * input of `applyConsentChange`. A grant needs a legal basis; a denial defaults to `consent`;
 * a revocation records none.
 */
export const ConsentChange = group({
  ...changeFields,
  action: ConsentAction,
  legalBasis: LegalBasis.optional(),
  reason: Reason.optional(),
}).superRefine((change, ctx) => {
  if (change.action === "granted" && change.legalBasis === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["legalBasis"],
      message: `A grant needs a legal basis: one of ${legalBases.join(", ")} (GDPR Art. 6)`,
    });
  }
});
export type ConsentChange = z.output<typeof ConsentChange>;
export type ConsentChangeInput = z.input<typeof ConsentChange>;

/**
 * The properties of a `consent-update` event sent to `profile.track`: one change per event. The
 * profile, source (`track:<event id>`) and moment (the event time) come from the event itself.
 * Other properties are ignored.
 */
export const ConsentUpdateProperties = z.object({
  typeId: ConsentTypeId,
  action: ConsentAction,
  legalBasis: LegalBasis.optional(),
  policyVersion: PolicyVersion.optional(),
  proof: ConsentProof.optional(),
  reason: Reason.optional(),
});
export type ConsentUpdateProperties = z.output<typeof ConsentUpdateProperties>;

/** One ledger entry. */
export interface ConsentLedgerEntry {
  /** Increasing with insertion; orders entries with the same `at`. */
  id: number;
  profileId: string;
  typeId: string;
  action: ConsentAction;
  legalBasis: LegalBasis | null;
  source: string;
  /** The principal as `kind:id`. */
  actor: string;
  policyVersion: string | null;
  reason: string | null;
  at: string;
  expiresAt: string | null;
  proof: JsonObject | null;
  createdAt: string;
}

/** Ledger entries in their meaning order: by `at`, then by id. */
export function compareLedgerEntries(
  a: Pick<ConsentLedgerEntry, "at" | "id">,
  b: Pick<ConsentLedgerEntry, "at" | "id">,
): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.id - b.id;
}

/**
 * `profile.consents` as derived from the ledger, in Tracardi's shape: the types whose latest
 * entry is a grant, each with `revoke` = that grant's expiry (null: none). A type whose latest
 * entry is a denial or revocation is absent. An expired grant stays, with its past `revoke`:
 * expiry needs no write (see {@link isConsentGranted}). `at` must be canonical.
 */
export function consentsFromLedger(
  entries: readonly Pick<ConsentLedgerEntry, "typeId" | "action" | "at" | "id" | "expiresAt">[],
): Record<string, ConsentRevoke> {
  const latest = new Map<string, (typeof entries)[number]>();
  for (const entry of [...entries].sort(compareLedgerEntries)) latest.set(entry.typeId, entry);
  const consents: Record<string, ConsentRevoke> = {};
  for (const [typeId, entry] of [...latest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (entry.action === "granted") consents[typeId] = { revoke: entry.expiresAt };
  }
  return consents;
}

function instant(value: string | Date): string {
  if (value instanceof Date) return normalizeDate(value.toISOString());
  return CANONICAL_RE.test(value) ? value : normalizeDate(value);
}

/**
 * True when `profile.consents` grants `typeId` at `now`: the key is present and its `revoke` is
 * null or later than `now`. The one rule for "granted now" (API, segments, conditions).
 */
export function isConsentGranted(
  consents: Readonly<Record<string, Pick<ConsentRevoke, "revoke">>> | null | undefined,
  typeId: string,
  now: string | Date,
): boolean {
  if (!consents || !Object.prototype.hasOwnProperty.call(consents, typeId)) return false;
  const consent = consents[typeId];
  if (!consent) return false;
  if (consent.revoke === null) return true;
  return instant(consent.revoke) > instant(now);
}

/** A type's state for one profile at one moment (`consent.state`). */
export type ConsentStatus = "granted" | "expired" | "denied" | "revoked" | "none";

/** One row of `consent.state`: a catalogue type and where the profile stands on it. */
export interface ConsentStateEntry {
  typeId: string;
  name: string;
  purpose: ConsentPurpose;
  required: boolean;
  revokable: boolean;
  defaultValue: ConsentDefault;
  enabled: boolean;
  archived: boolean;
  /** Granted now (latest entry a grant that has not expired). */
  granted: boolean;
  status: ConsentStatus;
  /** The expiry of the grant in effect or lapsed; null when none or no expiry. */
  expiresAt: string | null;
  lastAction: ConsentAction | null;
  lastAt: string | null;
  legalBasis: LegalBasis | null;
  policyVersion: string | null;
}
