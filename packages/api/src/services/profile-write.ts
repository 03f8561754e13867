import { diffPaths, normalizeDate, Profile as ProfileSchema } from "@cdp/profile-schema";
import type { Profile } from "@cdp/profile-schema";
import {
  DomainError,
  findProfileIdsByIdentifiers,
  identifiersOf,
  insertAudit,
  insertProfile,
  insertProfiles,
  isTransientTransactionError,
  sameIdentifiers,
  setMembershipsOfProfiles,
  suppressedAmong,
  syncIdentifiersOfProfiles,
  updateProfile,
  updateProfiles,
  VersionConflictError,
} from "@cdp/db";
import type { AuditEntry, Database, Identifier, StoredProfile } from "@cdp/db";

import type { Principal } from "../authz";
import { auditEntry, valueAt } from "./audit";
import { resegmentManyForEvents, segmentProfiles } from "./segment";
import type { ProfileSegmentation, UnsavedEvent } from "./segment";

/** Who is writing and why: carried into metadata.fields and the audit log. */
export interface WriteOrigin {
  principal: Principal;
  requestId: string;
  /** What caused the change, stamped as `metadata.fields[path][1]`: an event id, `import:<job>`… */
  source: string;
  /** When the change happened (event time for track); defaults to now. */
  time?: string;
  /** The audit action (default `profile.create` / `profile.update`). */
  action?: string;
  /** Why, when a person gave a reason (recorded in the audit log). */
  reason?: string | null;
  /**
   * Per-path stamps when one write carries several causes (a batch of events folded into one
   * write): `metadata.fields[path]` takes the stamp given here, else `[time, source]`.
   */
  stamps?: Readonly<Record<string, readonly [string, string | null]>>;
  /**
   * Events this write applies that are not stored yet (track stores a batch's events after its
   * profiles): segment conditions on events count them too.
   */
  unsavedEvents?: readonly UnsavedEvent[];
  /** The server clock segment conditions are evaluated at (tests); defaults to now. */
  now?: Date;
}

export interface WriteResult {
  stored: StoredProfile;
  /** Document paths whose value changed (empty when the write changed nothing). */
  changed: string[];
}

/**
 * Paths that describe the document rather than the person: never stamped themselves. `segments`
 * is derived by every write (entries and exits have their own history).
 */
const isBookkeeping = (path: string) =>
  path.startsWith("metadata.") || path === "data.anonymous" || path === "segments";

/**
 * Whether the caller left `segments` as it was. Every write derives the computed segments; a
 * change of the static tags alone (a mapping rule's `add_segment`) must still be written.
 */
const sameSegments = (before: Profile, after: Profile) =>
  before.segments.length === after.segments.length &&
  before.segments.every((id, i) => id === after.segments[i]);

let defaults: Profile | null = null;

/**
 * The default document with this id: what `Profile.parse({ id })` gives (no default depends on
 * anything but the id), parsed once. Its groups are shared by every call, so it is only ever
 * read: a diff base.
 */
export function bareProfile(id: string): Profile {
  defaults ??= ProfileSchema.parse({ id: "bare" });
  return { ...defaults, id };
}

/** What a write changes; for a new profile, what it sets beyond the defaults. */
function changedPaths(before: Profile | null, after: Profile): string[] {
  const base = before ?? bareProfile(after.id);
  return diffPaths(base, after).filter((p) => !isBookkeeping(p));
}

/** A write as its callers describe it: the document read, the one wanted, and why. */
export interface ProfileWrite {
  before: StoredProfile | null;
  after: Profile;
  origin: WriteOrigin;
}

/** A write made ready: the document to store (stamped and segmented) and its audit row. */
interface PreparedWrite {
  write: ProfileWrite;
  changed: string[];
  after: Profile;
  segmentation: ProfileSegmentation | null;
  now: string;
}

/** A write and the paths it changes, to be prepared. */
interface ChangedWrite {
  write: ProfileWrite;
  changed: string[];
}

/**
 * Stamps `metadata.fields` and the update time of each write, then evaluates every segment for
 * the results: the catalogue once, the stored events of all of them in one query.
 */
async function prepare(db: Database, writes: readonly ChangedWrite[]): Promise<PreparedWrite[]> {
  const stamped = writes.map(({ write, changed }) => {
    const { origin } = write;
    const time = normalizeDate(origin.time ?? new Date().toISOString());
    const fields = { ...write.after.metadata.fields };
    for (const path of changed) {
      const stamp = origin.stamps?.[path];
      fields[path] = stamp ? [normalizeDate(stamp[0]), stamp[1]] : [time, origin.source];
    }
    const after: Profile = {
      ...write.after,
      metadata: {
        ...write.after.metadata,
        fields,
        time: {
          ...write.after.metadata.time,
          update: time,
          insert: write.after.metadata.time.insert ?? time,
        },
      },
    };
    // Evaluated on the document as stored (segmentation time included), so the SQL compiler
    // would give the same answer on the row.
    const now = normalizeDate((origin.now ?? new Date()).toISOString());
    const segmented: Profile = {
      ...after,
      metadata: { ...after.metadata, time: { ...after.metadata.time, segmentation: now } },
    };
    return { write, changed, after, segmented, now };
  });
  const segmentations = await segmentProfiles(
    db,
    stamped.map(({ write, segmented, now }) => ({
      profile: segmented,
      now,
      unsavedEvents: write.origin.unsavedEvents,
    })),
  );
  return stamped.map(({ write, changed, after, segmented, now }, i) => {
    const segmentation = segmentations[i] ?? null;
    return {
      write,
      changed,
      after: segmentation ? { ...segmented, segments: segmentation.segments } : after,
      segmentation,
      now,
    };
  });
}

/**
 * Membership rows and history for written documents, in one statement, except where they cannot
 * have moved: the table is kept in step with `profile.segments`, so equal member sets mean
 * nothing to write. Call after the row writes, whose locks keep other writers of these profiles
 * out until commit.
 */
async function syncMemberships(db: Database, prepared: readonly PreparedWrite[]): Promise<void> {
  const moved = prepared.filter(({ segmentation, write }) => {
    if (!segmentation) return false;
    if (!write.before) return true;
    const evaluated = new Set(segmentation.evaluated);
    const had = write.before.profile.segments.filter((id) => evaluated.has(id)).sort();
    const has = [...segmentation.members].sort();
    return !(had.length === has.length && had.every((id, i) => id === has[i]));
  });
  await setMembershipsOfProfiles(
    db,
    moved.map(({ segmentation, write, after, now }) => ({
      profileId: after.id,
      members: (segmentation as ProfileSegmentation).members,
      evaluated: (segmentation as ProfileSegmentation).evaluated,
      at: now,
      source: write.origin.source,
      requestId: write.origin.requestId,
    })),
  );
}

/**
 * Identifier rows of updated profiles whose identifier set changed, together. A profile id one
 * of them names that another profile holds fails them all (CONFLICT), as a bad row fails the
 * combined UPDATE: the caller then writes them one by one.
 */
async function syncChangedIdentifiers(
  db: Database,
  updates: readonly PreparedWrite[],
): Promise<void> {
  const changed = updates.filter(
    ({ write, after }) => write.before && !sameIdentifiers(write.before.profile, after),
  );
  await syncIdentifiersOfProfiles(
    db,
    changed.map(({ after }) => ({ profileId: after.id, wanted: identifiersOf(after) })),
  );
}

function auditOf(prepared: PreparedWrite): AuditEntry {
  const { write, changed, after } = prepared;
  const { before, origin } = write;
  return auditEntry(origin, {
    action: origin.action ?? (before ? "profile.update" : "profile.create"),
    entity: "profile",
    entityId: after.id,
    changes: changed.map((path) => ({
      path,
      before: before ? (valueAt(before.profile, path) ?? null) : null,
      after: valueAt(after, path) ?? null,
    })),
  });
}

/**
 * Writes whose documents did not change: only event-based memberships can move, and are
 * re-evaluated for all of them together.
 */
async function unchanged(db: Database, writes: readonly ProfileWrite[]): Promise<WriteResult[]> {
  await resegmentManyForEvents(
    db,
    writes.flatMap(({ before, origin }) =>
      before && origin.unsavedEvents?.length
        ? [
            {
              profileId: before.profile.id,
              now: normalizeDate((origin.now ?? new Date()).toISOString()),
              unsavedEvents: origin.unsavedEvents,
              source: origin.source,
              requestId: origin.requestId,
            },
          ]
        : [],
    ),
  );
  return writes.map(({ before }) => ({ stored: before as StoredProfile, changed: [] }));
}

/**
 * The single write path for profiles: computes the changed paths, stamps
 * `metadata.time.update` and `metadata.fields[path] = [time, source]`, evaluates every segment
 * for the new document (`segments`, `metadata.time.segmentation`, the membership table and its
 * entry/exit history), inserts or updates with the version the caller read (a stale one throws a
 * conflict and writes nothing), and appends the audit row. Run it inside the caller's transaction
 * so everything the write implies commits or fails with it.
 */
export async function writeProfile(db: Database, params: ProfileWrite): Promise<WriteResult> {
  const { before } = params;
  const changed = changedPaths(before?.profile ?? null, params.after);
  if (before && changed.length === 0 && sameSegments(before.profile, params.after)) {
    const [result] = await unchanged(db, [params]);
    return result as WriteResult;
  }

  await refuseSuppressed(db, before?.profile ?? null, params.after);
  const [prepared] = (await prepare(db, [{ write: params, changed }])) as [PreparedWrite];
  const stored = before
    ? await updateProfile(db, { profile: prepared.after, expectedVersion: before.version })
    : await insertProfile(db, prepared.after);
  await syncMemberships(db, [prepared]);
  await insertAudit(db, [auditOf(prepared)]);
  return { stored, changed };
}

/** What became of one write of a batch. */
export type WriteOutcome = { ok: true; result: WriteResult } | { ok: false; error: DomainError };

/**
 * Many writes as one: what writeProfile does for each, with one UPDATE for the existing profiles,
 * one INSERT for the new ones, one suppression lookup and one audit insert for all (identifiers and
 * memberships only where they moved) — the path of track and import batches. A write refused on its own (suppressed
 * identifier, …) fails alone; if the combined statements fail for another reason, each write is
 * retried on its own so only the faulty ones fail. Run it in the caller's transaction.
 * @throws VersionConflictError when another writer changed one of the profiles (nothing is kept).
 */
export async function writeProfiles(
  db: Database,
  writes: readonly ProfileWrite[],
): Promise<WriteOutcome[]> {
  const outcomes: (WriteOutcome | undefined)[] = [];
  const pending: { index: number; changed: string[] }[] = [];
  const same: number[] = [];
  for (const [index, write] of writes.entries()) {
    const changed = changedPaths(write.before?.profile ?? null, write.after);
    if (write.before && changed.length === 0 && sameSegments(write.before.profile, write.after)) {
      same.push(index);
    } else pending.push({ index, changed });
  }
  const kept = await unchanged(
    db,
    same.map((index) => writes[index] as ProfileWrite),
  );
  same.forEach((index, i) => {
    outcomes[index] = { ok: true, result: kept[i] as WriteResult };
  });

  const suppressed = await suppressedIn(
    db,
    pending.map(({ index }) => writes[index] as ProfileWrite),
  );
  const accepted = pending.filter(({ index }, position) => {
    const refusal = suppressed.get(position);
    if (refusal) outcomes[index] = { ok: false, error: refusal };
    return !refusal;
  });
  const prepared = await prepare(
    db,
    accepted.map(({ index, changed }) => ({ write: writes[index] as ProfileWrite, changed })),
  );
  const ready = accepted.map(({ index }, i) => ({ index, prepared: prepared[i] as PreparedWrite }));
  const updates = ready.filter(({ prepared }) => prepared.write.before !== null);
  const inserts = ready.filter(({ prepared }) => prepared.write.before === null);

  try {
    const versions = await db.transaction(async (sp) => {
      const updated = await updateProfiles(
        sp,
        updates.map(({ prepared }) => ({
          profile: prepared.after,
          expectedVersion: (prepared.write.before as StoredProfile).version,
        })),
      );
      await insertNew(
        sp,
        inserts.map(({ prepared }) => prepared.after),
      );
      await syncChangedIdentifiers(
        sp,
        updates.map(({ prepared }) => prepared),
      );
      await syncMemberships(
        sp,
        ready.map(({ prepared }) => prepared),
      );
      await insertAudit(
        sp,
        ready.map(({ prepared }) => auditOf(prepared)),
      );
      const versionOf = new Map<number, number>();
      updates.forEach(({ index }, i) => versionOf.set(index, updated[i] as number));
      // A new row starts at version 1 (the column default).
      for (const { index } of inserts) versionOf.set(index, 1);
      return versionOf;
    });
    for (const { index, prepared } of ready) {
      outcomes[index] = {
        ok: true,
        result: {
          stored: { profile: prepared.after, version: versions.get(index) as number },
          changed: prepared.changed,
        },
      };
    }
  } catch (error) {
    // A lost race, or a deadlock or serialization abort: the whole transaction runs again.
    if (error instanceof VersionConflictError || isTransientTransactionError(error)) throw error;
    // One bad document spoils the combined statement: write each on its own to find it.
    for (const { index, prepared } of ready) {
      try {
        const result = await db.transaction((sp) => writeProfile(sp, prepared.write));
        outcomes[index] = { ok: true, result };
      } catch (single) {
        if (single instanceof VersionConflictError || !(single instanceof DomainError))
          throw single;
        outcomes[index] = { ok: false, error: single };
      }
    }
  }
  return outcomes.map((o) => o as WriteOutcome);
}

/**
 * Inserts new profiles together; any that cannot go in as they are (id taken, or one of its own
 * ids already another profile's) fails the whole statement, so the caller writes them one by one.
 */
async function insertNew(db: Database, profiles: readonly Profile[]): Promise<void> {
  if (profiles.length === 0) return;
  const ownIds = profiles.flatMap((p) => identifiersOf(p).filter((i) => i.type === "id"));
  const taken = await findProfileIdsByIdentifiers(db, ownIds);
  const inserted = taken.size === 0 ? await insertProfiles(db, [...profiles]) : [];
  if (inserted.length !== profiles.length) {
    throw new DomainError("CONFLICT", "Some of these profiles' ids are taken.");
  }
}

/** The suppression refusal of each write that adds an erased person's identifier, by index. */
async function suppressedIn(
  db: Database,
  writes: readonly ProfileWrite[],
): Promise<Map<number, DomainError>> {
  const added = writes.map((w) => addedIdentifiers(w.before?.profile ?? null, w.after));
  const found = await suppressedAmong(db, added.flat());
  const refusals = new Map<number, DomainError>();
  if (found.length === 0) return refusals;
  const hit = new Set(found.map((i) => `${i.type}:${i.value}`));
  added.forEach((ids, index) => {
    const mine = ids.filter((i) => hit.has(`${i.type}:${i.value}`));
    if (mine.length > 0) refusals.set(index, suppressionRefusal(mine));
  });
  return refusals;
}

/** Identifiers a write gives the profile that it did not have (its own id aside). */
function addedIdentifiers(before: Profile | null, after: Profile): Identifier[] {
  const had = new Set(before ? identifiersOf(before).map((i) => `${i.type}:${i.value}`) : []);
  return identifiersOf(after).filter((i) => i.type !== "id" && !had.has(`${i.type}:${i.value}`));
}

function suppressionRefusal(suppressed: readonly Identifier[]): DomainError {
  return new DomainError(
    "FORBIDDEN",
    `This ${suppressed.map((i) => i.type).join(" and ")} belongs to an erased person and is suppressed; a privacy officer can lift the suppression.`,
    { suppressed: suppressed.map((i) => i.type) },
  );
}

/**
 * An erased person must not come back through a new profile or a newly added email, phone or
 * external key (track, import, create, update, merge all write through here).
 */
async function refuseSuppressed(db: Database, before: Profile | null, after: Profile) {
  const suppressed = await suppressedAmong(db, addedIdentifiers(before, after));
  if (suppressed.length > 0) throw suppressionRefusal(suppressed);
}
