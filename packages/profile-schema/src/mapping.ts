import { z } from "zod";

import { checkCondition, conditionNode, freeKeyProblem, resolveConditionField } from "./condition";
import type { Condition } from "./condition";
import { ConsentTypeId } from "./consent";
import { IsoDateTime, parseDate } from "./date";
import { fieldMetadata } from "./field-metadata";
import type { FieldType } from "./field-metadata";
import { JsonObject, JsonValue } from "./json";
import { group } from "./profile";
import { SegmentId } from "./segment";
import { IDENTIFICATION_PROPERTIES } from "./track";

/*
 * Mapping rules: what an administrator adds to `profile.track` after the built-in mappings. A
 * rule applies to some event types, optionally only when a condition holds (on the profile and
 * the event, `event.*` fields), and runs an ordered list of mappings `{ from, to, op, transform }`.
 *
 * The meaning every consumer shares (the engine in @cdp/api, validation here, the console):
 * - `from` is an event path — `type`, `time`, `id`, `source`, `session` (also `session.id`),
 *   `properties[.<key>…]`, `context[.<key>…]` — or a constant `{ const: value }`. A missing or
 *   null source value skips the mapping (use `remove` to clear a field).
 * - `transform` steps run in order on the value: trim, lowercase, uppercase (text, or each item of
 *   a list), to_number (text or number), to_date (ISO 8601; a bare date is midnight UTC, a time
 *   without offset is UTC), hash (salted SHA-256 hex of text or a number, each item of a list),
 *   split (text → list on `separator`, default ",", items trimmed, empty ones dropped).
 * - `to` is a writable profile path ({@link mappingTargets}); its type decides what may go in:
 *   a string cannot go into a number field. Types are checked when a rule is saved where they
 *   are known (constants, event fields, transform outputs) and when it runs for the rest. An
 *   identification property (`properties.email`, …) goes only into a personal-data field, or
 *   hashed: staff read the other fields in the clear.
 * - `op`: `set`; `set_if_empty` (only when the field is missing, null, "", [] or {}); `append`
 *   (lists: items added once, in order); `remove` (a field back to its default, a free key
 *   deleted; on a list, the given items removed); `increment` / `decrement` (numbers; a missing
 *   value counts as 0; sums rounded to 6 decimals like track's counters); `add_interest`
 *   (`interests.<name>` += amount, or `interests` += 1 for each name given); `add_segment` /
 *   `remove_segment` (static tags in `segments`; ids of computed segments follow their condition
 *   whatever a rule says); `grant_consent` / `revoke_consent` (the type ids given, through the
 *   consent ledger with legal basis `consent`; revoking what is not granted does nothing).
 * - Rules run in `position` order (then id); each rule sees the profile the previous one left.
 */

// ---------------------------------------------------------------------------------------------
// 1. Vocabulary
// ---------------------------------------------------------------------------------------------

/** Bounds that keep a rule cheap to validate, store and run on every event. */
export const MAPPING_LIMITS = Object.freeze({
  mappings: 100,
  eventTypes: 50,
  transforms: 8,
  /** Characters of a constant, as JSON. */
  constantChars: 4096,
  /** Characters of a path in `from` or `to`. */
  path: 200,
  separator: 10,
  /** Rules in one export file. */
  rulesPerFile: 500,
  /** Characters of an interest name (`interests.<name>`), as track allows. */
  interestName: 64,
});

/** What a mapping does with its value. */
export const mappingOps = [
  "set",
  "set_if_empty",
  "append",
  "remove",
  "increment",
  "decrement",
  "add_interest",
  "add_segment",
  "remove_segment",
  "grant_consent",
  "revoke_consent",
] as const;
export const MappingOp = z.enum(mappingOps, {
  error: () => `Operation must be one of ${mappingOps.join(", ")}`,
});
export type MappingOp = z.output<typeof MappingOp>;

/** What may happen to a value on its way from the event to the profile. */
export const mappingTransforms = [
  "trim",
  "lowercase",
  "uppercase",
  "to_number",
  "to_date",
  "hash",
  "split",
] as const;
export const MappingTransform = z.enum(mappingTransforms, {
  error: () => `Transform must be one of ${mappingTransforms.join(", ")}`,
});
export type MappingTransform = z.output<typeof MappingTransform>;

/** The type of a value as validation sees it; `json` is known only when the rule runs. */
export type MappingValueType = Exclude<FieldType, "map"> | "json";

/** The type of a mapping target: a profile field's type, or `json` for free trait keys. */
export type MappingTargetType = FieldType | "json";

const typeWords: Record<MappingTargetType, string> = {
  string: "a string",
  number: "a number",
  integer: "an integer",
  date: "a date",
  bool: "a boolean",
  list: "a list",
  map: "a map",
  json: "any JSON value",
};

const targetWords: Record<MappingTargetType, string> = {
  string: "string",
  number: "number",
  integer: "integer",
  date: "date",
  bool: "boolean",
  list: "list",
  map: "map",
  json: "any value",
};

// ---------------------------------------------------------------------------------------------
// 2. Sources: where a value comes from
// ---------------------------------------------------------------------------------------------

/** The event's own fields a mapping may read, with their types. */
export const mappingEventFields = Object.freeze([
  { path: "type", type: "string", label: "Event type" },
  { path: "time", type: "date", label: "Event time" },
  { path: "id", type: "string", label: "Event id" },
  { path: "source", type: "string", label: "Event source" },
  { path: "session", type: "string", label: "Session id" },
  { path: "session.id", type: "string", label: "Session id" },
] as const satisfies readonly { path: string; type: MappingValueType; label: string }[]);

/** The event's free JSON objects: `properties.<key>…` and `context.<key>…` (up to 8 keys). */
export const mappingEventRoots = Object.freeze([
  { root: "properties", label: "Event property" },
  { root: "context", label: "Event context" },
] as const);

const MAX_SOURCE_KEYS = 8;

/** A constant value a mapping writes instead of an event value. */
export const MappingConstant = group({
  const: JsonValue.refine((value) => value !== null, {
    error: "A constant must not be null: use the remove operation to clear a field",
  }).refine((value) => JSON.stringify(value).length <= MAPPING_LIMITS.constantChars, {
    error: `A constant has at most ${MAPPING_LIMITS.constantChars} characters of JSON`,
  }),
});
export type MappingConstant = z.output<typeof MappingConstant>;

/** `from`: an event path or a constant. */
export const MappingSource = z.union([
  z
    .string({ error: "Give an event path (properties.plan, type, time, …) or { const: value }" })
    .trim()
    .min(1, "Give an event path or a constant")
    .max(MAPPING_LIMITS.path, `A path has at most ${MAPPING_LIMITS.path} characters`),
  MappingConstant,
]);
export type MappingSource = z.output<typeof MappingSource>;

/** A source resolved: where the engine reads it and what validation knows of its type. */
export type ResolvedMappingSource =
  | {
      kind: "event";
      path: string;
      /** Keys from the event's top (`session.id` reads `["session"]`). */
      segments: string[];
      type: MappingValueType;
      label: string;
    }
  | { kind: "const"; value: JsonValue; type: MappingValueType; label: string };

function constantType(value: JsonValue): MappingValueType {
  if (typeof value === "string") {
    return parseDate(value, { allowDateOnly: true }).ok ? "date" : "string";
  }
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return "list";
  return "json";
}

/** Resolves `from`, or says why it is no source. */
export function resolveMappingSource(
  from: MappingSource,
): { ok: true; source: ResolvedMappingSource } | { ok: false; message: string } {
  if (typeof from !== "string") {
    return {
      ok: true,
      source: {
        kind: "const",
        value: from.const,
        type: constantType(from.const),
        label: "a constant",
      },
    };
  }
  const field = mappingEventFields.find((f) => f.path === from);
  if (field) {
    const segments = field.path === "session.id" ? ["session"] : [field.path];
    return {
      ok: true,
      source: { kind: "event", path: from, segments, type: field.type, label: field.label },
    };
  }
  const [root, ...keys] = from.split(".");
  const known = mappingEventRoots.find((r) => r.root === root);
  if (!known) {
    return {
      ok: false,
      message: `Unknown event path "${from}": use ${mappingEventFields.map((f) => f.path).join(", ")}, properties.<key> or context.<key>`,
    };
  }
  if (keys.length > MAX_SOURCE_KEYS) {
    return { ok: false, message: `At most ${MAX_SOURCE_KEYS} keys below ${known.root}` };
  }
  for (const key of keys) {
    const problem = freeKeyProblem(key, from);
    if (problem) return { ok: false, message: problem };
  }
  const label = keys.length === 0 ? `${known.label}s` : `${known.label} "${keys.join(".")}"`;
  return {
    ok: true,
    source: { kind: "event", path: from, segments: [known.root, ...keys], type: "json", label },
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Targets: the writable profile paths (the editor's path picker)
// ---------------------------------------------------------------------------------------------

/** How a target is addressed: a field of the schema, a key of a free map, or a collection. */
export type MappingTargetKind = "field" | "free" | "collection";

/** A path mappings may write, with what may go in and which operations apply. */
export interface MappingTarget {
  /** The path as `to` names it; `traits.*` stands for any key (or keys) below `traits`. */
  path: string;
  kind: MappingTargetKind;
  type: MappingTargetType;
  label: string;
  /** Personal data: the editor flags it; a `hash` transform keeps the value pseudonymous. */
  pii: boolean;
  ops: readonly MappingOp[];
}

const BASIC: readonly MappingOp[] = ["set", "set_if_empty", "remove"];
const NUMERIC: readonly MappingOp[] = [...BASIC, "increment", "decrement"];

const opsByTargetType: Readonly<Record<MappingTargetType, readonly MappingOp[]>> = {
  string: BASIC,
  date: BASIC,
  bool: BASIC,
  number: NUMERIC,
  integer: NUMERIC,
  list: [...BASIC, "append"],
  json: [...NUMERIC, "append"],
  map: [],
};

/** Fields that are not the administrator's to write, and why. */
function notWritable(path: string): string | null {
  if (path === "id" || path === "primary_id" || path === "ids") {
    return "identity is changed by merges and identify, not by mappings";
  }
  if (path === "metadata" || path.startsWith("metadata.")) return "it is kept by the platform";
  if (path === "data.anonymous") return "it is derived from the contact data";
  if (path === "stats.visits" || path === "stats.views") {
    return "visits and views are counted by the built-in mappings";
  }
  return null;
}

const collections: readonly MappingTarget[] = [
  {
    path: "segments",
    kind: "collection",
    type: "list",
    label: "Segments (static tags)",
    pii: false,
    ops: ["add_segment", "remove_segment"],
  },
  {
    path: "consents",
    kind: "collection",
    type: "map",
    label: "Consents (through the ledger)",
    pii: false,
    ops: ["grant_consent", "revoke_consent"],
  },
  {
    path: "interests",
    kind: "collection",
    type: "map",
    label: "Interests (one point per name)",
    pii: false,
    ops: ["add_interest"],
  },
];

const freeTargets: readonly (MappingTarget & { root: string })[] = [
  {
    root: "traits",
    path: "traits.*",
    kind: "free",
    type: "json",
    label: "Trait",
    pii: false,
    ops: opsByTargetType.json,
  },
  {
    root: "interests",
    path: "interests.*",
    kind: "free",
    type: "number",
    label: "Interest",
    pii: false,
    ops: [...NUMERIC, "add_interest"],
  },
  {
    root: "stats.counters",
    path: "stats.counters.*",
    kind: "free",
    type: "number",
    label: "Counter",
    pii: false,
    ops: NUMERIC,
  },
];

/**
 * Every path a mapping may write, derived from the profile schema's field metadata: the typed
 * fields (type, label, PII flag), the free keys of traits / interests / counters, and the
 * collections that only their own operations change (segments, consents, interests).
 */
export const mappingTargets: readonly MappingTarget[] = Object.freeze([
  ...Object.values(fieldMetadata)
    .filter((f) => f.type !== "map" && notWritable(f.path) === null && f.path !== "segments")
    .map((f): MappingTarget =>
      Object.freeze({
        path: f.path,
        kind: "field",
        type: f.type,
        label: f.label,
        pii: f.pii,
        ops: opsByTargetType[f.type],
      }),
    ),
  ...freeTargets.map(({ root: _root, ...target }) => Object.freeze(target)),
  ...collections,
]);

const targetByPath = new Map(
  mappingTargets.filter((t) => t.kind !== "free").map((t) => [t.path, t]),
);

/** A target resolved for one concrete `to` path (`traits.plan`, not `traits.*`). */
export type ResolvedMappingTarget = MappingTarget & {
  /** Keys from the profile's top. */
  segments: string[];
};

/** Resolves `to` against {@link mappingTargets}, or says why it cannot be written. */
export function resolveMappingTarget(
  to: string,
): { ok: true; target: ResolvedMappingTarget } | { ok: false; message: string } {
  const exact = targetByPath.get(to);
  if (exact) return { ok: true, target: { ...exact, segments: to.split(".") } };
  const why = notWritable(to);
  if (why) return { ok: false, message: `"${to}" cannot be mapped to: ${why}` };
  if (to.startsWith("consents.")) {
    return {
      ok: false,
      message: `Consents change through the ledger: map the type id to "consents" with grant_consent or revoke_consent`,
    };
  }
  const resolved = resolveConditionField(to);
  if (!resolved.ok) {
    return {
      ok: false,
      message: resolved.message.replace(/^Unknown field/, "Unknown profile path"),
    };
  }
  const field = resolved.field;
  if (field.kind === "free") {
    const free = freeTargets.find((t) => t.root === field.root);
    if (free) {
      const { root: _root, ...target } = free;
      return {
        ok: true,
        target: { ...target, path: to, label: field.label, segments: field.segments },
      };
    }
  }
  if (field.type === "map") {
    return {
      ok: false,
      message: `${field.kind === "typed" ? field.meta.label : to} is a free map: mappings write traits.<key>, interests.<key> or stats.counters.<key>`,
    };
  }
  return { ok: false, message: `Unknown profile path "${to}"` };
}

// ---------------------------------------------------------------------------------------------
// 4. Values: transforms and what a target takes (shared by validation and the engine)
// ---------------------------------------------------------------------------------------------

/**
 * A value a mapping cannot use. Messages describe the value's type, never the value: results
 * travel back to callers and into logs.
 */
export class MappingValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MappingValueError";
  }
}

function kindOf(value: JsonValue): string {
  if (value === null) return "null";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "a boolean";
  if (Array.isArray(value)) return "a list";
  return "an object";
}

/** What the engine supplies to the value functions: hashing needs the deployment's salt. */
export interface MappingValueOptions {
  /** The hex digest a `hash` step gives for a text (salted SHA-256 in @cdp/api). */
  hash(text: string): string;
}

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function eachText(
  step: MappingTransform,
  value: JsonValue,
  fn: (text: string) => string,
  allowNumbers = false,
): JsonValue {
  const one = (v: JsonValue): string => {
    if (typeof v === "string") return fn(v);
    if (allowNumbers && typeof v === "number") return fn(String(v));
    throw new MappingValueError(
      `${step} takes ${allowNumbers ? "a string or a number" : "a string"}, received ${kindOf(v)}`,
    );
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

function applyStep(
  step: MappingTransform,
  value: JsonValue,
  separator: string,
  options: MappingValueOptions,
): JsonValue {
  switch (step) {
    case "trim":
      return eachText(step, value, (t) => t.trim());
    case "lowercase":
      return eachText(step, value, (t) => t.toLowerCase());
    case "uppercase":
      return eachText(step, value, (t) => t.toUpperCase());
    case "hash":
      return eachText(step, value, (t) => options.hash(t), true);
    case "split":
      if (typeof value !== "string") {
        throw new MappingValueError(`split takes a string, received ${kindOf(value)}`);
      }
      return value
        .split(separator)
        .map((part) => part.trim())
        .filter((part) => part !== "");
    case "to_number": {
      if (typeof value === "number") return value;
      if (typeof value === "string" && NUMBER_RE.test(value.trim())) {
        const n = Number(value.trim());
        if (Number.isFinite(n)) return n;
      }
      throw new MappingValueError(
        typeof value === "string"
          ? "to_number: the string is not a number"
          : `to_number takes a string or a number, received ${kindOf(value)}`,
      );
    }
    case "to_date": {
      if (typeof value !== "string") {
        throw new MappingValueError(`to_date takes a string, received ${kindOf(value)}`);
      }
      const parsed = parseDate(value, { allowDateOnly: true, assumeUtc: true });
      if (!parsed.ok) throw new MappingValueError(`to_date: ${parsed.message}`);
      return parsed.value;
    }
  }
}

/**
 * Runs a mapping's transforms on a value, in order.
 * @throws MappingValueError when a step cannot take the value.
 */
export function applyMappingTransforms(
  value: JsonValue,
  steps: readonly MappingTransform[],
  options: MappingValueOptions & { separator?: string },
): JsonValue {
  let current = value;
  for (const step of steps) current = applyStep(step, current, options.separator ?? ",", options);
  return current;
}

function texts(value: JsonValue, what: string): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
    return [...new Set(value as string[])];
  }
  throw new MappingValueError(`expected ${what} or a list of them, received ${kindOf(value)}`);
}

function names(value: JsonValue, what: string, problem: (name: string) => string | null) {
  const out = texts(value, what);
  for (const name of out) {
    const why = problem(name);
    if (why) throw new MappingValueError(why);
  }
  return out;
}

function amount(value: JsonValue, target: MappingTarget): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new MappingValueError(`expected a number, received ${kindOf(value)}`);
  }
  if (target.type === "integer" && !Number.isInteger(value)) {
    throw new MappingValueError(`${target.label} holds integers; the amount has a fraction`);
  }
  return value;
}

function settable(value: JsonValue, target: MappingTarget): JsonValue {
  const refuse = (expected: string) =>
    new MappingValueError(
      `${target.label} (${targetWords[target.type]}) takes ${expected}, received ${kindOf(value)}`,
    );
  switch (target.type) {
    case "json":
    case "map":
      return value;
    case "string":
      if (typeof value === "string") return value;
      throw refuse("a string");
    case "number":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      throw refuse("a number");
    case "integer":
      if (typeof value === "number" && Number.isSafeInteger(value)) return value;
      throw refuse("an integer");
    case "bool":
      if (typeof value === "boolean") return value;
      throw refuse("a boolean");
    case "date": {
      if (typeof value !== "string") throw refuse("a date string");
      const parsed = parseDate(value, { allowDateOnly: true, assumeUtc: true });
      if (!parsed.ok) throw new MappingValueError(`${target.label}: ${parsed.message}`);
      return parsed.value;
    }
    case "list":
      return texts(value, "a string");
  }
}

const segmentIdProblem = (id: string) =>
  SegmentId.safeParse(id).success
    ? null
    : "a segment id uses lowercase letters, digits and hyphens (at most 64)";
const consentTypeProblem = (id: string) =>
  ConsentTypeId.safeParse(id).success
    ? null
    : "a consent type id uses lowercase letters, digits and hyphens (at most 64)";
const interestProblem = (name: string) =>
  name.length > MAPPING_LIMITS.interestName
    ? `an interest name has at most ${MAPPING_LIMITS.interestName} characters`
    : freeKeyProblem(name, `interests.${name}`) === null
      ? null
      : "an interest name starts with a letter or _ and holds letters, digits, _ or -";

/**
 * The operand a mapping applies, from its (transformed) value: the value to set (dates
 * canonical), the items to append or remove, the amount to add, or the names (interests, segment
 * ids, consent type ids) a collection operation takes; null for `remove` on a non-list field.
 * @throws MappingValueError when the target cannot take the value.
 */
export function mappingOperand(value: JsonValue, target: MappingTarget, op: MappingOp): JsonValue {
  switch (op) {
    case "set":
    case "set_if_empty":
      return settable(value, target);
    case "append":
      if (target.type === "json") return Array.isArray(value) ? value : [value];
      return texts(value, "a string");
    case "remove":
      return target.type === "list" ? texts(value, "a string") : null;
    case "increment":
    case "decrement":
      return amount(value, target);
    case "add_interest":
      return target.kind === "collection"
        ? names(value, "an interest name", interestProblem)
        : amount(value, target);
    case "add_segment":
    case "remove_segment":
      return names(value, "a segment id", segmentIdProblem);
    case "grant_consent":
    case "revoke_consent":
      return names(value, "a consent type id", consentTypeProblem);
  }
}

// ---------------------------------------------------------------------------------------------
// 5. Static types (what validation can tell before any event arrives)
// ---------------------------------------------------------------------------------------------

/** The type a transform step gives for an input type, or null when it cannot take it. */
function stepType(step: MappingTransform, input: MappingValueType): MappingValueType | null {
  switch (step) {
    case "trim":
    case "lowercase":
    case "uppercase":
      return input === "string" || input === "date"
        ? "string"
        : input === "list" || input === "json"
          ? input
          : null;
    case "hash":
      return input === "list" || input === "json" ? input : input === "bool" ? null : "string";
    case "split":
      return input === "string" || input === "json" ? "list" : null;
    case "to_number":
      return input === "integer"
        ? "integer"
        : ["string", "number", "json"].includes(input)
          ? "number"
          : null;
    case "to_date":
      return input === "string" || input === "date" || input === "json" ? "date" : null;
  }
}

const SETTABLE: Readonly<Record<MappingTargetType, readonly MappingValueType[]>> = {
  string: ["string", "date"],
  number: ["number", "integer"],
  integer: ["integer", "number"],
  date: ["date"],
  bool: ["bool"],
  list: ["list", "string", "date"],
  map: [],
  json: ["string", "number", "integer", "date", "bool", "list", "json"],
};

const HINTS: Partial<Record<MappingTargetType, Partial<Record<MappingValueType, string>>>> = {
  number: { string: "add the to_number transform" },
  integer: { string: "add the to_number transform" },
  date: { string: "add the to_date transform" },
};

/** Why a value of `type` cannot be the operand of `op` on `target`, or null when it can. */
function operandProblem(
  type: MappingValueType,
  target: MappingTarget,
  op: MappingOp,
): string | null {
  if (type === "json") return null;
  const textual = ["string", "list", "date"];
  const cannot = (into: string, hint?: string) =>
    `${typeWords[type]} cannot go into ${into}${hint ? `: ${hint}` : ""}`;
  switch (op) {
    case "set":
    case "set_if_empty":
      return SETTABLE[target.type].includes(type)
        ? null
        : cannot(`${target.label} (${targetWords[target.type]})`, HINTS[target.type]?.[type]);
    case "append":
    case "remove":
      return target.type !== "list" || textual.includes(type)
        ? null
        : cannot(`${target.label} (list of strings)`);
    case "increment":
    case "decrement":
      return type === "number" || type === "integer"
        ? null
        : `${op} needs a number, not ${typeWords[type]}${type === "string" ? ": add the to_number transform" : ""}`;
    case "add_interest":
      if (target.kind === "collection") {
        return textual.includes(type) ? null : `add_interest on interests takes interest names`;
      }
      return type === "number" || type === "integer"
        ? null
        : `add_interest on ${target.path} takes an amount (a number)`;
    case "add_segment":
    case "remove_segment":
      return textual.includes(type) ? null : `${op} takes segment ids (strings)`;
    case "grant_consent":
    case "revoke_consent":
      return textual.includes(type) ? null : `${op} takes consent type ids (strings)`;
  }
}

// ---------------------------------------------------------------------------------------------
// 6. Mappings and rules
// ---------------------------------------------------------------------------------------------

const Transforms = z
  .union([
    MappingTransform,
    z
      .array(MappingTransform)
      .max(MAPPING_LIMITS.transforms, `At most ${MAPPING_LIMITS.transforms} transforms`),
  ])
  .optional()
  .transform((t): MappingTransform[] => (t === undefined ? [] : Array.isArray(t) ? t : [t]));

/**
 * One mapping: `{ from, to, op, transform?, separator? }`. `transform` is one step or a list of
 * steps (stored as a list); `separator` is what `split` splits on (default ",").
 */
export const Mapping = group({
  from: MappingSource,
  to: z
    .string({ error: "Give a profile path" })
    .trim()
    .min(1, "Give a profile path")
    .max(MAPPING_LIMITS.path, `A path has at most ${MAPPING_LIMITS.path} characters`),
  op: MappingOp,
  transform: Transforms,
  separator: z
    .string()
    .min(1, "A separator must not be empty")
    .max(MAPPING_LIMITS.separator, `A separator has at most ${MAPPING_LIMITS.separator} characters`)
    .optional(),
});
export type Mapping = z.output<typeof Mapping>;
export type MappingInput = z.input<typeof Mapping>;

/** A problem in a rule, at its path (`["mappings", 2, "to"]`). */
export type MappingIssue = { path: (string | number)[]; message: string };

/** `Mapping 3 (properties.age → data.pii.firstname)`: how messages name a mapping. */
export function mappingName(mapping: Pick<Mapping, "from" | "to">, index: number): string {
  const from = typeof mapping.from === "string" ? mapping.from : "constant";
  return `Mapping ${index + 1} (${from} → ${mapping.to})`;
}

const identificationSources: ReadonlySet<string> = new Set(
  Object.keys(IDENTIFICATION_PROPERTIES).map((name) => `properties.${name}`),
);

function mappingIssues(mapping: Mapping, index: number): MappingIssue[] {
  const at = (...rest: (string | number)[]) => ["mappings", index, ...rest];
  const name = mappingName(mapping, index);
  const issues: MappingIssue[] = [];
  const issue = (path: (string | number)[], message: string) =>
    issues.push({ path, message: `${name}: ${message}` });

  const source = resolveMappingSource(mapping.from);
  if (!source.ok) issue(at("from"), source.message);
  const target = resolveMappingTarget(mapping.to);
  if (!target.ok) issue(at("to"), target.message);
  if (!source.ok || !target.ok) return issues;
  const { op } = mapping;
  const to = target.target;
  if (!to.ops.includes(op)) {
    issue(
      at("op"),
      `${op} does not apply to ${to.label} (${targetWords[to.type]}); use ${to.ops.join(", ")}`,
    );
    return issues;
  }
  if (mapping.separator !== undefined && !mapping.transform.includes("split")) {
    issue(at("separator"), "a separator is only used by the split transform");
  }
  let type: MappingValueType = source.source.type;
  for (const [i, step] of mapping.transform.entries()) {
    const next = stepType(step, type);
    if (next === null) {
      issue(at("transform", i), `${step} cannot take ${typeWords[type]}`);
      return issues;
    }
    type = next;
  }
  const problem = operandProblem(type, to, op);
  if (problem) {
    issue(at("to"), problem);
    return issues;
  }
  // Staff read non-personal fields in the clear (ADR 0005): an identification property (e-mail,
  // names, …) may land only in a personal-data field, or hashed.
  const read = source.source.kind === "event" ? source.source.path : "";
  if (
    identificationSources.has(read) &&
    !to.pii &&
    to.kind !== "collection" &&
    !mapping.transform.includes("hash")
  ) {
    issue(
      at("to"),
      `${read} holds personal data, and ${to.label} is not a personal-data field: map it to one, or add the hash transform`,
    );
    return issues;
  }
  // A constant's value is known now, so it is checked as the engine would check it (a hash
  // needs the deployment's salt, and its output is a string whatever the salt).
  if (source.source.kind === "const" && !mapping.transform.includes("hash")) {
    try {
      const value = applyMappingTransforms(source.source.value, mapping.transform, {
        separator: mapping.separator,
        hash: (text) => text,
      });
      mappingOperand(value, to, op);
    } catch (error) {
      if (!(error instanceof MappingValueError)) throw error;
      issue(at("from"), `the constant does not fit: ${error.message}`);
    }
  }
  return issues;
}

/**
 * Checks a rule's mappings against the field metadata, before any event arrives: every `from`
 * and `to` resolves, the operation applies to the target, each transform takes what the step
 * before gives, and the value's type can go into the target (constants are checked by value).
 * Pure; returns field errors with dotted paths (`mappings.2.to`) and messages naming the mapping
 * (`Mapping 3 (properties.age → data.pii.firstname): a number cannot go into First name
 * (string)`), empty when the rule is sound.
 */
export function validateMappingRule(rule: {
  readonly mappings: readonly Mapping[];
}): { path: string; message: string }[] {
  return rule.mappings
    .flatMap((mapping, index) => mappingIssues(mapping, index))
    .map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

function walkConditions(
  c: Condition,
  path: (string | number)[],
  visit: (c: Condition, path: (string | number)[]) => void,
): void {
  visit(c, path);
  const node = conditionNode(c);
  if (node.kind === "and" || node.kind === "or") {
    node.children.forEach((child, i) => walkConditions(child, [...path, node.kind, i], visit));
  } else if (node.kind === "not") {
    walkConditions(node.child, [...path, "not"], visit);
  }
}

/**
 * A rule's condition: the condition tree, where fields may also be the event's (`event.type`,
 * `event.properties.<key>`, …). It is evaluated on the profile as the rule finds it and the
 * event; event counts are not available there (test a segment that counts them).
 */
// The base is `unknown` so JSON Schema generation can represent it, as for Condition.
export const MappingCondition = z
  .unknown()
  .transform((input, ctx): Condition => {
    const result = checkCondition(input, { eventFields: true });
    if (!result.ok) {
      for (const issue of result.issues) {
        ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, input });
      }
      return z.NEVER;
    }
    let counts = false;
    walkConditions(result.condition, [], (c, path) => {
      if (conditionNode(c).kind !== "event") return;
      counts = true;
      ctx.addIssue({
        code: "custom",
        path: [...path, "event"],
        message:
          "A rule's condition cannot count stored events; test a segment that does ({ segment: { id } })",
        input,
      });
    });
    return counts ? z.NEVER : result.condition;
  })
  .meta({
    description:
      "A condition on the profile and the event: the condition tree, with event fields event.type, event.time, event.id, event.session, event.source, event.properties.<key>, event.context.<key>",
  }) as unknown as z.ZodType<Condition, Condition>;

/** A rule id: the slug the audit log and every version name. */
export const MappingRuleId = z
  .string({ error: "Give a rule id" })
  .trim()
  .min(1, "Give a rule id")
  .max(64, "A rule id has at most 64 characters")
  // Empty passes here: min(1) already says so.
  .regex(
    /^(?:[a-z0-9][a-z0-9-]*)?$/,
    "A rule id uses lowercase letters, digits and hyphens, and starts with a letter or digit",
  );

const EventType = z
  .string({ error: "Give an event type" })
  .trim()
  .min(1, "Give an event type")
  .max(64, "An event type has at most 64 characters");

/** What a version of a rule holds: everything but its id and whether it is enabled. */
const definitionShape = {
  name: z
    .string({ error: "Give the rule a name" })
    .trim()
    .min(1, "Give the rule a name")
    .max(200, "A name has at most 200 characters"),
  description: z
    .string()
    .trim()
    .max(2000, "A description has at most 2000 characters")
    .nullable()
    .default(null),
  /** The event types the rule applies to. */
  eventTypes: z
    .array(EventType)
    .min(1, "Give at least one event type")
    .max(MAPPING_LIMITS.eventTypes, `At most ${MAPPING_LIMITS.eventTypes} event types`),
  /** Only when it holds (on the profile as the rule finds it, and the event); null: always. */
  condition: MappingCondition.nullable().default(null),
  mappings: z
    .array(Mapping)
    .min(1, "Give at least one mapping")
    .max(MAPPING_LIMITS.mappings, `At most ${MAPPING_LIMITS.mappings} mappings`),
  /** Rules run by position, then id: lower first. */
  position: z.int("Position is a whole number").min(0).max(1_000_000).default(0),
};

function checkRule(
  rule: { eventTypes: readonly string[]; mappings: readonly Mapping[] },
  ctx: z.RefinementCtx,
) {
  const seen = new Set<string>();
  rule.eventTypes.forEach((type, i) => {
    if (seen.has(type)) {
      ctx.addIssue({
        code: "custom",
        path: ["eventTypes", i],
        message: `"${type}" is listed twice`,
      });
    }
    seen.add(type);
  });
  for (const [index, mapping] of rule.mappings.entries()) {
    for (const issue of mappingIssues(mapping, index)) {
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    }
  }
}

/** What a saved version of a rule holds (and `mapping.test` takes as a draft). */
export const MappingRuleDefinition = group(definitionShape).superRefine(checkRule);
export type MappingRuleDefinition = z.output<typeof MappingRuleDefinition>;
export type MappingRuleDefinitionInput = z.input<typeof MappingRuleDefinition>;

/** `mapping.create` (and each rule of an import): a new rule, disabled unless said otherwise. */
export const MappingRuleInput = group({
  id: MappingRuleId,
  enabled: z.boolean().default(false),
  ...definitionShape,
}).superRefine(checkRule);
export type MappingRuleInput = z.output<typeof MappingRuleInput>;
export type MappingRuleInputInput = z.input<typeof MappingRuleInput>;

/** `mapping.update`: the whole new definition, at the version the caller read. */
export const MappingRuleUpdate = group({
  id: MappingRuleId,
  version: z.int().min(1),
  ...definitionShape,
}).superRefine(checkRule);
export type MappingRuleUpdate = z.output<typeof MappingRuleUpdate>;
export type MappingRuleUpdateInput = z.input<typeof MappingRuleUpdate>;

/** A draft `mapping.test` runs instead of the saved rules (id optional: it may be new). */
export const MappingRuleDraft = group({
  id: MappingRuleId.optional(),
  ...definitionShape,
}).superRefine(checkRule);
export type MappingRuleDraft = z.output<typeof MappingRuleDraft>;

/** The fields of a definition, in a stable order (for versions, diffs and exports). */
export const mappingDefinitionFields = [
  "name",
  "description",
  "eventTypes",
  "condition",
  "mappings",
  "position",
] as const satisfies readonly (keyof MappingRuleDefinition)[];

/** A rule as stored: its current definition, state and bookkeeping. */
export interface MappingRule extends MappingRuleDefinition {
  id: string;
  enabled: boolean;
  /** 1 for a new rule, +1 with every saved definition; the audit log names it. */
  version: number;
  /** Principals as `kind:id`. */
  createdBy: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
}

/** One saved definition of a rule: immutable, kept after the rule is deleted. */
export interface MappingRuleVersion {
  ruleId: string;
  version: number;
  definition: MappingRuleDefinition;
  savedBy: string;
  savedAt: string;
}

// ---------------------------------------------------------------------------------------------
// 7. Export, import, test, paths
// ---------------------------------------------------------------------------------------------

/** The `format` of an export file. */
export const MAPPING_EXPORT_FORMAT = "cdp.mapping-rules/1";

const exportShape = {
  format: z.literal(MAPPING_EXPORT_FORMAT, {
    error: `Expected an export of mapping rules ("format": "${MAPPING_EXPORT_FORMAT}")`,
  }),
  exportedAt: IsoDateTime.optional(),
  rules: z
    .array(MappingRuleInput)
    .max(MAPPING_LIMITS.rulesPerFile, `At most ${MAPPING_LIMITS.rulesPerFile} rules per file`),
};

function uniqueRuleIds(file: { rules: readonly { id: string }[] }, ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  file.rules.forEach((rule, i) => {
    if (seen.has(rule.id)) {
      ctx.addIssue({
        code: "custom",
        path: ["rules", i, "id"],
        message: `Rule "${rule.id}" is in the file twice`,
      });
    }
    seen.add(rule.id);
  });
}

/** What `mapping.export` gives: every rule with its current definition and state. */
export const MappingExport = group(exportShape).superRefine(uniqueRuleIds);
export type MappingExport = z.output<typeof MappingExport>;
export type MappingExportInput = z.input<typeof MappingExport>;

/**
 * `mapping.import`: an export file; rules are created, or updated (a new version) when their
 * definition differs, and take the file's `enabled`. `replace` also deletes the rules the file
 * does not hold. All or nothing.
 */
export const MappingImport = group({
  ...exportShape,
  replace: z.boolean().default(false),
}).superRefine(uniqueRuleIds);
export type MappingImport = z.output<typeof MappingImport>;

/** The event `mapping.test` applies: a track event without its target (`profileId` is beside). */
export const MappingTestEvent = group({
  id: z.string().trim().min(1).max(128).optional(),
  type: EventType,
  /** Defaults to now. */
  time: IsoDateTime.optional(),
  session: z.string().trim().min(1).max(128).optional(),
  source: z.string().trim().min(1).max(128).optional(),
  context: JsonObject.default(() => ({})),
  properties: JsonObject.default(() => ({})),
});
export type MappingTestEvent = z.output<typeof MappingTestEvent>;

/**
 * `mapping.test`: what tracking `event` would change, without writing anything. With `rule`
 * (a draft) only it runs after the built-in mappings; without, the enabled rules do, exactly as
 * `profile.track`. Without `profileId` the event goes to a new profile.
 */
export const MappingTestInput = group({
  rule: MappingRuleDraft.optional(),
  event: MappingTestEvent,
  profileId: z.string().trim().min(1, "Give a profile id or identifier").max(512).optional(),
});
export type MappingTestInput = z.output<typeof MappingTestInput>;
export type MappingTestInputInput = z.input<typeof MappingTestInput>;

/** One changed path: values as the caller may see them (PII masked without `profiles:pii`). */
export interface MappingChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** A consent decision a rule asks the ledger for. */
export interface MappingConsentDecision {
  typeId: string;
  action: "granted" | "revoked";
}

/** What one rule did to one event (rules of other event types are not listed). */
export interface MappingRuleTrace {
  id: string;
  /** The version that ran; 0 for a draft. */
  version: number;
  name: string;
  /** Whether its condition held (a rule without one always runs). */
  matched: boolean;
  changes: MappingChange[];
  consents: MappingConsentDecision[];
}

/** Output of `mapping.test`. */
export interface MappingTestResult {
  profileId: string;
  /** The event would create this profile. */
  created: boolean;
  /** What `profile.track` would answer for the event (a failing rule names itself here). */
  result:
    { ok: true; duplicate: boolean } | { ok: false; error: { message: string; path?: string } };
  /** Every profile path the event would change: built-in mappings and rules together. */
  changes: MappingChange[];
  /** The rules for the event's type, in order, and what each did. */
  rules: MappingRuleTrace[];
  /** The ledger entries the event would write. */
  consents: (MappingConsentDecision & { source: string; at: string })[];
}

/** `mapping.paths`: property and context paths seen in recent events of some types. */
export const MappingPathsInput = group({
  eventTypes: z
    .array(EventType)
    .min(1, "Give at least one event type")
    .max(MAPPING_LIMITS.eventTypes, `At most ${MAPPING_LIMITS.eventTypes} event types`),
  /** Recent events read per type. */
  sample: z.int().min(1).max(1000).default(200),
});
export type MappingPathsInput = z.output<typeof MappingPathsInput>;

/** A path seen in events: the types of the values found there and how many events had it. */
export interface MappingEventPath {
  path: string;
  types: ("string" | "number" | "bool" | "list" | "object")[];
  events: number;
}
