/**
 * Segments: definitions, live preview, and membership that stays current.
 *
 * - Every profile write evaluates every segment for its profiles in-process (writeProfiles calls
 *   {@link segmentProfiles}), in dependency order, so `{ segment }` nodes see this write's answers.
 * - Creating or changing a segment computes its membership — and that of the segments referring
 *   to it — in SQL over all profiles, in batches of locked profiles, one short transaction each.
 * - {@link refreshSegments} does the same for the segments whose answer moves with the clock
 *   (`within_last`, `before`, event windows, consents and purposes, which expire), on a schedule
 *   and on demand, and finishes any computation that was interrupted.
 *
 * Both paths give the same answer: the SQL compiler and the evaluator agree (property-tested),
 * and both apply a purpose as "a consent of a type with that purpose is granted now".
 */
import { sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import {
  conditionNow,
  dependentSegments,
  evaluateSegments,
  eventReferences,
  explainCondition,
  instantBefore,
  isConsentGranted,
  isTimeRelative,
  normalizeDate,
  orderSegments,
  profileSegmentsAfter,
  segmentReferences,
} from "@cdp/profile-schema";
import type {
  Condition,
  ConditionExplanation,
  ConsentPurpose,
  ExportFormat,
  Profile,
  ProfileSortKey,
  Segment,
  SegmentInput,
  SegmentMembershipEvent,
  SegmentPreviewInput,
  SegmentRule,
  SegmentUpdate,
} from "@cdp/profile-schema";
import {
  compileCondition,
  countEventsOfProfiles,
  countSegmentPreview,
  deleteSegment as deleteSegmentRow,
  DomainError,
  insertSegment,
  listConsentTypes,
  listMembershipEvents,
  listProfiles,
  listSegments,
  loadSegmentCatalog,
  lockProfileBatch,
  lockProfilesById,
  lockSegmentCatalog,
  markSegmentComputed,
  requireProfile,
  requireSegment,
  retryingTransaction,
  segmentSizes,
  segmentVersionConflict,
  setMembershipsOfProfiles,
  setSegmentsOfProfiles,
  syncSegmentMembers,
  updateSegment as updateSegmentRow,
} from "@cdp/db";
import type { AuditChange, Database } from "@cdp/db";

import type { Principal } from "../authz";
import { audit } from "./audit";
import type { AuditOrigin } from "./audit";
import { exportPage } from "./export";
import type { ExportPage } from "./export";
import { presentProfile } from "./present";
import type { ProfileView } from "./present";

/** Profiles per batch of a (re)computation: one short transaction, these rows locked. */
export const SEGMENT_BATCH_SIZE = 1000;

const canonical = (now: Date | string | undefined) => conditionNow(now ?? new Date());

// ---------------------------------------------------------------------------------------------
// 1. The catalogue: what evaluating a profile needs, read once per transaction
// ---------------------------------------------------------------------------------------------

/** A segment as evaluation needs it. */
export interface CatalogSegment extends SegmentRule {
  version: number;
  computedVersion: number | null;
  /** Its answer can change with the clock alone. */
  timeRelative: boolean;
}

/** Every segment in dependency order, and the consent types by purpose. */
export interface SegmentCatalog {
  ordered: CatalogSegment[];
  managed: ReadonlySet<string>;
  typesByPurpose: ReadonlyMap<string, string[]>;
  /** Distinct event windows any segment counts. */
  windows: { type: string; within: string }[];
}

function toCatalog(rows: Awaited<ReturnType<typeof loadSegmentCatalog>>): SegmentCatalog {
  const segments: CatalogSegment[] = rows.segments.map((row) => ({
    id: row.id,
    condition: row.condition,
    // The column only ever receives values the contract parsed.
    purpose: row.purpose as ConsentPurpose | null,
    version: row.version,
    computedVersion: row.computedVersion,
    timeRelative: row.purpose !== null || isTimeRelative(row.condition),
  }));
  const order = orderSegments(segments);
  if (!order.ok) {
    // Saving refuses cycles under a lock on the catalogue; reaching this is a bug.
    throw new Error(`segments refer to each other in a circle: ${order.cycle.join(" → ")}`);
  }
  const windows = new Map<string, { type: string; within: string }>();
  for (const s of segments) {
    for (const w of eventReferences(s.condition)) windows.set(`${w.type}\u0000${w.within}`, w);
  }
  return {
    ordered: order.order,
    managed: new Set(segments.map((s) => s.id)),
    typesByPurpose: typesByPurposeOf(rows.consentTypes),
    windows: [...windows.values()],
  };
}

/** Consent type ids by purpose (archived types too: a grant of one still counts). */
function typesByPurposeOf(
  types: readonly { id: string; purpose: string }[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of types) out.set(t.purpose, [...(out.get(t.purpose) ?? []), t.id]);
  return out;
}

// A boolean rather than a type guard: narrowing would lose the schema type of `db`.
const isTransaction = (db: Database): boolean => db instanceof PgTransaction;

// A transaction sees one catalogue (segment changes commit on their own), so a batch of writes —
// a track batch, an import batch — reads it once.
const catalogs = new WeakMap<Database, Promise<SegmentCatalog>>();

/** The segment catalogue as `db` sees it, cached for the life of a transaction. */
export function segmentCatalog(db: Database): Promise<SegmentCatalog> {
  const cacheable = isTransaction(db);
  const cached = cacheable ? catalogs.get(db) : undefined;
  if (cached) return cached;
  const loading = loadSegmentCatalog(db, { forWrite: true }).then(toCatalog);
  if (cacheable) {
    catalogs.set(db, loading);
    loading.catch(() => catalogs.delete(db));
  }
  return loading;
}

/** Whether a profile holds a consent granted at `now` for any type of `purpose`. */
function purposeGranted(
  catalog: Pick<SegmentCatalog, "typesByPurpose">,
  profile: Profile,
  purpose: ConsentPurpose,
  now: string,
): boolean {
  return (catalog.typesByPurpose.get(purpose) ?? []).some((type) =>
    isConsentGranted(profile.consents, type, now),
  );
}

/** The SQL predicate "granted now for a type of `purpose`"; `false` when no type has it. */
function purposePredicate(
  catalog: Pick<SegmentCatalog, "typesByPurpose">,
  purpose: ConsentPurpose,
  now: string,
): SQL {
  const types = catalog.typesByPurpose.get(purpose) ?? [];
  if (types.length === 0) return sql`false`;
  const granted = types.map((type) =>
    compileCondition({ consent: { type, granted: true } }, { now }),
  );
  return sql`(${sql.join(granted, sql` or `)})`;
}

/** A segment's membership as a SQL predicate on `profile`; null when nobody can belong. */
function membershipPredicate(
  catalog: SegmentCatalog,
  segment: CatalogSegment,
  now: string,
): SQL | null {
  const matches = compileCondition(segment.condition, { now });
  if (segment.purpose === null) return matches;
  if ((catalog.typesByPurpose.get(segment.purpose) ?? []).length === 0) return null;
  return sql`(${matches} and ${purposePredicate(catalog, segment.purpose, now)})`;
}

/** An event the write applies that is not stored yet (track stores events after the profile). */
export interface UnsavedEvent {
  type: string;
  time: string;
}

/** One profile to count events of: the evaluation clock and the events not stored yet. */
interface CountedProfile {
  profileId: string;
  now: string;
  unsaved: readonly UnsavedEvent[];
}

/**
 * `eventCount` for the evaluator, for each profile: stored counts for every window (one query for
 * all of them), plus the unsaved events.
 */
async function eventCounters(
  db: Database,
  windows: readonly { type: string; within: string }[],
  profiles: readonly CountedProfile[],
): Promise<((type: string, since: string) => number)[]> {
  const asked = profiles.map((p) =>
    windows.map((w) => ({ type: w.type, since: instantBefore(p.now, w.within) })),
  );
  const stored = await countEventsOfProfiles(
    db,
    profiles.map((p, i) => ({ profileId: p.profileId, windows: asked[i] ?? [] })),
  );
  return profiles.map((p, i) => {
    const counts = new Map<string, number>();
    (asked[i] ?? []).forEach((w, k) =>
      counts.set(`${w.type}\u0000${w.since}`, stored[i]?.[k] ?? 0),
    );
    const pending = p.unsaved.map((e) => ({ type: e.type, time: normalizeDate(e.time) }));
    return (type, since) =>
      (counts.get(`${type}\u0000${since}`) ?? 0) +
      pending.filter((e) => e.type === type && e.time >= since).length;
  });
}

/** `eventCount` for the evaluator: stored counts for every window, plus the unsaved events. */
async function eventCounter(
  db: Database,
  profileId: string,
  windows: readonly { type: string; within: string }[],
  now: string,
  unsaved: readonly UnsavedEvent[],
): Promise<(type: string, since: string) => number> {
  const [counter] = await eventCounters(db, windows, [{ profileId, now, unsaved }]);
  return counter ?? (() => 0);
}

// ---------------------------------------------------------------------------------------------
// 2. One profile, on every write
// ---------------------------------------------------------------------------------------------

/** What a profile's evaluation decided. */
export interface ProfileSegmentation {
  /** Ids of our segments the profile belongs to. */
  members: string[];
  /** `profile.segments` to store: the members and the labels that are none of our segments. */
  segments: string[];
  /** Every segment evaluated. */
  evaluated: string[];
}

/** A profile document to evaluate, at `now`, with the events it applies that are not stored yet. */
export interface SegmentedDocument {
  profile: Profile;
  now: string;
  unsavedEvents?: readonly UnsavedEvent[];
}

/**
 * Evaluates every segment for profile documents about to be written (null for each when there
 * are no segments): the catalogue is read once per transaction, and event conditions count each
 * profile's stored events plus its `unsavedEvents`, all profiles in one query (none when no
 * segment counts events). In the order given.
 */
export async function segmentProfiles(
  db: Database,
  documents: readonly SegmentedDocument[],
): Promise<(ProfileSegmentation | null)[]> {
  if (documents.length === 0) return [];
  const catalog = await segmentCatalog(db);
  if (catalog.ordered.length === 0) return documents.map(() => null);
  const counters = await eventCounters(
    db,
    catalog.windows,
    documents.map((d) => ({
      profileId: d.profile.id,
      now: d.now,
      unsaved: d.unsavedEvents ?? [],
    })),
  );
  return documents.map(({ profile, now }, i) => {
    const members = evaluateSegments(catalog.ordered, profile, {
      now,
      eventCount: counters[i] ?? (() => 0),
      purposeGranted: (purpose) => purposeGranted(catalog, profile, purpose, now),
    });
    return {
      members,
      segments: profileSegmentsAfter(profile.segments, catalog.managed, members),
      evaluated: [...catalog.managed],
    };
  });
}

/** A profile a write left unchanged, whose new events (not stored yet) event conditions count. */
export interface EventResegment extends SegmentRunOrigin {
  profileId: string;
  now: string;
  unsavedEvents: readonly UnsavedEvent[];
}

/**
 * Re-evaluates profiles whose documents a write left unchanged but whose new events (not stored
 * yet) event conditions count: `segments`, segmentation time and memberships follow, with no new
 * version (they are derived). Nothing happens when no segment counts events. The profiles are
 * locked and read in one statement, counted in one, and their segments and memberships written
 * in one each.
 */
export async function resegmentManyForEvents(
  db: Database,
  items: readonly EventResegment[],
): Promise<void> {
  const wanted = items.filter((i) => i.unsavedEvents.length > 0);
  if (wanted.length === 0) return;
  const catalog = await segmentCatalog(db);
  if (catalog.windows.length === 0) return;
  // Read under the lock: another writer may have committed since the caller read the profiles.
  const current = await lockProfilesById(
    db,
    wanted.map((i) => i.profileId),
  );
  const found = wanted.flatMap((item) => {
    const stored = current.get(item.profileId);
    return stored ? [{ item, profile: stored.profile }] : [];
  });
  const segmentations = await segmentProfiles(
    db,
    found.map(({ item, profile }) => ({
      profile,
      now: item.now,
      unsavedEvents: item.unsavedEvents,
    })),
  );
  const evaluated = found.flatMap(({ item, profile }, i) => {
    const segmentation = segmentations[i];
    return segmentation ? [{ item, profile, segmentation }] : [];
  });
  await setSegmentsOfProfiles(
    db,
    evaluated
      .filter(
        ({ profile, segmentation }) =>
          JSON.stringify(segmentation.segments) !== JSON.stringify(profile.segments),
      )
      .map(({ item, segmentation }) => ({
        profileId: item.profileId,
        segments: segmentation.segments,
        at: item.now,
      })),
  );
  await setMembershipsOfProfiles(
    db,
    evaluated.map(({ item, segmentation }) => ({
      profileId: item.profileId,
      members: segmentation.members,
      evaluated: segmentation.evaluated,
      at: item.now,
      source: item.source,
      requestId: item.requestId,
    })),
  );
}

/**
 * Recomputes every segment for some profiles written without writeProfile (an unmerge puts
 * profiles back as they were): membership, history and `profile.segments`, in SQL. Call inside the
 * writing transaction, with the profiles locked.
 */
export async function resegmentProfiles(
  db: Database,
  profileIds: readonly string[],
  origin: SegmentRunOrigin & { now?: Date | string },
): Promise<void> {
  const catalog = await segmentCatalog(db);
  const now = canonical(origin.now);
  for (const segment of catalog.ordered) {
    await syncSegmentMembers(db, {
      segmentId: segment.id,
      predicate: membershipPredicate(catalog, segment, now),
      profileIds,
      at: now,
      source: origin.source,
      requestId: origin.requestId,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Computing membership in SQL, in batches
// ---------------------------------------------------------------------------------------------

/** Who or what a batch computation runs for (recorded as the history's source). */
export interface SegmentRunOrigin {
  source: string;
  requestId: string | null;
}

export interface SegmentRunResult {
  /** The segments computed, in dependency order. */
  segments: string[];
  /** Profiles visited. */
  profiles: number;
  /** Entries and exits per segment. */
  changes: Record<string, { entered: number; exited: number }>;
}

/**
 * Makes the membership of the segments `pick` selects equal their current definitions for every
 * profile: batches of `batchSize` profiles in id order, each locked and synced in its own
 * transaction (segments in dependency order, so a `{ segment }` node sees its dependency's new
 * answer). The catalogue is read again in each batch, so a segment changed or deleted meanwhile is
 * followed. Segments whose run finished on an unchanged definition are marked computed.
 */
async function syncInBatches(
  db: Database,
  pick: (catalog: SegmentCatalog) => Set<string>,
  origin: SegmentRunOrigin,
  options: { now?: Date | string; batchSize?: number },
): Promise<SegmentRunResult> {
  const batchSize = Math.max(1, options.batchSize ?? SEGMENT_BATCH_SIZE);
  const changes: SegmentRunResult["changes"] = {};
  let after: string | null = null;
  let profiles = 0;
  let last: CatalogSegment[];
  // Segments synced by every batch at one version: only they can be marked computed.
  const steady = new Map<string, number>();
  let firstBatch = true;
  for (;;) {
    // One batch; its outcome is folded into the run only once committed, since a deadlock or
    // serialization abort runs the batch again from the start.
    const batch = await retryingTransaction(db, async (tx) => {
      const catalog = toCatalog(await loadSegmentCatalog(tx));
      const chosen = pick(catalog);
      const segments = catalog.ordered.filter((s) => chosen.has(s.id));
      const counts = new Map<string, { entered: number; exited: number }>();
      const ids =
        segments.length === 0 ? [] : await lockProfileBatch(tx, { after, limit: batchSize });
      const now = canonical(options.now);
      for (const segment of ids.length === 0 ? [] : segments) {
        counts.set(
          segment.id,
          await syncSegmentMembers(tx, {
            segmentId: segment.id,
            predicate: membershipPredicate(catalog, segment, now),
            profileIds: ids,
            at: now,
            source: origin.source,
            requestId: origin.requestId,
          }),
        );
      }
      return { segments, ids, counts };
    });
    last = batch.segments;
    const seen = new Map(last.map((s) => [s.id, s.version]));
    if (firstBatch) for (const [id, version] of seen) steady.set(id, version);
    for (const [id, version] of steady) {
      if (seen.get(id) !== version) steady.delete(id);
    }
    firstBatch = false;
    for (const [id, counts] of batch.counts) {
      const tally = (changes[id] ??= { entered: 0, exited: 0 });
      tally.entered += counts.entered;
      tally.exited += counts.exited;
    }
    profiles += batch.ids.length;
    after = batch.ids[batch.ids.length - 1] ?? after;
    if (last.length === 0 || batch.ids.length < batchSize) break;
  }
  for (const segment of last) {
    const wholeRun = steady.get(segment.id) === segment.version;
    if (wholeRun && segment.computedVersion !== segment.version) {
      await markSegmentComputed(db, { id: segment.id, version: segment.version });
    }
  }
  return { segments: last.map((s) => s.id), profiles, changes };
}

/**
 * Re-evaluates, for every profile, the segments whose answer moves with the clock (and those
 * referring to them), plus any segment whose computation was interrupted — or only `ids` (and
 * the segments referring to them) when given. Batches of profiles, each its own short
 * transaction, so writes wait at most one batch.
 */
export async function refreshSegments(
  db: Database,
  options: {
    now?: Date | string;
    ids?: readonly string[];
    batchSize?: number;
    origin?: SegmentRunOrigin;
  } = {},
): Promise<SegmentRunResult> {
  const origin = options.origin ?? { source: "refresh", requestId: null };
  return syncInBatches(
    db,
    (catalog) => {
      const roots = options.ids
        ? options.ids
        : catalog.ordered
            .filter((s) => s.timeRelative || s.computedVersion !== s.version)
            .map((s) => s.id);
      return dependentSegments(catalog.ordered, roots);
    },
    origin,
    options,
  );
}

/**
 * Runs {@link refreshSegments} every `intervalMs` (never two at once) until stopped; errors go
 * to `onError` and the next run still happens. `stop()` waits for a run in progress.
 */
export function startSegmentRefresh(
  db: Database,
  options: {
    intervalMs: number;
    onRun?: (result: SegmentRunResult) => void;
    onError?: (error: unknown) => void;
  },
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = refreshSegments(db)
      .then((result) => options.onRun?.(result))
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        running = null;
      });
  }, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 4. Definitions
// ---------------------------------------------------------------------------------------------

/** A segment with its current number of members. */
export type SegmentWithSize = Segment & { size: number };

const segmentFields = ["name", "description", "condition", "purpose"] as const;

function segmentChanges(before: SegmentInput | null, after: SegmentInput): AuditChange[] {
  return segmentFields
    .filter((f) => JSON.stringify(before?.[f] ?? null) !== JSON.stringify(after[f]))
    .map((f) => ({ path: f, before: before?.[f] ?? null, after: after[f] }));
}

const bad = (message: string, path: (string | number)[]) =>
  new DomainError("BAD_REQUEST", message, { path });

/**
 * Refuses a definition that names a segment that does not exist, itself, or makes segments refer
 * to each other in a circle. Call with the catalogue locked.
 */
function checkReferences(existing: readonly Segment[], id: string, condition: Condition): void {
  const known = new Set(existing.map((s) => s.id));
  for (const ref of segmentReferences(condition)) {
    if (ref.id === id) {
      throw bad(`Segment "${id}" cannot refer to itself.`, ["condition", ...ref.path]);
    }
    if (!known.has(ref.id)) {
      throw bad(`Segment "${ref.id}" does not exist.`, ["condition", ...ref.path]);
    }
  }
  const order = orderSegments([...existing.filter((s) => s.id !== id), { id, condition }]);
  if (!order.ok) {
    throw bad(`Segments would refer to each other in a circle: ${order.cycle.join(" → ")}.`, [
      "condition",
    ]);
  }
}

// Saving a definition takes the catalogue lock: two saves cannot make a circle neither sees
// alone, and no profile write is still evaluating the old definitions when the new one commits.
async function lockCatalog(db: Database): Promise<Segment[]> {
  await lockSegmentCatalog(db);
  return listSegments(db);
}

const actorOf = (principal: Principal) => `${principal.kind}:${principal.id}`;

/** Adds a segment, audits it, and computes its membership over every profile. */
export async function createSegment(
  db: Database,
  origin: AuditOrigin,
  input: SegmentInput,
  options: { now?: Date | string; batchSize?: number } = {},
): Promise<SegmentWithSize> {
  const created = await retryingTransaction(db, async (tx) => {
    const existing = await lockCatalog(tx);
    checkReferences(existing, input.id, input.condition);
    const segment = await insertSegment(tx, { ...input, createdBy: actorOf(origin.principal) });
    await audit(tx, origin, {
      action: "segment.create",
      entity: "segment",
      entityId: segment.id,
      changes: segmentChanges(null, segment),
    });
    return segment;
  });
  await syncInBatches(
    db,
    () => new Set([created.id]),
    { source: "segment.create", requestId: origin.requestId },
    options,
  );
  return getSegmentWithSize(db, created.id);
}

/**
 * Changes a segment at the version the caller read (stale → CONFLICT), audits it, and recomputes
 * its membership and that of the segments referring to it when the condition or purpose changed.
 */
export async function updateSegment(
  db: Database,
  origin: AuditOrigin,
  input: SegmentUpdate,
  options: { now?: Date | string; batchSize?: number } = {},
): Promise<SegmentWithSize> {
  const { before, after } = await retryingTransaction(db, async (tx) => {
    const existing = await lockCatalog(tx);
    const before = await requireSegment(tx, input.id);
    if (before.version !== input.version) {
      throw segmentVersionConflict(input.id, input.version, before.version);
    }
    const given = Object.fromEntries(
      Object.entries(input.patch).filter(([, v]) => v !== undefined),
    );
    const wanted: Segment = { ...before, ...(given as Partial<Segment>) };
    if (segmentChanges(before, wanted).length === 0) return { before, after: before };
    if (input.patch.condition !== undefined) {
      checkReferences(existing, input.id, input.patch.condition);
    }
    const after = await updateSegmentRow(tx, {
      id: input.id,
      expectedVersion: input.version,
      patch: input.patch,
    });
    await audit(tx, origin, {
      action: "segment.update",
      entity: "segment",
      entityId: input.id,
      changes: segmentChanges(before, after),
    });
    return { before, after };
  });
  const membershipChanged =
    JSON.stringify(before.condition) !== JSON.stringify(after.condition) ||
    before.purpose !== after.purpose;
  if (membershipChanged) {
    await syncInBatches(
      db,
      (catalog) => dependentSegments(catalog.ordered, [after.id]),
      { source: "segment.update", requestId: origin.requestId },
      options,
    );
  } else if (after.version !== before.version && !before.computing) {
    // Same members as the version before, which were complete.
    await markSegmentComputed(db, { id: after.id, version: after.version });
  }
  return getSegmentWithSize(db, after.id);
}

/**
 * Deletes a segment: refused (CONFLICT) while other segments refer to it; its members exit and
 * its id leaves their `profile.segments`. Audited.
 */
export async function deleteSegment(
  db: Database,
  origin: AuditOrigin,
  input: { id: string; version?: number | null },
  options: { now?: Date | string } = {},
): Promise<{ id: string; exited: number }> {
  return retryingTransaction(db, async (tx) => {
    const existing = await lockCatalog(tx);
    const target = existing.find((s) => s.id === input.id) ?? (await requireSegment(tx, input.id));
    const users = existing.filter(
      (s) => s.id !== input.id && segmentReferences(s.condition).some((r) => r.id === input.id),
    );
    if (users.length > 0) {
      throw new DomainError(
        "CONFLICT",
        `Segment ${input.id} is used by ${users.map((s) => s.id).join(", ")}; change ${users.length > 1 ? "them" : "it"} first.`,
        { path: ["id"], usedBy: users.map((s) => s.id) },
      );
    }
    const { exited } = await deleteSegmentRow(tx, {
      id: input.id,
      expectedVersion: input.version ?? undefined,
      at: canonical(options.now),
      source: "segment.delete",
      requestId: origin.requestId,
    });
    await audit(tx, origin, {
      action: "segment.delete",
      entity: "segment",
      entityId: input.id,
      changes: segmentFields.map((f) => ({ path: f, before: target[f], after: null })),
    });
    return { id: input.id, exited };
  });
}

/** One segment with its size. */
export async function getSegmentWithSize(db: Database, id: string): Promise<SegmentWithSize> {
  const segment = await requireSegment(db, id);
  const sizes = await segmentSizes(db, [id]);
  return { ...segment, size: sizes.get(id) ?? 0 };
}

/** Every segment with its size, by id. */
export async function listSegmentsWithSizes(db: Database): Promise<SegmentWithSize[]> {
  const [segments, sizes] = await Promise.all([listSegments(db), segmentSizes(db)]);
  return segments.map((s) => ({ ...s, size: sizes.get(s.id) ?? 0 }));
}

// ---------------------------------------------------------------------------------------------
// 5. Preview, members, history, export
// ---------------------------------------------------------------------------------------------

/** Why one profile matches a previewed condition, or not. Holds no profile values. */
export interface SegmentPreviewExplanation {
  profileId: string;
  /** The condition, part by part. */
  explanation: ConditionExplanation;
  /** Whether it holds a consent for the purpose; null without a purpose. */
  consented: boolean | null;
  /** It would be a member: the condition matches and, with a purpose, it consented. */
  member: boolean;
}

export interface SegmentPreview {
  /** Profiles the condition matches now. */
  count: number;
  /** Of those, profiles with a consent for the purpose: the members (= count without one). */
  consentedCount: number;
  /** Up to 20 of the would-be members, newest first, masked for the caller. */
  sample: ProfileView[];
  explanation: SegmentPreviewExplanation | null;
}

/** Most profiles a preview's sample holds. */
export const PREVIEW_SAMPLE_SIZE = 20;

/** What a condition (and purpose) would select now, without saving anything. */
export async function previewSegment(
  db: Database,
  principal: Principal,
  input: SegmentPreviewInput,
  options: { now?: Date | string } = {},
): Promise<SegmentPreview> {
  const now = canonical(options.now);
  const purpose = input.purpose ?? null;
  const catalog = purpose ? await purposeCatalog(db) : null;
  const where = compileCondition(input.condition, { now });
  const consented = purpose && catalog ? purposePredicate(catalog, purpose, now) : null;
  const [counts, sample, explanation] = await Promise.all([
    countSegmentPreview(db, { where, consented }),
    listProfiles(db, {
      where: consented ? sql`(${where} and ${consented})` : where,
      limit: PREVIEW_SAMPLE_SIZE,
    }),
    input.profileId
      ? explainFor(db, input.profileId, input.condition, now, purpose, catalog)
      : null,
  ]);
  return {
    ...counts,
    sample: sample.items.map((stored) => presentProfile(principal, stored)),
    explanation,
  };
}

/** The purposes' consent types, for a preview. */
async function purposeCatalog(db: Database): Promise<Pick<SegmentCatalog, "typesByPurpose">> {
  return {
    typesByPurpose: typesByPurposeOf(await listConsentTypes(db, { includeArchived: true })),
  };
}

/** A profile by any key; a missing one is NOT_FOUND on the input field that named it. */
async function profileAt(db: Database, key: string, field: string) {
  try {
    return await requireProfile(db, key);
  } catch (error) {
    // requireProfile words it without the key's value (it may be an e-mail or phone).
    if (error instanceof DomainError && error.code === "NOT_FOUND") {
      throw new DomainError(error.code, error.message, { ...error.details, path: [field] });
    }
    throw error;
  }
}

async function explainFor(
  db: Database,
  profileKey: string,
  condition: Condition,
  now: string,
  purpose: ConsentPurpose | null,
  catalog: Pick<SegmentCatalog, "typesByPurpose"> | null,
): Promise<SegmentPreviewExplanation> {
  const { profile } = await profileAt(db, profileKey, "profileId");
  const eventCount = await eventCounter(db, profile.id, eventReferences(condition), now, []);
  const explanation = explainCondition(condition, profile, { now, eventCount });
  const consented = purpose && catalog ? purposeGranted(catalog, profile, purpose, now) : null;
  return {
    profileId: profile.id,
    explanation,
    consented,
    member: explanation.matched && consented !== false,
  };
}

/** A page of a segment's members (keyset-paged like `profile.list`), masked for the caller. */
export async function segmentMembers(
  db: Database,
  principal: Principal,
  input: {
    id: string;
    cursor?: string | null;
    limit?: number;
    sort?: ProfileSortKey;
    order?: "asc" | "desc";
    withTotal?: boolean;
  },
): Promise<{ items: ProfileView[]; nextCursor: string | null; total?: number }> {
  await requireSegment(db, input.id);
  // `profile.segments` holds exactly the members (kept with the membership table); its GIN
  // index serves this.
  const page = await listProfiles(db, {
    where: compileCondition({ segment: { id: input.id } }, { now: canonical(undefined) }),
    cursor: input.cursor,
    limit: input.limit,
    sort: input.sort,
    order: input.order,
    withTotal: input.withTotal,
  });
  return { ...page, items: page.items.map((stored) => presentProfile(principal, stored)) };
}

/** Entries and exits, newest first, of a segment or of a profile (any identifier). */
export async function segmentHistory(
  db: Database,
  input: {
    segmentId?: string | null;
    profileId?: string | null;
    cursor?: string | null;
    limit?: number;
  },
): Promise<{ items: SegmentMembershipEvent[]; nextCursor: string | null }> {
  if (!input.segmentId && !input.profileId) {
    throw bad("Give a segment id, a profile id, or both.", ["segmentId"]);
  }
  const profileId = input.profileId
    ? (await profileAt(db, input.profileId, "profileId")).profile.id
    : null;
  return listMembershipEvents(db, {
    segmentId: input.segmentId,
    profileId,
    cursor: input.cursor,
    limit: input.limit,
  });
}

/** One page of a segment's members as NDJSON or CSV text (like `exportPage`), masked. */
export async function exportSegmentPage(
  db: Database,
  principal: Principal,
  input: {
    id: string;
    format?: ExportFormat;
    columns?: string[];
    cursor?: string | null;
    limit?: number;
    withTotal?: boolean;
  },
): Promise<ExportPage> {
  await requireSegment(db, input.id);
  return exportPage(
    db,
    principal,
    {
      query: { condition: { segment: { id: input.id } } },
      format: input.format,
      columns: input.columns,
    },
    {
      cursor: input.cursor,
      limit: input.limit,
      withTotal: input.withTotal,
      permission: "segments:read",
    },
  );
}
