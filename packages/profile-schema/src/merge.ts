import { z } from "zod";

import { fieldMetadata } from "./field-metadata";
import { isPlainObject, JsonValue } from "./json";
import type { JsonObject } from "./json";
import { MAX_COUNTER, Profile } from "./profile";

// ---------------------------------------------------------------------------------------------
// 1. Decisions
// ---------------------------------------------------------------------------------------------

/**
 * How a merge decided one path:
 * - `latest-change`: the value whose `metadata.fields[path]` stamp is newest (ties and unstamped
 *   values go to the earlier profile, `into` first; a stamped value beats an unstamped one; a
 *   missing value never beats a present one);
 * - `union`: lists joined in order, without repeats;
 * - `sum`: numbers added (visits, views, counters, numeric interests, visit count), stopping at
 *   what the store holds (MAX_COUNTER for visits, views and the visit count; finite numbers);
 * - `earliest` / `latest-time`: the earliest / latest date (insert and create / visit times);
 * - `follows-visit`: the time zone of the profile with the latest current visit.
 */
export const MergeStrategy = z.enum([
  "latest-change",
  "union",
  "sum",
  "earliest",
  "latest-time",
  "follows-visit",
]);
export type MergeStrategy = z.output<typeof MergeStrategy>;

/** One profile's candidate value for a path, with the time it last changed (if stamped). */
export const MergeCandidate = z.object({
  profileId: z.string(),
  value: JsonValue,
  at: z.string().nullable(),
});
export type MergeCandidate = z.output<typeof MergeCandidate>;

/**
 * What a merge did at one path where the profiles disagreed: the strategy, the profile whose
 * value won (`into` for sums and unions, which take from every profile), the resulting value and
 * every profile's candidate. Map keys are paths of their own (`traits.plan`).
 */
export const MergeDecision = z.object({
  path: z.string(),
  strategy: MergeStrategy,
  winner: z.string(),
  value: JsonValue,
  values: z.array(MergeCandidate).optional(),
});
export type MergeDecision = z.output<typeof MergeDecision>;

export interface MergeResult {
  /** The survivor as it would be after the merge (`into`'s id; `data.anonymous` re-derived). */
  merged: Profile;
  /** One entry per path whose value differed between the profiles, in schema order. */
  decisions: MergeDecision[];
}

// ---------------------------------------------------------------------------------------------
// 2. Inputs
// ---------------------------------------------------------------------------------------------

const ProfileId = z.string().trim().min(1, "Give a profile id").max(128);

/** At most this many profiles merge into one at a time. */
export const MAX_MERGE_SOURCES = 50;

/**
 * `profile.merge`: merge the `from` profiles into `into` (exact profile ids). `dryRun` returns the
 * merged document and decisions without writing.
 */
export const MergeInput = z
  .object({
    into: ProfileId,
    from: z.array(ProfileId).min(1, "Name at least one profile to merge").max(MAX_MERGE_SOURCES),
    dryRun: z.boolean().default(false),
    reason: z.string().trim().max(500).nullish(),
  })
  .superRefine((input, ctx) => {
    const seen = new Set<string>();
    input.from.forEach((id, i) => {
      if (id === input.into) {
        ctx.addIssue({
          code: "custom",
          path: ["from", i],
          message: "A profile cannot be merged into itself",
        });
      } else if (seen.has(id)) {
        ctx.addIssue({
          code: "custom",
          path: ["from", i],
          message: `Profile ${id} is named twice`,
        });
      }
      seen.add(id);
    });
  });
export type MergeInput = z.output<typeof MergeInput>;

/** `profile.identify`: merge every profile sharing an e-mail, phone or external id with this one. */
export const IdentifyInput = z.object({
  profileId: ProfileId,
  dryRun: z.boolean().default(false),
});
export type IdentifyInput = z.output<typeof IdentifyInput>;

/** `profile.unmerge`: undo one recorded merge. */
export const UnmergeInput = z.object({ mergeId: z.string().trim().min(1).max(128) });
export type UnmergeInput = z.output<typeof UnmergeInput>;

/** `profile.duplicates`: groups of profiles sharing an identity key, a page at a time. */
export const DuplicatesInput = z.object({
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().max(1000).nullish(),
});
export type DuplicatesInput = z.output<typeof DuplicatesInput>;

/** `profile.mergeHistory`: merges into one profile, newest first. */
export const MergeHistoryInput = z.object({
  profileId: z.string().trim().min(1).max(512),
  limit: z.number().int().min(1).max(100).default(50),
});
export type MergeHistoryInput = z.output<typeof MergeHistoryInput>;

// ---------------------------------------------------------------------------------------------
// 3. The merge
// ---------------------------------------------------------------------------------------------

/** Paths that describe the document, not the person: never decided. */
const DERIVED = new Set(["id", "data.anonymous", "metadata.fields", "metadata.time.update"]);
const SUMMED = new Set(["stats.visits", "stats.views", "metadata.time.visit.count"]);
const SUMMED_MAPS = new Set(["stats.counters", "interests"]);
const EARLIEST = new Set(["metadata.time.insert", "metadata.time.create"]);
const LATEST_TIME = new Set([
  "metadata.time.segmentation",
  "metadata.time.visit.last",
  "metadata.time.visit.current",
]);
const VISIT_TZ = "metadata.time.visit.tz";

type Doc = Record<string, unknown>;
type Value = JsonValue | undefined;

function getIn(root: unknown, keys: readonly string[]): Value {
  let node = root;
  for (const key of keys) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node as Value;
}

function setIn(root: Doc, keys: readonly string[], value: unknown): void {
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (!isPlainObject(next)) return;
    node = next;
  }
  const last = keys[keys.length - 1];
  if (last !== undefined) node[last] = value;
}

const isMissing = (v: Value): v is null | undefined => v === null || v === undefined;
const keyOf = (v: Value): string => JSON.stringify(v ?? null);
const allEqual = (values: readonly Value[]): boolean =>
  values.every((v) => keyOf(v) === keyOf(values[0]));

/**
 * Merges `from` into `into` with an explicit strategy per path (see {@link MergeStrategy}):
 * scalars and the keys of `traits`, `aux`, `consents` and the other free maps go to the latest
 * change; lists, `segments` and `ids` are joined (the merged profiles' ids join `ids`); visits,
 * views, `stats.counters`, numeric `interests` and the visit count are summed; insert and create
 * times take the earliest, visit and segmentation times the latest; `metadata.fields` keeps the
 * winner's stamp per path (the newest stamp where several profiles contributed). Pure: the inputs
 * are not touched.
 */
export function mergeProfiles(into: Profile, from: readonly Profile[]): MergeResult {
  const all: readonly Profile[] = [into, ...from];
  const out = structuredClone(into) as unknown as Doc;
  const decisions: MergeDecision[] = [];
  // Per path: the profile whose stamp the merged document keeps; "latest" takes the newest stamp.
  const stampFrom = new Map<string, number | "latest">();

  const stampOf = (i: number, path: string): string | null =>
    all[i]?.metadata.fields[path]?.[0] ?? null;

  const decide = (
    path: string,
    strategy: MergeStrategy,
    values: readonly Value[],
    winner: number,
    value: Value,
  ) => {
    if (allEqual(values)) return;
    decisions.push({
      path,
      strategy,
      winner: all[winner]?.id ?? into.id,
      value: value ?? null,
      values: values.map((v, i) => ({
        profileId: all[i]?.id ?? "",
        value: v ?? null,
        at: stampOf(i, path),
      })),
    });
  };

  /** Index of the value with the newest stamp; see `latest-change`. */
  const latestChange = (path: string, values: readonly Value[]): number => {
    let best = -1;
    let bestAt: string | null = null;
    values.forEach((v, i) => {
      if (isMissing(v)) return;
      const at = stampOf(i, path);
      if (best === -1 || (at !== null && (bestAt === null || at > bestAt))) {
        best = i;
        bestAt = at;
      }
    });
    return best === -1 ? 0 : best;
  };

  const pickDate = (values: readonly Value[], later: boolean): number => {
    let best = 0;
    values.forEach((v, i) => {
      if (typeof v !== "string") return;
      const current = values[best];
      if (typeof current !== "string" || (later ? v > current : v < current)) best = i;
    });
    return best;
  };

  const union = (values: readonly Value[]): Value => {
    if (values.every(isMissing)) return values[0] ?? null;
    const seen = new Set<string>();
    const joined: JsonValue[] = [];
    for (const list of values) {
      if (!Array.isArray(list)) continue;
      for (const item of list) {
        const k = keyOf(item);
        if (!seen.has(k)) {
          seen.add(k);
          joined.push(item);
        }
      }
    }
    return joined;
  };

  // Saturates rather than failing the merge: two profiles near the limit still merge.
  const sum = (values: readonly Value[], max = Number.MAX_VALUE): number => {
    const total = values.reduce<number>((t, v) => t + (typeof v === "number" ? v : 0), 0);
    return Math.max(-max, Math.min(total, max));
  };

  /** Merges one free map key by key; `summed` maps add numbers where every value is one. */
  const mergeMap = (path: string, keys: readonly string[], summed: boolean) => {
    const maps = all.map((p) => getIn(p, keys)).map((m) => (isPlainObject(m) ? m : {}));
    const names = [...new Set(maps.flatMap((m) => Object.keys(m)))];
    const result: JsonObject = {};
    for (const name of names) {
      const keyPath = `${path}.${name}`;
      const values = maps.map((m) =>
        Object.prototype.hasOwnProperty.call(m, name) ? (m[name] as JsonValue) : undefined,
      );
      const present = values.filter((v) => v !== undefined);
      if (summed && present.every((v) => typeof v === "number")) {
        const total = sum(values);
        result[name] = total;
        stampFrom.set(keyPath, "latest");
        decide(keyPath, "sum", values, 0, total);
        continue;
      }
      const winner = latestChange(keyPath, values);
      const value = values[winner];
      if (value !== undefined) result[name] = value;
      stampFrom.set(keyPath, winner);
      decide(keyPath, "latest-change", values, winner, value);
    }
    setIn(out, keys, result);
  };

  for (const field of Object.values(fieldMetadata)) {
    const { path } = field;
    if (DERIVED.has(path)) continue;
    const keys = path.split(".");
    const values = all.map((p) => getIn(p, keys));

    if (path === "ids") {
      const ids = union([into.ids, ...from.map((p) => [p.id, ...p.ids])]) as string[];
      const value = ids.filter((id) => id !== into.id);
      out["ids"] = value;
      stampFrom.set(path, "latest");
      decisions.push({
        path,
        strategy: "union",
        winner: into.id,
        value,
        values: values.map((v, i) => ({
          profileId: all[i]?.id ?? "",
          value: v ?? null,
          at: stampOf(i, path),
        })),
      });
    } else if (SUMMED.has(path)) {
      const total = sum(values, MAX_COUNTER);
      setIn(out, keys, total);
      stampFrom.set(path, "latest");
      decide(path, "sum", values, 0, total);
    } else if (EARLIEST.has(path) || LATEST_TIME.has(path)) {
      const later = LATEST_TIME.has(path);
      const winner = pickDate(values, later);
      setIn(out, keys, values[winner] ?? null);
      decide(path, later ? "latest-time" : "earliest", values, winner, values[winner]);
    } else if (path === VISIT_TZ) {
      // The zone travels with the visit it was seen on: that of the latest current visit.
      const order = all
        .map((p, i) => ({ i, at: p.metadata.time.visit.current ?? "" }))
        .sort((a, b) => (a.at === b.at ? a.i - b.i : a.at > b.at ? -1 : 1));
      const winner = order.find(({ i }) => !isMissing(values[i]))?.i ?? 0;
      setIn(out, keys, values[winner] ?? null);
      decide(path, "follows-visit", values, winner, values[winner]);
    } else if (field.type === "map") {
      mergeMap(path, keys, SUMMED_MAPS.has(path));
    } else if (field.type === "list") {
      const value = union(values);
      setIn(out, keys, value ?? null);
      stampFrom.set(path, "latest");
      decide(path, "union", values, 0, value);
    } else {
      const winner = latestChange(path, values);
      setIn(out, keys, values[winner] ?? null);
      stampFrom.set(path, winner);
      decide(path, "latest-change", values, winner, values[winner]);
    }
  }

  // Update time: the latest of all (a real merge re-stamps it when it writes).
  const updates = all.map((p) => p.metadata.time.update);
  setIn(out, ["metadata", "time", "update"], updates[pickDate(updates, true)] ?? null);

  const fields: Record<string, [string, string | null]> = {};
  const stamped = [...new Set(all.flatMap((p) => Object.keys(p.metadata.fields)))];
  for (const path of stamped) {
    const source = stampFrom.get(path) ?? "latest";
    const stamps = all.map((p) => p.metadata.fields[path]);
    const stamp =
      source === "latest"
        ? stamps.reduce<[string, string | null] | undefined>(
            (best, s) => (s && (!best || s[0] > best[0]) ? s : best),
            undefined,
          )
        : stamps[source];
    if (stamp) fields[path] = [stamp[0], stamp[1]];
  }
  setIn(out, ["metadata", "fields"], fields);

  return { merged: Profile.parse(out), decisions };
}
