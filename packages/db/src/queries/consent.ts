import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import { normalizeDate } from "@cdp/profile-schema";
import type {
  ConsentLedgerEntry,
  ConsentType,
  ConsentTypeInput,
  ConsentTypePatch,
  JsonObject,
} from "@cdp/profile-schema";

import type { Database } from "../client";
import { DomainError, NotFoundError } from "../errors";
import { consentEvent, consentType, profile } from "../schema";
import type { ConsentEventRow, ConsentTypeRow } from "../schema";

// ---------------------------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------------------------

const iso = (value: string) => normalizeDate(value);
const isoOrNull = (value: string | null) => (value === null ? null : normalizeDate(value));

/** A catalogue row as the contract's ConsentType. */
export function rowToConsentType(row: ConsentTypeRow): ConsentType {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    // The column only ever receives values the contract parsed.
    purpose: row.purpose as ConsentType["purpose"],
    revokable: row.revokable,
    defaultValue: row.defaultValue,
    enabled: row.enabled,
    required: row.required,
    tags: row.tags,
    autoRevoke: row.autoRevoke,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    archivedAt: isoOrNull(row.archivedAt),
  };
}

/** One consent type by id, archived or not; null when there is none. */
export async function getConsentType(db: Database, id: string): Promise<ConsentType | null> {
  const rows = await db.select().from(consentType).where(eq(consentType.id, id));
  const row = rows[0];
  return row ? rowToConsentType(row) : null;
}

/** Like getConsentType, but a missing type is NOT_FOUND. */
export async function requireConsentType(db: Database, id: string): Promise<ConsentType> {
  const found = await getConsentType(db, id);
  if (!found) throw new NotFoundError("Consent type", id);
  return found;
}

export interface ListConsentTypesParams {
  /** Include archived types (default false). */
  includeArchived?: boolean;
  purpose?: string | null;
  enabled?: boolean | null;
}

/** The catalogue, ordered by id (it is small: no paging). */
export async function listConsentTypes(
  db: Database,
  params: ListConsentTypesParams = {},
): Promise<ConsentType[]> {
  const where: SQL[] = [];
  if (!params.includeArchived) where.push(isNull(consentType.archivedAt));
  if (params.purpose) where.push(eq(consentType.purpose, params.purpose));
  if (params.enabled !== undefined && params.enabled !== null) {
    where.push(eq(consentType.enabled, params.enabled));
  }
  const rows = await db
    .select()
    .from(consentType)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(consentType.id));
  return rows.map(rowToConsentType);
}

/** Adds a type; an id already taken (archived ones included) is a CONFLICT on `id`. */
export async function insertConsentType(
  db: Database,
  input: ConsentTypeInput,
): Promise<ConsentType> {
  const inserted = await db.insert(consentType).values(input).onConflictDoNothing().returning();
  const row = inserted[0];
  if (!row) {
    throw new DomainError("CONFLICT", `A consent type with id "${input.id}" already exists.`, {
      path: ["id"],
      id: input.id,
    });
  }
  return rowToConsentType(row);
}

/** Applies a patch (fields left out stay) and stamps `updated_at`. */
export async function updateConsentType(
  db: Database,
  id: string,
  patch: ConsentTypePatch,
): Promise<ConsentType> {
  const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const updated = await db
    .update(consentType)
    .set({ ...set, updatedAt: sql`now()` })
    .where(eq(consentType.id, id))
    .returning();
  const row = updated[0];
  if (!row) throw new NotFoundError("Consent type", id);
  return rowToConsentType(row);
}

/** Archives (`archived: true`) or restores a type; archiving twice keeps the first time. */
export async function setConsentTypeArchived(
  db: Database,
  id: string,
  archived: boolean,
): Promise<ConsentType> {
  const updated = await db
    .update(consentType)
    .set({
      archivedAt: archived ? sql`coalesce(${consentType.archivedAt}, now())` : null,
      updatedAt: sql`now()`,
    })
    .where(eq(consentType.id, id))
    .returning();
  const row = updated[0];
  if (!row) throw new NotFoundError("Consent type", id);
  return rowToConsentType(row);
}

// ---------------------------------------------------------------------------------------------
// The ledger
// ---------------------------------------------------------------------------------------------

/** A ledger row as the contract's ConsentLedgerEntry. */
export function rowToConsentEntry(row: ConsentEventRow): ConsentLedgerEntry {
  return {
    id: row.id,
    profileId: row.profileId,
    typeId: row.typeId,
    action: row.action,
    legalBasis: row.legalBasis,
    source: row.source,
    actor: row.actor,
    policyVersion: row.policyVersion,
    reason: row.reason,
    at: iso(row.at),
    expiresAt: isoOrNull(row.expiresAt),
    // jsonb written from a parsed JsonObject.
    proof: row.proof as JsonObject | null,
    createdAt: iso(row.createdAt),
  };
}

export type NewConsentEntry = Omit<ConsentLedgerEntry, "id" | "createdAt">;

/** Appends one entry to the ledger (call inside the transaction that updates the profile). */
export async function insertConsentEvent(
  db: Database,
  entry: NewConsentEntry,
): Promise<ConsentLedgerEntry> {
  const inserted = await db.insert(consentEvent).values(entry).returning();
  const row = inserted[0];
  if (!row) throw new Error("insert into consent_event returned no row");
  return rowToConsentEntry(row);
}

/** A profile's ledger, optionally for one type, in meaning order: by `at`, then id. */
export async function listConsentEvents(
  db: Database,
  params: { profileId: string; typeId?: string | null },
): Promise<ConsentLedgerEntry[]> {
  const where = [eq(consentEvent.profileId, params.profileId)];
  if (params.typeId) where.push(eq(consentEvent.typeId, params.typeId));
  const rows = await db
    .select()
    .from(consentEvent)
    .where(and(...where))
    .orderBy(asc(consentEvent.at), asc(consentEvent.id));
  return rows.map(rowToConsentEntry);
}

/** The latest entry per type for a profile (what the current state is made of). */
export async function latestConsentEvents(
  db: Database,
  profileId: string,
): Promise<ConsentLedgerEntry[]> {
  const rows = await db
    .selectDistinctOn([consentEvent.typeId])
    .from(consentEvent)
    .where(eq(consentEvent.profileId, profileId))
    .orderBy(asc(consentEvent.typeId), sql`${consentEvent.at} desc`, sql`${consentEvent.id} desc`);
  return rows.map(rowToConsentEntry);
}

/**
 * Takes the row lock on a profile for the rest of the transaction, so concurrent consent changes
 * to one profile queue up instead of failing on the version check. False when there is no row.
 */
export async function lockProfileRow(db: Database, profileId: string): Promise<boolean> {
  const rows = await db
    .select({ id: profile.id })
    .from(profile)
    .where(eq(profile.id, profileId))
    .for("update");
  return rows.length > 0;
}

/**
 * Removes what may identify a person from a profile's ledger (proof and reason), keeping the
 * decisions themselves; for the privacy erase. Returns the number of entries touched.
 */
export async function redactConsentEvents(db: Database, profileId: string): Promise<number> {
  const rows = await db
    .update(consentEvent)
    .set({ proof: null, reason: null })
    .where(eq(consentEvent.profileId, profileId))
    .returning({ id: consentEvent.id });
  return rows.length;
}
