import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import { normalizeDate } from "@cdp/profile-schema";
import type {
  ConsentPurpose,
  Segment,
  SegmentInput,
  SegmentMembershipEvent,
  SegmentPatch,
} from "@cdp/profile-schema";

import type { Database } from "../client";
import { DomainError, NotFoundError } from "../errors";
import { consentType, profile, segment, segmentMembership } from "../schema";
import type { SegmentRow } from "../schema";
import { pgTimestampToIso, rowsOf } from "../sql";

/*
 * Segments, their current members and the entry/exit history. `segment_membership` and the ids of
 * our segments in `profile.segments` are one set kept in two places (the table for counts and
 * history, the column for conditions and lists): every statement here that changes one changes the
 * other in the same statement, while holding the profile's row lock.
 */

const iso = (value: string) => normalizeDate(pgTimestampToIso(value) ?? value);

// Every parameter goes as text and is cast in SQL, so postgres.js and PGlite bind alike (see
// condition.ts); lists go as one jsonb parameter.
const text = (value: string) => sql`${value}::text`;
const instant = (value: string) => sql`${value}::text::timestamptz`;
const idList = (ids: readonly string[]) =>
  sql`(select value from jsonb_array_elements_text(${JSON.stringify(ids)}::text::jsonb))`;

/** `profile.segments` with `id` added (sorted by code point, no duplicates). */
const withSegment = (id: string) =>
  sql`(select coalesce(jsonb_agg(s.x order by s.x collate "C"), '[]'::jsonb) from (select jsonb_array_elements_text(p.segments) union select ${text(id)}) as s(x))`;
/** `profile.segments` without `id`. */
const withoutSegment = (id: string) =>
  sql`(select coalesce(jsonb_agg(s.x order by s.x collate "C"), '[]'::jsonb) from jsonb_array_elements_text(p.segments) as s(x) where s.x <> ${text(id)})`;

// ---------------------------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------------------------

/** A segment row as the contract's Segment. */
export function rowToSegment(row: SegmentRow): Segment {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    condition: row.condition,
    // The column only ever receives values the contract parsed.
    purpose: row.purpose as ConsentPurpose | null,
    version: row.version,
    createdBy: row.createdBy,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    computing: row.computedVersion !== row.version,
  };
}

/** One segment by id; null when there is none. */
export async function getSegment(db: Database, id: string): Promise<Segment | null> {
  const rows = await db.select().from(segment).where(eq(segment.id, id));
  const row = rows[0];
  return row ? rowToSegment(row) : null;
}

/** Like getSegment, but a missing segment is NOT_FOUND. */
export async function requireSegment(db: Database, id: string): Promise<Segment> {
  const found = await getSegment(db, id);
  if (!found) throw new NotFoundError("Segment", id);
  return found;
}

/** Every segment (the catalogue is small: no paging), by id. */
export async function listSegments(db: Database): Promise<Segment[]> {
  const rows = await db.select().from(segment).orderBy(asc(segment.id));
  return rows.map(rowToSegment);
}

/** Current members per segment id (segments without members are absent). */
export async function segmentSizes(
  db: Database,
  ids?: readonly string[],
): Promise<Map<string, number>> {
  const rows = await db
    .select({ id: segmentMembership.segmentId, n: sql<number>`count(*)::int` })
    .from(segmentMembership)
    .where(ids ? sql`${segmentMembership.segmentId} in ${idList(ids)}` : undefined)
    .groupBy(segmentMembership.segmentId);
  return new Map(rows.map((r) => [r.id, Number(r.n)]));
}

/** Adds a segment (no members yet); an id already taken is a CONFLICT on `id`. */
export async function insertSegment(
  db: Database,
  input: SegmentInput & { createdBy: string },
): Promise<Segment> {
  const inserted = await db.insert(segment).values(input).onConflictDoNothing().returning();
  const row = inserted[0];
  if (!row) {
    throw new DomainError("CONFLICT", `A segment with id "${input.id}" already exists.`, {
      path: ["id"],
      id: input.id,
    });
  }
  return rowToSegment(row);
}

/** A write named a segment version that is no longer current: nothing was changed. */
export function segmentVersionConflict(
  id: string,
  expectedVersion: number,
  currentVersion: number,
): DomainError {
  return new DomainError(
    "CONFLICT",
    `Segment ${id} was changed by someone else (you had version ${expectedVersion}, it is now ${currentVersion}); reload and review.`,
    { path: ["version"], id, expectedVersion, currentVersion },
  );
}

/**
 * Applies a patch to the segment at `expectedVersion` and increments the version; a stale version
 * is a CONFLICT carrying the current one, and nothing changes.
 */
export async function updateSegment(
  db: Database,
  params: { id: string; expectedVersion: number; patch: SegmentPatch },
): Promise<Segment> {
  const set = Object.fromEntries(Object.entries(params.patch).filter(([, v]) => v !== undefined));
  const updated = await db
    .update(segment)
    .set({ ...set, version: sql`${segment.version} + 1`, updatedAt: sql`now()` })
    .where(and(eq(segment.id, params.id), eq(segment.version, params.expectedVersion)))
    .returning();
  const row = updated[0];
  if (row) return rowToSegment(row);
  const current = await getSegment(db, params.id);
  if (!current) throw new NotFoundError("Segment", params.id);
  throw segmentVersionConflict(params.id, params.expectedVersion, current.version);
}

/** Records that membership of `version` is computed for every profile (false: it moved on). */
export async function markSegmentComputed(
  db: Database,
  params: { id: string; version: number },
): Promise<boolean> {
  const updated = await db
    .update(segment)
    .set({ computedVersion: params.version })
    .where(and(eq(segment.id, params.id), eq(segment.version, params.version)))
    .returning({ id: segment.id });
  return updated.length > 0;
}

/** Who wrote a membership change, for the history. */
export interface MembershipOrigin {
  at: string;
  source: string;
  requestId: string | null;
}

/**
 * Deletes a segment: its members exit (history kept), its id leaves `profile.segments`, and the
 * definition goes. Returns how many members it had.
 */
export async function deleteSegment(
  db: Database,
  params: { id: string; expectedVersion?: number } & MembershipOrigin,
): Promise<{ exited: number }> {
  const { id } = params;
  const found = await db
    .select({ version: segment.version })
    .from(segment)
    .where(eq(segment.id, id))
    .for("update");
  const current = found[0];
  if (!current) throw new NotFoundError("Segment", id);
  if (params.expectedVersion !== undefined && params.expectedVersion !== current.version) {
    throw segmentVersionConflict(id, params.expectedVersion, current.version);
  }
  const rows = rowsOf<{ exited: number }>(
    await db.execute(sql`
      with exited as (
        delete from segment_membership where segment_id = ${text(id)} returning profile_id
      ),
      logged as (
        insert into segment_membership_event (profile_id, segment_id, kind, at, source, request_id)
        select profile_id, ${text(id)}, 'exited', ${instant(params.at)}, ${text(params.source)},
          ${params.requestId}::text
        from exited
      ),
      touched as (
        update profile p set segments = ${withoutSegment(id)}, segmented_at = ${instant(params.at)}
        where p.id in (select profile_id from exited)
          or p.segments @> jsonb_build_array(${text(id)})
        returning 1
      )
      select count(*)::int as exited from exited`),
  );
  await db.delete(segment).where(eq(segment.id, id));
  return { exited: Number(rows[0]?.exited ?? 0) };
}

// ---------------------------------------------------------------------------------------------
// What membership evaluation reads
// ---------------------------------------------------------------------------------------------

// Profile writes hold this lock shared from the moment they read the definitions until they
// commit; saving a definition takes it exclusively. So a definition commits only after every write
// that read the old ones, and a write that starts later reads the new ones: the batches computing
// a new definition's membership can never be undone by a write evaluating the old one.
const CATALOG_LOCK = sql`${"5301157041"}::text::bigint`;

/**
 * Waits for profile writes that read the segment definitions to finish, and keeps new ones from
 * reading them, until the transaction ends. Take it before changing a definition.
 */
export async function lockSegmentCatalog(db: Database): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(${CATALOG_LOCK})`);
}

/**
 * Every segment definition and the purpose of every consent type. `forWrite`: the caller writes
 * profiles by them in this transaction (takes the catalogue lock shared, see above).
 */
export async function loadSegmentCatalog(
  db: Database,
  options: { forWrite?: boolean } = {},
): Promise<{
  segments: SegmentRow[];
  consentTypes: { id: string; purpose: string }[];
}> {
  if (options.forWrite) await db.execute(sql`select pg_advisory_xact_lock_shared(${CATALOG_LOCK})`);
  const [segments, consentTypes] = await Promise.all([
    db.select().from(segment).orderBy(asc(segment.id)),
    db.select({ id: consentType.id, purpose: consentType.purpose }).from(consentType),
  ]);
  return { segments, consentTypes };
}

/**
 * How many events of each `{ type, since }` a profile has at or after `since` (canonical UTC),
 * in the order given; one query.
 */
export async function countProfileEvents(
  db: Database,
  profileId: string,
  windows: readonly { type: string; since: string }[],
): Promise<number[]> {
  const [counts = []] = await countEventsOfProfiles(db, [{ profileId, windows }]);
  return counts;
}

/**
 * {@link countProfileEvents} for many profiles in one query (a write batch's segment
 * evaluation): the counts of each item's windows, in the order given.
 */
export async function countEventsOfProfiles(
  db: Database,
  items: readonly { profileId: string; windows: readonly { type: string; since: string }[] }[],
): Promise<number[][]> {
  const asked = items.flatMap((item, i) =>
    item.windows.map((w, k) => ({ i, k, profileId: item.profileId, type: w.type, since: w.since })),
  );
  const counts = items.map((item) => item.windows.map(() => 0));
  if (asked.length === 0) return counts;
  // One correlated count per (profile, window), each a range on event_profile_time_idx.
  const rows = rowsOf<{ i: number; k: number; n: number }>(
    await db.execute(sql`
      select x.i, x.k, (
        select count(*)::int from event e
        where e.profile_id = x."profileId" and e.type = x.type and e.time >= x.since
      ) as n
      from jsonb_to_recordset(${JSON.stringify(asked)}::text::jsonb)
        as x(i int, k int, "profileId" text, type text, since timestamptz)`),
  );
  for (const row of rows) {
    const of = counts[Number(row.i)];
    if (of) of[Number(row.k)] = Number(row.n);
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Writing membership
// ---------------------------------------------------------------------------------------------

/** What {@link setMembershipsOfProfiles} writes for one profile. */
export interface ProfileMemberships extends MembershipOrigin {
  profileId: string;
  members: readonly string[];
  /** The segments evaluated: memberships of others are left alone. */
  evaluated: readonly string[];
}

/**
 * Sets a profile's memberships of the `evaluated` segments to exactly `members`, appending an
 * entry or exit for each difference; `profile.segments` is the caller's (writeProfile writes it in the
 * same row update). Call while holding the profile's row lock. Returns what changed.
 */
export async function setProfileMemberships(
  db: Database,
  params: ProfileMemberships,
): Promise<{ entered: string[]; exited: string[] }> {
  const [changed] = await setMembershipsOfProfiles(db, [params]);
  return changed ?? { entered: [], exited: [] };
}

/**
 * {@link setProfileMemberships} for many profiles in one statement per occurrence of a profile
 * (one statement when each appears once): the same rows and the same history, entries and exits
 * in the order the calls one by one would append them (the profiles in the order given, each
 * one's exits before its entries). Call while holding the profiles' row locks. Returns what
 * changed for each item, in the order given.
 */
export async function setMembershipsOfProfiles(
  db: Database,
  items: readonly ProfileMemberships[],
): Promise<{ entered: string[]; exited: string[] }[]> {
  const results = items.map(() => ({ entered: [] as string[], exited: [] as string[] }));
  // A profile given twice is written twice, in order: its later item goes in a later statement,
  // which sees what the earlier one wrote.
  const rounds: { index: number; item: ProfileMemberships }[][] = [];
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const round = seen.get(item.profileId) ?? 0;
    seen.set(item.profileId, round + 1);
    (rounds[round] ??= []).push({ index, item });
  });
  for (const round of rounds) {
    const input = round.map(({ index, item }) => ({
      ord: index,
      profileId: item.profileId,
      members: item.members,
      evaluated: item.evaluated,
      at: item.at,
      source: item.source,
      requestId: item.requestId,
    }));
    const rows = rowsOf<{ ord: number; kind: "entered" | "exited"; segment_id: string }>(
      await db.execute(sql`
        with input as (
          select * from jsonb_to_recordset(${JSON.stringify(input)}::text::jsonb)
            as x(ord int, "profileId" text, members jsonb, evaluated jsonb, at timestamptz,
              source text, "requestId" text)
        ),
        exited as (
          delete from segment_membership m using input i
          where m.profile_id = i."profileId"
            and m.segment_id in (select jsonb_array_elements_text(i.evaluated))
            and m.segment_id not in (select jsonb_array_elements_text(i.members))
          returning m.profile_id, m.segment_id
        ),
        entered as (
          insert into segment_membership (profile_id, segment_id, since)
          select i."profileId", w.segment_id, i.at
          from input i cross join lateral jsonb_array_elements_text(i.members) as w(segment_id)
          where not exists (
            select 1 from segment_membership m
            where m.profile_id = i."profileId" and m.segment_id = w.segment_id
          )
          on conflict do nothing
          returning profile_id, segment_id
        ),
        changed as (
          select i.ord, c.profile_id, c.segment_id, c.kind, i.at, i.source, i."requestId"
          from (
            select profile_id, segment_id, 'exited' as kind from exited
            union all
            select profile_id, segment_id, 'entered' as kind from entered
          ) as c
          join input i on i."profileId" = c.profile_id
        ),
        logged as (
          insert into segment_membership_event (profile_id, segment_id, kind, at, source, request_id)
          select profile_id, segment_id, kind, at, source, "requestId" from changed
          order by ord, kind = 'entered', segment_id collate "C"
        )
        select ord, kind, segment_id from changed`),
    );
    for (const row of rows) {
      results[Number(row.ord)]?.[row.kind].push(row.segment_id);
    }
  }
  for (const result of results) {
    result.entered.sort();
    result.exited.sort();
  }
  return results;
}

/**
 * {@link setProfileSegments} for many profiles in one statement. Call while holding the row locks.
 */
export async function setSegmentsOfProfiles(
  db: Database,
  items: readonly { profileId: string; segments: readonly string[]; at: string }[],
): Promise<void> {
  if (items.length === 0) return;
  await db.execute(sql`
    update profile p set segments = x.segments, segmented_at = x.at
    from jsonb_to_recordset(${JSON.stringify(items)}::text::jsonb)
      as x("profileId" text, segments jsonb, at timestamptz)
    where p.id = x."profileId"`);
}

/**
 * Sets `profile.segments` and `metadata.time.segmentation` of a profile whose document did not
 * change otherwise (no new version: they are derived). Call while holding the row lock.
 */
export async function setProfileSegments(
  db: Database,
  params: { profileId: string; segments: readonly string[]; at: string },
): Promise<void> {
  await db
    .update(profile)
    .set({
      segments: sql`${JSON.stringify(params.segments)}::text::jsonb`,
      segmentedAt: params.at,
    })
    .where(eq(profile.id, params.profileId));
}

/**
 * The next `limit` profile ids after `after` (id order), locked until the transaction ends: one
 * batch of a recomputation or refresh. Writes to these profiles wait for the batch, never longer.
 */
export async function lockProfileBatch(
  db: Database,
  params: { after: string | null; limit: number },
): Promise<string[]> {
  const rows = await db
    .select({ id: profile.id })
    .from(profile)
    .where(params.after === null ? undefined : gt(profile.id, params.after))
    .orderBy(asc(profile.id))
    .limit(params.limit)
    .for("update");
  return rows.map((r) => r.id);
}

/**
 * Makes one segment's membership of some (locked) profiles equal `predicate` (a compiled
 * condition on `profile`; null: nobody belongs): entries and exits in the table and the history,
 * and the id in or out of `profile.segments`, in one statement. Returns the entries and exits.
 */
export async function syncSegmentMembers(
  db: Database,
  params: {
    segmentId: string;
    predicate: SQL | null;
    profileIds: readonly string[];
  } & MembershipOrigin,
): Promise<{ entered: number; exited: number }> {
  if (params.profileIds.length === 0) return { entered: 0, exited: 0 };
  const seg = text(params.segmentId);
  const at = instant(params.at);
  const member = params.predicate ?? sql`false`;
  const rows = rowsOf<{ entered: number; exited: number }>(
    await db.execute(sql`
      with batch as (
        select ${profile.id} as id, coalesce(${member}, false) as member,
          coalesce(${profile.segments} @> jsonb_build_array(${seg}), false) as labelled
        from ${profile}
        where ${profile.id} in ${idList(params.profileIds)}
      ),
      entered as (
        insert into segment_membership (profile_id, segment_id, since)
        select b.id, ${seg}, ${at} from batch b
        where b.member and not exists (
          select 1 from segment_membership m where m.segment_id = ${seg} and m.profile_id = b.id
        )
        on conflict do nothing
        returning profile_id
      ),
      exited as (
        delete from segment_membership m using batch b
        where m.segment_id = ${seg} and m.profile_id = b.id and not b.member
        returning m.profile_id
      ),
      logged as (
        insert into segment_membership_event (profile_id, segment_id, kind, at, source, request_id)
        select profile_id, ${seg}, 'entered', ${at}, ${text(params.source)}, ${params.requestId}::text
        from entered
        union all
        select profile_id, ${seg}, 'exited', ${at}, ${text(params.source)}, ${params.requestId}::text
        from exited
      ),
      -- The column is set from the answer, not from the table's change, so a profile whose
      -- segments disagreed with the table (put back by an unmerge, say) is mended as well.
      touched as (
        update profile p
        set segments = case when b.member then ${withSegment(params.segmentId)} else ${withoutSegment(params.segmentId)} end,
          segmented_at = ${at}
        from batch b
        where p.id = b.id and b.member <> b.labelled
        returning 1
      )
      select (select count(*)::int from entered) as entered, (select count(*)::int from exited) as exited`),
  );
  const row = rows[0];
  return { entered: Number(row?.entered ?? 0), exited: Number(row?.exited ?? 0) };
}

// ---------------------------------------------------------------------------------------------
// Reading membership
// ---------------------------------------------------------------------------------------------

/**
 * Profiles matching `where`, and how many of them also match `consented` (a purpose's consents),
 * in one scan.
 */
export async function countSegmentPreview(
  db: Database,
  params: { where: SQL; consented: SQL | null },
): Promise<{ count: number; consentedCount: number }> {
  const consented = params.consented ?? sql`true`;
  const rows = await db
    .select({
      count: sql<number>`count(*)::int`,
      consentedCount: sql<number>`(count(*) filter (where ${consented}))::int`,
    })
    .from(profile)
    .where(params.where);
  return {
    count: Number(rows[0]?.count ?? 0),
    consentedCount: Number(rows[0]?.consentedCount ?? 0),
  };
}

/** The segment ids a profile is a member of now (from the membership table). */
export async function membershipsOf(db: Database, profileId: string): Promise<string[]> {
  const rows = await db
    .select({ id: segmentMembership.segmentId })
    .from(segmentMembership)
    .where(eq(segmentMembership.profileId, profileId))
    .orderBy(asc(segmentMembership.segmentId));
  return rows.map((r) => r.id);
}

function encodeCursor(at: string, id: number): string {
  return Buffer.from(JSON.stringify([at, id])).toString("base64url");
}

function decodeCursor(cursor: string): [string, number] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === "string" &&
      Number.isSafeInteger(parsed[1])
    ) {
      normalizeDate(parsed[0]);
      return [parsed[0], parsed[1] as number];
    }
  } catch {
    // fall through to the error below
  }
  throw new DomainError("BAD_REQUEST", "The cursor is not one this list produced.", {
    path: ["cursor"],
  });
}

/**
 * Entries and exits, newest first, of one segment or one profile (or both), keyset-paged.
 */
export async function listMembershipEvents(
  db: Database,
  params: {
    segmentId?: string | null;
    profileId?: string | null;
    cursor?: string | null;
    limit?: number;
  },
): Promise<{ items: SegmentMembershipEvent[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(params.limit ?? 50, 1), 200);
  const where: SQL[] = [];
  if (params.segmentId) where.push(sql`segment_id = ${text(params.segmentId)}`);
  if (params.profileId) where.push(sql`profile_id = ${text(params.profileId)}`);
  if (params.cursor) {
    const [at, id] = decodeCursor(params.cursor);
    where.push(sql`(at, id) < (${instant(at)}, ${String(id)}::text::bigint)`);
  }
  const rows = rowsOf<{
    id: string | number;
    segment_id: string;
    profile_id: string;
    kind: SegmentMembershipEvent["kind"];
    at: string;
    source: string;
    request_id: string | null;
  }>(
    await db.execute(sql`
      select id, segment_id, profile_id, kind, at::text as at, source, request_id
      from segment_membership_event
      where ${where.length > 0 ? sql.join(where, sql` and `) : sql`true`}
      order by at desc, id desc
      limit ${String(limit + 1)}::text::int`),
  );
  const items = rows.slice(0, limit).map((r) => ({
    id: Number(r.id),
    segmentId: r.segment_id,
    profileId: r.profile_id,
    kind: r.kind,
    at: iso(r.at),
    source: r.source,
    requestId: r.request_id,
  }));
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor(last.at, last.id) : null,
  };
}
