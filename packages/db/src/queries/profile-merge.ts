import { and, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { MergeDecision, Profile } from "@cdp/profile-schema";

import type { Database } from "../client";
import { DomainError, NotFoundError, VersionConflictError } from "../errors";
import {
  consentEvent,
  event,
  profile,
  profileIdentifier,
  profileIdentityKey,
  profileMerge,
} from "../schema";
import type { EventRow, IdentifierType, ProfileMergeRow, ProfileRow } from "../schema";
import { rowsOf } from "../sql";
import { identifiersOf, profileToRow, rowToProfile } from "./profile";
import type { StoredProfile } from "./profile";

/** An identifier row: who could be found by what, before a merge moved it. */
export interface IdentifierRow {
  type: IdentifierType;
  value: string;
  profileId: string;
}

/**
 * Everything a merge changed besides the survivor's document, as it was before: enough for
 * `unmerge` to put every profile, identifier, event and consent record back.
 */
export interface MergeSnapshot {
  into: StoredProfile;
  from: StoredProfile[];
  /** The survivor's document right after the merge (what later changes are compared with). */
  result: Profile;
  /** Every identifier row of the merged profiles and of the survivor, before the merge. */
  identifiers: IdentifierRow[];
  /** Per merged profile: ids of its events moved to the survivor. */
  events: Record<string, string[]>;
  /** Events of merged profiles whose id the survivor already had: removed, restored on undo. */
  displacedEvents: EventRow[];
  /** Per merged profile: ids of its consent records moved to the survivor. */
  consentEvents: Record<string, number[]>;
}

/** A recorded merge without its snapshots (which hold personal data). */
export type MergeRecord = Omit<ProfileMergeRow, "snapshots" | "decisions"> & {
  decisions: MergeDecision[];
};

const CHUNK = 5000;
const chunks = <T>(items: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
};

const textArray = (values: readonly string[]): SQL =>
  sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;

// ---------------------------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------------------------

/**
 * Reads profiles by exact id and locks their rows until the transaction ends (in id order, so
 * two merges over the same profiles cannot deadlock). Missing ids are simply absent.
 */
export async function lockProfiles(db: Database, ids: readonly string[]): Promise<StoredProfile[]> {
  if (ids.length === 0) return [];
  const rows: ProfileRow[] = await db
    .select()
    .from(profile)
    .where(inArray(profile.id, [...ids]))
    .orderBy(profile.id)
    .for("update");
  return rows.map((row) => ({ profile: rowToProfile(row), version: row.version }));
}

/** Deletes merged profiles if each is still at the version read; otherwise nothing is deleted. */
export async function deleteMergedProfiles(
  db: Database,
  profiles: readonly { id: string; version: number }[],
): Promise<void> {
  for (const p of profiles) {
    const deleted = await db
      .delete(profile)
      .where(and(eq(profile.id, p.id), eq(profile.version, p.version)))
      .returning({ id: profile.id });
    if (deleted.length > 0) {
      await db.delete(profileIdentifier).where(eq(profileIdentifier.profileId, p.id));
    }
    if (deleted.length === 0) {
      const current = await db
        .select({ version: profile.version })
        .from(profile)
        .where(eq(profile.id, p.id));
      const version = current[0]?.version;
      if (version === undefined) throw new NotFoundError("Profile", p.id);
      throw new VersionConflictError(p.id, p.version, version);
    }
  }
}

/**
 * Sets `metadata.fields` of a profile just written in the same transaction (at `version`), without
 * a new version: a merge keeps each winner's own change time rather than the merge's.
 */
export async function setFieldStamps(
  db: Database,
  params: { id: string; version: number; fields: Profile["metadata"]["fields"] },
): Promise<void> {
  await db
    .update(profile)
    .set({
      metadata: sql`jsonb_set(${profile.metadata}, '{fields}', ${sql.param(params.fields, profile.metadata)}::jsonb)`,
    })
    .where(and(eq(profile.id, params.id), eq(profile.version, params.version)));
}

/**
 * Inserts profiles exactly as given, at the given versions (unmerge puts merged profiles back).
 * Identifiers are restored separately by {@link restoreIdentifiers}.
 */
export async function reinsertProfiles(
  db: Database,
  profiles: readonly StoredProfile[],
): Promise<void> {
  if (profiles.length === 0) return;
  const now = new Date().toISOString();
  const inserted = await db
    .insert(profile)
    .values(profiles.map((s) => ({ ...profileToRow(s.profile, now), version: s.version })))
    .onConflictDoNothing()
    .returning({ id: profile.id });
  if (inserted.length !== profiles.length) {
    const back = new Set(inserted.map((r) => r.id));
    const taken = profiles.map((s) => s.profile.id).filter((id) => !back.has(id));
    throw new DomainError(
      "CONFLICT",
      `Profile ${taken.join(", ")} exists again; cannot restore it.`,
      {
        ids: taken,
      },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Identifiers, events and consent records
// ---------------------------------------------------------------------------------------------

/** The identifier rows of some profiles. */
export async function identifierRowsOf(
  db: Database,
  profileIds: readonly string[],
): Promise<IdentifierRow[]> {
  if (profileIds.length === 0) return [];
  return db
    .select({
      type: profileIdentifier.type,
      value: profileIdentifier.value,
      profileId: profileIdentifier.profileId,
    })
    .from(profileIdentifier)
    .where(inArray(profileIdentifier.profileId, [...profileIds]))
    .orderBy(profileIdentifier.type, profileIdentifier.value);
}

/** Hands every identifier of `from` to `to` (before `from` is deleted, which would drop them). */
export async function transferIdentifiers(
  db: Database,
  params: { from: readonly string[]; to: string },
): Promise<void> {
  if (params.from.length === 0) return;
  await db
    .update(profileIdentifier)
    .set({ profileId: params.to })
    .where(inArray(profileIdentifier.profileId, [...params.from]));
}

/**
 * Puts identifier rows back as recorded, after dropping the current rows of `profileIds`; then
 * claims what the restored documents name but the record lacks. A value another profile claimed
 * meanwhile stays with it (the first claim wins, as everywhere).
 */
export async function restoreIdentifiers(
  db: Database,
  params: {
    profileIds: readonly string[];
    rows: readonly IdentifierRow[];
    profiles: readonly Profile[];
  },
): Promise<void> {
  await db
    .delete(profileIdentifier)
    .where(inArray(profileIdentifier.profileId, [...params.profileIds]));
  const derived = params.profiles.flatMap((p) =>
    identifiersOf(p).map((i) => ({ ...i, profileId: p.id })),
  );
  for (const rows of [params.rows, derived]) {
    for (const chunk of chunks(rows)) {
      if (chunk.length > 0) await db.insert(profileIdentifier).values(chunk).onConflictDoNothing();
    }
  }
}

/**
 * Moves the events of `from` to `to`. An event whose id `to` already has (the same event recorded
 * on both) stays once, on `to`; the other copy is returned as displaced so undo can restore it.
 */
export async function transferEvents(
  db: Database,
  params: { from: string; to: string },
): Promise<{ moved: string[]; displaced: EventRow[] }> {
  const displaced = await db
    .select()
    .from(event)
    .where(
      and(
        eq(event.profileId, params.from),
        sql`exists (select 1 from ${event} as theirs where theirs.profile_id = ${params.to} and theirs.id = ${event.id})`,
      ),
    );
  for (const chunk of chunks(displaced.map((e) => e.id))) {
    await db.delete(event).where(and(eq(event.profileId, params.from), inArray(event.id, chunk)));
  }
  const moved = await db
    .update(event)
    .set({ profileId: params.to })
    .where(eq(event.profileId, params.from))
    .returning({ id: event.id });
  return { moved: moved.map((e) => e.id), displaced };
}

/** Moves the consent records of `from` to `to`; their ids are unique, so nothing collides. */
export async function transferConsentEvents(
  db: Database,
  params: { from: string; to: string },
): Promise<number[]> {
  const moved = await db
    .update(consentEvent)
    .set({ profileId: params.to })
    .where(eq(consentEvent.profileId, params.from))
    .returning({ id: consentEvent.id });
  return moved.map((e) => e.id);
}

/** Gives events and consent records back to the profile they were moved from. */
export async function returnMovedRecords(
  db: Database,
  params: {
    from: string;
    to: string;
    events: readonly string[];
    consentEvents: readonly number[];
    displacedEvents: readonly EventRow[];
  },
): Promise<void> {
  for (const chunk of chunks(params.events)) {
    await db
      .update(event)
      .set({ profileId: params.to })
      .where(and(eq(event.profileId, params.from), inArray(event.id, chunk)));
  }
  for (const chunk of chunks(params.consentEvents)) {
    await db
      .update(consentEvent)
      .set({ profileId: params.to })
      .where(and(eq(consentEvent.profileId, params.from), inArray(consentEvent.id, chunk)));
  }
  for (const chunk of chunks(params.displacedEvents)) {
    await db.insert(event).values(chunk).onConflictDoNothing();
  }
}

// ---------------------------------------------------------------------------------------------
// Merge records
// ---------------------------------------------------------------------------------------------

const recordColumns = {
  id: profileMerge.id,
  intoId: profileMerge.intoId,
  fromIds: profileMerge.fromIds,
  decisions: profileMerge.decisions,
  resultVersion: profileMerge.resultVersion,
  reason: profileMerge.reason,
  actor: profileMerge.actor,
  createdAt: profileMerge.createdAt,
  undoneAt: profileMerge.undoneAt,
  undoneBy: profileMerge.undoneBy,
};

const toRecord = (row: Omit<ProfileMergeRow, "snapshots">): MergeRecord => ({
  ...row,
  decisions: row.decisions as unknown as MergeDecision[],
});

/** Records a merge (in the merge's transaction). */
export async function insertMerge(
  db: Database,
  params: {
    id: string;
    intoId: string;
    fromIds: string[];
    decisions: MergeDecision[];
    snapshot: MergeSnapshot;
    resultVersion: number;
    reason: string | null;
    actor: string;
  },
): Promise<MergeRecord> {
  const rows = await db
    .insert(profileMerge)
    .values({
      id: params.id,
      intoId: params.intoId,
      fromIds: params.fromIds,
      decisions: params.decisions as unknown as Record<string, unknown>[],
      snapshots: params.snapshot as unknown as Record<string, unknown>,
      resultVersion: params.resultVersion,
      reason: params.reason,
      actor: params.actor,
    })
    .returning(recordColumns);
  const row = rows[0];
  if (!row) throw new Error("insert into profile_merge returned nothing");
  return toRecord(row);
}

/** A merge with its snapshot, locked for the transaction (undo reads it once). */
export async function lockMerge(
  db: Database,
  id: string,
): Promise<(MergeRecord & { snapshot: MergeSnapshot }) | null> {
  const rows = await db.select().from(profileMerge).where(eq(profileMerge.id, id)).for("update");
  const row = rows[0];
  if (!row) return null;
  const { snapshots, ...rest } = row;
  return { ...toRecord(rest), snapshot: snapshots as unknown as MergeSnapshot };
}

/** Marks a merge undone; false when it already was. */
export async function markMergeUndone(
  db: Database,
  params: { id: string; by: string; at?: string },
): Promise<boolean> {
  const rows = await db
    .update(profileMerge)
    .set({ undoneAt: params.at ?? new Date().toISOString(), undoneBy: params.by })
    .where(and(eq(profileMerge.id, params.id), isNull(profileMerge.undoneAt)))
    .returning({ id: profileMerge.id });
  return rows.length > 0;
}

/** Merges into one profile, newest first; `before` pages on (created_at, id). */
export async function listMergesInto(
  db: Database,
  params: { intoId: string; limit?: number; before?: { createdAt: string; id: string } | null },
): Promise<MergeRecord[]> {
  const limit = Math.min(Math.max(params.limit ?? 50, 1), 200);
  const conditions: SQL[] = [eq(profileMerge.intoId, params.intoId)];
  if (params.before) {
    const { createdAt, id } = params.before;
    const older = or(
      lt(profileMerge.createdAt, createdAt),
      and(eq(profileMerge.createdAt, createdAt), lt(profileMerge.id, id)),
    );
    if (older) conditions.push(older);
  }
  const rows = await db
    .select(recordColumns)
    .from(profileMerge)
    .where(and(...conditions))
    .orderBy(desc(profileMerge.createdAt), desc(profileMerge.id))
    .limit(limit);
  return rows.map(toRecord);
}

// ---------------------------------------------------------------------------------------------
// Shared identities
// ---------------------------------------------------------------------------------------------

/** A normalised identity key (`email:ann@example.com`, `phone:+48600100200`, `ext:crm-7`). */
export interface IdentityKey {
  type: "email" | "phone" | "ext";
  value: string;
}

/** Splits a stored identity key. */
export function parseIdentityKey(key: string): IdentityKey {
  const at = key.indexOf(":");
  return { type: key.slice(0, at) as IdentityKey["type"], value: key.slice(at + 1) };
}

/**
 * The given profile and every profile sharing at least one identity key (normalised e-mail, phone
 * or external key) with it, oldest first (insert time, then id), each with the keys it shares.
 * Looks the keys up in `profile_identity_key` by its primary key. Empty when the profile does
 * not exist.
 */
export async function findProfilesSharingKeys(
  db: Database,
  profileId: string,
): Promise<{ id: string; shared: IdentityKey[] }[]> {
  const own = await db
    .select({ keys: profile.identityKeys })
    .from(profile)
    .where(eq(profile.id, profileId));
  if (own.length === 0) return [];
  const keys = [...new Set(own[0]?.keys ?? [])];
  if (keys.length === 0) return [{ id: profileId, shared: [] }];
  const rows = await db
    .select({ id: profile.id, key: profileIdentityKey.key })
    .from(profileIdentityKey)
    .innerJoin(profile, eq(profile.id, profileIdentityKey.profileId))
    .where(inArray(profileIdentityKey.key, keys))
    .orderBy(profile.insertedAt, profile.id, profileIdentityKey.key);
  const byProfile = new Map<string, IdentityKey[]>();
  for (const row of rows) {
    const shared = byProfile.get(row.id) ?? [];
    shared.push(parseIdentityKey(row.key));
    byProfile.set(row.id, shared);
  }
  const order = new Map(keys.map((k, i) => [k, i]));
  const rank = (k: IdentityKey) => order.get(`${k.type}:${k.value}`) ?? 0;
  return [...byProfile].map(([id, shared]) => ({
    id,
    shared: shared.sort((a, b) => rank(a) - rank(b)),
  }));
}

/**
 * Where a page of duplicate groups resumes: a profile of the last group and the position of the
 * group's key among that profile's keys. The key itself (an e-mail, a phone) never travels.
 */
type GroupCursor = [profileId: string, position: number];

function encodeGroupCursor(cursor: GroupCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

const badCursor = () =>
  new DomainError("BAD_REQUEST", "The cursor is not one this list produced.", {
    path: ["cursor"],
  });

function decodeGroupCursor(cursor: string): GroupCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === "string" &&
      Number.isInteger(parsed[1])
    ) {
      return [parsed[0], parsed[1] as number];
    }
  } catch {
    // fall through
  }
  throw badCursor();
}

export interface DuplicateGroup {
  key: IdentityKey;
  /** How many profiles share the key. */
  total: number;
  /** The first `perGroup` of them, oldest first. */
  profiles: StoredProfile[];
}

/**
 * Groups of profiles sharing an identity key, in key order. The groups come from one streaming
 * aggregate over the primary key of `profile_identity_key` (an index-only scan that stops after
 * the page), the members from the same index; nothing scans the profile table.
 */
export async function listDuplicateGroups(
  db: Database,
  params: { limit?: number; cursor?: string | null; perGroup?: number } = {},
): Promise<{ items: DuplicateGroup[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(params.limit ?? 20, 1), 100);
  const perGroup = Math.min(Math.max(params.perGroup ?? 20, 2), 100);

  let after: string | null = null;
  if (params.cursor) {
    const [profileId, position] = decodeGroupCursor(params.cursor);
    const found = await db
      .select({ key: sql<string | null>`(${profile.identityKeys})[${position}]` })
      .from(profile)
      .where(eq(profile.id, profileId));
    after = found[0]?.key ?? null;
    // The profile changed or went away since the page was served: its place is lost.
    if (after === null) throw badCursor();
  }

  const groups = await db
    .select({ key: profileIdentityKey.key, total: sql<number>`count(*)::int` })
    .from(profileIdentityKey)
    .where(after === null ? undefined : sql`${profileIdentityKey.key} > ${after}`)
    .groupBy(profileIdentityKey.key)
    .having(sql`count(*) > 1`)
    .orderBy(profileIdentityKey.key)
    .limit(limit + 1);
  const page = groups.slice(0, limit);
  if (page.length === 0) return { items: [], nextCursor: null };

  const members = rowsOf<{ key: string; id: string }>(
    await db.execute(sql`
      select k.key, m.id
      from unnest(${textArray(page.map((g) => g.key))}) with ordinality as k(key, n)
      cross join lateral (
        select p.id, p.inserted_at
        from ${profileIdentityKey} i join ${profile} p on p.id = i.profile_id
        where i.key = k.key
        order by p.inserted_at, p.id
        limit ${perGroup}
      ) m
      order by k.n, m.inserted_at, m.id
    `),
  );
  const ids = [...new Set(members.map((m) => m.id))];
  const rows: ProfileRow[] = ids.length
    ? await db.select().from(profile).where(inArray(profile.id, ids))
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));

  const items = page.map((g) => ({
    key: parseIdentityKey(g.key),
    total: Number(g.total),
    profiles: members
      .filter((m) => m.key === g.key)
      .flatMap((m) => {
        const row = byId.get(m.id);
        return row ? [{ profile: rowToProfile(row), version: row.version }] : [];
      }),
  }));

  let nextCursor: string | null = null;
  const last = page[page.length - 1];
  const holder = last && byId.get(members.find((m) => m.key === last.key)?.id ?? "");
  if (groups.length > limit && last && holder) {
    nextCursor = encodeGroupCursor([holder.id, (holder.identityKeys ?? []).indexOf(last.key) + 1]);
  }
  return { items, nextCursor };
}
