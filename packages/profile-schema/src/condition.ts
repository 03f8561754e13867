import { z } from "zod";

import { parseDate } from "./date";
import { fieldByPath } from "./field-metadata";
import type { FieldMeta, FieldType } from "./field-metadata";
import { FORBIDDEN_KEYS, isPlainObject } from "./json";

/*
 * The condition language: one tree, three back-ends (SQL in @cdp/db, evaluateCondition,
 * describeCondition) and a text syntax (condition-text.ts). The meaning every back-end shares:
 *
 * - A leaf is always true or false. A missing value or JSON null satisfies no comparison except
 *   `empty` and `neq` (`neq` is "is distinct from", exactly `not eq`), so `not` is exact.
 * - Values compare by their JSON type: a number only with numbers, a string only with strings, a
 *   boolean only with booleans. Free fields (`traits.*`, `interests.*`, `stats.counters.*`) hold
 *   any JSON; a stored value of another type than the condition's value does not match.
 * - Strings order by Unicode code point (SQL `COLLATE "C"`); `contains`, `starts_with` and
 *   `ends_with` are case-sensitive substring tests on strings, and `contains` is element
 *   membership on lists.
 * - Dates compare as instants (the canonical UTC strings order chronologically).
 * - `within_last d`: now − d ≤ value ≤ now. `before d`: value < now − d. `event … within d`:
 *   events with time ≥ now − d. `now` is an argument of every back-end (never SQL `now()`).
 * - `exists`: present and not null. `empty`: missing, null, "", [] or {}.
 * - Consent `granted`: the key is present and `revoke` is null or later than now.
 */

// ---------------------------------------------------------------------------------------------
// 1. Vocabulary and limits
// ---------------------------------------------------------------------------------------------

/** Bounds that keep a condition cheap to validate, compile and evaluate. */
export const CONDITION_LIMITS = Object.freeze({
  /** Levels of `and`/`or`/`not` nesting, a leaf being level 1. */
  maxDepth: 12,
  /** Nodes in the whole tree (groups and leaves). */
  maxNodes: 200,
  /** Characters of any string value, id or type. */
  maxString: 1000,
  /** Characters of a field path. */
  maxFieldPath: 200,
  /** Keys below a free map (`traits.a.b.c`…). */
  maxFreeKeys: 8,
  /** Values of an `in` list. */
  maxInValues: 100,
  /** Longest duration, in days (about 100 years). */
  maxDurationDays: 36525,
  /** Bound of an event count. */
  maxEventCount: 1_000_000,
});

/** Every comparison operator of a field condition. */
export const conditionOps = [
  "eq",
  "neq",
  "gt",
  "gte",
  "lt",
  "lte",
  "between",
  "in",
  "contains",
  "starts_with",
  "ends_with",
  "exists",
  "empty",
  "within_last",
  "before",
] as const;
export type ConditionOp = (typeof conditionOps)[number];

/** Operators that take one scalar value. */
export type ScalarOp =
  "eq" | "neq" | "gt" | "gte" | "lt" | "lte" | "contains" | "starts_with" | "ends_with";

/** The type a condition sees a field as: the metadata's type, or `json` for free map keys. */
export type ConditionFieldType = FieldType | "json";

const ORDERED: readonly ConditionOp[] = ["eq", "neq", "gt", "gte", "lt", "lte", "between", "in"];
const PRESENCE: readonly ConditionOp[] = ["exists", "empty"];
const TEXT: readonly ConditionOp[] = ["contains", "starts_with", "ends_with"];

/** Which operators apply to which field type. */
export const opsByFieldType: Readonly<Record<ConditionFieldType, readonly ConditionOp[]>> =
  Object.freeze({
    string: [...ORDERED, ...TEXT, ...PRESENCE],
    number: [...ORDERED, ...PRESENCE],
    integer: [...ORDERED, ...PRESENCE],
    date: [...ORDERED, ...PRESENCE, "within_last", "before"],
    bool: ["eq", "neq", "in", ...PRESENCE],
    list: ["contains", ...PRESENCE],
    map: [...PRESENCE],
    json: [...ORDERED, ...TEXT, ...PRESENCE],
  });

// ---------------------------------------------------------------------------------------------
// 2. The tree
// ---------------------------------------------------------------------------------------------

/** A value a field is compared with. */
export type ConditionScalar = string | number | boolean;

/** A comparison of one profile field. */
export type FieldCondition =
  | { field: string; op: ScalarOp; value: ConditionScalar }
  | { field: string; op: "between"; value: [ConditionScalar, ConditionScalar] }
  | { field: string; op: "in"; value: ConditionScalar[] }
  | { field: string; op: "exists" | "empty" }
  | { field: string; op: "within_last" | "before"; value: string };

/** Whether the profile holds a valid consent of a type (`granted: false`: it does not). */
export type ConsentCondition = { consent: { type: string; granted: boolean } };
/** Whether `profile.segments` holds a segment id. */
export type SegmentCondition = { segment: { id: string } };
/** How many events of a type the profile had since now − `within` (bounds inclusive). */
export type EventCondition = {
  event: { type: string; count: { gte?: number; lte?: number }; within: string };
};

/** A condition on a profile: groups, negation and leaves. */
export type Condition =
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition }
  | FieldCondition
  | ConsentCondition
  | SegmentCondition
  | EventCondition;

/** The node kinds of a {@link Condition}. */
export type ConditionKind = "and" | "or" | "not" | "field" | "consent" | "segment" | "event";

/** Which kind of node a (validated) condition is. */
export function conditionKind(c: Condition): ConditionKind {
  if ("and" in c) return "and";
  if ("or" in c) return "or";
  if ("not" in c) return "not";
  if ("consent" in c) return "consent";
  if ("segment" in c) return "segment";
  if ("event" in c) return "event";
  return "field";
}

/** A condition node seen through its kind, for exhaustive switches. */
export type ConditionNode =
  | { kind: "and" | "or"; children: Condition[] }
  | { kind: "not"; child: Condition }
  | { kind: "field"; leaf: FieldCondition }
  | { kind: "consent"; consent: ConsentCondition["consent"] }
  | { kind: "segment"; segment: SegmentCondition["segment"] }
  | { kind: "event"; event: EventCondition["event"] };

/** Narrows a condition to a tagged node. */
export function conditionNode(c: Condition): ConditionNode {
  if ("and" in c) return { kind: "and", children: c.and };
  if ("or" in c) return { kind: "or", children: c.or };
  if ("not" in c) return { kind: "not", child: c.not };
  if ("consent" in c) return { kind: "consent", consent: c.consent };
  if ("segment" in c) return { kind: "segment", segment: c.segment };
  if ("event" in c) return { kind: "event", event: c.event };
  return { kind: "field", leaf: c };
}

// ---------------------------------------------------------------------------------------------
// 3. Durations and time
// ---------------------------------------------------------------------------------------------

const DURATION_RE = /^([1-9]\d{0,6})([mhdw])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
export type ConditionDurationUnit = keyof typeof UNIT_MS;

/** A parsed duration such as `7d`. */
export type ConditionDuration = { amount: number; unit: ConditionDurationUnit; ms: number };

/** Reads `30m`, `12h`, `7d` or `2w`; null when it is not one (or longer than the limit). */
export function parseConditionDuration(text: string): ConditionDuration | null {
  const m = DURATION_RE.exec(text);
  if (!m) return null;
  const amount = Number(m[1]);
  const unit = m[2] as ConditionDurationUnit;
  const ms = amount * UNIT_MS[unit];
  if (ms > CONDITION_LIMITS.maxDurationDays * UNIT_MS.d) return null;
  return { amount, unit, ms };
}

const MIN_INSTANT = "0001-01-01T00:00:00.000000Z";
const MIN_MS = Date.parse("0001-01-01T00:00:00.000Z");

/**
 * The canonical instant a condition is evaluated at: a Date or any date-time string, normalised
 * to `YYYY-MM-DDTHH:MM:SS.ffffffZ` (what profiles store), so both back-ends compare alike.
 */
export function conditionNow(now: string | Date): string {
  const text = typeof now === "string" ? now : now.toISOString();
  const parsed = parseDate(text);
  if (!parsed.ok) throw new RangeError(`Invalid "now": ${parsed.message}`);
  return parsed.value;
}

/**
 * `now − duration` as a canonical instant (clamped at year 1). Durations are whole minutes, so the
 * microseconds of `now` carry over unchanged.
 */
export function instantBefore(now: string, duration: string): string {
  const parsed = parseConditionDuration(duration);
  if (!parsed) throw new RangeError(`Invalid duration "${duration}"`);
  const canonical = conditionNow(now);
  const ms = Date.parse(canonical) - parsed.ms;
  if (ms < MIN_MS) return MIN_INSTANT;
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 23)}${canonical.slice(23, 26)}Z`;
}

// ---------------------------------------------------------------------------------------------
// 4. Fields
// ---------------------------------------------------------------------------------------------

/** Where free keys may follow, and how many. */
export const freeFieldRoots = Object.freeze([
  { root: "traits", label: "Trait", maxKeys: CONDITION_LIMITS.maxFreeKeys },
  { root: "interests", label: "Interest", maxKeys: 1 },
  { root: "stats.counters", label: "Counter", maxKeys: 1 },
] as const);
export type FreeFieldRoot = (typeof freeFieldRoots)[number]["root"];

/**
 * Where a condition may also read the event being applied (mapping rules' conditions, with
 * {@link ConditionScope} `eventFields`): its typed fields and its free JSON objects.
 */
export const eventConditionFields = Object.freeze([
  { path: "event.id", type: "string", label: "Event id" },
  { path: "event.type", type: "string", label: "Event type" },
  { path: "event.time", type: "date", label: "Event time" },
  { path: "event.session", type: "string", label: "Event session" },
  { path: "event.source", type: "string", label: "Event source" },
] as const satisfies readonly { path: string; type: FieldType; label: string }[]);

/** Free JSON objects of the event: `event.properties.<key>…`, `event.context.<key>…`. */
export const eventFieldRoots = Object.freeze([
  { root: "event.properties", label: "Event property", maxKeys: CONDITION_LIMITS.maxFreeKeys },
  { root: "event.context", label: "Event context", maxKeys: CONDITION_LIMITS.maxFreeKeys },
] as const);
export type EventFieldRoot = (typeof eventFieldRoots)[number]["root"];

/** Which fields a condition may name beyond the profile's. */
export interface ConditionScope {
  /**
   * Also the event being applied (`event.type`, `event.time`, `event.properties.*`, …): the
   * conditions of mapping rules. Nothing else accepts them (the SQL back-end has no event).
   */
  eventFields?: boolean;
}

/** A field path resolved against the metadata. */
export type ConditionField =
  | { kind: "typed"; path: string; type: FieldType; meta: FieldMeta; segments: string[] }
  | {
      kind: "free";
      path: string;
      type: "json";
      root: FreeFieldRoot | EventFieldRoot;
      /** The keys below the root: `traits.a.b` → ["a", "b"]. */
      keys: string[];
      /** Every segment from the profile's top: ["traits", "a", "b"]. */
      segments: string[];
      label: string;
    };

// Keys start with a letter or `_`, so none reads as an array index in SQL's `#>` and every key is
// one dotted segment of the text syntax.
const FREE_KEY_RE = /^[\p{L}_][\p{L}\p{N}_-]*$/u;
const MAX_KEY = 100;

/**
 * Why `key` cannot be one key of a free path (`traits.<key>`, `event.properties.<key>`), or null
 * when it can. `path` is the whole path, for the message.
 */
export function freeKeyProblem(key: string, path: string): string | null {
  if (FORBIDDEN_KEYS.has(key)) return `Key "${key}" is not allowed in a field path`;
  if (key.length > MAX_KEY || !FREE_KEY_RE.test(key)) {
    return `Invalid key "${key}" in "${path}": a key starts with a letter or _ and holds letters, digits, _ or -`;
  }
  return null;
}

const eventFieldMeta: ReadonlyMap<string, FieldMeta> = new Map(
  eventConditionFields.map((f) => [f.path, Object.freeze({ ...f, pii: false })]),
);

/**
 * Resolves a dotted field path, or says why it is not a field conditions can test. With
 * `scope.eventFields`, `event.*` paths name the event being applied.
 */
export function resolveConditionField(
  path: string,
  scope: ConditionScope = {},
): { ok: true; field: ConditionField } | { ok: false; message: string } {
  if (path.length > CONDITION_LIMITS.maxFieldPath) {
    return {
      ok: false,
      message: `Field path is longer than ${CONDITION_LIMITS.maxFieldPath} characters`,
    };
  }
  const meta = fieldByPath(path) ?? (scope.eventFields ? eventFieldMeta.get(path) : undefined);
  if (meta) {
    return {
      ok: true,
      field: { kind: "typed", path, type: meta.type, meta, segments: path.split(".") },
    };
  }
  const roots = scope.eventFields ? [...freeFieldRoots, ...eventFieldRoots] : freeFieldRoots;
  for (const { root, label, maxKeys } of roots) {
    if (!path.startsWith(`${root}.`)) continue;
    const keys = path.slice(root.length + 1).split(".");
    if (keys.length > maxKeys) {
      return {
        ok: false,
        message:
          maxKeys === 1
            ? `Unknown field "${path}": ${root} holds one level of keys (${root}.<key>)`
            : `Unknown field "${path}": at most ${maxKeys} keys below ${root}`,
      };
    }
    for (const key of keys) {
      const problem = freeKeyProblem(key, path);
      if (problem) return { ok: false, message: problem };
    }
    return {
      ok: true,
      field: {
        kind: "free",
        path,
        type: "json",
        root,
        keys,
        segments: [...root.split("."), ...keys],
        label: `${label} "${keys.join(".")}"`,
      },
    };
  }
  if (path.startsWith("consents.")) {
    return {
      ok: false,
      message: `Unknown field "${path}": test consents with consent(type) / { consent: { type } }`,
    };
  }
  if (scope.eventFields && (path === "event" || path.startsWith("event."))) {
    return {
      ok: false,
      message: `Unknown event field "${path}": use ${eventConditionFields.map((f) => f.path).join(", ")}, event.properties.<key> or event.context.<key>`,
    };
  }
  return { ok: false, message: `Unknown field "${path}"` };
}

/** The label of a field for people: the metadata's label, or `Trait "plan"` for free keys. */
export function conditionFieldLabel(field: ConditionField): string {
  return field.kind === "typed" ? field.meta.label : field.label;
}

// ---------------------------------------------------------------------------------------------
// 5. Validation
// ---------------------------------------------------------------------------------------------

/** A problem found in a condition, at a path inside it (`["and", 1, "field"]`). */
export type ConditionIssue = { path: (string | number)[]; message: string };

/** Result of {@link checkCondition}. */
export type ConditionCheck =
  { ok: true; condition: Condition } | { ok: false; issues: ConditionIssue[] };

const has = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

const LONE_SURROGATE_RE = /\p{Cs}/u;

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** Why a string cannot be used in a condition, or null when it can. */
function stringProblem(value: string): string | null {
  if (value.length > CONDITION_LIMITS.maxString) {
    return `Text is longer than ${CONDITION_LIMITS.maxString} characters`;
  }
  // Postgres text holds neither NUL nor unpaired UTF-16 halves; refusing them keeps both
  // back-ends comparing the same characters.
  if (value.includes("\u0000")) return "Text must not contain the NUL character";
  if (LONE_SURROGATE_RE.test(value)) return "Text must not contain unpaired surrogates";
  return null;
}

/** Compares strings by Unicode code point (the order of SQL `COLLATE "C"` on UTF-8). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 puts surrogates (astral code points) below U+E000–U+FFFF; code points do not.
      const fx = x >= 0xd800 ? (x >= 0xe000 ? x - 0x800 : x + 0x2000) : x;
      const fy = y >= 0xd800 ? (y >= 0xe000 ? y - 0x800 : y + 0x2000) : y;
      return fx - fy;
    }
  }
  return a.length - b.length;
}

class Checker {
  issues: ConditionIssue[] = [];
  nodes = 0;
  private tooMany = false;

  constructor(private readonly scope: ConditionScope) {}

  issue(path: (string | number)[], message: string): void {
    this.issues.push({ path, message });
  }

  node(input: unknown, path: (string | number)[], depth: number): Condition | undefined {
    if (depth > CONDITION_LIMITS.maxDepth) {
      this.issue(
        path,
        `Condition is nested too deeply (at most ${CONDITION_LIMITS.maxDepth} levels)`,
      );
      return undefined;
    }
    this.nodes += 1;
    if (this.nodes > CONDITION_LIMITS.maxNodes) {
      if (!this.tooMany) {
        this.tooMany = true;
        this.issue(path, `Condition has more than ${CONDITION_LIMITS.maxNodes} parts`);
      }
      return undefined;
    }
    if (!isPlainObject(input)) {
      this.issue(path, `Expected a condition object, received ${describeValue(input)}`);
      return undefined;
    }
    const keys = Object.keys(input);
    for (const group of ["and", "or"] as const) {
      if (!has(input, group)) continue;
      if (!this.onlyKeys(input, [group], path)) return undefined;
      const items = input[group];
      if (!Array.isArray(items)) {
        this.issue([...path, group], `"${group}" takes a list of conditions`);
        return undefined;
      }
      if (items.length === 0) {
        this.issue([...path, group], `"${group}" needs at least one condition`);
        return undefined;
      }
      const children: Condition[] = [];
      for (let i = 0; i < items.length && !this.tooMany; i++) {
        const child = this.node(items[i], [...path, group, i], depth + 1);
        if (child) children.push(child);
      }
      if (children.length !== items.length) return undefined;
      // A group of one is that condition: builders may send it, the text syntax cannot say it.
      if (children.length === 1) return children[0];
      return group === "and" ? { and: children } : { or: children };
    }
    if (has(input, "not")) {
      if (!this.onlyKeys(input, ["not"], path)) return undefined;
      const child = this.node(input["not"], [...path, "not"], depth + 1);
      return child ? { not: child } : undefined;
    }
    if (has(input, "consent")) return this.consent(input, path);
    if (has(input, "segment")) return this.segment(input, path);
    if (has(input, "event")) return this.event(input, path);
    if (has(input, "field") || has(input, "op")) return this.field(input, path);
    this.issue(
      path,
      keys.length === 0
        ? "Empty condition: expected and, or, not, field, consent, segment or event"
        : `Unknown condition "${keys[0]}": expected and, or, not, field, consent, segment or event`,
    );
    return undefined;
  }

  private onlyKeys(
    input: Record<string, unknown>,
    allowed: string[],
    path: (string | number)[],
  ): boolean {
    const extra = Object.keys(input).filter((k) => !allowed.includes(k));
    if (extra.length === 0) return true;
    this.issue([...path, extra[0] ?? ""], `Unexpected key "${extra[0]}" beside "${allowed[0]}"`);
    return false;
  }

  private text(value: unknown, path: (string | number)[], what: string): string | undefined {
    if (typeof value !== "string") {
      this.issue(path, `${what} must be a string, received ${describeValue(value)}`);
      return undefined;
    }
    if (value.length === 0) {
      this.issue(path, `${what} must not be empty`);
      return undefined;
    }
    const problem = stringProblem(value);
    if (problem) {
      this.issue(path, problem);
      return undefined;
    }
    return value;
  }

  private object(
    input: Record<string, unknown>,
    key: string,
    allowed: string[],
    path: (string | number)[],
  ): Record<string, unknown> | undefined {
    if (!this.onlyKeys(input, [key], path)) return undefined;
    const inner = input[key];
    if (!isPlainObject(inner)) {
      this.issue([...path, key], `"${key}" takes an object, received ${describeValue(inner)}`);
      return undefined;
    }
    const extra = Object.keys(inner).filter((k) => !allowed.includes(k));
    if (extra.length > 0) {
      this.issue([...path, key, extra[0] ?? ""], `Unexpected key "${extra[0]}" in "${key}"`);
      return undefined;
    }
    return inner;
  }

  private consent(input: Record<string, unknown>, path: (string | number)[]) {
    const inner = this.object(input, "consent", ["type", "granted"], path);
    if (!inner) return undefined;
    const at = [...path, "consent"];
    let type = this.text(inner["type"], [...at, "type"], "Consent type");
    if (type !== undefined && FORBIDDEN_KEYS.has(type)) {
      this.issue([...at, "type"], `Consent type "${type}" is not allowed`);
      type = undefined;
    }
    const granted = inner["granted"] ?? true;
    if (typeof granted !== "boolean") {
      this.issue([...at, "granted"], `"granted" must be true or false`);
      return undefined;
    }
    return type === undefined ? undefined : { consent: { type, granted } };
  }

  private segment(input: Record<string, unknown>, path: (string | number)[]) {
    const inner = this.object(input, "segment", ["id"], path);
    if (!inner) return undefined;
    const id = this.text(inner["id"], [...path, "segment", "id"], "Segment id");
    return id === undefined ? undefined : { segment: { id } };
  }

  private event(
    input: Record<string, unknown>,
    path: (string | number)[],
  ): EventCondition | undefined {
    const inner = this.object(input, "event", ["type", "count", "within"], path);
    if (!inner) return undefined;
    const at = [...path, "event"];
    const type = this.text(inner["type"], [...at, "type"], "Event type");
    const within = this.duration(inner["within"], [...at, "within"]);
    const rawCount = inner["count"];
    if (!isPlainObject(rawCount)) {
      this.issue(
        [...at, "count"],
        `"count" takes { gte?, lte? }, received ${describeValue(rawCount)}`,
      );
      return undefined;
    }
    const count: { gte?: number; lte?: number } = {};
    for (const key of Object.keys(rawCount)) {
      if (key !== "gte" && key !== "lte") {
        this.issue([...at, "count", key], `Unexpected key "${key}" in "count": use gte and lte`);
        return undefined;
      }
      const bound = rawCount[key];
      if (bound === undefined) continue;
      if (
        typeof bound !== "number" ||
        !Number.isInteger(bound) ||
        bound < 0 ||
        bound > CONDITION_LIMITS.maxEventCount
      ) {
        this.issue(
          [...at, "count", key],
          `Event count must be a whole number from 0 to ${CONDITION_LIMITS.maxEventCount}`,
        );
        return undefined;
      }
      count[key] = bound;
    }
    if (count.gte === undefined && count.lte === undefined) {
      this.issue([...at, "count"], `"count" needs gte, lte or both`);
      return undefined;
    }
    if (count.gte !== undefined && count.lte !== undefined && count.gte > count.lte) {
      this.issue([...at, "count"], "The lower count is greater than the upper count");
      return undefined;
    }
    if (type === undefined || within === undefined) return undefined;
    return { event: { type, count, within } };
  }

  private duration(value: unknown, path: (string | number)[]): string | undefined {
    if (typeof value === "string" && parseConditionDuration(value)) return value;
    this.issue(
      path,
      typeof value === "string" && DURATION_RE.test(value)
        ? `Duration "${value}" is longer than ${CONDITION_LIMITS.maxDurationDays} days`
        : `Expected a duration like 30m, 12h, 7d or 2w, received ${typeof value === "string" ? `"${value.slice(0, 40)}"` : describeValue(value)}`,
    );
    return undefined;
  }

  private field(
    input: Record<string, unknown>,
    path: (string | number)[],
  ): FieldCondition | undefined {
    const extra = Object.keys(input).filter((k) => k !== "field" && k !== "op" && k !== "value");
    if (extra.length > 0) {
      this.issue([...path, extra[0] ?? ""], `Unexpected key "${extra[0]}" in a field condition`);
      return undefined;
    }
    const fieldPath = input["field"];
    if (typeof fieldPath !== "string") {
      this.issue(
        [...path, "field"],
        `"field" must be a field path, received ${describeValue(fieldPath)}`,
      );
      return undefined;
    }
    const resolved = resolveConditionField(fieldPath, this.scope);
    if (!resolved.ok) {
      this.issue([...path, "field"], resolved.message);
      return undefined;
    }
    const field = resolved.field;
    const op = input["op"];
    if (typeof op !== "string" || !(conditionOps as readonly string[]).includes(op)) {
      this.issue(
        [...path, "op"],
        `Unknown operator ${typeof op === "string" ? `"${op.slice(0, 40)}"` : describeValue(op)}: expected one of ${conditionOps.join(", ")}`,
      );
      return undefined;
    }
    const allowed = opsByFieldType[field.type];
    if (!allowed.includes(op as ConditionOp)) {
      this.issue(
        [...path, "op"],
        `Operator "${op}" does not apply to ${conditionFieldLabel(field)} (${field.type === "json" ? "free value" : field.type}); use one of: ${allowed.join(", ")}`,
      );
      return undefined;
    }
    return this.leafValue(field, op as ConditionOp, input, path);
  }

  private leafValue(
    field: ConditionField,
    op: ConditionOp,
    input: Record<string, unknown>,
    path: (string | number)[],
  ): FieldCondition | undefined {
    const at = [...path, "value"];
    const value = input["value"];
    const label = conditionFieldLabel(field);
    const name = field.path;
    switch (op) {
      case "exists":
      case "empty":
        if (value !== undefined) {
          this.issue(at, `"${op}" takes no value`);
          return undefined;
        }
        return { field: name, op };
      case "within_last":
      case "before": {
        const duration = this.duration(value, at);
        return duration === undefined ? undefined : { field: name, op, value: duration };
      }
      case "between": {
        if (!Array.isArray(value) || value.length !== 2) {
          this.issue(
            at,
            `"between" takes two values [low, high], received ${describeValue(value)}`,
          );
          return undefined;
        }
        const low = this.scalar(field, op, value[0], [...at, 0], label);
        const high = this.scalar(field, op, value[1], [...at, 1], label);
        if (low === undefined || high === undefined) return undefined;
        if (typeof low !== typeof high) {
          this.issue(at, `The bounds of "between" must have the same type`);
          return undefined;
        }
        const order =
          typeof low === "string"
            ? compareCodePoints(low, high as string)
            : (low as number) - (high as number);
        if (order > 0) {
          this.issue(at, `The lower bound of "between" is greater than the upper bound`);
          return undefined;
        }
        return { field: name, op, value: [low, high] };
      }
      case "in": {
        if (!Array.isArray(value) || value.length === 0) {
          this.issue(at, `"in" takes a non-empty list of values, received ${describeValue(value)}`);
          return undefined;
        }
        if (value.length > CONDITION_LIMITS.maxInValues) {
          this.issue(at, `"in" takes at most ${CONDITION_LIMITS.maxInValues} values`);
          return undefined;
        }
        const out: ConditionScalar[] = [];
        value.forEach((item: unknown, i) => {
          const v = this.scalar(field, op, item, [...at, i], label);
          if (v !== undefined) out.push(v);
        });
        return out.length === value.length ? { field: name, op, value: out } : undefined;
      }
      default: {
        const v = this.scalar(field, op, value, at, label);
        return v === undefined ? undefined : { field: name, op, value: v };
      }
    }
  }

  /** One value of a comparison, checked against the field's type (dates normalised). */
  private scalar(
    field: ConditionField,
    op: ConditionOp,
    value: unknown,
    path: (string | number)[],
    label: string,
  ): ConditionScalar | undefined {
    if (value === undefined || value === null) {
      this.issue(
        path,
        value === null
          ? `null never matches a comparison; use "exists" or "empty"`
          : `"${op}" needs a value`,
      );
      return undefined;
    }
    const expected = expectedValueType(field.type, op);
    const actual = typeof value;
    if (
      !(actual === "string" || actual === "number" || actual === "boolean") ||
      !expected.includes(actual)
    ) {
      this.issue(
        path,
        `Value of ${label} for "${op}" must be ${expected.map((t) => `a ${t}`).join(" or ")}${field.type === "date" ? " (a date)" : ""}, received ${describeValue(value)}`,
      );
      return undefined;
    }
    if (typeof value === "number") {
      if (!Number.isFinite(value)) {
        this.issue(path, `Value must be a finite number, received ${String(value)}`);
        return undefined;
      }
      return value === 0 ? 0 : value; // -0 reads back as 0 from SQL and from text
    }
    if (typeof value === "string") {
      const problem = stringProblem(value);
      if (problem) {
        this.issue(path, problem);
        return undefined;
      }
      if (field.type === "date") {
        const parsed = parseDate(value, { allowDateOnly: true });
        if (!parsed.ok) {
          this.issue(path, parsed.message);
          return undefined;
        }
        return parsed.value;
      }
    }
    return value as ConditionScalar;
  }
}

/** JSON types a field of `type` accepts as the value of `op`. */
function expectedValueType(
  type: ConditionFieldType,
  op: ConditionOp,
): ("string" | "number" | "boolean")[] {
  switch (type) {
    case "string":
    case "date":
    case "list":
      return ["string"];
    case "number":
    case "integer":
      return ["number"];
    case "bool":
      return ["boolean"];
    case "map":
      return [];
    case "json":
      if (op === "eq" || op === "neq" || op === "in" || op === "contains") {
        return ["string", "number", "boolean"];
      }
      if (op === "starts_with" || op === "ends_with") return ["string"];
      return ["string", "number"];
  }
}

/**
 * Validates a condition tree and returns it normalised (dates canonical, one-item groups
 * unwrapped, `granted` defaulted), or every problem with its path. Never throws, and is safe on
 * hostile input: limits are checked before any deeper work. `scope` widens the fields it accepts.
 */
export function checkCondition(input: unknown, scope: ConditionScope = {}): ConditionCheck {
  const checker = new Checker(scope);
  const condition = checker.node(input, [], 1);
  if (checker.issues.length > 0 || !condition) {
    return {
      ok: false,
      issues:
        checker.issues.length > 0 ? checker.issues : [{ path: [], message: "Invalid condition" }],
    };
  }
  return { ok: true, condition };
}

/**
 * The condition tree as a zod schema: validation as {@link checkCondition}, issues at their
 * paths (`Unknown field "data.pii.nick"` at `["and", 0, "field"]`), output normalised.
 */
// The base is `unknown` so JSON Schema generation (OpenAPI) can represent the input; the static
// input type is still the tree, and checkCondition validates everything at run time.
export const Condition = z
  .unknown()
  .transform((input, ctx): Condition => {
    const result = checkCondition(input);
    if (result.ok) return result.condition;
    for (const issue of result.issues) {
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, input });
    }
    return z.NEVER;
  })
  .meta({
    description:
      "A condition on a profile: { and: [...] }, { or: [...] }, { not: ... }, { field, op, value? }, { consent: { type, granted } }, { segment: { id } } or { event: { type, count: { gte?, lte? }, within } }",
  }) as unknown as z.ZodType<Condition, Condition>;
