import { and, desc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import { normalizeDate } from "@cdp/profile-schema";

import type { Database } from "../client";
import { event, profile, profileIdentifier } from "../schema";
import type { EventRow } from "../schema";
import { pgTimestampToIso, rowsOf } from "../sql";
import { identifierKey } from "./import-job";
import { rowToProfile } from "./profile";
import type { Identifier, StoredProfile } from "./profile";

// Keeps every statement well under PostgreSQL's 65,535 bind parameters.
const CHUNK = 5000;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const iso = (v: string | null): string | null => {
  const value = pgTimestampToIso(v);
  return value === null ? null : normalizeDate(value);
};

/**
 * Which profile owns each identifier, keyed by identifierKey, for a whole batch in one query per
 * 5,000 identifiers. Values must already be normalised (see parseIdentifierKey); identifiers nobody
 * owns are absent.
 */
export async function findProfileIdsByIdentifiers(
  db: Database,
  identifiers: readonly Identifier[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const unique = [...new Map(identifiers.map((i) => [identifierKey(i), i])).values()];
  for (const part of chunks(unique)) {
    const types = [...new Set(part.map((i) => i.type))];
    const values = [...new Set(part.map((i) => i.value))];
    const rows = await db
      .select({
        type: profileIdentifier.type,
        value: profileIdentifier.value,
        profileId: profileIdentifier.profileId,
      })
      .from(profileIdentifier)
      .where(and(inArray(profileIdentifier.type, types), inArray(profileIdentifier.value, values)));
    for (const row of rows) found.set(identifierKey(row), row.profileId);
  }
  return found;
}

/** A profile with what tracking needs beside its document. */
export interface TrackedProfile {
  stored: StoredProfile;
  /** The session of the current visit (`profile.session_id`). */
  sessionId: string | null;
  /** Time of the profile's latest stored event (canonical UTC), null without events. */
  lastEventAt: string | null;
}

// Generated columns are derived from the jsonb and never needed to rebuild a document.
const {
  email: _email,
  phone: _phone,
  firstname: _firstname,
  lastname: _lastname,
  displayName: _displayName,
  country: _country,
  visits: _visits,
  views: _views,
  searchText: _searchText,
  ...trackedColumns
} = getTableColumns(profile);

/**
 * Reads profiles by id with their session and latest event time: two queries for any number of
 * profiles (per 5,000). Ids not found are absent from the map.
 */
export async function getTrackedProfiles(
  db: Database,
  ids: readonly string[],
): Promise<Map<string, TrackedProfile>> {
  const out = new Map<string, TrackedProfile>();
  for (const part of chunks([...new Set(ids)])) {
    const rows = await db.select(trackedColumns).from(profile).where(inArray(profile.id, part));
    const last = await db
      .select({ profileId: event.profileId, time: sql<string>`max(${event.time})::text` })
      .from(event)
      .where(inArray(event.profileId, part))
      .groupBy(event.profileId);
    const lastById = new Map(last.map((r) => [r.profileId, iso(r.time)]));
    for (const row of rows) {
      out.set(row.id, {
        stored: { profile: rowToProfile(row), version: row.version },
        sessionId: row.sessionId,
        lastEventAt: lastById.get(row.id) ?? null,
      });
    }
  }
  return out;
}

/** Key of a stored event: `profileId` and event id joined by a NUL. */
export function eventKey(profileId: string, eventId: string): string {
  return `${profileId}\u0000${eventId}`;
}

/** Which of these (profile, event id) pairs are already stored, as {@link eventKey}s. */
export async function findStoredEvents(
  db: Database,
  keys: readonly { profileId: string; id: string }[],
): Promise<Set<string>> {
  const wanted = new Set(keys.map((k) => eventKey(k.profileId, k.id)));
  const found = new Set<string>();
  for (const part of chunks(keys)) {
    const rows = await db
      .select({ profileId: event.profileId, id: event.id })
      .from(event)
      .where(
        and(
          inArray(event.profileId, [...new Set(part.map((k) => k.profileId))]),
          inArray(event.id, [...new Set(part.map((k) => k.id))]),
        ),
      );
    for (const row of rows) {
      const key = eventKey(row.profileId, row.id);
      if (wanted.has(key)) found.add(key);
    }
  }
  return found;
}

/** An event to store. */
export interface NewEvent {
  profileId: string;
  id: string;
  type: string;
  time: string;
  sessionId: string | null;
  source: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
}

/**
 * Stores events with multi-row inserts; an event whose (profile, id) is already stored is skipped.
 * Returns the keys ({@link eventKey}) actually inserted.
 */
export async function insertEvents(db: Database, rows: readonly NewEvent[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  // One JSON parameter a statement: building and binding 8 parameters a row cost more CPU than
  // the insert itself (a tenth of a track batch's time).
  for (const part of chunks(rows, 5000)) {
    const done = rowsOf<{ profile_id: string; id: string }>(
      await db.execute(sql`
        insert into ${event} (profile_id, id, type, time, session_id, source, properties, context)
        select x."profileId", x.id, x.type, x.time, x."sessionId", x.source, x.properties, x.context
        from jsonb_to_recordset(${JSON.stringify(part)}::text::jsonb) as x(
          "profileId" text, id text, type text, time timestamptz, "sessionId" text, source text,
          properties jsonb, context jsonb
        )
        on conflict do nothing
        returning profile_id, id`),
    );
    for (const row of done) inserted.add(eventKey(row.profile_id, row.id));
  }
  return inserted;
}

/**
 * Sets `profile.session_id` for many profiles in one statement per 5,000. It is not part of the
 * document, so the profile's version is left alone.
 */
export async function setProfileSessions(
  db: Database,
  sessions: readonly { profileId: string; sessionId: string | null }[],
): Promise<void> {
  for (const part of chunks(sessions)) {
    const values = sql.join(
      part.map((s) => sql`(${s.profileId}::text, ${s.sessionId}::text)`),
      sql`, `,
    );
    await db.execute(
      sql`update ${profile} set session_id = v.session_id from (values ${values}) as v(id, session_id) where ${profile.id} = v.id`,
    );
  }
}

/** A stored event, times in canonical UTC. */
export type StoredEvent = Omit<EventRow, "time" | "receivedAt"> & {
  time: string;
  receivedAt: string;
};

const toStoredEvent = (row: EventRow): StoredEvent => ({
  ...row,
  time: iso(row.time) ?? row.time,
  receivedAt: iso(row.receivedAt) ?? row.receivedAt,
});

/**
 * A profile's events, newest first (the timeline). `before` continues a timeline after its last
 * event shown: only events older than it (by time, then id) come back.
 */
export async function listEvents(
  db: Database,
  params: {
    profileId: string;
    type?: string;
    limit?: number;
    before?: { time: string; id: string };
  },
): Promise<StoredEvent[]> {
  const filters: SQL[] = [eq(event.profileId, params.profileId)];
  if (params.type !== undefined) filters.push(eq(event.type, params.type));
  if (params.before !== undefined) {
    filters.push(
      sql`(${event.time}, ${event.id}) < (${params.before.time}::timestamptz, ${params.before.id})`,
    );
  }
  const rows = await db
    .select()
    .from(event)
    .where(and(...filters))
    .orderBy(desc(event.time), desc(event.id))
    .limit(Math.min(Math.max(params.limit ?? 100, 1), 1000));
  return rows.map(toStoredEvent);
}

/** How many events are stored, for one profile or all. */
export async function countEvents(
  db: Database,
  params: { profileId?: string } = {},
): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(event)
    .where(params.profileId === undefined ? undefined : eq(event.profileId, params.profileId));
  return Number(rows[0]?.n ?? 0);
}
