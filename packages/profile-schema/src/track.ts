import { z } from "zod";

import { IsoDateTime } from "./date";
import { forbiddenKeyMessage, isPlainObject, JsonObject, JsonValue, MapKey } from "./json";
import { group } from "./profile";

// ---------------------------------------------------------------------------------------------
// 1. Conventions
// ---------------------------------------------------------------------------------------------

/** Most events one `profile.track` call accepts. */
export const TRACK_BATCH_LIMIT = 1000;

/** Event types that count as a view (`stats.views` + 1). */
export const VIEW_EVENT_TYPES: readonly string[] = ["page-view", "screen-view"];

/**
 * The event type that records a consent decision: its properties are `ConsentUpdateProperties`
 * and it goes through the consent ledger like `consent.grant` / `consent.revoke`.
 */
export const CONSENT_UPDATE_EVENT = "consent-update";

/** Inactivity after which an event without a session starts a new visit. */
export const VISIT_TIMEOUT_MINUTES = 30;

/**
 * Identification properties: an event property of one of these names sets the profile field
 * named beside it (a string sets it, `null` clears it). Reserved on every event type.
 */
export const IDENTIFICATION_PROPERTIES = {
  email: "data.contact.email.main",
  phone: "data.contact.phone.main",
  firstname: "data.pii.firstname",
  lastname: "data.pii.lastname",
  display_name: "data.pii.display_name",
  country: "data.contact.address.country",
  city: "data.contact.address.town",
  language: "data.pii.language.native",
} as const;
export type IdentificationProperty = keyof typeof IDENTIFICATION_PROPERTIES;

// ---------------------------------------------------------------------------------------------
// 2. Building blocks
// ---------------------------------------------------------------------------------------------

/** A phone number as people write it: digits with an optional leading +, spaces, dots, dashes. */
export const PhoneNumber = z
  .string()
  .trim()
  .refine((v) => /^\+?[0-9 ()./-]{3,32}$/.test(v) && v.replace(/\D/g, "").length >= 3, {
    error: "Expected a phone number (at least 3 digits, optional leading +)",
  });

const EmailAddress = z.email("Expected an e-mail address").max(254);

// A counter or interest name is one key of `stats.counters` / `interests`; a dot would read as a
// path separator in conditions (`interests.shoes`) and in `metadata.fields`.
const MetricName = MapKey.max(64, "A name has at most 64 characters").regex(
  /^[^.]+$/,
  "A name must not contain dots",
);

const Amounts = z.record(MetricName, z.number("Expected a finite number"));

const personText = z.string().trim().min(1, "Must not be empty").max(256).nullable();

const TrackPropertiesObject = z
  .object({
    counters: Amounts.optional(),
    interests: Amounts.optional(),
    interestsReset: z.array(MetricName).max(100).optional(),
    email: EmailAddress.nullable().optional(),
    phone: PhoneNumber.nullable().optional(),
    firstname: personText.optional(),
    lastname: personText.optional(),
    display_name: personText.optional(),
    country: personText.optional(),
    city: personText.optional(),
    language: personText.optional(),
  } satisfies Record<IdentificationProperty, z.ZodType> & Record<string, z.ZodType>)
  .catchall(JsonValue);

/**
 * The properties of a tracked event: free JSON, stored with the event as sent, in which these
 * keys are reserved on every event type and change the profile:
 *
 * - `counters: { [name]: number }` — adds each number to `stats.counters[name]` (a missing
 *   counter starts at 0; negative numbers subtract). `{ counters: { purchases: 1 } }`
 * - `interests: { [name]: number }` — adds each number to `interests[name]`: positive increases,
 *   negative decreases (no floor). `{ interests: { shoes: 0.5, hats: -0.2 } }`
 * - `interestsReset: [name, …]` — removes these interests, before `interests` of the same event is
 *   applied (so reset + `{ shoes: 1 }` sets shoes to 1). `{ interestsReset: ["shoes"] }`
 * - identification ({@link IDENTIFICATION_PROPERTIES}): `email`, `phone`, `firstname`,
 *   `lastname`, `display_name`, `country`, `city` (→ address town), `language` (→ native
 *   language): a string sets the field, `null` clears it. `{ email: "ada@example.com" }`
 *
 * Names are 1–64 characters without dots. Sums are rounded to 6 decimal places (0.1 + 0.2 reads
 * 0.3). Adding to a counter or interest that holds a non-number fails the event.
 */
export const TrackProperties = z
  .custom<z.input<typeof TrackPropertiesObject>>(isPlainObject, { error: "Expected an object" })
  .superRefine((input, ctx) => {
    // zod's object drops a `__proto__` key silently; refuse it like every other map does.
    if (Object.prototype.hasOwnProperty.call(input, "__proto__")) {
      ctx.addIssue({
        code: "custom",
        path: ["__proto__"],
        message: forbiddenKeyMessage("__proto__"),
      });
    }
  })
  .pipe(TrackPropertiesObject);
export type TrackProperties = z.output<typeof TrackProperties>;
export type TrackPropertiesInput = z.input<typeof TrackProperties>;

/**
 * How an event names its person when no profile id is known: looked up as `email:…`, `phone:…`
 * and the external key `data.identifier.id`, in that order; the first one found wins.
 */
export const TrackIdentifiers = group({
  email: EmailAddress.optional(),
  phone: PhoneNumber.optional(),
  externalId: z.string().trim().min(1).max(128).optional(),
}).refine((ids) => Object.values(ids).some((v) => v !== undefined), {
  error: "Give at least one identifier (email, phone or externalId)",
});
export type TrackIdentifiers = z.output<typeof TrackIdentifiers>;

/** What `context` may hold: free JSON; `tz` (an IANA time zone name) sets the visit's zone. */
const TrackContext = JsonObject.superRefine((context, ctx) => {
  const tz = context["tz"];
  if (tz !== undefined && (typeof tz !== "string" || tz.length === 0 || tz.length > 64)) {
    ctx.addIssue({ code: "custom", path: ["tz"], message: "Expected a time zone name" });
  }
});

const eventShape = {
  /** Idempotency key: a retried event with the same id for the same profile is applied once. */
  id: z
    .string()
    .trim()
    .min(1)
    .max(128)
    .default(() => crypto.randomUUID()),
  /** Any key `profile.get` accepts: a profile id (its own or a merged one), `email:…`, … */
  profileId: z.string().trim().min(1).max(512).optional(),
  identifiers: TrackIdentifiers.optional(),
  type: z.string().trim().min(1, "Give the event type").max(64),
  /** When it happened (with an offset); drives visits, ordering and `metadata.fields` stamps. */
  time: IsoDateTime,
  session: z.string().trim().min(1).max(128).optional(),
  /** Where it came from (a site, an app); defaults to the caller. */
  source: z.string().trim().min(1).max(128).optional(),
  context: TrackContext.default(() => ({})),
};

function withTarget<T extends { profileId?: string; identifiers?: unknown }>(
  value: T,
  ctx: z.RefinementCtx,
) {
  const has = [value.profileId !== undefined, value.identifiers !== undefined];
  if (!has[0] && !has[1]) {
    ctx.addIssue({
      code: "custom",
      path: ["profileId"],
      message: "Give profileId or identifiers",
    });
  } else if (has[0] && has[1]) {
    ctx.addIssue({
      code: "custom",
      path: ["identifiers"],
      message: "Give profileId or identifiers, not both",
    });
  }
}

/**
 * One tracked event (the full contract, properties typed). Exactly one of `profileId` or
 * `identifiers` names the person. Example:
 * `{ profileId: "cookie-7f3a", type: "page-view", time: "2025-03-01T10:00:00Z", session: "s-1",
 *    context: { tz: "Europe/Warsaw" }, properties: { url: "/shoes", interests: { shoes: 0.5 } } }`
 */
export const TrackEvent = z
  .object({ ...eventShape, properties: TrackProperties.default(() => ({})) })
  .superRefine(withTarget);
export type TrackEvent = z.output<typeof TrackEvent>;
export type TrackEventInput = z.input<typeof TrackEvent>;

// A batch is refused as a whole only for what is wrong with its shape. Properties are checked
// event by event when applied, so one bad value fails only its own event; the static type still
// shows the convention so clients get compile errors for it.
const LooseProperties = JsonObject as unknown as z.ZodType<JsonObject, TrackPropertiesInput>;

/**
 * An event as a batch carries it: {@link TrackEvent} with `properties` only required to be a
 * JSON object here; {@link TrackProperties} is applied to each event on its own.
 */
export const TrackEventEnvelope = z
  .object({ ...eventShape, properties: LooseProperties.default(() => ({})) })
  .superRefine(withTarget);
export type TrackEventEnvelope = z.output<typeof TrackEventEnvelope>;

/** Input of `profile.track`: 1–1,000 events. */
export const TrackBatch = z.object({
  events: z
    .array(TrackEventEnvelope)
    .min(1, "Send at least one event")
    .max(TRACK_BATCH_LIMIT, `Send at most ${TRACK_BATCH_LIMIT} events per call`),
});
export type TrackBatch = z.output<typeof TrackBatch>;
export type TrackBatchInput = z.input<typeof TrackBatch>;

// ---------------------------------------------------------------------------------------------
// 3. Results
// ---------------------------------------------------------------------------------------------

/**
 * The outcome of one event, by its position in the batch. `duplicate`: an event with this id was
 * already stored for this profile, so nothing changed. A failed event changed nothing; `path`
 * names the offending part of the event (`properties.email`, `properties.counters.visits`).
 */
export const TrackResult = z.discriminatedUnion("ok", [
  z.object({
    index: z.int(),
    ok: z.literal(true),
    profileId: z.string(),
    eventId: z.string(),
    duplicate: z.boolean(),
  }),
  z.object({
    index: z.int(),
    ok: z.literal(false),
    error: z.object({ message: z.string(), path: z.string().optional() }),
  }),
]);
export type TrackResult = z.output<typeof TrackResult>;

/** Output of `profile.track`: one result per event, in input order, and their tally. */
export const TrackOutput = z.object({
  results: z.array(TrackResult),
  applied: z.int(),
  duplicates: z.int(),
  failed: z.int(),
});
export type TrackOutput = z.output<typeof TrackOutput>;
