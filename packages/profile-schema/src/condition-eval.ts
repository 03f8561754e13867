import {
  checkCondition,
  compareCodePoints,
  conditionNode,
  conditionNow,
  instantBefore,
  resolveConditionField,
} from "./condition";
import type {
  Condition,
  ConditionScalar,
  ConditionScope,
  ConsentCondition,
  EventCondition,
  FieldCondition,
} from "./condition";
import { isPlainObject } from "./json";
import type { JsonObject } from "./json";
import type { Profile } from "./profile";

/** The event a mapping rule's condition reads as `event.*` (times canonical UTC). */
export interface ConditionEvent {
  id: string;
  type: string;
  time: string;
  session?: string | null;
  source?: string | null;
  properties: JsonObject;
  context: JsonObject;
}

/** What evaluating a condition needs besides the profile. */
export interface EvaluateOptions {
  /** The instant time-relative conditions are measured from (the SQL back-end gets the same). */
  now: string | Date;
  /**
   * Events of `type` this profile had at or after `sinceIso` (canonical UTC). Required when the
   * condition holds an `event` leaf.
   */
  eventCount?(type: string, sinceIso: string): number;
  /**
   * The event being applied: the condition may then name its fields (`event.type`,
   * `event.properties.plan`, …; see ConditionScope). A missing event field is like a missing
   * profile field.
   */
  event?: ConditionEvent;
}

/** A condition annotated with whether each part matched (the console's "why it matched"). */
export type ConditionExplanation =
  | {
      kind: "and" | "or";
      condition: Condition;
      matched: boolean;
      children: ConditionExplanation[];
    }
  | { kind: "not"; condition: Condition; matched: boolean; child: ConditionExplanation }
  | { kind: "field" | "consent" | "segment"; condition: Condition; matched: boolean }
  | {
      kind: "event";
      condition: Condition;
      matched: boolean;
      /** Events counted since now − within. */
      count: number;
    };

type Context = {
  now: string;
  eventCount?: EvaluateOptions["eventCount"];
  profile: Profile;
  /** `{ event }` when an event is given: where `event.*` paths are read. */
  event?: { event: ConditionEvent };
  scope: ConditionScope;
};

function contextOf(profile: Profile, options: EvaluateOptions): Context {
  return {
    now: conditionNow(options.now),
    eventCount: options.eventCount,
    profile,
    event: options.event ? { event: options.event } : undefined,
    scope: { eventFields: options.event !== undefined },
  };
}

function validated(condition: Condition, scope: ConditionScope): Condition {
  const result = checkCondition(condition, scope);
  if (result.ok) return result.condition;
  const first = result.issues[0];
  throw new TypeError(
    `Invalid condition${first && first.path.length > 0 ? ` at ${first.path.join(".")}` : ""}: ${first?.message ?? "invalid"}`,
  );
}

/**
 * Whether a profile satisfies a condition, with the meaning the SQL back-end shares (see
 * condition.ts). The condition is validated first; an invalid one throws a TypeError.
 */
export function evaluateCondition(
  condition: Condition,
  profile: Profile,
  options: EvaluateOptions,
): boolean {
  const ctx = contextOf(profile, options);
  return evaluate(validated(condition, ctx.scope), ctx);
}

/**
 * Like {@link evaluateCondition}, but every part is evaluated (no short-circuit) and returned
 * with its result. Leaves carry no profile values, so the explanation holds no personal data.
 */
export function explainCondition(
  condition: Condition,
  profile: Profile,
  options: EvaluateOptions,
): ConditionExplanation {
  const ctx = contextOf(profile, options);
  return explain(validated(condition, ctx.scope), ctx);
}

function evaluate(c: Condition, ctx: Context): boolean {
  const node = conditionNode(c);
  switch (node.kind) {
    case "and":
      return node.children.every((child) => evaluate(child, ctx));
    case "or":
      return node.children.some((child) => evaluate(child, ctx));
    case "not":
      return !evaluate(node.child, ctx);
    case "field":
      return fieldMatches(node.leaf, ctx);
    case "consent":
      return consentMatches(node.consent, ctx.profile, ctx.now);
    case "segment":
      return ctx.profile.segments.includes(node.segment.id);
    case "event":
      return countMatches(node.event, countEvents(node.event, ctx));
  }
}

function explain(c: Condition, ctx: Context): ConditionExplanation {
  const node = conditionNode(c);
  switch (node.kind) {
    case "and":
    case "or": {
      const children = node.children.map((child) => explain(child, ctx));
      const matched =
        node.kind === "and" ? children.every((e) => e.matched) : children.some((e) => e.matched);
      return { kind: node.kind, condition: c, matched, children };
    }
    case "not": {
      const child = explain(node.child, ctx);
      return { kind: "not", condition: c, matched: !child.matched, child };
    }
    case "event": {
      const count = countEvents(node.event, ctx);
      return { kind: "event", condition: c, matched: countMatches(node.event, count), count };
    }
    case "field":
    case "consent":
    case "segment":
      return { kind: node.kind, condition: c, matched: evaluate(c, ctx) };
  }
}

function countEvents(event: EventCondition["event"], ctx: Context): number {
  if (!ctx.eventCount) {
    throw new TypeError(
      `The condition tests "${event.type}" events; pass eventCount to evaluate it`,
    );
  }
  return ctx.eventCount(event.type, instantBefore(ctx.now, event.within));
}

function countMatches(event: EventCondition["event"], count: number): boolean {
  const { gte, lte } = event.count;
  return (gte === undefined || count >= gte) && (lte === undefined || count <= lte);
}

/** Consent is granted when its key is present and `revoke` is null or later than now. */
function consentMatches(consent: ConsentCondition["consent"], profile: Profile, now: string) {
  const consents: unknown = profile.consents;
  let granted = false;
  if (isPlainObject(consents) && Object.prototype.hasOwnProperty.call(consents, consent.type)) {
    const entry = consents[consent.type];
    if (isPlainObject(entry)) {
      const revoke = Object.prototype.hasOwnProperty.call(entry, "revoke") ? entry["revoke"] : null;
      granted =
        revoke === null ||
        revoke === undefined ||
        (typeof revoke === "string" && compareCodePoints(revoke, now) > 0);
    }
  }
  return granted === consent.granted;
}

/** The value at a path, walking own keys of plain objects only; undefined when absent. */
export function readConditionPath(profile: unknown, segments: readonly string[]): unknown {
  let current: unknown = profile;
  for (const key of segments) {
    if (!isPlainObject(current) || !Object.prototype.hasOwnProperty.call(current, key)) {
      return undefined;
    }
    current = current[key];
  }
  return current;
}

function sameScalar(stored: unknown, value: ConditionScalar): boolean {
  return typeof stored === typeof value && stored === value;
}

/** Order of stored vs value when both have the value's type; null when they cannot compare. */
function order(stored: unknown, value: ConditionScalar): number | null {
  if (typeof value === "string" && typeof stored === "string") {
    return compareCodePoints(stored, value);
  }
  if (typeof value === "number" && typeof stored === "number") return stored - value;
  return null;
}

function isEmpty(stored: unknown): boolean {
  if (stored === undefined || stored === null || stored === "") return true;
  if (Array.isArray(stored)) return stored.length === 0;
  return isPlainObject(stored) && Object.keys(stored).length === 0;
}

function fieldMatches(leaf: FieldCondition, ctx: Context): boolean {
  const { now } = ctx;
  const resolved = resolveConditionField(leaf.field, ctx.scope);
  if (!resolved.ok) return false; // unreachable: the tree was validated
  const { segments } = resolved.field;
  // The profile has no `event` key, so with an event in scope the prefix is unambiguous.
  const source = ctx.event && segments[0] === "event" ? ctx.event : ctx.profile;
  const stored = readConditionPath(source, segments);
  switch (leaf.op) {
    case "exists":
      return stored !== undefined && stored !== null;
    case "empty":
      return isEmpty(stored);
    case "eq":
      return sameScalar(stored, leaf.value);
    case "neq":
      return !sameScalar(stored, leaf.value);
    case "in":
      return leaf.value.some((v) => sameScalar(stored, v));
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const o = order(stored, leaf.value);
      if (o === null) return false;
      return leaf.op === "gt"
        ? o > 0
        : leaf.op === "gte"
          ? o >= 0
          : leaf.op === "lt"
            ? o < 0
            : o <= 0;
    }
    case "between": {
      const low = order(stored, leaf.value[0]);
      const high = order(stored, leaf.value[1]);
      return low !== null && high !== null && low >= 0 && high <= 0;
    }
    case "contains":
      if (typeof stored === "string" && typeof leaf.value === "string") {
        return stored.includes(leaf.value);
      }
      return Array.isArray(stored) && stored.some((item) => sameScalar(item, leaf.value));
    case "starts_with":
      return (
        typeof stored === "string" &&
        typeof leaf.value === "string" &&
        stored.startsWith(leaf.value)
      );
    case "ends_with":
      return (
        typeof stored === "string" && typeof leaf.value === "string" && stored.endsWith(leaf.value)
      );
    case "within_last":
      return (
        typeof stored === "string" &&
        compareCodePoints(stored, instantBefore(now, leaf.value)) >= 0 &&
        compareCodePoints(stored, now) <= 0
      );
    case "before":
      return (
        typeof stored === "string" && compareCodePoints(stored, instantBefore(now, leaf.value)) < 0
      );
  }
}
