import { z } from "zod";

import { compareCodePoints, conditionNode, Condition } from "./condition";
import type { Condition as ConditionTree } from "./condition";
import { evaluateCondition } from "./condition-eval";
import type { EvaluateOptions } from "./condition-eval";
import { ConsentPurpose } from "./consent";
import { group } from "./profile";
import type { Profile } from "./profile";

// ---------------------------------------------------------------------------------------------
// 1. Inputs
// ---------------------------------------------------------------------------------------------

/** A segment id: the value kept in `profile.segments` and named by `{ segment: { id } }`. */
export const SegmentId = z
  .string({ error: "Give a segment id" })
  .trim()
  .min(1, "Give a segment id")
  .max(64, "A segment id has at most 64 characters")
  // Empty passes here: min(1) already says so.
  .regex(
    /^(?:[a-z0-9][a-z0-9-]*)?$/,
    "A segment id uses lowercase letters, digits and hyphens, and starts with a letter or digit",
  );

const segmentFields = {
  name: z
    .string({ error: "Give the segment a name" })
    .trim()
    .min(1, "Give the segment a name")
    .max(200, "A name has at most 200 characters"),
  description: z.string().trim().max(2000, "A description has at most 2000 characters").nullable(),
  condition: Condition,
  /** Only profiles with a consent granted now for a type of this purpose are members. */
  purpose: ConsentPurpose.nullable(),
};

/** A new segment. */
export const SegmentInput = group({
  id: SegmentId,
  name: segmentFields.name,
  description: segmentFields.description.default(null),
  condition: segmentFields.condition,
  purpose: segmentFields.purpose.default(null),
});
export type SegmentInput = z.output<typeof SegmentInput>;
export type SegmentInputInput = z.input<typeof SegmentInput>;

/** Changes to a segment: any field but the id (profiles and other segments name it). */
export const SegmentPatch = group({
  name: segmentFields.name.optional(),
  description: segmentFields.description.optional(),
  condition: segmentFields.condition.optional(),
  purpose: segmentFields.purpose.optional(),
});
export type SegmentPatch = z.output<typeof SegmentPatch>;

/** `segment.update`: a patch to the segment at the version the caller read. */
export const SegmentUpdate = group({
  id: SegmentId,
  version: z.int().min(1),
  patch: SegmentPatch,
});
export type SegmentUpdate = z.output<typeof SegmentUpdate>;

/** `segment.preview`: what a condition would select now, and why one profile matches or not. */
export const SegmentPreviewInput = group({
  condition: Condition,
  purpose: ConsentPurpose.nullish(),
  /** A profile (any identifier) whose match is explained part by part. */
  profileId: z.string().trim().min(1, "Give a profile id or identifier").max(512).nullish(),
});
export type SegmentPreviewInput = z.output<typeof SegmentPreviewInput>;

/** A segment as stored. */
export interface Segment extends SegmentInput {
  /** Increases with every change; `segment.update` names the one it read. */
  version: number;
  /** The principal that created it, as `kind:id`. */
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Membership is being (re)computed for the current definition; counts may still move. */
  computing: boolean;
}

/** What a membership history entry records. */
export const segmentMembershipKinds = ["entered", "exited"] as const;
export type SegmentMembershipKind = (typeof segmentMembershipKinds)[number];

/** One entry of `segment.history`. */
export interface SegmentMembershipEvent {
  id: number;
  segmentId: string;
  profileId: string;
  kind: SegmentMembershipKind;
  at: string;
  /** What caused it: `track:<event id>`, `staff:<id>`, `segment.create`, `refresh`, … */
  source: string;
  requestId: string | null;
}

// ---------------------------------------------------------------------------------------------
// 2. Reading conditions
// ---------------------------------------------------------------------------------------------

/** A `{ segment: { id } }` node and its path inside the condition. */
export interface SegmentReference {
  id: string;
  path: (string | number)[];
}

function walk(
  c: ConditionTree,
  path: (string | number)[],
  visit: (c: ConditionTree, path: (string | number)[]) => void,
): void {
  visit(c, path);
  const node = conditionNode(c);
  if (node.kind === "and" || node.kind === "or") {
    node.children.forEach((child, i) => walk(child, [...path, node.kind, i], visit));
  } else if (node.kind === "not") {
    walk(node.child, [...path, "not"], visit);
  }
}

/** Every segment a (validated) condition refers to, with the path of the reference. */
export function segmentReferences(condition: ConditionTree): SegmentReference[] {
  const out: SegmentReference[] = [];
  walk(condition, [], (c, path) => {
    const node = conditionNode(c);
    if (node.kind === "segment")
      out.push({ id: node.segment.id, path: [...path, "segment", "id"] });
  });
  return out;
}

/** The `event` leaves of a condition: `{ type, within }` pairs (a count needs each). */
export function eventReferences(condition: ConditionTree): { type: string; within: string }[] {
  const out: { type: string; within: string }[] = [];
  walk(condition, [], (c) => {
    const node = conditionNode(c);
    if (node.kind === "event") out.push({ type: node.event.type, within: node.event.within });
  });
  return out;
}

/**
 * True when the condition's answer can change with nothing but the clock: `within_last`,
 * `before`, event windows and consents (grants expire). Such segments are re-evaluated on a
 * schedule; every other answer changes only when the profile is written.
 */
export function isTimeRelative(condition: ConditionTree): boolean {
  let relative = false;
  walk(condition, [], (c) => {
    const node = conditionNode(c);
    if (node.kind === "event" || node.kind === "consent") relative = true;
    if (node.kind === "field" && (node.leaf.op === "within_last" || node.leaf.op === "before")) {
      relative = true;
    }
  });
  return relative;
}

// ---------------------------------------------------------------------------------------------
// 3. Dependencies
// ---------------------------------------------------------------------------------------------

/** What ordering segments needs to know of each. */
export interface SegmentNode {
  id: string;
  condition: ConditionTree;
}

/** Result of {@link orderSegments}. */
export type SegmentOrder<T> = { ok: true; order: T[] } | { ok: false; cycle: string[] };

/**
 * Orders segments so every segment comes after the segments its condition refers to (a profile's
 * memberships are then computed in one pass), or returns a cycle (`a → b → a`). References to ids
 * outside the list (labels a profile carries from elsewhere) do not order anything. Ties keep id
 * order, so the result is stable.
 */
export function orderSegments<T extends SegmentNode>(segments: readonly T[]): SegmentOrder<T> {
  const byId = new Map(segments.map((s) => [s.id, s]));
  const state = new Map<string, "visiting" | "done">();
  const order: T[] = [];
  const stack: string[] = [];
  const visit = (s: T): string[] | null => {
    const seen = state.get(s.id);
    if (seen === "done") return null;
    if (seen === "visiting") return [...stack.slice(stack.indexOf(s.id)), s.id];
    state.set(s.id, "visiting");
    stack.push(s.id);
    const deps = [...new Set(segmentReferences(s.condition).map((r) => r.id))].sort();
    for (const id of deps) {
      const dep = byId.get(id);
      if (!dep) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(s.id, "done");
    order.push(s);
    return null;
  };
  for (const s of [...segments].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const cycle = visit(s);
    if (cycle) return { ok: false, cycle };
  }
  return { ok: true, order };
}

/**
 * The segments whose membership can change when `changed` do: `changed` themselves and every
 * segment referring to one of them, directly or through others.
 */
export function dependentSegments<T extends SegmentNode>(
  segments: readonly T[],
  changed: Iterable<string>,
): Set<string> {
  const out = new Set(changed);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of segments) {
      if (out.has(s.id)) continue;
      if (segmentReferences(s.condition).some((r) => out.has(r.id))) {
        out.add(s.id);
        grew = true;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 4. Membership of one profile
// ---------------------------------------------------------------------------------------------

/** A segment as membership evaluation needs it. */
export interface SegmentRule extends SegmentNode {
  purpose: ConsentPurpose | null;
}

export interface SegmentEvaluationOptions extends EvaluateOptions {
  /** Whether the profile holds a consent granted now for a type of this purpose. */
  purposeGranted(purpose: ConsentPurpose): boolean;
}

/**
 * The segments (of `ordered`, dependencies first — see {@link orderSegments}) a profile belongs
 * to: its condition matches and, when the segment has a purpose, the profile holds a consent for
 * it. A `{ segment }` node sees the memberships computed before it in the same pass, never the
 * stale ones the profile carries. Returns member ids in `ordered`'s order.
 */
export function evaluateSegments(
  ordered: readonly SegmentRule[],
  profile: Profile,
  options: SegmentEvaluationOptions,
): string[] {
  const managed = new Set(ordered.map((s) => s.id));
  const labels = profile.segments.filter((id) => !managed.has(id));
  const members: string[] = [];
  for (const segment of ordered) {
    if (segment.purpose !== null && !options.purposeGranted(segment.purpose)) continue;
    const seen: Profile = { ...profile, segments: [...labels, ...members] };
    if (evaluateCondition(segment.condition, seen, options)) members.push(segment.id);
  }
  return members;
}

/**
 * `profile.segments` after an evaluation: the labels it carries that are no segment of ours (a
 * Tracardi import's, say) kept, the segments' ids replaced by the members; sorted.
 */
export function profileSegmentsAfter(
  current: readonly string[],
  managed: ReadonlySet<string>,
  members: readonly string[],
): string[] {
  const out = new Set(current.filter((id) => !managed.has(id)));
  for (const id of members) out.add(id);
  return [...out].sort(compareCodePoints);
}
