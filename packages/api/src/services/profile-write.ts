import { diffPaths, normalizeDate, Profile as ProfileSchema } from "@cdp/profile-schema";
import type { Profile } from "@cdp/profile-schema";
import {
  DomainError,
  identifiersOf,
  insertProfile,
  setProfileMemberships,
  suppressedAmong,
  updateProfile,
} from "@cdp/db";
import type { Database, StoredProfile } from "@cdp/db";

import type { Principal } from "../authz";
import { audit, valueAt } from "./audit";
import { resegmentForEvents, segmentProfile } from "./segment";
import type { UnsavedEvent } from "./segment";

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

/** What a write changes; for a new profile, what it sets beyond the defaults. */
function changedPaths(before: Profile | null, after: Profile): string[] {
  const base = before ?? ProfileSchema.parse({ id: after.id });
  return diffPaths(base, after).filter((p) => !isBookkeeping(p));
}

/**
 * The single write path for profiles: computes the changed paths, stamps
 * `metadata.time.update` and `metadata.fields[path] = [time, source]`, evaluates every segment
 * for the new document (`segments`, `metadata.time.segmentation`, the membership table and its
 * entry/exit history), inserts or updates with the version the caller read (a stale one throws a
 * conflict and writes nothing), and appends the audit row. Run it inside the caller's transaction
 * so everything the write implies commits or fails with it.
 */
export async function writeProfile(
  db: Database,
  params: { before: StoredProfile | null; after: Profile; origin: WriteOrigin },
): Promise<WriteResult> {
  const { before, origin } = params;
  const time = normalizeDate(origin.time ?? new Date().toISOString());
  const changed = changedPaths(before?.profile ?? null, params.after);
  if (before && changed.length === 0) {
    if (origin.unsavedEvents?.length) {
      // Events that changed nothing in the document can still change event-based memberships.
      await resegmentForEvents(db, before.profile.id, {
        now: normalizeDate((origin.now ?? new Date()).toISOString()),
        unsavedEvents: origin.unsavedEvents,
        source: origin.source,
        requestId: origin.requestId,
      });
    }
    return { stored: before, changed };
  }

  await refuseSuppressed(db, before?.profile ?? null, params.after);

  const fields = { ...params.after.metadata.fields };
  for (const path of changed) {
    const stamp = origin.stamps?.[path];
    fields[path] = stamp ? [normalizeDate(stamp[0]), stamp[1]] : [time, origin.source];
  }
  let after: Profile = {
    ...params.after,
    metadata: {
      ...params.after.metadata,
      fields,
      time: {
        ...params.after.metadata.time,
        update: time,
        insert: params.after.metadata.time.insert ?? time,
      },
    },
  };
  // Evaluated on the document as stored (segmentation time included), so the SQL compiler would
  // give the same answer on the row.
  const now = normalizeDate((origin.now ?? new Date()).toISOString());
  const segmented: Profile = {
    ...after,
    metadata: { ...after.metadata, time: { ...after.metadata.time, segmentation: now } },
  };
  const segmentation = await segmentProfile(db, segmented, {
    now,
    unsavedEvents: origin.unsavedEvents,
  });
  if (segmentation) after = { ...segmented, segments: segmentation.segments };
  const stored = before
    ? await updateProfile(db, { profile: after, expectedVersion: before.version })
    : await insertProfile(db, after);
  if (segmentation) {
    // After the row write, whose lock keeps other writers of this profile out until commit.
    await setProfileMemberships(db, {
      profileId: after.id,
      members: segmentation.members,
      evaluated: segmentation.evaluated,
      at: now,
      source: origin.source,
      requestId: origin.requestId,
    });
  }
  await audit(db, origin, {
    action: origin.action ?? (before ? "profile.update" : "profile.create"),
    entity: "profile",
    entityId: after.id,
    changes: changed.map((path) => ({
      path,
      before: before ? (valueAt(before.profile, path) ?? null) : null,
      after: valueAt(after, path) ?? null,
    })),
  });
  return { stored, changed };
}

/**
 * An erased person must not come back through a new profile or a newly added email, phone or
 * external key (track, import, create, update, merge all write through here).
 */
async function refuseSuppressed(db: Database, before: Profile | null, after: Profile) {
  const had = new Set(before ? identifiersOf(before).map((i) => `${i.type}:${i.value}`) : []);
  const added = identifiersOf(after).filter(
    (i) => i.type !== "id" && !had.has(`${i.type}:${i.value}`),
  );
  const suppressed = await suppressedAmong(db, added);
  if (suppressed.length > 0) {
    throw new DomainError(
      "FORBIDDEN",
      `This ${suppressed.map((i) => i.type).join(" and ")} belongs to an erased person and is suppressed; a privacy officer can lift the suppression.`,
      { suppressed: suppressed.map((i) => i.type) },
    );
  }
}
