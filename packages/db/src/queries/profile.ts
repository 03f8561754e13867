import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { SQL } from "drizzle-orm";
import type { Profile, ProfileSortKey } from "@cdp/profile-schema";

export type { ProfileSortKey };
import { normalizeDate } from "@cdp/profile-schema";

import type { Database } from "../client";
import { DomainError, NotFoundError, ProfileMergedError, VersionConflictError } from "../errors";
import { event, profile, profileIdentifier } from "../schema";
import type { IdentifierType, ProfileInsertRow, ProfileRow } from "../schema";
import { escapeLike, pgTimestampToIso, rowsOf } from "../sql";

/** A profile as stored, with the version a later write must name. */
export interface StoredProfile {
  profile: Profile;
  version: number;
}

export interface Identifier {
  type: IdentifierType;
  value: string;
}

// ---------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Phones compare by digits, keeping a leading + (so "+48 600-100-200" = "+48600100200"). */
export function normalizePhone(phone: string): string {
  const trimmed = phone.trim();
  return (trimmed.startsWith("+") ? "+" : "") + trimmed.replace(/\D/g, "");
}

/**
 * Reads a lookup key: `email:…`, `phone:…`, `ext:…`, or a bare value meaning a profile id (its
 * own or one merged into it) or an external key.
 */
export function parseIdentifierKey(key: string): { types: IdentifierType[]; value: string } {
  const m = /^(email|phone|ext|id):(.*)$/s.exec(key);
  if (m) {
    const type = m[1] as IdentifierType;
    const raw = m[2] ?? "";
    const value =
      type === "email" ? normalizeEmail(raw) : type === "phone" ? normalizePhone(raw) : raw;
    return { types: [type], value };
  }
  return { types: ["id", "ext"], value: key };
}

/** Every identifier a profile is findable by. */
export function identifiersOf(p: Profile): Identifier[] {
  const out = new Map<string, Identifier>();
  const add = (type: IdentifierType, value: string | null | undefined) => {
    if (value === null || value === undefined || value.trim() === "") return;
    const v =
      type === "email" ? normalizeEmail(value) : type === "phone" ? normalizePhone(value) : value;
    if (v === "" || v === "+") return;
    out.set(`${type}\u0000${v}`, { type, value: v });
  };
  add("id", p.id);
  for (const id of p.ids) add("id", id);
  const { email, phone } = p.data.contact;
  add("email", email.main);
  add("email", email.private);
  add("email", email.business);
  add("phone", phone.main);
  add("phone", phone.business);
  add("phone", phone.mobile);
  add("phone", phone.whatsapp);
  add("ext", p.data.identifier.id);
  add("ext", p.data.identifier.pk);
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------------
// Row mapping
// ---------------------------------------------------------------------------------------------

/** The columns a profile occupies; `version` is managed by the writes themselves. */
export function profileToRow(p: Profile, now: string): ProfileInsertRow {
  const { time, ...metadata } = p.metadata;
  return {
    id: p.id,
    primaryId: p.primary_id,
    active: p.active,
    ids: p.ids,
    insertedAt: time.insert ?? now,
    createdAt: time.create,
    updatedAt: time.update,
    segmentedAt: time.segmentation,
    visitLast: time.visit.last,
    visitCurrent: time.visit.current,
    visitCount: time.visit.count,
    visitTz: time.visit.tz,
    metadata,
    stats: p.stats,
    traits: p.traits,
    interests: p.interests,
    consents: p.consents,
    segments: p.segments,
    aux: p.aux,
    data: p.data,
  };
}

const date = (v: string | null): string | null => {
  const iso = pgTimestampToIso(v);
  return iso === null ? null : normalizeDate(iso);
};

/** Rebuilds the Profile document from a row (rows are validated on the way in). */
export function rowToProfile(row: StoredColumns): Profile {
  const metadata = row.metadata as Omit<Profile["metadata"], "time">;
  return {
    id: row.id,
    primary_id: row.primaryId,
    ids: row.ids,
    metadata: {
      ...metadata,
      time: {
        insert: date(row.insertedAt),
        create: date(row.createdAt),
        update: date(row.updatedAt),
        segmentation: date(row.segmentedAt),
        visit: {
          last: date(row.visitLast),
          current: date(row.visitCurrent),
          count: row.visitCount,
          tz: row.visitTz,
        },
      },
    },
    stats: row.stats as Profile["stats"],
    traits: row.traits as Profile["traits"],
    segments: row.segments,
    interests: row.interests as Profile["interests"],
    consents: row.consents as Profile["consents"],
    active: row.active,
    aux: row.aux as Profile["aux"],
    data: row.data as Profile["data"],
  } as Profile;
}

/** The stored columns of a profile (the promoted, generated ones are left out of reads). */
const storedColumns = {
  id: profile.id,
  primaryId: profile.primaryId,
  version: profile.version,
  active: profile.active,
  ids: profile.ids,
  insertedAt: profile.insertedAt,
  createdAt: profile.createdAt,
  updatedAt: profile.updatedAt,
  segmentedAt: profile.segmentedAt,
  visitLast: profile.visitLast,
  visitCurrent: profile.visitCurrent,
  visitCount: profile.visitCount,
  visitTz: profile.visitTz,
  metadata: profile.metadata,
  stats: profile.stats,
  traits: profile.traits,
  interests: profile.interests,
  consents: profile.consents,
  segments: profile.segments,
  aux: profile.aux,
  data: profile.data,
};
type StoredColumns = Pick<ProfileRow, keyof typeof storedColumns>;

const toStored = (row: StoredColumns): StoredProfile => ({
  profile: rowToProfile(row),
  version: row.version,
});

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

/**
 * Finds a profile by any identifier (see parseIdentifierKey). A profile id wins over an external
 * key with the same text.
 */
export async function getProfile(db: Database, key: string): Promise<StoredProfile | null> {
  const { types, value } = parseIdentifierKey(key);
  const rows = await db
    .select(storedColumns)
    .from(profileIdentifier)
    .innerJoin(profile, eq(profile.id, profileIdentifier.profileId))
    .where(and(inArray(profileIdentifier.type, types), eq(profileIdentifier.value, value)))
    .orderBy(sql`${profileIdentifier.type} = 'id' desc`)
    .limit(1);
  const row = rows[0];
  return row ? toStored(row) : null;
}

/** Like getProfile, but a missing profile is a NOT_FOUND domain error. */
export async function requireProfile(db: Database, key: string): Promise<StoredProfile> {
  const found = await getProfile(db, key);
  if (found) return found;
  // The key may be an e-mail or phone: the message names its kind, never its value, so a
  // refusal cannot carry personal data past masking.
  const { types } = parseIdentifierKey(key);
  const kind = types[0] === "email" ? "e-mail" : types[0] === "phone" ? "phone" : "key";
  throw new DomainError("NOT_FOUND", `No profile was found for this ${kind}.`, {
    entity: "Profile",
    by: types,
  });
}

/** How often a profile may vanish (merged, deleted) between finding and locking it. */
const LOCK_ATTEMPTS = 3;

/**
 * Like requireProfile, but read under a lock on the row that lasts until the transaction ends:
 * writers of the profile (track, consent changes, merges) have finished or wait, so what is read is
 * what the caller builds on, and nothing of theirs lands behind a delete. A profile merged into
 * another between finding and locking it is gone and its key now leads to the survivor, which is
 * locked instead.
 * @throws DomainError NOT_FOUND when nothing is found; CONFLICT when it kept vanishing.
 */
export async function lockProfileByKey(db: Database, key: string): Promise<StoredProfile> {
  for (let attempt = 1; ; attempt++) {
    const found = await requireProfile(db, key);
    const locked = await db
      .select(storedColumns)
      .from(profile)
      .where(eq(profile.id, found.profile.id))
      .for("update");
    const row = locked[0];
    if (row) return toStored(row);
    if (attempt >= LOCK_ATTEMPTS) {
      throw new DomainError(
        "CONFLICT",
        `Profile ${found.profile.id} kept being merged or deleted while this change was made; nothing was changed. Try again.`,
        { id: found.profile.id },
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------------

function nowIso(): string {
  return new Date().toISOString();
}

async function claimIdentifiers(db: Database, profileId: string, ids: Identifier[]) {
  if (ids.length === 0) return;
  const own = ids.filter((i) => i.type === "id");
  if (own.length > 0) {
    const taken = await db
      .select({ value: profileIdentifier.value, profileId: profileIdentifier.profileId })
      .from(profileIdentifier)
      .where(
        and(
          eq(profileIdentifier.type, "id"),
          inArray(
            profileIdentifier.value,
            own.map((i) => i.value),
          ),
          ne(profileIdentifier.profileId, profileId),
        ),
      );
    if (taken.length > 0) {
      throw new DomainError(
        "CONFLICT",
        `Profile id ${taken.map((t) => t.value).join(", ")} already belongs to another profile.`,
        { ids: taken.map((t) => t.value) },
      );
    }
  }
  // A shared email or phone stays with the profile that claimed it first.
  await db
    .insert(profileIdentifier)
    .values(ids.map((i) => ({ ...i, profileId })))
    .onConflictDoNothing();
}

/** Inserts one profile and its identifiers; an id already in use is a CONFLICT. */
export async function insertProfile(db: Database, p: Profile): Promise<StoredProfile> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(profile)
      .values(profileToRow(p, nowIso()))
      .onConflictDoNothing()
      .returning(storedColumns);
    const row = inserted[0];
    if (!row) throw new DomainError("CONFLICT", `Profile ${p.id} already exists.`, { id: p.id });
    await claimIdentifiers(tx, p.id, identifiersOf(p));
    return toStored(row);
  });
}

/**
 * Inserts many profiles in one statement per table (seed, import). Profiles whose id exists are
 * skipped; returns the ids actually inserted.
 */
export async function insertProfiles(db: Database, profiles: Profile[]): Promise<string[]> {
  if (profiles.length === 0) return [];
  const now = nowIso();
  const rows = profiles.map((p) => profileToRow(p, now));
  // One jsonb parameter per table rather than ~20 per row: faster on both drivers (1.3x on PGlite)
  // and free of the 65,535-parameter limit. `::text::jsonb` because postgres.js would otherwise
  // encode the JSON string a second time.
  return db.transaction(async (tx) => {
    const inserted = rowsOf<{ id: string }>(
      await tx.execute(sql`
        insert into profile (id, primary_id, active, ids, inserted_at, created_at, updated_at,
          segmented_at, visit_last, visit_current, visit_count, visit_tz, metadata, stats, traits,
          interests, consents, segments, aux, data)
        select "id", "primaryId", coalesce("active", true), coalesce("ids", '[]'), "insertedAt",
          "createdAt", "updatedAt", "segmentedAt", "visitLast", "visitCurrent",
          coalesce("visitCount", 0), "visitTz", "metadata", "stats", "traits", "interests",
          "consents", "segments", "aux", "data"
        from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as x("id" text,
          "primaryId" text, "active" boolean, "ids" jsonb, "insertedAt" timestamptz,
          "createdAt" timestamptz, "updatedAt" timestamptz, "segmentedAt" timestamptz,
          "visitLast" timestamptz, "visitCurrent" timestamptz, "visitCount" integer,
          "visitTz" text, "metadata" jsonb, "stats" jsonb, "traits" jsonb, "interests" jsonb,
          "consents" jsonb, "segments" jsonb, "aux" jsonb, "data" jsonb)
        on conflict do nothing
        returning id`),
    );
    const ids = new Set(inserted.map((r) => r.id));
    const identifiers = profiles
      .filter((p) => ids.has(p.id))
      .flatMap((p) => identifiersOf(p).map((i) => ({ ...i, profileId: p.id })));
    if (identifiers.length > 0) {
      await tx.execute(sql`
        insert into profile_identifier (type, value, profile_id)
        select "type", "value", "profileId"
        from jsonb_to_recordset(${JSON.stringify(identifiers)}::text::jsonb)
          as x("type" text, "value" text, "profileId" text)
        on conflict do nothing`);
    }
    return [...ids];
  });
}

/**
 * Why a write at `expectedVersion` found no row to update: another version is current
 * (VersionConflictError); the profile was merged into another since it was read, so its id now
 * leads there (ProfileMergedError, a version conflict too: read again and re-apply); or it is
 * gone (NotFoundError).
 */
async function staleWriteError(
  db: Database,
  id: string,
  expectedVersion: number,
): Promise<DomainError> {
  const current = await db
    .select({ version: profile.version })
    .from(profile)
    .where(eq(profile.id, id));
  const version = current[0]?.version;
  if (version !== undefined) return new VersionConflictError(id, expectedVersion, version);
  const survivor = await db
    .select({ id: profile.id, version: profile.version })
    .from(profileIdentifier)
    .innerJoin(profile, eq(profile.id, profileIdentifier.profileId))
    .where(and(eq(profileIdentifier.type, "id"), eq(profileIdentifier.value, id)));
  const into = survivor[0];
  if (into && into.id !== id) return new ProfileMergedError(id, expectedVersion, into);
  return new NotFoundError("Profile", id);
}

/**
 * Replaces a stored profile if it is still at `expectedVersion`; otherwise throws
 * VersionConflictError (or NotFoundError) and changes nothing. Identifiers follow the new document.
 */
export async function updateProfile(
  db: Database,
  params: { profile: Profile; expectedVersion: number },
): Promise<StoredProfile> {
  const p = params.profile;
  return db.transaction(async (tx) => {
    const { id: _id, insertedAt: _insertedAt, ...row } = profileToRow(p, nowIso());
    const updated = await tx
      .update(profile)
      .set({ ...row, version: sql`${profile.version} + 1` })
      .where(and(eq(profile.id, p.id), eq(profile.version, params.expectedVersion)))
      .returning(storedColumns);
    const stored = updated[0];
    if (!stored) throw await staleWriteError(tx, p.id, params.expectedVersion);
    await syncIdentifiers(tx, p.id, identifiersOf(p));
    return toStored(stored);
  });
}

/**
 * Makes a profile's rows in profile_identifier follow its document: drops the ones it no longer
 * has, claims the new ones (a shared e-mail or phone stays with its first claimer).
 */
export async function syncIdentifiers(
  db: Database,
  profileId: string,
  wanted: Identifier[],
): Promise<void> {
  const keep = new Set(wanted.map((i) => `${i.type}\u0000${i.value}`));
  const existing = await db
    .select({ type: profileIdentifier.type, value: profileIdentifier.value })
    .from(profileIdentifier)
    .where(eq(profileIdentifier.profileId, profileId));
  const stale = existing.filter((i) => !keep.has(`${i.type}\u0000${i.value}`));
  for (const i of stale) {
    await db
      .delete(profileIdentifier)
      .where(
        and(
          eq(profileIdentifier.type, i.type),
          eq(profileIdentifier.value, i.value),
          eq(profileIdentifier.profileId, profileId),
        ),
      );
  }
  await claimIdentifiers(db, profileId, wanted);
}

/**
 * {@link syncIdentifiers} for many profiles in three statements: every profile's stale rows go
 * first, then each claims its identifiers in the order given (a shared e-mail or phone stays with
 * its first claimer). A profile id one of them names that another profile holds is a CONFLICT, and
 * nothing is claimed.
 */
export async function syncIdentifiersOfProfiles(
  db: Database,
  items: readonly { profileId: string; wanted: readonly Identifier[] }[],
): Promise<void> {
  if (items.length === 0) return;
  const wanted = items.flatMap(({ profileId, wanted }) =>
    wanted.map((i) => ({ type: i.type, value: i.value, profileId })),
  );
  const profileIds = items.map((i) => i.profileId);
  await db.execute(sql`
    delete from profile_identifier p
    where p.profile_id in (select value from jsonb_array_elements_text(${JSON.stringify(profileIds)}::text::jsonb))
      and not exists (
        select 1 from jsonb_to_recordset(${JSON.stringify(wanted)}::text::jsonb)
          as w(type text, value text, "profileId" text)
        where w.type = p.type and w.value = p.value and w."profileId" = p.profile_id
      )`);
  const own = wanted.filter((i) => i.type === "id");
  if (own.length > 0) {
    const holders = await db
      .select({ value: profileIdentifier.value, profileId: profileIdentifier.profileId })
      .from(profileIdentifier)
      .where(
        and(
          eq(profileIdentifier.type, "id"),
          inArray(profileIdentifier.value, [...new Set(own.map((i) => i.value))]),
        ),
      );
    const holder = new Map(holders.map((h) => [h.value, h.profileId]));
    const taken: string[] = [];
    for (const i of own) {
      const by = holder.get(i.value);
      if (by !== undefined && by !== i.profileId) taken.push(i.value);
      // Claimed here by the first profile naming it, as one by one.
      else holder.set(i.value, i.profileId);
    }
    if (taken.length > 0) {
      throw new DomainError(
        "CONFLICT",
        `Profile id ${taken.join(", ")} already belongs to another profile.`,
        { ids: taken },
      );
    }
  }
  if (wanted.length > 0) {
    await db.execute(sql`
      insert into profile_identifier (type, value, profile_id)
      select "type", "value", "profileId"
      from jsonb_to_recordset(${JSON.stringify(wanted)}::text::jsonb)
        as x("type" text, "value" text, "profileId" text)
      on conflict do nothing`);
  }
}

/**
 * Profiles by id, each locked until the transaction ends (taken in id order, so writers locking
 * overlapping sets queue instead of deadlocking); ids not found are absent.
 */
export async function lockProfilesById(
  db: Database,
  ids: readonly string[],
): Promise<Map<string, StoredProfile>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select(storedColumns)
    .from(profile)
    .where(inArray(profile.id, [...new Set(ids)]))
    .orderBy(profile.id)
    .for("update");
  return new Map(rows.map((row) => [row.id, toStored(row)]));
}

/** Whether two documents are findable by exactly the same identifiers. */
export function sameIdentifiers(a: Profile, b: Profile): boolean {
  const key = (p: Profile) =>
    identifiersOf(p)
      .map((i) => `${i.type}\u0000${i.value}`)
      .sort()
      .join("\u0001");
  return key(a) === key(b);
}

/**
 * Replaces many stored profiles in one statement, each only if still at its expected version.
 * Identifiers are left alone: the caller syncs them for the few documents whose identifiers
 * changed (sameIdentifiers). Returns the new versions in input order; a stale or missing profile
 * throws VersionConflictError (or NotFoundError) and, run inside a savepoint, changes nothing.
 */
export async function updateProfiles(
  db: Database,
  items: readonly { profile: Profile; expectedVersion: number }[],
): Promise<number[]> {
  if (items.length === 0) return [];
  const now = nowIso();
  const rows = items.map(({ profile: p, expectedVersion }) => {
    const { insertedAt: _insertedAt, ...row } = profileToRow(p, now);
    return { ...row, expectedVersion };
  });
  const updated = rowsOf<{ id: string; version: number }>(
    await db.execute(sql`
      update profile set
        primary_id = x."primaryId", active = x."active", ids = x."ids",
        created_at = x."createdAt", updated_at = x."updatedAt", segmented_at = x."segmentedAt",
        visit_last = x."visitLast", visit_current = x."visitCurrent",
        visit_count = x."visitCount", visit_tz = x."visitTz", metadata = x."metadata",
        stats = x."stats", traits = x."traits", interests = x."interests",
        consents = x."consents", segments = x."segments", aux = x."aux", data = x."data",
        version = profile.version + 1
      from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as x("id" text,
        "expectedVersion" integer, "primaryId" text, "active" boolean, "ids" jsonb,
        "createdAt" timestamptz, "updatedAt" timestamptz, "segmentedAt" timestamptz,
        "visitLast" timestamptz, "visitCurrent" timestamptz, "visitCount" integer,
        "visitTz" text, "metadata" jsonb, "stats" jsonb, "traits" jsonb, "interests" jsonb,
        "consents" jsonb, "segments" jsonb, "aux" jsonb, "data" jsonb)
      where profile.id = x."id" and profile.version = x."expectedVersion"
      returning profile.id, profile.version`),
  );
  const versions = new Map(updated.map((r) => [r.id, Number(r.version)]));
  const missed = items.find((i) => !versions.has(i.profile.id));
  if (missed) throw await staleWriteError(db, missed.profile.id, missed.expectedVersion);
  return items.map((i) => versions.get(i.profile.id) as number);
}

/** Deletes a profile, its identifiers and its events; false when it did not exist. */
export async function deleteProfile(db: Database, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.delete(event).where(eq(event.profileId, id));
    await tx.delete(profileIdentifier).where(eq(profileIdentifier.profileId, id));
    const deleted = await tx
      .delete(profile)
      .where(eq(profile.id, id))
      .returning({ id: profile.id });
    return deleted.length > 0;
  });
}

// ---------------------------------------------------------------------------------------------
// Keyset-paged list
// ---------------------------------------------------------------------------------------------

/**
 * Columns a list can be sorted by (all promoted or native, each with an index). `pii`: the value
 * is personal data, so a cursor must not carry it (see encodeProfileCursor).
 */
export const profileSortColumns: Record<
  ProfileSortKey,
  { column: AnyPgColumn; nullable: boolean; pii: boolean }
> = {
  inserted_at: { column: profile.insertedAt, nullable: false, pii: false },
  updated_at: { column: profile.updatedAt, nullable: true, pii: false },
  visit_last: { column: profile.visitLast, nullable: true, pii: false },
  email: { column: profile.email, nullable: true, pii: true },
  phone: { column: profile.phone, nullable: true, pii: true },
  lastname: { column: profile.lastname, nullable: true, pii: true },
  display_name: { column: profile.displayName, nullable: true, pii: true },
  country: { column: profile.country, nullable: true, pii: true },
  visits: { column: profile.visits, nullable: false, pii: false },
  views: { column: profile.views, nullable: false, pii: false },
};

export interface ListProfilesParams {
  sort?: ProfileSortKey;
  order?: "asc" | "desc";
  /** Opaque cursor from a previous page. */
  cursor?: string | null;
  limit?: number;
  /** Text matched (trigram-indexed) against names, emails and phones. */
  search?: string | null;
  /** A compiled condition. */
  where?: SQL;
  /** Also count every match (an extra query). */
  withTotal?: boolean;
}

export interface ProfilePage {
  items: StoredProfile[];
  nextCursor: string | null;
  total?: number;
}

type CursorValue = string | number | null;

/** What a cursor holds: the last row's sort value and id, or its id alone (PII sort keys). */
type Cursor = { value: CursorValue; id: string } | { id: string };

/**
 * The cursor `listProfiles` returns after a row. Cursors are only base64, so under a PII sort key
 * (e-mail, name, …) one holds the row id alone and the next page looks the value up: a reader
 * without PII permission never receives an unmasked value inside a cursor.
 */
export function encodeProfileCursor(sort: ProfileSortKey, value: CursorValue, id: string): string {
  const body = profileSortColumns[sort].pii ? [id] : [value, id];
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

const badCursor = () =>
  new DomainError("BAD_REQUEST", "The cursor is not one this list produced.", {
    path: ["cursor"],
  });

function decodeCursor(cursor: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badCursor();
  }
  if (Array.isArray(parsed) && parsed.length === 1 && typeof parsed[0] === "string") {
    return { id: parsed[0] };
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    typeof parsed[1] === "string" &&
    (parsed[0] === null || ["string", "number"].includes(typeof parsed[0]))
  ) {
    return { value: parsed[0] as CursorValue, id: parsed[1] };
  }
  throw badCursor();
}

/** The sort value an id-only cursor continues after: the row's current value. */
async function cursorValue(
  db: Database,
  cursor: Cursor,
  column: AnyPgColumn,
): Promise<CursorValue> {
  if ("value" in cursor) return cursor.value;
  const rows = await db
    .select({ value: column })
    .from(profile)
    .where(eq(profile.id, cursor.id))
    .limit(1);
  const row = rows[0];
  if (!row) {
    throw new DomainError(
      "BAD_REQUEST",
      "The profile this page continued from was deleted or merged; reload the list.",
      { path: ["cursor"] },
    );
  }
  return row.value as CursorValue;
}

/** The condition that matches a search text, or undefined for none. */
export function profileSearchCondition(search: string | null | undefined): SQL | undefined {
  const term = search?.trim().toLowerCase();
  if (!term) return undefined;
  return sql`${profile.searchText} like ${`%${escapeLike(term)}%`}`;
}

/**
 * One page of profiles in a stable order (sort column, then id). Ascending puts nulls last and
 * descending puts them first, so one btree index on (column, id) serves both directions; a row
 * inserted while paging never makes another row repeat or vanish.
 */
export async function listProfiles(
  db: Database,
  params: ListProfilesParams = {},
): Promise<ProfilePage> {
  const sortKey = params.sort ?? "inserted_at";
  const order = params.order ?? "desc";
  const limit = Math.min(Math.max(params.limit ?? 50, 1), 200);
  const { column, nullable } = profileSortColumns[sortKey];

  const filters: SQL[] = [];
  const search = profileSearchCondition(params.search);
  if (search) filters.push(search);
  if (params.where) filters.push(params.where);
  const filter = filters.length > 0 ? and(...filters) : undefined;

  // After a cursor, the rest of the order is one or two runs: the rows past the cursor among its
  // own kind (null or not), then, where the order moves on to the other kind, all of that kind.
  // Each run is its own query so the (column, id) index bounds it; one predicate with an OR across
  // both kinds makes PostgreSQL filter the index instead (a 160 ms deep page at 100k profiles).
  let runs: (SQL | undefined)[] = [undefined];
  if (params.cursor) {
    const cursor = decodeCursor(params.cursor);
    const id = cursor.id;
    const value = await cursorValue(db, cursor, column);
    if (order === "asc") {
      runs =
        value === null
          ? [sql`${column} is null and ${profile.id} > ${id}`]
          : nullable
            ? [sql`(${column}, ${profile.id}) > (${value}, ${id})`, sql`${column} is null`]
            : [sql`(${column}, ${profile.id}) > (${value}, ${id})`];
    } else {
      runs =
        value === null
          ? [sql`${column} is null and ${profile.id} < ${id}`, sql`${column} is not null`]
          : [sql`(${column}, ${profile.id}) < (${value}, ${id})`];
    }
  }

  const orderBy =
    order === "asc"
      ? [sql`${column} asc nulls last`, sql`${profile.id} asc`]
      : [sql`${column} desc nulls first`, sql`${profile.id} desc`];

  const rows: (StoredColumns & { sortValue: unknown })[] = [];
  for (const run of runs) {
    if (rows.length > limit) break;
    const where = [filter, run].filter((c): c is SQL => c !== undefined);
    rows.push(
      ...(await db
        .select({ ...storedColumns, sortValue: column })
        .from(profile)
        .where(where.length > 0 ? and(...where) : undefined)
        .orderBy(...orderBy)
        .limit(limit + 1 - rows.length)),
    );
  }

  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? encodeProfileCursor(sortKey, last.sortValue as CursorValue, last.id)
      : null;

  const page: ProfilePage = { items: pageRows.map(toStored), nextCursor };
  if (params.withTotal) page.total = await countProfiles(db, filter);
  return page;
}

/** Exact number of profiles matching a filter. */
export async function countProfiles(db: Database, where?: SQL): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(profile)
    .where(where);
  return Number(rows[0]?.n ?? 0);
}
