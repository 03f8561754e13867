import { z } from "zod";

import { IsoDateTime } from "./date";
import { profileTree, type ShapeNode } from "./field-metadata";
import { FORBIDDEN_KEYS, isPlainObject, type JsonObject, type JsonValue } from "./json";
import { group, Profile, ProfileObject, type ProfileData, type ProfileInput } from "./profile";

// ---------------------------------------------------------------------------------------------
// 1. Create
// ---------------------------------------------------------------------------------------------

/**
 * Input for creating a profile: optional `id` (a UUID is generated), `primary_id`, `ids`,
 * `active`, a deep partial `data` (`data.anonymous` is accepted but always re-derived), `traits`,
 * `interests`, `stats`, `aux`. `metadata`, `segments` and `consents` are system-managed.
 */
export const ProfileCreate = ProfileObject.pick({
  id: true,
  primary_id: true,
  ids: true,
  active: true,
  data: true,
  traits: true,
  interests: true,
  stats: true,
  aux: true,
});
export type ProfileCreate = z.output<typeof ProfileCreate>;
/** What {@link ProfileCreate} accepts (everything optional, dates in any accepted form). */
export type ProfileCreateInput = z.input<typeof ProfileCreate>;

/**
 * Builds a new profile from create input; `metadata.time.insert/create/update` are set to `now`.
 * @throws ZodError when the input or `now` is invalid.
 */
export function createProfile(input: ProfileCreateInput, now: string): Profile {
  const created = ProfileCreate.parse(input);
  const time = IsoDateTime.parse(now);
  const document: ProfileInput = {
    ...created,
    metadata: { time: { insert: time, create: time, update: time } },
  };
  return Profile.parse(document);
}

// ---------------------------------------------------------------------------------------------
// 2. Patch (JSON Merge Patch, RFC 7396)
// ---------------------------------------------------------------------------------------------

/** A JSON Merge Patch over `T`: every field optional; `null` clears. */
export type PatchOf<T> = T extends readonly unknown[]
  ? T | null
  : T extends object
    ? string extends keyof T
      ? T | null
      : { [K in keyof T]?: PatchOf<T[K]> } | null
    : T | null;

type PatchableProfile = Pick<
  Profile,
  "primary_id" | "ids" | "active" | "traits" | "interests" | "aux" | "stats"
> & { data: Omit<ProfileData, "anonymous"> };

/** A JSON Merge Patch of a profile; see {@link ProfilePatch}. */
export type ProfilePatch = { [K in keyof PatchableProfile]?: PatchOf<PatchableProfile[K]> };

const PATCHABLE = ["primary_id", "ids", "active", "traits", "interests", "aux", "stats", "data"];
const NOT_PATCHABLE = new Set(["data.anonymous"]);

function patchSchemaOf(node: ShapeNode): z.ZodType {
  if (node.kind === "leaf") return z.optional(z.nullable(node.base));
  const shape: Record<string, z.ZodType> = {};
  for (const [key, child] of node.children) {
    if (node.path === "" && !PATCHABLE.includes(key)) continue;
    if (NOT_PATCHABLE.has(child.path)) continue;
    shape[key] = patchSchemaOf(child);
  }
  const object = group(shape);
  return node.path === "" ? object : z.optional(z.nullable(object));
}

// Derived from the profile tree so the patch cannot drift from the schema; its static type is
// the mapped `ProfilePatch` type above (the tests check that both agree).
/**
 * A JSON Merge Patch (RFC 7396) of a profile, validated against the profile's shape: any subset
 * of `primary_id`, `ids`, `active`, `traits`, `interests`, `aux`, `stats` and `data` (without
 * `anonymous`). `null` clears: a nullable field becomes null, a list `[]`, a map key is removed, a
 * group (or a field with a non-null default, like a counter) returns to its default. Arrays are
 * replaced whole; maps and groups merge key by key. Unknown keys fail at their path.
 */
export const ProfilePatch = patchSchemaOf(profileTree) as z.ZodType<ProfilePatch, ProfilePatch>;

function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isPlainObject(patch)) return patch;
  const result: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (FORBIDDEN_KEYS.has(key)) continue;
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/**
 * Applies a merge patch and returns a new, re-validated profile (`data.anonymous` re-derived).
 * Removing a key and re-parsing is what makes `null` restore each field's default.
 * @throws ZodError when the patch or the patched profile is invalid.
 */
export function applyProfilePatch(profile: Profile, patch: ProfilePatch): Profile {
  const parsed = ProfilePatch.parse(patch);
  // Both sides are plain JSON: the profile by its schema, the patch after parsing.
  const merged = mergePatch(profile, parsed as JsonValue);
  return Profile.parse(merged);
}

// ---------------------------------------------------------------------------------------------
// 3. Diff
// ---------------------------------------------------------------------------------------------

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => jsonEqual(item, b[i]))
    );
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && jsonEqual(a[key], b[key]))
    );
  }
  return false;
}

/** The keys of a map leaf that differ between two values of it (absent reads as `{}`), sorted. */
function diffMap(path: string, a: unknown, b: unknown, changed: string[]): void {
  const left = isPlainObject(a) ? a : {};
  const right = isPlainObject(b) ? b : {};
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  for (const key of keys) {
    const inLeft = Object.prototype.hasOwnProperty.call(left, key);
    const inRight = Object.prototype.hasOwnProperty.call(right, key);
    if (inLeft !== inRight || !jsonEqual(left[key], right[key])) changed.push(`${path}.${key}`);
  }
}

function diffNode(node: ShapeNode, a: unknown, b: unknown, changed: string[]): void {
  // Documents derived from one another share the groups they did not touch: nothing below an
  // identical value can differ, so it is not walked (track diffs a profile after every event).
  if (a === b) return;
  if (node.kind === "leaf") {
    if (node.field.type === "map") diffMap(node.path, a, b, changed);
    else if (!jsonEqual(a, b)) changed.push(node.path);
    return;
  }
  const left = isPlainObject(a) ? a : undefined;
  const right = isPlainObject(b) ? b : undefined;
  for (const [key, child] of node.children) diffNode(child, left?.[key], right?.[key], changed);
}

/**
 * Leaf paths whose value differs between two profiles, in schema order. Maps are compared per
 * key (`traits.plan`, `consents.marketing`, sorted), lists and scalars as a whole. Used to stamp
 * `metadata.fields` and to write audit diffs.
 */
export function diffPaths(before: Profile, after: Profile): string[] {
  const changed: string[] = [];
  diffNode(profileTree, before, after, changed);
  return changed;
}
