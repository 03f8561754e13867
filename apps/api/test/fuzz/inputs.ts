/**
 * Valid inputs for every mutation of appRouter (and the REST write routes), built from the
 * contract's own constants and field metadata so they follow the schemas as they change. Ids
 * come from small pools the suite seeds, so many calls reach a real row (and some a missing one);
 * versions and store-assigned ids are looked up when a case is sent (`Live`).
 */
import fc from "fast-check";
import { z } from "zod";
import { permissions, roles } from "@cdp/api";
import {
  CONDITION_LIMITS,
  CONSENT_UPDATE_EVENT,
  consentActions,
  consentDefaults,
  consentPurposes,
  csvCellType,
  DEFAULT_EXPORT_COLUMNS,
  fieldMetadata,
  freeFieldRoots,
  IDENTIFICATION_PROPERTIES,
  ImportFormat,
  importablePaths,
  legalBases,
  MAPPING_EXPORT_FORMAT,
  mappingEventFields,
  mappingTargets,
  mappingTransforms,
  MAX_COUNTER,
  MAX_MERGE_SOURCES,
  MAX_PAGE_SIZE,
  opsByFieldType,
  piiPaths,
  ProfileCreate,
  ProfilePatch,
  profileSortKeys,
  VIEW_EVENT_TYPES,
} from "@cdp/profile-schema";
import type { ConditionOp, FieldMeta } from "@cdp/profile-schema";

import { EDGE_DATES, nested } from "./hostile";
import { Live, setPath, toJsonText } from "./raw";
import type { LiveKind, Raw } from "./raw";

// ---------------------------------------------------------------------------------------------
// 1. Pools the suite seeds
// ---------------------------------------------------------------------------------------------

export const PROFILE_IDS = ["fz-ann", "fz-bob", "fz-cy", "fz-dee", "fz-eve", "fz-fay"] as const;
export const EMAILS = [
  "ann@example.com",
  "bob@example.com",
  "CY@Example.com",
  "dee@example.org",
] as const;
export const PHONES = ["+48 600 100 200", "+1 (555) 010-0000", "600100200"] as const;
export const CONSENT_TYPE_IDS = [
  "fz-marketing",
  "fz-analytics",
  "fz-news",
  "fz-t1",
  "fz-t2",
] as const;
export const SEGMENT_IDS = ["fz-all", "fz-vip", "fz-s1", "fz-s2", "fz-s3"] as const;
/** Few rules: every tracked event runs every enabled one. */
export const MAPPING_RULE_IDS = ["fz-rule-a", "fz-rule-b", "fz-rule-c"] as const;
/** Event properties mapping rules read, which tracked events carry with values of any type. */
export const MAPPED_PROPERTIES = ["plan", "age", "when", "tags", "score"] as const;
const EVENT_IDS = ["ev-1", "ev-2", "ev-3"] as const;

// ---------------------------------------------------------------------------------------------
// 2. Building blocks
// ---------------------------------------------------------------------------------------------

const slug = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
const word = fc.oneof(
  fc.constantFrom("Ann", "Łukasz", "O'Brien", "Zoë", "van der Berg", "José", "李", "Ⅻ"),
  fc.string({ minLength: 1, maxLength: 24 }).filter((s) => s.trim() !== ""),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== ""),
);
const sentence = fc.oneof(word, fc.lorem({ maxCount: 6 }));
const reason = fc.lorem({ maxCount: 8 }).filter((s) => s.trim().length >= 5);

/** A past instant, in several accepted spellings. */
const pastDate = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .date({
        min: new Date("2000-01-01T00:00:00Z"),
        max: new Date("2025-06-01T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
  },
  {
    weight: 1,
    arbitrary: fc
      .date({
        min: new Date("2000-01-01T00:00:00Z"),
        max: new Date("2025-06-01T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().replace("T", " ").replace("Z", "+00:00")),
  },
  { weight: 1, arbitrary: fc.constant("2024-05-30T07:44:23.246262+02:00") },
);
const anyDate = fc.oneof(
  { weight: 5, arbitrary: pastDate },
  { weight: 1, arbitrary: fc.constantFrom(...EDGE_DATES) },
);

const profileId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<string>(...PROFILE_IDS) },
  { weight: 1, arbitrary: slug },
);
/** Any key `profile.get` accepts: an id, `email:…`, `phone:…`. */
const profileKey = fc.oneof(
  { weight: 4, arbitrary: profileId },
  { weight: 1, arbitrary: fc.constantFrom(...EMAILS).map((e) => `email:${e}`) },
  { weight: 1, arbitrary: fc.constantFrom(...PHONES).map((p) => `phone:${p}`) },
);
const consentTypeId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<string>(...CONSENT_TYPE_IDS) },
  { weight: 1, arbitrary: slug },
);
// Pool ids only: every profile write evaluates every segment, so an ever-growing catalogue would
// slow the whole run down (random ids still come from the hostile mutations).
const segmentId = fc.constantFrom<string>(...SEGMENT_IDS);

const mapKey = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/);
const jsonObject: fc.Arbitrary<Raw> = fc.dictionary(
  mapKey,
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Raw>,
  { maxKeys: 4 },
);
const amount = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
  },
  { weight: 1, arbitrary: fc.constantFrom(1e308, -1e308, 5e-324) },
);
const numberMap: fc.Arbitrary<Raw> = fc.dictionary(mapKey, amount, { maxKeys: 3 });

/** The n-th existing row of a kind, looked up when the case is sent. */
const existing = (kind: LiveKind) =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.nat().map((n) => new Live(`${kind} #${n}`, (ctx) => ctx.existingId(kind, n))),
    },
    { weight: 1, arbitrary: fc.uuid() },
  );

/** Keeps the keys whose value is not undefined: optional fields are left out, not sent as null. */
function compact(record: Record<string, Raw | undefined>): Record<string, Raw> {
  const out: Record<string, Raw> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out;
}

/** A record of optional fields (each present or not), like zod's optional keys. */
function partial(fields: Record<string, fc.Arbitrary<Raw>>): fc.Arbitrary<Record<string, Raw>> {
  return fc
    .record(fields, { requiredKeys: [] })
    .map((r) => compact(r as Record<string, Raw | undefined>));
}

// ---------------------------------------------------------------------------------------------
// 3. Profiles, from the field metadata
// ---------------------------------------------------------------------------------------------

/** Whether a schema (unwrapped through optional/nullable/default wrappers) has this dotted path. */
function schemaHasPath(schema: z.core.$ZodType, path: string): boolean {
  let node: z.core.$ZodType | undefined = schema;
  for (const key of path.split(".")) {
    for (;;) {
      const def: z.core.$ZodTypeDef = node._zod.def;
      if (
        def.type === "optional" ||
        def.type === "nullable" ||
        def.type === "default" ||
        def.type === "prefault"
      ) {
        node = (def as z.core.$ZodOptionalDef).innerType;
      } else break;
    }
    if (!(node instanceof z.ZodObject)) return false;
    node = (node.shape as Record<string, z.core.$ZodType | undefined>)[key];
    if (!node) return false;
  }
  return true;
}

const createFields = Object.values(fieldMetadata).filter((f) =>
  schemaHasPath(ProfileCreate, f.path),
);
const patchFields = Object.values(fieldMetadata).filter((f) => schemaHasPath(ProfilePatch, f.path));

function fieldValue(field: FieldMeta): fc.Arbitrary<Raw> {
  if (field.path === "id" || field.path === "primary_id") return profileId;
  if (field.path.includes("email")) return fc.oneof(fc.constantFrom(...EMAILS), fc.emailAddress());
  if (field.path.includes("phone")) return fc.constantFrom(...PHONES);
  switch (field.type) {
    case "string":
      return word;
    case "number":
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }),
        },
        { weight: 2, arbitrary: fc.integer() },
        { weight: 1, arbitrary: fc.constantFrom(1e308, -1e308, 5e-324, 2 ** 53 + 2) },
      );
    case "integer":
      // Valid for the schema up to 2^53 - 1, but stored in 32 bits where they are promoted.
      return fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(MAX_COUNTER - 1, MAX_COUNTER, 2 ** 31, 2 ** 53 - 1),
        },
      );
    case "date":
      return field.path === "data.pii.birthday"
        ? fc.oneof(anyDate, fc.constantFrom("1990-05-17", "2000-02-29"))
        : anyDate;
    case "bool":
      return fc.boolean();
    case "list":
      return fc.array(fc.oneof(fc.constantFrom<string>(...PROFILE_IDS), word), { maxLength: 4 });
    case "map":
      return field.path === "stats.counters" || field.path === "interests" ? numberMap : jsonObject;
  }
}

/** A document with some of `fields` set (nested by their paths). */
function document(
  fields: readonly FieldMeta[],
  options: { nulls?: boolean } = {},
): fc.Arbitrary<Record<string, Raw>> {
  return fc.subarray([...fields], { maxLength: 7 }).chain((chosen) =>
    fc
      .tuple(
        ...chosen.map((f) =>
          options.nulls
            ? fc.oneof(
                { weight: 4, arbitrary: fieldValue(f) },
                { weight: 1, arbitrary: fc.constant(null) },
              )
            : fieldValue(f),
        ),
      )
      .map((values) => {
        const root: Record<string, Raw> = {};
        chosen.forEach((f, i) => setPath(root, f.path, values[i] ?? null));
        return root;
      }),
  );
}

const profileCreate = fc
  .tuple(document(createFields), fc.option(profileId, { nil: undefined }))
  .map(([doc, id]) => compact({ ...doc, id }));

const profilePatch = document(patchFields, { nulls: true });

// ---------------------------------------------------------------------------------------------
// 4. Conditions
// ---------------------------------------------------------------------------------------------

const durations = fc.constantFrom("30m", "12h", "7d", "2w", "365d");
const conditionFields = Object.values(fieldMetadata).filter((f) => !f.path.startsWith("consents"));

function opValue(field: FieldMeta | "json", op: ConditionOp): fc.Arbitrary<Raw> | null {
  const type = field === "json" ? "json" : field.type;
  const scalar: fc.Arbitrary<Raw> =
    type === "number" || type === "integer"
      ? fc.integer({ min: -1000, max: 1000 })
      : type === "date"
        ? pastDate
        : type === "bool"
          ? fc.boolean()
          : type === "json"
            ? fc.oneof(fc.integer(), word, fc.boolean())
            : word;
  switch (op) {
    case "exists":
    case "empty":
      return null;
    case "within_last":
    case "before":
      return durations;
    case "between":
      return fc.tuple(scalar, scalar);
    case "in":
      return fc.array(scalar, { minLength: 1, maxLength: 4 });
    case "contains":
    case "starts_with":
    case "ends_with":
      return type === "json" ? word : type === "list" ? word : scalar;
    default:
      return scalar;
  }
}

const fieldLeaf: fc.Arbitrary<Raw> = fc
  .oneof(
    fc
      .constantFrom(...conditionFields)
      .map((f) => ({ path: f.path, meta: f as FieldMeta | "json", ops: opsByFieldType[f.type] })),
    fc.tuple(fc.constantFrom(...freeFieldRoots.map((r) => r.root)), mapKey).map(([root, key]) => ({
      path: `${root}.${key}`,
      meta: "json" as const,
      ops: opsByFieldType.json,
    })),
  )
  .chain(({ path, meta, ops }) =>
    fc.constantFrom(...ops).chain((op) => {
      const value = opValue(meta, op);
      return value
        ? value.map((v): Raw => ({ field: path, op, value: v }))
        : fc.constant<Raw>({ field: path, op });
    }),
  );

const otherLeaf: fc.Arbitrary<Raw> = fc.oneof(
  fc
    .tuple(consentTypeId, fc.boolean())
    .map(([type, granted]): Raw => ({ consent: { type, granted } })),
  segmentId.map((id): Raw => ({ segment: { id } })),
  fc
    .tuple(
      fc.constantFrom(...VIEW_EVENT_TYPES, "purchase"),
      fc.integer({ min: 0, max: CONDITION_LIMITS.maxEventCount }),
      durations,
    )
    .map(([type, gte, within]): Raw => ({ event: { type, count: { gte }, within } })),
);

const condition: fc.Arbitrary<Raw> = fc.letrec<{ node: Raw }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 5, arbitrary: fieldLeaf },
    { weight: 2, arbitrary: otherLeaf },
    {
      weight: 1,
      arbitrary: fc.array(tie("node"), { minLength: 1, maxLength: 3 }).map((and): Raw => ({ and })),
    },
    {
      weight: 1,
      arbitrary: fc.array(tie("node"), { minLength: 1, maxLength: 3 }).map((or): Raw => ({ or })),
    },
    { weight: 1, arbitrary: tie("node").map((not): Raw => ({ not })) },
  ),
})).node;

// ---------------------------------------------------------------------------------------------
// 5. Events and files
// ---------------------------------------------------------------------------------------------

/** What a mapped event property may hold: whatever a sender puts there. */
const mappedValue: fc.Arbitrary<Raw> = fc.oneof(
  word,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  anyDate,
  fc.constantFrom<Raw>("2025-02-30", "+275760-09-13T00:00:00.001Z", " 42 ", "a,b,,c", "", null),
  fc.array(word, { maxLength: 3 }),
  jsonObject,
);

const trackProperties: fc.Arbitrary<Raw> = fc
  .tuple(
    partial({
      counters: numberMap,
      interests: numberMap,
      interestsReset: fc.array(mapKey, { maxLength: 3 }),
      email: fc.oneof(fc.constantFrom<Raw>(...EMAILS, null), fc.emailAddress()),
      phone: fc.constantFrom<Raw>(...PHONES, null),
      url: fc.webUrl(),
      extra: jsonObject,
      ...Object.fromEntries(MAPPED_PROPERTIES.map((name) => [name, mappedValue])),
    }),
    fc.subarray(
      Object.keys(IDENTIFICATION_PROPERTIES).filter((k) => k !== "email" && k !== "phone"),
      { maxLength: 3 },
    ),
    fc.array(fc.oneof(word, fc.constant(null)), { minLength: 3, maxLength: 3 }),
  )
  .map(([props, names, values]) => {
    const out: Record<string, Raw> = { ...props };
    names.forEach((name, i) => (out[name] = values[i] ?? null));
    return out;
  });

const consentUpdate: fc.Arbitrary<Raw> = fc
  .tuple(consentTypeId, fc.constantFrom(...consentActions), fc.constantFrom(...legalBases))
  .map(([typeId, action, legalBasis]): Raw => ({ typeId, action, legalBasis }));

const trackEvent: fc.Arbitrary<Raw> = fc
  .tuple(
    fc.oneof(
      profileKey.map((profileId): Record<string, Raw> => ({ profileId })),
      partial({
        email: fc.constantFrom(...EMAILS),
        phone: fc.constantFrom(...PHONES),
        externalId: word,
      })
        .filter((ids) => Object.keys(ids).length > 0)
        .map((identifiers): Record<string, Raw> => ({ identifiers })),
    ),
    fc.oneof(
      fc.tuple(fc.constantFrom(...VIEW_EVENT_TYPES, "identify", "purchase"), trackProperties),
      fc.tuple(fc.constant(CONSENT_UPDATE_EVENT), consentUpdate),
    ),
    pastDate,
    partial({
      id: fc.oneof(fc.constantFrom(...EVENT_IDS), fc.uuid()),
      session: fc.constantFrom("s-1", "s-2"),
      source: word,
      context: fc.oneof(
        jsonObject,
        fc.constantFrom("Europe/Warsaw", "UTC", "Asia/Kolkata").map((tz): Raw => ({ tz })),
      ),
    }),
  )
  .map(([target, [type, properties], time, rest]): Raw => ({
    ...target,
    type,
    time,
    properties,
    ...rest,
  }));

/** Lines an import file may hold that no schema should let through to the store. */
const HOSTILE_LINES = [
  '{"id":"imp-nul","traits":{"a":"\\u0000"}}',
  '{"id":"imp-nul-name","data":{"pii":{"firstname":"a\\u0000b"}}}',
  '{"id":"imp-surrogate","data":{"pii":{"lastname":"\\ud800"}}}',
  '{"id":"imp-\\udc00"}',
  '{"id":"imp-key","traits":{"\\u0000":1}}',
  `{"id":"imp-deep","traits":{"a":${nested("array", 5_000).text}}}`,
  `{"id":"imp-deeper","aux":${nested("object", 50_000).text}}`,
  '{"__proto__":{"polluted":"yes"},"id":"imp-proto"}',
  '{"id":"imp-constructor","traits":{"constructor":{"prototype":{"polluted":"yes"}}}}',
  '{"id":"imp-nan","stats":{"visits":NaN}}',
  '{"id":"imp-inf","traits":{"a":1e400}}',
  '{"id":"imp-date","metadata":{"time":{"insert":"+275760-09-13T00:00:00.001Z"}}}',
  '{"id":"imp-feb","data":{"pii":{"birthday":"2025-02-30"}}}',
  '{"id":"imp-huge","data":{"pii":{"firstname":"' + "x".repeat(100_000) + '"}}}',
  '{"id":"\'; drop table profile; --"}',
  "not json",
  "[]",
  "null",
] as const;

const ndjsonLine = fc.oneof(
  { weight: 3, arbitrary: document(createFields).map(toJsonText) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_LINES) },
);
const ndjsonFile = fc
  .array(ndjsonLine, { minLength: 1, maxLength: 5 })
  .map((lines) => lines.join("\n"));
const tracardiFile = fc
  .array(
    fc.oneof(
      {
        weight: 3,
        arbitrary: document(createFields.filter((f) => f.type !== "date")).map(toJsonText),
      },
      { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_LINES) },
    ),
    { minLength: 1, maxLength: 5 },
  )
  .map((lines) => lines.join("\n"));

const csvCell = (text: string) => `"${text.replaceAll('"', '""')}"`;
const csvPaths = importablePaths.filter((p) => csvCellType(p) === "string");
const csvImport: fc.Arbitrary<Raw> = fc
  .uniqueArray(fc.constantFrom(...csvPaths), { minLength: 1, maxLength: 4 })
  .chain((paths) =>
    fc
      .array(fc.array(word, { minLength: paths.length, maxLength: paths.length }), {
        minLength: 1,
        maxLength: 5,
      })
      .map((rows): Raw => {
        const columns = paths.map((_, i) => `col${i}`);
        const content = [columns.join(","), ...rows.map((r) => r.map(csvCell).join(","))].join(
          "\n",
        );
        return {
          format: ImportFormat.enum.csv,
          content,
          mapping: Object.fromEntries(columns.map((c, i) => [c, paths[i] ?? ""])),
        };
      }),
  );

// ---------------------------------------------------------------------------------------------
// 6. Mapping rules
// ---------------------------------------------------------------------------------------------

const mappingRuleId = fc.constantFrom<string>(...MAPPING_RULE_IDS);

/** A constant a target of this type takes. */
function constantFor(type: string): fc.Arbitrary<Raw> {
  switch (type) {
    case "number":
    case "integer":
      return fc.integer({ min: -100, max: 100 });
    case "date":
      return pastDate;
    case "bool":
      return fc.boolean();
    case "list":
      return fc.array(word, { minLength: 1, maxLength: 3 });
    default:
      return word;
  }
}

const mappingSource = (type: string): fc.Arbitrary<Raw> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...MAPPED_PROPERTIES).map((k) => `properties.${k}`) },
    { weight: 1, arbitrary: fc.constantFrom(...mappingEventFields.map((f) => f.path)) },
    { weight: 1, arbitrary: mapKey.map((k) => `context.${k}`) },
    { weight: 2, arbitrary: constantFor(type).map((value): Raw => ({ const: value })) },
  );

const mapping: fc.Arbitrary<Raw> = fc.constantFrom(...mappingTargets).chain((target) =>
  fc
    .tuple(
      target.kind === "free"
        ? mapKey.map((k) => target.path.replace("*", k))
        : fc.constant(target.path),
      fc.constantFrom(...target.ops),
      mappingSource(target.type),
      fc.option(fc.subarray([...mappingTransforms], { minLength: 1, maxLength: 2 }), {
        nil: undefined,
      }),
    )
    .map(([to, op, from, transform]): Raw => compact({ from, to, op, transform })),
);

const ruleEventTypes = fc.subarray([...VIEW_EVENT_TYPES, "purchase", "identify"], { minLength: 1 });
const ruleCondition = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Raw>(null) },
  { weight: 1, arbitrary: fieldLeaf },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...MAPPED_PROPERTIES), word)
      .map(([k, value]): Raw => ({ field: `event.properties.${k}`, op: "eq", value })),
  },
);

const ruleDefinition = fc
  .tuple(
    word,
    fc.array(mapping, { minLength: 1, maxLength: 3 }),
    ruleEventTypes,
    partial({
      description: sentence,
      condition: ruleCondition,
      position: fc.integer({ min: 0, max: 10 }),
    }),
  )
  .map(([name, mappings, eventTypes, rest]): Record<string, Raw> => ({
    name,
    mappings,
    eventTypes,
    ...rest,
  }));

const mappingRule = fc
  .tuple(mappingRuleId, ruleDefinition, fc.boolean())
  .map(([id, definition, enabled]): Record<string, Raw> => ({ id, enabled, ...definition }));

const mappingVersion = (id: string) =>
  new Live(`version of rule ${id}`, (ctx) => ctx.mappingVersion(id));

// ---------------------------------------------------------------------------------------------
// 7. Every mutation
// ---------------------------------------------------------------------------------------------

const consentTypeFields = {
  name: word,
  description: fc.oneof(sentence, fc.constant(null)),
  purpose: fc.constantFrom(...consentPurposes),
  revokable: fc.boolean(),
  defaultValue: fc.constantFrom(...consentDefaults),
  enabled: fc.boolean(),
  required: fc.boolean(),
  tags: fc.array(word, { maxLength: 4 }),
  autoRevoke: fc.constantFrom<Raw>("P1Y", "P6M", "P30D", "PT12H", "p2w", null),
};

const consentChange = {
  source: word,
  policyVersion: fc.constantFrom("2025-01", "v2"),
  proof: jsonObject,
  at: pastDate,
};

const savedViewQuery = partial({
  search: word,
  condition,
  sort: fc.constantFrom(...profileSortKeys),
  order: fc.constantFrom("asc", "desc"),
  limit: fc.integer({ min: 1, max: MAX_PAGE_SIZE }),
});
const viewColumns = fc.subarray([...DEFAULT_EXPORT_COLUMNS]);

const mergeIds = fc.uniqueArray(profileId, {
  minLength: 2,
  maxLength: Math.min(4, MAX_MERGE_SOURCES + 1),
});

/** Valid input of each mutation, by procedure path. */
export const mutationInputs: Record<string, fc.Arbitrary<Raw>> = {
  "consent.types.create": fc
    .tuple(consentTypeId, partial(consentTypeFields))
    .map(([id, rest]) => ({ id, name: "Type", purpose: "other", ...rest })),
  "consent.types.update": fc
    .tuple(consentTypeId, partial(consentTypeFields))
    .map(([id, patch]) => ({ id, patch })),
  "consent.types.archive": consentTypeId.map((id) => ({ id })),
  "consent.types.restore": consentTypeId.map((id) => ({ id })),
  "consent.grant": fc
    .tuple(profileKey, consentTypeId, fc.constantFrom(...legalBases), partial(consentChange))
    .map(([profileId, typeId, legalBasis, rest]) => ({ profileId, typeId, legalBasis, ...rest })),
  "consent.deny": fc
    .tuple(
      profileKey,
      consentTypeId,
      partial({ ...consentChange, legalBasis: fc.constantFrom(...legalBases) }),
    )
    .map(([profileId, typeId, rest]) => ({ profileId, typeId, ...rest })),
  "consent.revoke": fc
    .tuple(profileKey, consentTypeId, partial({ ...consentChange, reason }))
    .map(([profileId, typeId, rest]) => ({ profileId, typeId, ...rest })),

  "mapping.create": mappingRule,
  "mapping.update": fc
    .tuple(mappingRuleId, ruleDefinition)
    .map(([id, definition]) => ({ id, version: mappingVersion(id), ...definition })),
  "mapping.delete": fc
    .tuple(mappingRuleId, fc.boolean())
    .map(([id, withVersion]): Raw => (withVersion ? { id, version: mappingVersion(id) } : { id })),
  "mapping.enable": fc
    .tuple(mappingRuleId, fc.boolean(), fc.boolean())
    .map(([id, enabled, withVersion]): Raw =>
      withVersion ? { id, enabled, version: mappingVersion(id) } : { id, enabled },
    ),
  "mapping.import": fc
    .tuple(
      fc.uniqueArray(mappingRule, { maxLength: 3, selector: (r) => r["id"] }),
      partial({ replace: fc.boolean(), exportedAt: pastDate }),
    )
    .map(([rules, rest]) => ({ format: MAPPING_EXPORT_FORMAT, rules, ...rest })),

  "privacy.reveal": fc
    .tuple(profileKey, fc.subarray([...piiPaths], { minLength: 1, maxLength: 5 }), reason)
    .map(([profileId, fields, r]) => ({ profileId, fields, reason: r })),
  "privacy.export": profileKey.map((profileId) => ({ profileId })),
  "privacy.erase": fc.tuple(profileKey, reason).map(([profileId, r]) => ({ profileId, reason: r })),
  "privacy.liftSuppression": fc
    .oneof(
      fc.constantFrom(...EMAILS).map((value) => ({ type: "email", value })),
      fc.constantFrom(...PHONES).map((value) => ({ type: "phone", value })),
      word.map((value) => ({ type: "ext", value })),
    )
    .chain((target) => reason.map((r) => ({ ...target, reason: r }))),

  "profile.create": profileCreate,
  "profile.update": fc
    .tuple(
      profileId,
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) },
      ),
      profilePatch,
    )
    .map(([id, version, patch]) => ({
      id,
      version: version ?? new Live(`version of ${id}`, (ctx) => ctx.profileVersion(id)),
      patch,
    })),
  "profile.delete": fc
    .tuple(profileKey, partial({ reason: fc.oneof(sentence, fc.constant(null)) }))
    .map(([id, rest]) => ({ id, ...rest })),
  "profile.track": fc
    .array(trackEvent, { minLength: 1, maxLength: 3 })
    .map((events) => ({ events })),
  "profile.import": fc.oneof(
    fc
      .tuple(ndjsonFile, partial({ fileName: word }))
      .map(([content, rest]) => ({ format: ImportFormat.enum.ndjson, content, ...rest })),
    tracardiFile.map((content) => ({ format: ImportFormat.enum.tracardi, content })),
    csvImport,
  ),
  "profile.importCancel": existing("importJob").map((jobId) => ({ jobId })),
  "profile.importBegin": fc.oneof(
    partial({ fileName: word }).map((rest) => ({ format: ImportFormat.enum.ndjson, ...rest })),
    fc.constant({ format: ImportFormat.enum.tracardi }),
    csvImport.map((raw) => {
      const { content: _content, ...begin } = raw as Record<string, Raw>;
      return begin;
    }),
  ),
  // Most land on a job that takes no parts (or not this one): refusals must be clean 4xx.
  "profile.importPart": fc
    .tuple(
      existing("importJob"),
      fc.oneof(fc.nat({ max: 3 }), fc.constantFrom(-1, 4096, 1.5)),
      fc.oneof(
        { weight: 3, arbitrary: ndjsonFile.map((text) => `${text}\n`) },
        { weight: 1, arbitrary: ndjsonFile },
        { weight: 1, arbitrary: fc.constantFrom('a,"open quote\n', "", "\n") },
      ),
    )
    .map(([jobId, part, content]) => ({ jobId, part, content })),
  "profile.importCommit": fc
    .tuple(existing("importJob"), fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(0)))
    .map(([jobId, parts]) => ({ jobId, parts })),
  "profile.merge": fc
    .tuple(mergeIds, fc.boolean(), partial({ reason: sentence }))
    .map(([[into, ...from], dryRun, rest]) => ({ into: into ?? "fz-ann", from, dryRun, ...rest })),
  "profile.identify": fc
    .tuple(profileId, fc.boolean())
    .map(([profileId, dryRun]) => ({ profileId, dryRun })),
  "profile.unmerge": existing("merge").map((mergeId) => ({ mergeId })),

  "segment.create": fc
    .tuple(
      segmentId,
      word,
      condition,
      partial({ description: sentence, purpose: fc.constantFrom<Raw>(...consentPurposes, null) }),
    )
    .map(([id, name, cond, rest]) => ({ id, name, condition: cond, ...rest })),
  "segment.update": fc
    .tuple(
      segmentId,
      partial({
        name: word,
        description: fc.oneof(sentence, fc.constant(null)),
        condition,
        purpose: fc.constantFrom<Raw>(...consentPurposes, null),
      }),
    )
    .map(([id, patch]) => ({
      id,
      version: new Live(`version of segment ${id}`, (ctx) => ctx.segmentVersion(id)),
      patch,
    })),
  "segment.delete": fc
    .tuple(segmentId, fc.boolean())
    .map(([id, withVersion]): Raw =>
      withVersion
        ? { id, version: new Live(`version of segment ${id}`, (ctx) => ctx.segmentVersion(id)) }
        : { id },
    ),
  "segment.refresh": fc.oneof(
    fc.constant({}),
    fc.uniqueArray(segmentId, { minLength: 1, maxLength: 3 }).map((ids) => ({ ids })),
  ),

  "token.create": fc
    .tuple(
      word,
      fc.subarray([...permissions], { minLength: 1 }),
      partial({ expiresInDays: fc.oneof(fc.integer({ min: 1, max: 3650 }), fc.constant(null)) }),
    )
    .map(([name, scopes, rest]) => ({ name, scopes, ...rest })),
  "token.revoke": existing("token").map((id) => ({ id })),

  "user.create": fc
    .tuple(
      fc.emailAddress(),
      word,
      fc.string({ minLength: 10, maxLength: 40 }),
      fc.constantFrom(...roles),
    )
    .map(([email, name, password, role]) => ({ email, name, password, role })),
  "user.setRole": fc
    .tuple(fc.uuid(), fc.constantFrom(...roles))
    .map(([id, role]) => ({ id, role })),
  "user.setDisabled": fc.tuple(fc.uuid(), fc.boolean()).map(([id, disabled]) => ({ id, disabled })),

  "view.create": fc
    .tuple(word, partial({ shared: fc.boolean(), query: savedViewQuery, columns: viewColumns }))
    .map(([name, rest]) => ({ name, ...rest })),
  "view.update": fc
    .tuple(
      existing("view"),
      partial({ name: word, shared: fc.boolean(), query: savedViewQuery, columns: viewColumns }),
    )
    .map(([id, patch]) => ({ id, patch })),
  "view.delete": existing("view").map((id) => ({ id })),
  "view.promote": fc
    .tuple(
      existing("view"),
      segmentId,
      partial({
        name: word,
        description: fc.oneof(sentence, fc.constant(null)),
        purpose: fc.constantFrom<Raw>(...consentPurposes, null),
      }),
    )
    .map(([id, sid, rest]) => ({ id, segmentId: sid, ...rest })),
};

// ---------------------------------------------------------------------------------------------
// 8. REST write routes
// ---------------------------------------------------------------------------------------------

/** A REST call: the path parameter (if the route has one) and the JSON body or query. */
export interface RestInput {
  param: string | null;
  body: Raw | undefined;
}

/** Valid calls of each REST write route, by `METHOD /path` as in the OpenAPI document. */
export const restInputs: Record<string, fc.Arbitrary<RestInput>> = {
  "POST /profiles": profileCreate.map((body) => ({ param: null, body })),
  "POST /profiles/track": mutationInputs["profile.track"]!.map((body) => ({ param: null, body })),
  "PATCH /profiles/{id}": fc.tuple(profileKey, profilePatch).map(([id, patch]) => ({
    param: id,
    body: { version: new Live(`version of ${id}`, (ctx) => ctx.profileVersion(id)), patch },
  })),
  "DELETE /profiles/{id}": profileKey.map((id) => ({ param: id, body: undefined })),
};
