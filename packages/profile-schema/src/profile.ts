import { z } from "zod";

import { IsoDateOrDateTime, IsoDateTime } from "./date";
import { JsonObject, safeRecord } from "./json";

// ---------------------------------------------------------------------------------------------
// 1. Building blocks
// ---------------------------------------------------------------------------------------------

// Zod's strict objects report every unknown key in one issue at the object's path; a failing
// catchall reports each key at its own path (["data","pii","nickname"]), which is what forms and
// API field errors need. The static type stays that of a strict object: unknown keys never parse.
const unknownField = z.custom<never>(() => false, { error: "Unknown field" });

/** A fixed group: a strict object whose unknown keys fail at their own path. */
export function group<S extends z.ZodRawShape>(shape: S): z.ZodObject<S, z.core.$strict> {
  return z.object(shape).catchall(unknownField) as unknown as z.ZodObject<S, z.core.$strict>;
}

/** Personal data: masked for viewers, erased on request. */
const PII = true;
const NOT_PII = false;

const text = (label: string, pii: boolean) =>
  z.string().nullable().default(null).meta({ label, pii });
const number = (label: string, pii: boolean) =>
  z.number().nullable().default(null).meta({ label, pii });
const integer = (label: string, pii: boolean) =>
  z.int().nullable().default(null).meta({ label, pii });
const date = (label: string, pii: boolean) =>
  IsoDateTime.nullable().default(null).meta({ label, pii });
const list = (label: string, pii: boolean) =>
  z
    .array(z.string())
    .default(() => [])
    .meta({ label, pii });
// Tracardi types these as `str | list[str] | None` defaulting to None; we keep the None default
// and the list, and fromTracardi lifts a lone string into a list.
const nullableList = (label: string, pii: boolean) =>
  z.array(z.string()).nullable().default(null).meta({ label, pii });
const map = (label: string, pii: boolean) => JsonObject.default(() => ({})).meta({ label, pii });
// Visits, views and the visit count are PostgreSQL `integer` columns (promoted for sorting), so
// every counter stops where they do rather than failing the write in the database.
export const MAX_COUNTER = 2_147_483_647;
const counter = (label: string) =>
  z
    .int()
    .min(0)
    .max(MAX_COUNTER, `At most ${MAX_COUNTER.toLocaleString("en")}`)
    .default(0)
    .meta({ label, pii: NOT_PII });
const amount = (label: string) => z.number().default(0).meta({ label, pii: NOT_PII });

// ---------------------------------------------------------------------------------------------
// 2. Metadata
// ---------------------------------------------------------------------------------------------

/** Visit times of a profile (`metadata.time.visit`). */
export const ProfileVisit = group({
  last: date("Previous visit", NOT_PII),
  current: date("Current visit", NOT_PII),
  count: counter("Visit count"),
  // A time zone name is coarse location, the same grain as a country: not PII.
  tz: text("Time zone", NOT_PII),
});
export type ProfileVisit = z.output<typeof ProfileVisit>;

/** Timestamps of a profile (`metadata.time`). */
export const ProfileTime = group({
  insert: date("Inserted", NOT_PII),
  create: date("Created", NOT_PII),
  update: date("Updated", NOT_PII),
  segmentation: date("Segmented", NOT_PII),
  visit: ProfileVisit.prefault({}),
});
export type ProfileTime = z.output<typeof ProfileTime>;

/** `[timestamp, secondary]`: when a field last changed, and by what (event id, source, …). */
export const FieldTimestamp = z.tuple([IsoDateTime, z.string().nullable()]);
export type FieldTimestamp = z.output<typeof FieldTimestamp>;

/** System-managed metadata (`metadata.system`). */
export const ProfileSystemMetadata = group({
  // External system ids are pseudonymous keys like `ids`, needed unmasked to follow a profile
  // across systems.
  integrations: map("Integrations", NOT_PII),
  aux: map("System auxiliary data", NOT_PII),
});
export type ProfileSystemMetadata = z.output<typeof ProfileSystemMetadata>;

/** Profile metadata: times, status, per-field change stamps, system data. */
export const ProfileMetadata = group({
  time: ProfileTime.prefault({}),
  aux: map("Metadata auxiliary data", NOT_PII),
  status: text("Status", NOT_PII),
  fields: safeRecord(FieldTimestamp)
    .default(() => ({}))
    .meta({ label: "Field change times", pii: NOT_PII }),
  system: ProfileSystemMetadata.prefault({}),
});
export type ProfileMetadata = z.output<typeof ProfileMetadata>;

/** Visit and view statistics. */
export const ProfileStats = group({
  visits: counter("Visits"),
  views: counter("Views"),
  counters: map("Counters", NOT_PII),
});
export type ProfileStats = z.output<typeof ProfileStats>;

/** A consent as Tracardi keeps it on the profile: granted until `revoke` (null: no expiry). */
export const ConsentRevoke = group({
  revoke: IsoDateTime.nullable().default(null),
});
export type ConsentRevoke = z.output<typeof ConsentRevoke>;

// ---------------------------------------------------------------------------------------------
// 3. Personal data (`data`)
// ---------------------------------------------------------------------------------------------

/** Languages of a person. */
export const ProfileLanguage = group({
  native: text("Native language", PII),
  spoken: nullableList("Spoken languages", PII),
});
export type ProfileLanguage = z.output<typeof ProfileLanguage>;

/** Physical attributes of a person. */
export const ProfileAttributes = group({
  height: number("Height", PII),
  weight: number("Weight", PII),
  shoe_number: number("Shoe size", PII),
});
export type ProfileAttributes = z.output<typeof ProfileAttributes>;

/** Personally identifying data: names, birthday, language, gender, education, civil status. */
export const ProfilePII = group({
  firstname: text("First name", PII),
  lastname: text("Last name", PII),
  display_name: text("Display name", PII),
  birthday: IsoDateOrDateTime.nullable().default(null).meta({ label: "Birthday", pii: PII }),
  language: ProfileLanguage.prefault({}),
  gender: text("Gender", PII),
  education: group({ level: text("Education level", PII) }).prefault({}),
  civil: group({ status: text("Civil status", PII) }).prefault({}),
  attributes: ProfileAttributes.prefault({}),
});
export type ProfilePII = z.output<typeof ProfilePII>;

/** E-mail addresses. */
export const ProfileEmail = group({
  main: text("E-mail", PII),
  private: text("Private e-mail", PII),
  business: text("Business e-mail", PII),
});
export type ProfileEmail = z.output<typeof ProfileEmail>;

/** Phone numbers. */
export const ProfilePhone = group({
  main: text("Phone", PII),
  business: text("Business phone", PII),
  mobile: text("Mobile phone", PII),
  whatsapp: text("WhatsApp phone", PII),
});
export type ProfilePhone = z.output<typeof ProfilePhone>;

/** Messaging-app handles. Any of the named ones makes a profile non-anonymous. */
export const ProfileContactApp = group({
  whatsapp: text("WhatsApp", PII),
  discord: text("Discord", PII),
  slack: text("Slack", PII),
  twitter: text("Twitter", PII),
  telegram: text("Telegram", PII),
  wechat: text("WeChat", PII),
  viber: text("Viber", PII),
  signal: text("Signal", PII),
  other: map("Other apps", PII),
});
export type ProfileContactApp = z.output<typeof ProfileContactApp>;

/** Postal address. */
export const ProfileAddress = group({
  town: text("Town", PII),
  county: text("County", PII),
  country: text("Country", PII),
  postcode: text("Postcode", PII),
  street: text("Street", PII),
  other: text("Address, other", PII),
});
export type ProfileAddress = z.output<typeof ProfileAddress>;

/** Contact data. */
export const ProfileContact = group({
  email: ProfileEmail.prefault({}),
  phone: ProfilePhone.prefault({}),
  app: ProfileContactApp.prefault({}),
  address: ProfileAddress.prefault({}),
  // Which contacts the person confirmed (e.g. "email"): tells that the contact exists and is
  // theirs, so it is treated like the contact itself.
  confirmations: list("Confirmations", PII),
});
export type ProfileContact = z.output<typeof ProfileContact>;

/** Identifiers of the person in the outside world. */
export const ProfileIdentifier = group({
  id: text("Identifier", PII),
  pk: text("Primary key", PII),
  badge: text("Badge", PII),
  passport: text("Passport", PII),
  credit_card: text("Credit card", PII),
  token: text("Token", PII),
  coupons: nullableList("Coupons", PII),
});
export type ProfileIdentifier = z.output<typeof ProfileIdentifier>;

/** Country as Tracardi's geo lookup gives it. */
export const GeoCountry = group({
  // A country alone does not single a person out, and staff segment and chart by it; the finer
  // fields below are location data and PII.
  name: text("Last country", NOT_PII),
  code: text("Last country code", NOT_PII),
});
export type GeoCountry = z.output<typeof GeoCountry>;

/** Last known geo location (Tracardi's Geo). */
export const Geo = group({
  country: GeoCountry.prefault({}),
  city: text("Last city", PII),
  county: text("Last county", PII),
  postal: text("Last postal code", PII),
  latitude: number("Last latitude", PII),
  longitude: number("Last longitude", PII),
});
export type Geo = z.output<typeof Geo>;

/** Devices: push tokens, other device ids, last location. */
export const ProfileDevices = group({
  // Push tokens and device ids reach or single out one person's device.
  push: list("Push tokens", PII),
  other: list("Other devices", PII),
  last: group({ geo: Geo.prefault({}) }).prefault({}),
});
export type ProfileDevices = z.output<typeof ProfileDevices>;

/** Social media handles. */
export const ProfileSocialMedia = group({
  twitter: text("Twitter", PII),
  facebook: text("Facebook", PII),
  youtube: text("YouTube", PII),
  instagram: text("Instagram", PII),
  tiktok: text("TikTok", PII),
  linkedin: text("LinkedIn", PII),
  reddit: text("Reddit", PII),
  other: map("Other social media", PII),
});
export type ProfileSocialMedia = z.output<typeof ProfileSocialMedia>;

/** Picture, web page and social media of the person. */
export const ProfileMedia = group({
  image: text("Image", PII),
  webpage: text("Web page", PII),
  social: ProfileSocialMedia.prefault({}),
});
export type ProfileMedia = z.output<typeof ProfileMedia>;

/** Stated or observed preferences. Not PII: they describe taste, not who someone is. */
export const ProfilePreferences = group({
  purchases: list("Preferred purchases", NOT_PII),
  colors: list("Preferred colors", NOT_PII),
  sizes: list("Preferred sizes", NOT_PII),
  devices: list("Preferred devices", NOT_PII),
  channels: list("Preferred channels", NOT_PII),
  payments: list("Preferred payments", NOT_PII),
  brands: list("Preferred brands", NOT_PII),
  fragrances: list("Preferred fragrances", NOT_PII),
  services: list("Preferred services", NOT_PII),
  other: list("Other preferences", NOT_PII),
});
export type ProfilePreferences = z.output<typeof ProfilePreferences>;

/** Employer. Firmographics drive B2B segments and are about the company, not the person. */
export const ProfileCompany = group({
  name: text("Company", NOT_PII),
  size: integer("Company size", NOT_PII),
  segment: nullableList("Company segment", NOT_PII),
  country: text("Company country", NOT_PII),
});
export type ProfileCompany = z.output<typeof ProfileCompany>;

/** Job. Salary is personal financial data; the rest is firmographic. */
export const ProfileJob = group({
  position: text("Job position", NOT_PII),
  salary: number("Salary", PII),
  type: text("Job type", NOT_PII),
  department: text("Department", NOT_PII),
  company: ProfileCompany.prefault({}),
});
export type ProfileJob = z.output<typeof ProfileJob>;

/** Tracardi's lifetime metrics: value and check-out counters. */
export const ProfileMetrics = group({
  ltv: amount("Lifetime value"),
  ltcosc: counter("Check-outs started"),
  ltcocc: counter("Check-outs completed"),
  ltcop: amount("Check-out completion rate"),
  ltcosv: amount("Check-out started value"),
  ltcocv: amount("Check-out completed value"),
  next: date("Next metrics update", NOT_PII),
  custom: map("Custom metrics", NOT_PII),
});
export type ProfileMetrics = z.output<typeof ProfileMetrics>;

/** Loyalty card. Its id singles out the holder; name, issuer and points describe the programme. */
export const ProfileLoyaltyCard = group({
  id: text("Loyalty card id", PII),
  name: text("Loyalty card", NOT_PII),
  issuer: text("Loyalty card issuer", NOT_PII),
  expires: date("Loyalty card expires", NOT_PII),
  points: amount("Loyalty points"),
});
export type ProfileLoyaltyCard = z.output<typeof ProfileLoyaltyCard>;

/** Loyalty programme membership. */
export const ProfileLoyalty = group({
  // Membership codes are personal the way coupons under `identifier` are.
  codes: list("Loyalty codes", PII),
  card: ProfileLoyaltyCard.prefault({}),
});
export type ProfileLoyalty = z.output<typeof ProfileLoyalty>;

/** Everything known about the person. `anonymous` is derived by {@link Profile}. */
export const ProfileData = group({
  anonymous: z.boolean().default(true).meta({ label: "Anonymous", pii: NOT_PII }),
  pii: ProfilePII.prefault({}),
  contact: ProfileContact.prefault({}),
  identifier: ProfileIdentifier.prefault({}),
  devices: ProfileDevices.prefault({}),
  media: ProfileMedia.prefault({}),
  preferences: ProfilePreferences.prefault({}),
  job: ProfileJob.prefault({}),
  metrics: ProfileMetrics.prefault({}),
  loyalty: ProfileLoyalty.prefault({}),
});
export type ProfileData = z.output<typeof ProfileData>;

// ---------------------------------------------------------------------------------------------
// 4. The profile
// ---------------------------------------------------------------------------------------------

/**
 * The profile document before `data.anonymous` is derived. Prefer {@link Profile}; this exists for
 * `.pick()`/`.shape` (inputs, field metadata).
 */
export const ProfileObject = group({
  // Profile ids are pseudonymous keys staff navigate by; masking them would break every link.
  id: z
    .string()
    .min(1)
    .max(128)
    // Lookups trim the key they are given, so such an id could never be found again.
    .refine((id) => id.trim() === id, "A profile id must not start or end with whitespace")
    .default(() => crypto.randomUUID())
    .meta({ label: "Profile id", pii: NOT_PII }),
  primary_id: z.string().min(1).max(128).nullable().default(null).meta({
    label: "Primary id",
    pii: NOT_PII,
  }),
  // May hold hashed e-mails/phones (Tracardi's auto-merge ids): pseudonymous, kept unmasked so
  // identity resolution and merges stay inspectable.
  ids: z
    .array(z.string().min(1))
    .default(() => [])
    .meta({ label: "Ids", pii: NOT_PII }),
  metadata: ProfileMetadata.prefault({}),
  stats: ProfileStats.prefault({}),
  // Free maps cannot be classified field by field; they are not flagged, so nothing personal
  // belongs in them (use `data`).
  traits: map("Traits", NOT_PII),
  segments: z
    .array(z.string().min(1))
    .default(() => [])
    .meta({ label: "Segments", pii: NOT_PII }),
  interests: map("Interests", NOT_PII),
  consents: safeRecord(ConsentRevoke)
    .default(() => ({}))
    .meta({ label: "Consents", pii: NOT_PII }),
  active: z.boolean().default(true).meta({ label: "Active", pii: NOT_PII }),
  aux: map("Auxiliary data", NOT_PII),
  data: ProfileData.prefault({}),
});

/**
 * True when the contact holds an e-mail, a phone or a named messaging app (Tracardi's
 * `has_contact`); a profile without one is anonymous. `app.other` does not count, as in Tracardi.
 */
export function hasContact(contact: ProfileContact): boolean {
  const { email, phone, app } = contact;
  return [
    email.main,
    email.private,
    email.business,
    phone.main,
    phone.business,
    phone.mobile,
    phone.whatsapp,
    app.whatsapp,
    app.discord,
    app.slack,
    app.twitter,
    app.telegram,
    app.wechat,
    app.viber,
    app.signal,
  ].some((value) => typeof value === "string" && value.length > 0);
}

/**
 * The customer profile (Tracardi's profile document). `Profile.parse({})` is the full default
 * document with a fresh `id`; `data.anonymous` is always derived from the contact data.
 */
export const Profile = ProfileObject.transform((profile) => ({
  ...profile,
  data: { ...profile.data, anonymous: !hasContact(profile.data.contact) },
}));
export type Profile = z.output<typeof Profile>;
/** What {@link Profile} accepts: every group and field optional. */
export type ProfileInput = z.input<typeof Profile>;
