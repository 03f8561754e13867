import { randomUUID } from "node:crypto";
import {
  diffPaths,
  fieldByPath,
  fieldMetadata,
  MAX_MERGE_SOURCES,
  mergeProfiles,
  Profile as ProfileSchema,
} from "@cdp/profile-schema";
import type { JsonValue, MergeDecision, Profile } from "@cdp/profile-schema";
import {
  deleteMergedProfiles,
  DomainError,
  findProfilesSharingKeys,
  getProfile,
  identifierRowsOf,
  insertMerge,
  listDuplicateGroups,
  listMergesInto,
  lockMerge,
  lockProfiles,
  markMergeUndone,
  reinsertProfiles,
  requireProfile,
  restoreIdentifiers,
  retryingTransaction,
  returnMovedRecords,
  setFieldStamps,
  transferConsentEvents,
  transferEvents,
  transferIdentifiers,
  updateProfile,
} from "@cdp/db";
import type { Database, IdentityKey, MergeRecord, MergeSnapshot, StoredProfile } from "@cdp/db";

import { seesPii } from "../authz";
import type { Principal } from "../authz";
import { maskString } from "../masking";
import { audit, isPiiPath } from "./audit";
import { presentProfile } from "./present";
import type { ProfileView } from "./present";
import { writeProfile } from "./profile-write";
import { resegmentProfiles } from "./segment";
import type { WriteOrigin } from "./profile-write";

// ---------------------------------------------------------------------------------------------
// 1. Merge
// ---------------------------------------------------------------------------------------------

export interface MergeOutcome {
  /** The recorded merge; null for a dry run. */
  mergeId: string | null;
  dryRun: boolean;
  into: string;
  from: string[];
  /** The survivor as written (or, for a dry run, as it would be). */
  survivor: StoredProfile;
  decisions: MergeDecision[];
}

const actorOf = (origin: WriteOrigin) => `${origin.principal.kind}:${origin.principal.id}`;

function refuseBadNames(into: string, from: readonly string[]): void {
  const seen = new Set<string>();
  from.forEach((id, i) => {
    if (id === into) {
      throw new DomainError("BAD_REQUEST", `Profile ${id} cannot be merged into itself.`, {
        path: ["from", i],
      });
    }
    if (seen.has(id)) {
      throw new DomainError("BAD_REQUEST", `Profile ${id} is named twice.`, { path: ["from", i] });
    }
    seen.add(id);
  });
  if (from.length === 0 || from.length > MAX_MERGE_SOURCES) {
    throw new DomainError(
      "BAD_REQUEST",
      `Merge 1 to ${MAX_MERGE_SOURCES} profiles at a time (got ${from.length}).`,
      { path: ["from"] },
    );
  }
}

/**
 * Merges the `from` profiles (exact ids) into `into` by the strategies of `mergeProfiles`. In one
 * transaction: the merged profiles' events, consent records and identifiers move to the survivor,
 * the merged profiles are deleted, the survivor is written through `writeProfile`, and the merge is
 * recorded with full snapshots for undo, so their ids keep resolving to the survivor. A dry run
 * computes the same result and writes nothing.
 */
export async function mergeInto(
  db: Database,
  params: { into: string; from: readonly string[]; dryRun?: boolean; reason?: string | null },
  origin: WriteOrigin,
): Promise<MergeOutcome> {
  const { into } = params;
  const from = [...params.from];
  refuseBadNames(into, from);

  return retryingTransaction(db, async (tx) => {
    const found = new Map((await lockProfiles(tx, [into, ...from])).map((s) => [s.profile.id, s]));
    const missing = [into, ...from].filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new DomainError(
        "NOT_FOUND",
        `Profile${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ${missing.length > 1 ? "were" : "was"} not found.`,
        { ids: missing },
      );
    }
    const target = found.get(into) as StoredProfile;
    const sources = from.map((id) => found.get(id) as StoredProfile);
    const { merged, decisions } = mergeProfiles(
      target.profile,
      sources.map((s) => s.profile),
    );
    if (params.dryRun) {
      return {
        mergeId: null,
        dryRun: true,
        into,
        from,
        survivor: { ...target, profile: merged },
        decisions,
      };
    }

    const mergeId = randomUUID();
    const identifiers = await identifierRowsOf(tx, [into, ...from]);
    const snapshot: MergeSnapshot = {
      into: target,
      from: sources,
      result: merged,
      identifiers,
      events: {},
      displacedEvents: [],
      consentEvents: {},
    };
    for (const id of from) {
      const { moved, displaced } = await transferEvents(tx, { from: id, to: into });
      snapshot.events[id] = moved;
      snapshot.displacedEvents.push(...displaced);
      snapshot.consentEvents[id] = await transferConsentEvents(tx, { from: id, to: into });
    }
    await transferIdentifiers(tx, { from, to: into });
    await deleteMergedProfiles(
      tx,
      sources.map((s) => ({ id: s.profile.id, version: s.version })),
    );

    const mergeOrigin: WriteOrigin = {
      ...origin,
      source: `merge:${mergeId}`,
      action: "profile.merge",
      reason: params.reason ?? null,
    };
    const { stored } = await writeProfile(tx, {
      before: target,
      after: merged,
      origin: mergeOrigin,
    });
    // writeProfile stamps every changed path with the merge time; the merge's rule is that each
    // path keeps its winner's own change time, so the next merge still compares real ages.
    await setFieldStamps(tx, { id: into, version: stored.version, fields: merged.metadata.fields });
    const [survivor] = await lockProfiles(tx, [into]);
    if (!survivor) throw new Error(`the survivor ${into} vanished inside its merge`);
    snapshot.result = survivor.profile;

    for (const source of sources) {
      await audit(tx, mergeOrigin, {
        action: "profile.merge",
        entity: "profile",
        entityId: source.profile.id,
        changes: [{ path: "merged_into", before: null, after: into }],
      });
    }
    await insertMerge(tx, {
      id: mergeId,
      intoId: into,
      fromIds: from,
      decisions,
      snapshot,
      resultVersion: survivor.version,
      reason: params.reason ?? null,
      actor: actorOf(origin),
    });
    return { mergeId, dryRun: false, into, from, survivor, decisions };
  });
}

// ---------------------------------------------------------------------------------------------
// 2. Identify
// ---------------------------------------------------------------------------------------------

export interface IdentifyOutcome {
  /** The profile asked about (its id). */
  profileId: string;
  /** Every other profile sharing a key with it, and the keys shared. */
  matches: { id: string; shared: IdentityKey[] }[];
  /** The merge that was made (or planned, on a dry run); null when nothing matched. */
  merge: MergeOutcome | null;
}

/**
 * Finds the profiles sharing a normalised e-mail, phone or external key with the given one (any
 * identifier resolves it) and merges them all into the oldest (earliest insert, then id). Only
 * direct matches take part: a profile matching a match but not this one is left for its own run.
 */
export async function identifyProfile(
  db: Database,
  params: { profileId: string; dryRun?: boolean },
  origin: WriteOrigin,
): Promise<IdentifyOutcome> {
  return retryingTransaction(db, async (tx) => {
    const subject = await requireProfile(tx, params.profileId);
    const id = subject.profile.id;
    const group = await findProfilesSharingKeys(tx, id);
    const matches = group.filter((g) => g.id !== id);
    if (matches.length === 0) return { profileId: id, matches: [], merge: null };
    if (matches.length > MAX_MERGE_SOURCES) {
      throw new DomainError(
        "BAD_REQUEST",
        `${matches.length} profiles share an identifier with ${id}; at most ${MAX_MERGE_SOURCES} merge at once. Review them under duplicates.`,
        { count: matches.length },
      );
    }
    const [oldest, ...rest] = group.map((g) => g.id);
    const types = [...new Set(matches.flatMap((m) => m.shared.map((k) => k.type)))].sort();
    const merge = await mergeInto(
      tx,
      {
        into: oldest as string,
        from: rest,
        dryRun: params.dryRun ?? false,
        reason: `identify ${id}: shared ${types.join(", ")}`,
      },
      origin,
    );
    return { profileId: id, matches, merge };
  });
}

// ---------------------------------------------------------------------------------------------
// 3. Unmerge
// ---------------------------------------------------------------------------------------------

/** Paths that change on every write or are derived: a later change there blocks nothing. */
const isBookkeeping = (path: string) =>
  path === "metadata.time.update" ||
  path === "metadata.time.segmentation" ||
  path === "segments" ||
  path === "data.anonymous" ||
  path === "metadata.fields" ||
  path.startsWith("metadata.fields.");

export interface UnmergeOutcome {
  mergeId: string;
  survivor: StoredProfile;
  restored: StoredProfile[];
  /** Paths changed on the survivor after the merge and kept through the undo. */
  kept: string[];
}

/** Where a document path lives: a leaf's keys, or a free map's keys and the key inside it. */
function locate(path: string): { keys: string[]; mapKey?: string } | null {
  if (fieldByPath(path)) return { keys: path.split(".") };
  for (const field of Object.values(fieldMetadata)) {
    if (field.type === "map" && path.startsWith(`${field.path}.`)) {
      return { keys: field.path.split("."), mapKey: path.slice(field.path.length + 1) };
    }
  }
  return null;
}

function nodeAt(doc: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  let node = doc;
  for (const key of keys) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === "object" && node !== null && !Array.isArray(node)
    ? (node as Record<string, unknown>)
    : undefined;
}

/** `base` with the values (and change stamps) of `paths` taken from `current`. */
function carryOver(base: Profile, current: Profile, paths: readonly string[]): Profile {
  const out = structuredClone(base) as unknown as Record<string, unknown>;
  const fields = { ...base.metadata.fields };
  for (const path of paths) {
    const where = locate(path);
    if (!where) continue;
    const parentKeys = where.mapKey === undefined ? where.keys.slice(0, -1) : where.keys;
    const key = where.mapKey ?? where.keys[where.keys.length - 1];
    const target = nodeAt(out, parentKeys);
    const source = nodeAt(current, parentKeys);
    if (!target || key === undefined) continue;
    if (source && Object.prototype.hasOwnProperty.call(source, key)) {
      target[key] = structuredClone(source[key]);
    } else {
      delete target[key];
    }
    const stamp = current.metadata.fields[path];
    if (stamp) fields[path] = stamp;
    else delete fields[path];
  }
  const doc = out as unknown as Profile;
  return ProfileSchema.parse({
    ...doc,
    metadata: {
      ...doc.metadata,
      fields,
      time: { ...doc.metadata.time, update: current.metadata.time.update },
    },
  });
}

/**
 * Undoes a merge: the merged profiles come back exactly as they were (versions bumped), with their
 * identifiers, events and consent records; the survivor gets its document from before the merge.
 *
 * Allowed while no path the merge decided has changed on the survivor since. If the survivor did
 * change elsewhere (its version moved but only undecided paths differ from the merge's result),
 * those later changes are kept on the restored survivor. Otherwise CONFLICT naming the paths.
 */
export async function unmerge(
  db: Database,
  params: { mergeId: string },
  origin: WriteOrigin,
): Promise<UnmergeOutcome> {
  return retryingTransaction(db, async (tx) => {
    const record = await lockMerge(tx, params.mergeId);
    if (!record)
      throw new DomainError("NOT_FOUND", `Merge ${params.mergeId} was not found.`, {
        id: params.mergeId,
      });
    if (record.undoneAt) {
      throw new DomainError(
        "CONFLICT",
        `Merge ${record.id} was already undone (${record.undoneAt} by ${record.undoneBy ?? "unknown"}).`,
        { mergeId: record.id, undoneAt: record.undoneAt, undoneBy: record.undoneBy },
      );
    }
    const snap = record.snapshot;
    const [current] = await lockProfiles(tx, [record.intoId]);
    if (!current) {
      const now = await getProfile(tx, record.intoId);
      throw new DomainError(
        "CONFLICT",
        now
          ? `Profile ${record.intoId} was merged into ${now.profile.id} since; undo that merge first.`
          : `Profile ${record.intoId} was deleted since the merge; nothing to split.`,
        { mergeId: record.id, intoId: record.intoId, now: now?.profile.id ?? null },
      );
    }

    let kept: string[] = [];
    let survivorDoc = snap.into.profile;
    if (current.version !== record.resultVersion) {
      const decided = new Set(record.decisions.map((d) => d.path));
      const changed = diffPaths(snap.result, current.profile).filter((p) => !isBookkeeping(p));
      const clashing = changed.filter((p) => decided.has(p));
      if (clashing.length > 0) {
        throw new DomainError(
          "CONFLICT",
          `Profile ${record.intoId} changed since the merge at ${clashing.join(", ")}, which the merge decided; undo would lose that change.`,
          { mergeId: record.id, paths: clashing },
        );
      }
      kept = changed;
      survivorDoc = carryOver(snap.into.profile, current.profile, changed);
    }

    await updateProfile(tx, { profile: survivorDoc, expectedVersion: current.version });
    const restored = snap.from.map((s) => ({ profile: s.profile, version: s.version + 1 }));
    await reinsertProfiles(tx, restored);
    for (const source of snap.from) {
      const id = source.profile.id;
      await returnMovedRecords(tx, {
        from: record.intoId,
        to: id,
        events: snap.events[id] ?? [],
        consentEvents: snap.consentEvents[id] ?? [],
        displacedEvents: snap.displacedEvents.filter((e) => e.profileId === id),
      });
    }
    await restoreIdentifiers(tx, {
      profileIds: [record.intoId, ...snap.from.map((s) => s.profile.id)],
      rows: snap.identifiers,
      profiles: [survivorDoc, ...snap.from.map((s) => s.profile)],
    });
    // The documents came back as they were at the merge; memberships follow them as they are now.
    await resegmentProfiles(tx, [record.intoId, ...snap.from.map((s) => s.profile.id)], {
      source: `unmerge:${record.id}`,
      requestId: origin.requestId,
      now: origin.now,
    });
    if (!(await markMergeUndone(tx, { id: record.id, by: actorOf(origin) }))) {
      throw new DomainError("CONFLICT", `Merge ${record.id} was already undone.`, {
        mergeId: record.id,
      });
    }

    const undoOrigin = { ...origin, reason: origin.reason ?? null };
    await audit(tx, undoOrigin, {
      action: "profile.unmerge",
      entity: "profile",
      entityId: record.intoId,
      changes: diffPaths(current.profile, survivorDoc).map((path) => ({
        path,
        before: valueAtPath(current.profile, path),
        after: valueAtPath(survivorDoc, path),
      })),
    });
    for (const source of snap.from) {
      await audit(tx, undoOrigin, {
        action: "profile.unmerge",
        entity: "profile",
        entityId: source.profile.id,
        changes: [{ path: "merged_into", before: record.intoId, after: null }],
      });
    }

    const [survivor] = await lockProfiles(tx, [record.intoId]);
    if (!survivor) throw new Error(`the survivor ${record.intoId} vanished inside its unmerge`);
    const back = new Map(
      (
        await lockProfiles(
          tx,
          snap.from.map((f) => f.profile.id),
        )
      ).map((s) => [s.profile.id, s]),
    );
    const restoredNow = snap.from.flatMap((f) => back.get(f.profile.id) ?? []);
    return { mergeId: record.id, survivor, restored: restoredNow, kept };
  });
}

function valueAtPath(doc: Profile, path: string): JsonValue {
  const where = locate(path);
  if (!where) return null;
  if (where.mapKey === undefined) {
    const parent = nodeAt(doc, where.keys.slice(0, -1));
    const key = where.keys[where.keys.length - 1];
    return key === undefined ? null : ((parent?.[key] as JsonValue | undefined) ?? null);
  }
  return (nodeAt(doc, where.keys)?.[where.mapKey] as JsonValue | undefined) ?? null;
}

// ---------------------------------------------------------------------------------------------
// 4. Duplicates and history
// ---------------------------------------------------------------------------------------------

export interface DuplicateGroupView {
  key: IdentityKey;
  total: number;
  profiles: ProfileView[];
}

const KEY_PATH: Record<IdentityKey["type"], string> = {
  email: "data.contact.email.main",
  phone: "data.contact.phone.main",
  ext: "data.identifier.id",
};

/** An identity key as a caller may see it: the value masked without `profiles:pii`. */
export function presentKey(principal: Principal | null, key: IdentityKey): IdentityKey {
  return seesPii(principal)
    ? key
    : { ...key, value: maskString(key.value, KEY_PATH[key.type]) };
}

/** Groups of profiles sharing an e-mail, phone or external key, a page at a time. */
export async function findDuplicates(
  db: Database,
  principal: Principal | null,
  params: { limit?: number; cursor?: string | null },
): Promise<{ items: DuplicateGroupView[]; nextCursor: string | null }> {
  const page = await listDuplicateGroups(db, params);
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((g) => ({
      key: presentKey(principal, g.key),
      total: g.total,
      profiles: g.profiles.map((p) => presentProfile(principal, p)),
    })),
  };
}

/** Merges into a profile (found by any identifier), newest first; decisions masked as needed. */
export async function mergeHistory(
  db: Database,
  principal: Principal | null,
  params: { profileId: string; limit?: number },
): Promise<MergeRecord[]> {
  const found = await getProfile(db, params.profileId);
  const records = await listMergesInto(db, {
    intoId: found?.profile.id ?? params.profileId,
    limit: params.limit,
  });
  return records.map((r) => ({ ...r, decisions: presentDecisions(principal, r.decisions) }));
}

// ---------------------------------------------------------------------------------------------
// 5. Presentation
// ---------------------------------------------------------------------------------------------

function maskJson(value: JsonValue, path: string): JsonValue {
  if (value === null) return null;
  if (typeof value === "string") return maskString(value, path);
  if (Array.isArray(value)) return value.map((v) => maskJson(v, path));
  if (typeof value === "object") return {};
  return null;
}

/** Decisions as a caller may see them: values at PII paths masked without `profiles:pii`. */
export function presentDecisions(
  principal: Principal | null,
  decisions: MergeDecision[],
): MergeDecision[] {
  if (seesPii(principal)) return decisions;
  return decisions.map((d) =>
    isPiiPath(d.path)
      ? {
          ...d,
          value: maskJson(d.value, d.path),
          values: d.values?.map((v) => ({ ...v, value: maskJson(v.value, d.path) })),
        }
      : d,
  );
}

/** A merge outcome with the survivor through `presentProfile` and decisions masked. */
export function presentMerge(principal: Principal | null, outcome: MergeOutcome) {
  return {
    mergeId: outcome.mergeId,
    dryRun: outcome.dryRun,
    into: outcome.into,
    from: outcome.from,
    survivor: presentProfile(principal, outcome.survivor),
    decisions: presentDecisions(principal, outcome.decisions),
  };
}
