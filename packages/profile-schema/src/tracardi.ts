import { z } from "zod";

import { toTracardiDate } from "./date";
import { profileTree, type ShapeNode } from "./field-metadata";
import { isPlainObject, type JsonValue } from "./json";
import { Profile } from "./profile";

/** Key of `aux` where {@link fromTracardi} keeps the parts of a Tracardi document we do not model. */
export const TRACARDI_AUX_KEY = "tracardi";

const TRACARDI_DATE_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;
// Tracardi's older versions stored naive `datetime.utcnow()` values; Tracardi reads them as UTC.
const NAIVE_DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$/;

/** A date in Tracardi's form `YYYY-MM-DD HH:MM:SS.ffffff+00:00`. */
export const TracardiDate = z
  .string()
  .regex(TRACARDI_DATE_RE, "Expected a Tracardi date: YYYY-MM-DD HH:MM:SS.ffffff+00:00");

/**
 * A Tracardi profile document as {@link toTracardi} writes it: the {@link Profile} shape with
 * dates as `YYYY-MM-DD HH:MM:SS.ffffff+00:00`, plus any keys restored from `aux.tracardi`.
 */
export type TracardiProfile = Profile & { [extra: string]: unknown };

const CONSENTS = "consents";
const FIELD_STAMPS = "metadata.fields";

function tracardiSchemaOf(node: ShapeNode): z.ZodType {
  if (node.kind === "group") {
    const shape: Record<string, z.ZodType> = {};
    for (const [key, child] of node.children) shape[key] = tracardiSchemaOf(child);
    return z.looseObject(shape);
  }
  if (node.path === CONSENTS) {
    return z.record(z.string(), z.looseObject({ revoke: TracardiDate.nullable() }));
  }
  if (node.path === FIELD_STAMPS) {
    return z.record(z.string(), z.tuple([TracardiDate, z.string().nullable()]));
  }
  const base = node.field.type === "date" ? TracardiDate : node.base;
  return node.nullable ? z.nullable(base) : base;
}

// Derived from the profile tree; the static type is the declared `TracardiProfile`.
/** Schema of a {@link TracardiProfile}: loose groups (unmodelled keys pass), Tracardi dates. */
export const TracardiProfile = tracardiSchemaOf(profileTree) as z.ZodType<
  TracardiProfile,
  TracardiProfile
>;

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

function assumeUtc(value: unknown): unknown {
  return typeof value === "string" && NAIVE_DATE_TIME_RE.test(value) ? `${value}Z` : value;
}

function prepareLeaf(node: Extract<ShapeNode, { kind: "leaf" }>, value: unknown): unknown {
  if (node.field.type === "date") return assumeUtc(value);
  // Tracardi's force_lists: a lone value where a list belongs becomes a one-item list.
  if (
    node.field.type === "list" &&
    (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
  ) {
    return [String(value)];
  }
  if (node.path === CONSENTS && isPlainObject(value)) {
    const consents: Record<string, unknown> = {};
    for (const [type, consent] of Object.entries(value)) {
      consents[type] = isPlainObject(consent)
        ? { ...consent, revoke: assumeUtc(consent["revoke"]) }
        : consent;
    }
    return consents;
  }
  if (node.path === FIELD_STAMPS && isPlainObject(value)) {
    const stamps: Record<string, unknown> = {};
    for (const [path, stamp] of Object.entries(value)) {
      stamps[path] = Array.isArray(stamp) ? [assumeUtc(stamp[0]), ...stamp.slice(1)] : stamp;
    }
    return stamps;
  }
  return value;
}

/**
 * Copies what the schema models out of `input`; everything else goes to `stash` mirroring its
 * position. `null` where our field cannot be null (a group, a list, a counter) means "default".
 */
function prepareGroup(
  node: Extract<ShapeNode, { kind: "group" }>,
  input: Record<string, unknown>,
  stash: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const child = node.children.get(key);
    if (!child) {
      stash[key] = value;
      continue;
    }
    if (child.kind === "group") {
      if (value === null) continue;
      if (!isPlainObject(value)) {
        out[key] = value;
        continue;
      }
      const inner: Record<string, unknown> = {};
      out[key] = prepareGroup(child, value, inner);
      if (Object.keys(inner).length > 0) stash[key] = inner;
      continue;
    }
    if (value === null && !child.nullable) continue;
    if (child.path === "aux" && isPlainObject(value) && TRACARDI_AUX_KEY in value) {
      // `aux.tracardi` is ours; a document's own value there is stashed like any unknown key.
      const { [TRACARDI_AUX_KEY]: own, ...rest } = value;
      stash["aux"] = { [TRACARDI_AUX_KEY]: own };
      out[key] = rest;
      continue;
    }
    out[key] = prepareLeaf(child, value);
  }
  return out;
}

/**
 * Reads a Tracardi profile document (as stored in Elasticsearch or returned by its API).
 *
 * Dates may be ISO 8601 with any offset, Tracardi's `2024-05-30 07:44:23.246262+00:00` or naive
 * (read as UTC, as Tracardi does); a lone string where a list belongs becomes a one-item list; a
 * `null` group or counter takes its default. Keys we do not model — at the top (`operation`,
 * `_id`, `trash`, …) or inside a group (`data.pii.name`, `data.devices.names` of old versions) —
 * are not lost: they are kept in `aux.tracardi`, mirroring their position, and {@link toTracardi}
 * writes them back. A document's own `aux.tracardi` is kept the same way. (Old
 * `traits.private/public` need nothing: `traits` is a free map.)
 * @throws ZodError (paths into the document) when the document does not fit the profile.
 */
export function fromTracardi(doc: unknown): Profile {
  if (!isPlainObject(doc) || profileTree.kind !== "group") return Profile.parse(doc);
  const stash: Record<string, unknown> = {};
  const prepared = prepareGroup(profileTree, doc, stash);
  if (Object.keys(stash).length > 0) {
    const aux = prepared["aux"] ?? {};
    prepared["aux"] = isPlainObject(aux) ? { ...aux, [TRACARDI_AUX_KEY]: stash } : aux;
  }
  return Profile.parse(prepared);
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

function exportNode(node: ShapeNode, value: unknown): unknown {
  if (node.kind === "group") {
    const source = isPlainObject(value) ? value : {};
    const out: Record<string, unknown> = {};
    for (const [key, child] of node.children) out[key] = exportNode(child, source[key]);
    return out;
  }
  if (node.field.type === "date") return typeof value === "string" ? toTracardiDate(value) : value;
  if (node.path === CONSENTS && isPlainObject(value)) {
    const consents: Record<string, unknown> = {};
    for (const [type, consent] of Object.entries(value)) {
      const revoke = isPlainObject(consent) ? consent["revoke"] : null;
      consents[type] = { revoke: typeof revoke === "string" ? toTracardiDate(revoke) : null };
    }
    return consents;
  }
  if (node.path === FIELD_STAMPS && isPlainObject(value)) {
    const stamps: Record<string, unknown> = {};
    for (const [path, stamp] of Object.entries(value)) {
      if (Array.isArray(stamp) && typeof stamp[0] === "string") {
        stamps[path] = [toTracardiDate(stamp[0]), stamp[1] ?? null];
      }
    }
    return stamps;
  }
  if (node.path === "aux" && isPlainObject(value)) {
    const { [TRACARDI_AUX_KEY]: _stash, ...rest } = value;
    return structuredClone(rest);
  }
  return structuredClone(value);
}

/** Adds stashed keys where the document has none; modelled fields always win. */
function restore(target: Record<string, unknown>, stash: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(stash)) {
    const existing = target[key];
    if (!(key in target)) target[key] = structuredClone(value);
    else if (isPlainObject(existing) && isPlainObject(value)) restore(existing, value);
  }
}

/**
 * Writes a profile as a Tracardi profile document: dates as `YYYY-MM-DD HH:MM:SS.ffffff+00:00`,
 * and the keys {@link fromTracardi} kept in `aux.tracardi` back in their places.
 */
export function toTracardi(profile: Profile): TracardiProfile {
  const doc = exportNode(profileTree, profile);
  const stash: JsonValue | undefined = profile.aux[TRACARDI_AUX_KEY];
  if (isPlainObject(doc) && isPlainObject(stash)) restore(doc, stash);
  return TracardiProfile.parse(doc);
}
