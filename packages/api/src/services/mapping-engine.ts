/**
 * The mapping rule engine: applies administrators' rules (profile-schema/mapping.ts states what
 * each operation and transform means) to a profile for one event. Pure — no database, no clock —
 * so `profile.track` and `mapping.test` run exactly this code: track calls it after the built-in
 * mappings and writes what it returns; consent decisions come back as data for the caller to
 * record through the consent ledger.
 *
 * A rule applies to an event when its event types hold the event's type and its condition (if
 * any) holds on the profile as the rule finds it (after the built-ins and the rules before it)
 * and the event. It either applies whole or fails with a MappingRuleError naming the rule, its
 * version and the mapping; the caller then keeps nothing of the event.
 */
import { createHash } from "node:crypto";
import {
  applyMappingTransforms,
  compareCodePoints,
  diffPaths,
  evaluateCondition,
  hasContact,
  mappingName,
  mappingOperand,
  MappingValueError,
  Profile as ProfileSchema,
  ProfileObject,
  readConditionPath,
  resolveMappingSource,
  resolveMappingTarget,
} from "@cdp/profile-schema";
import type {
  ConditionEvent,
  JsonValue,
  Mapping,
  MappingChange,
  MappingConsentDecision,
  MappingRule,
  Profile,
  ResolvedMappingTarget,
} from "@cdp/profile-schema";

import { env } from "../env";
import { valueAt } from "./audit";

// ---------------------------------------------------------------------------------------------
// 1. Hashing
// ---------------------------------------------------------------------------------------------

/** The salt used when MAPPING_HASH_SALT is not set: fine for development, not for production. */
export const DEVELOPMENT_HASH_SALT = "cdp-development-mapping-salt";

let warned = false;

/** The deployment's salt for the `hash` transform (MAPPING_HASH_SALT, or the development one). */
export function mappingHashSalt(): string {
  if (env.MAPPING_HASH_SALT) return env.MAPPING_HASH_SALT;
  if (env.NODE_ENV === "production" && !warned) {
    warned = true;
    console.warn("MAPPING_HASH_SALT is not set: mapping rules hash with the development salt");
  }
  return DEVELOPMENT_HASH_SALT;
}

/** Salted SHA-256: the hex digest of the salt followed by the text (UTF-8). */
export function mappingHasher(salt: string): (text: string) => string {
  return (text) => createHash("sha256").update(salt).update(text).digest("hex");
}

// ---------------------------------------------------------------------------------------------
// 2. Rules and outcomes
// ---------------------------------------------------------------------------------------------

/** A rule as the engine runs it: a saved one, or a draft (`mapping.test`, version 0). */
export type RunnableRule = Pick<
  MappingRule,
  "id" | "version" | "name" | "eventTypes" | "condition" | "mappings" | "position"
>;

/** The event a rule reads: its fields (`type`, `time`, …) and free `properties` / `context`. */
export type MappingEvent = ConditionEvent;

/** What the engine needs besides the rules, the profile and the event. */
export interface MappingRunOptions {
  /** The instant time-relative conditions are measured from. */
  now: string | Date;
  /** The `hash` transform (see {@link mappingHasher}). */
  hash(text: string): string;
}

/** What one rule did to the profile for one event. */
export interface RuleOutcome {
  rule: RunnableRule;
  /** Whether its condition held; an unmatched rule changed nothing. */
  matched: boolean;
  /** Paths it changed, with the values before and after it ran. */
  changes: MappingChange[];
  /** What it asks the consent ledger to record, in mapping order. */
  consents: (MappingConsentDecision & { mapping: number })[];
}

/**
 * A rule that cannot apply to an event: the message names the rule, its version and the mapping;
 * `path` is the event path the mapping read, when the value came from the event.
 */
export class MappingRuleError extends Error {
  constructor(
    message: string,
    readonly ruleId: string,
    readonly version: number,
    readonly path?: string,
  ) {
    super(message);
    this.name = "MappingRuleError";
  }
}

/** `Mapping rule "welcome" (version 3)`: how messages name a rule (a draft has no version). */
export function ruleName(rule: Pick<RunnableRule, "id" | "version">): string {
  return rule.version > 0
    ? `Mapping rule "${rule.id}" (version ${rule.version})`
    : `Mapping rule "${rule.id}" (draft)`;
}

/** The error a mapping of a rule gives, with the event path it read (for the track result). */
export function mappingRuleError(
  rule: Pick<RunnableRule, "id" | "version" | "mappings">,
  index: number | null,
  message: string,
): MappingRuleError {
  const mapping = index === null ? undefined : rule.mappings[index];
  const where = mapping ? `, ${mappingName(mapping, index as number)}` : "";
  const path = mapping && typeof mapping.from === "string" ? mapping.from : undefined;
  return new MappingRuleError(`${ruleName(rule)}${where}: ${message}`, rule.id, rule.version, path);
}

/** The rules for an event type, in running order (position, then id). */
export function rulesForEvent<R extends RunnableRule>(rules: readonly R[], type: string): R[] {
  return rules
    .filter((rule) => rule.eventTypes.includes(type))
    .sort((a, b) => a.position - b.position || compareCodePoints(a.id, b.id));
}

// ---------------------------------------------------------------------------------------------
// 3. Documents
// ---------------------------------------------------------------------------------------------

type Doc = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Doc =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function readAt(doc: Doc, segments: readonly string[]): unknown {
  return readConditionPath(doc, segments);
}

/**
 * A rule's working copy of a profile: the root is copied up front, every object below it only
 * when a mapping first writes under it, so what the rule leaves alone stays shared with the
 * profile it read (and costs neither a copy nor a diff).
 */
interface WorkingDoc {
  root: Doc;
  /** Objects that belong to this copy and may be changed in place. */
  own: WeakSet<object>;
}

function workingCopy(profile: Profile): WorkingDoc {
  const root: Doc = { ...profile };
  return { root, own: new WeakSet([root]) };
}

/**
 * The object holding the last key of `segments`, created along the way where missing; the
 * objects on the way are copied into the working document first, since the caller changes it.
 */
function parentOf(work: WorkingDoc, segments: readonly string[], create: boolean): Doc | null {
  let node: Doc = work.root;
  for (const [i, key] of segments.slice(0, -1).entries()) {
    const next = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
    if (next === undefined || next === null) {
      if (!create) return null;
      const fresh: Doc = {};
      work.own.add(fresh);
      node[key] = fresh;
      node = fresh;
    } else if (isPlainObject(next)) {
      if (work.own.has(next)) node = next;
      else {
        const copy: Doc = { ...next };
        work.own.add(copy);
        node[key] = copy;
        node = copy;
      }
    } else {
      throw new MappingValueError(
        `${segments.slice(0, i + 1).join(".")} holds a value, not an object, so nothing can go below it`,
      );
    }
  }
  return node;
}

function writeAt(work: WorkingDoc, segments: readonly string[], value: unknown): void {
  const parent = parentOf(work, segments, true) as Doc;
  parent[segments[segments.length - 1] as string] = value;
}

function deleteAt(work: WorkingDoc, segments: readonly string[]): void {
  const parent = parentOf(work, segments, false);
  if (parent) delete parent[segments[segments.length - 1] as string];
}

const isEmpty = (value: unknown) =>
  value === undefined ||
  value === null ||
  value === "" ||
  (Array.isArray(value) && value.length === 0) ||
  (isPlainObject(value) && Object.keys(value).length === 0);

/** JSON text with object keys sorted: jsonb gives keys back in its own order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isPlainObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/** Whether two JSON values are equal, whatever the order of their objects' keys. */
export const sameJson = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

// Rounded as track rounds counters, so 0.1 + 0.2 reads 0.3.
const round = (n: number) => Number(n.toFixed(6));

function numberAt(doc: Doc, target: ResolvedMappingTarget): number {
  const current = readAt(doc, target.segments);
  if (current === undefined || current === null) return 0;
  if (typeof current !== "number") {
    throw new MappingValueError(`${target.label} holds something that is not a number`);
  }
  return current;
}

function listAt(doc: Doc, target: ResolvedMappingTarget): unknown[] {
  const current = readAt(doc, target.segments);
  if (current === undefined || current === null) return [];
  if (!Array.isArray(current)) {
    throw new MappingValueError(`${target.label} holds something that is not a list`);
  }
  return current;
}

/** The event as rules read it: `type`, `time`, `id`, `source`, `session`, free objects. */
function eventDocument(event: MappingEvent): Doc {
  return {
    id: event.id,
    type: event.type,
    time: event.time,
    session: event.session ?? null,
    source: event.source ?? null,
    properties: event.properties,
    context: event.context,
  };
}

// ---------------------------------------------------------------------------------------------
// 4. Applying
// ---------------------------------------------------------------------------------------------

/**
 * Applies one mapping to the working document; returns the consent decisions it asks for.
 * @throws MappingValueError when the value does not fit.
 */
function applyMapping(
  work: WorkingDoc,
  mapping: Mapping,
  event: Doc,
  options: MappingRunOptions,
): MappingConsentDecision[] {
  const doc = work.root;
  const source = resolveMappingSource(mapping.from);
  const target = resolveMappingTarget(mapping.to);
  // Saved and draft rules were validated against the same catalogue.
  if (!source.ok) throw new MappingValueError(source.message);
  if (!target.ok) throw new MappingValueError(target.message);
  const raw =
    source.source.kind === "const"
      ? source.source.value
      : (readAt(event, source.source.segments) as JsonValue | undefined);
  if (raw === undefined || raw === null) return [];
  const value = applyMappingTransforms(raw, mapping.transform, {
    separator: mapping.separator,
    hash: options.hash,
  });
  const to = target.target;
  const operand = mappingOperand(value, to, mapping.op);
  const items = operand as JsonValue[];
  switch (mapping.op) {
    case "set":
      writeAt(work, to.segments, operand);
      return [];
    case "set_if_empty":
      if (isEmpty(readAt(doc, to.segments))) writeAt(work, to.segments, operand);
      return [];
    case "append": {
      const list = [...listAt(doc, to)];
      for (const item of items) if (!list.some((x) => sameJson(x, item))) list.push(item);
      writeAt(work, to.segments, list);
      return [];
    }
    case "remove":
      if (to.type === "list") {
        const list = listAt(doc, to).filter((x) => !items.some((item) => sameJson(x, item)));
        writeAt(work, to.segments, list);
      } else {
        deleteAt(work, to.segments);
      }
      return [];
    case "increment":
    case "decrement": {
      const delta = (operand as number) * (mapping.op === "increment" ? 1 : -1);
      writeAt(work, to.segments, round(numberAt(doc, to) + delta));
      return [];
    }
    case "add_interest":
      if (to.kind === "collection") {
        for (const name of items as string[]) {
          const at = resolveMappingTarget(`interests.${name}`);
          if (!at.ok) throw new MappingValueError(at.message);
          writeAt(work, at.target.segments, round(numberAt(doc, at.target) + 1));
        }
      } else {
        writeAt(work, to.segments, round(numberAt(doc, to) + (operand as number)));
      }
      return [];
    case "add_segment":
    case "remove_segment": {
      const current = listAt(doc, to).filter((s): s is string => typeof s === "string");
      const ids = new Set(current);
      for (const id of items as string[]) {
        if (mapping.op === "add_segment") ids.add(id);
        else ids.delete(id);
      }
      writeAt(work, to.segments, [...ids].sort(compareCodePoints));
      return [];
    }
    case "grant_consent":
    case "revoke_consent":
      return (items as string[]).map((typeId) => ({
        typeId,
        action: mapping.op === "grant_consent" ? "granted" : "revoked",
      }));
  }
}

const profileKeys = Object.keys(ProfileObject.shape) as (keyof typeof ProfileObject.shape)[];
const knownKeys = new Set<string>(profileKeys);

type Validated =
  | { success: true; data: Profile }
  | { success: false; issue: { path: PropertyKey[]; message: string } | undefined };

/**
 * The rule's document validated as ProfileSchema.parse would, parsing only the top-level fields
 * the rule replaced: the others are the valid profile it read. Fields are checked in the schema's
 * order, so the first issue is the one a whole parse reports first, at its whole-profile path.
 */
function validateChanged(profile: Profile, doc: Doc): Validated {
  const before = profile as unknown as Doc;
  const touched = profileKeys.filter(
    (key) => doc[key] !== before[key] || Object.hasOwn(doc, key) !== Object.hasOwn(before, key),
  );
  if (Object.keys(doc).some((key) => !knownKeys.has(key))) {
    // An unknown field fails the whole parse; let it name the issue exactly as it always has.
    const whole = ProfileSchema.safeParse(doc);
    return whole.success
      ? { success: true, data: whole.data }
      : { success: false, issue: whole.error.issues[0] };
  }
  const next: Doc = { ...before };
  for (const key of touched) {
    const part = ProfileObject.shape[key].safeParse(doc[key]);
    if (!part.success) {
      const issue = part.error.issues[0];
      return {
        success: false,
        issue: issue && { path: [key, ...issue.path], message: issue.message },
      };
    }
    next[key] = part.data;
  }
  const data = next["data"] as Profile["data"];
  const result = next as unknown as Profile;
  // As the profile schema derives it; a rule may have set or cleared a contact.
  return touched.includes("data")
    ? { success: true, data: { ...result, data: { ...data, anonymous: !hasContact(data.contact) } } }
    : { success: true, data: result };
}

/** Paths that describe the document, not the person: derived, never a rule's change. */
const isBookkeeping = (path: string) => path.startsWith("metadata.") || path === "data.anonymous";

/** The changed paths between two profiles, with their values. */
export function profileChanges(before: Profile, after: Profile): MappingChange[] {
  return diffPaths(before, after)
    .filter((path) => !isBookkeeping(path))
    .map((path) => ({
      path,
      before: valueAt(before, path) ?? null,
      after: valueAt(after, path) ?? null,
    }));
}

/** The mapping whose target holds `path` (a validation issue's), the last one to write there. */
function writerOf(rule: RunnableRule, path: string): number | null {
  for (let i = rule.mappings.length - 1; i >= 0; i--) {
    const to = rule.mappings[i]?.to ?? "";
    if (path === to || path.startsWith(`${to}.`) || to.startsWith(`${path}.`)) return i;
  }
  return null;
}

/**
 * Applies one rule to a profile for an event: nothing when its condition does not hold, else every
 * mapping in order on a copy, validated as a whole profile at the end.
 * @throws MappingRuleError naming the rule, version and mapping when it cannot apply.
 */
export function applyMappingRule(
  rule: RunnableRule,
  profile: Profile,
  event: MappingEvent,
  options: MappingRunOptions,
): { profile: Profile; outcome: RuleOutcome } {
  const skipped = { profile, outcome: { rule, matched: false, changes: [], consents: [] } };
  if (rule.condition) {
    let holds: boolean;
    try {
      holds = evaluateCondition(rule.condition, profile, { now: options.now, event });
    } catch (error) {
      // A stored condition the evaluator refuses (it was valid when saved) fails the rule.
      throw mappingRuleError(rule, null, `its condition cannot be evaluated: ${String(error)}`);
    }
    if (!holds) return skipped;
  }
  const work = workingCopy(profile);
  const eventDoc = eventDocument(event);
  const consents: RuleOutcome["consents"] = [];
  for (const [index, mapping] of rule.mappings.entries()) {
    try {
      for (const decision of applyMapping(work, mapping, eventDoc, options)) {
        consents.push({ ...decision, mapping: index });
      }
    } catch (error) {
      if (error instanceof MappingValueError) throw mappingRuleError(rule, index, error.message);
      throw error;
    }
  }
  const parsed = validateChanged(profile, work.root);
  if (!parsed.success) {
    const issue = parsed.issue;
    const path = issue?.path.map(String).join(".") ?? "";
    throw mappingRuleError(
      rule,
      writerOf(rule, path),
      `${path ? `${path}: ` : ""}${issue?.message ?? "the profile would be invalid"}`,
    );
  }
  const next = parsed.data;
  return {
    profile: next,
    outcome: { rule, matched: true, changes: profileChanges(profile, next), consents },
  };
}

/**
 * Runs the rules for the event's type, in order, each on the profile the previous one left.
 * @throws MappingRuleError from the first rule that cannot apply (nothing of any rule is kept).
 */
export function applyMappingRules(
  rules: readonly RunnableRule[],
  profile: Profile,
  event: MappingEvent,
  options: MappingRunOptions,
): { profile: Profile; outcomes: RuleOutcome[] } {
  let current = profile;
  const outcomes: RuleOutcome[] = [];
  for (const rule of rulesForEvent(rules, event.type)) {
    const applied = applyMappingRule(rule, current, event, options);
    current = applied.profile;
    outcomes.push(applied.outcome);
  }
  return { profile: current, outcomes };
}
