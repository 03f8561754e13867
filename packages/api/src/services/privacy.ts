import { desc, eq, inArray, or, sql } from "drizzle-orm";
import { piiPaths } from "@cdp/profile-schema";
import type { Profile } from "@cdp/profile-schema";
import {
  auditAbout,
  DomainError,
  identifiersOf,
  lockProfileByKey,
  redactValues,
  requireProfile,
  retryingTransaction,
  schema,
  suppressIdentifiers,
  textColumns,
} from "@cdp/db";
import type { Database } from "@cdp/db";

import type { Principal } from "../authz";
import { audit, valueAt } from "./audit";

export interface PrivacyOrigin {
  principal: Principal;
  requestId: string;
}

/**
 * Tables that may hold copies of a person's values outside their own rows: audit diffs, consent
 * proofs, merge snapshots, import files and events. Other people's profiles are never rewritten,
 * even if they happen to share a value.
 */
const REDACTED_TABLES = new Set([
  "audit_log",
  "consent_event",
  "profile_merge",
  "import_job",
  "import_job_part",
  "event",
]);

/**
 * Keys in those tables: never a person's value, and rewriting one would break its foreign keys
 * (a short value, say four digits, can be part of a job's UUID).
 */
const KEY_COLUMNS = new Set(["import_job.id", "import_job_part.job_id", "import_job_part.hash"]);

/** Every PII string held in a profile (list elements included). */
export function piiValuesOf(profile: Profile): string[] {
  const values = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === "string" && v.trim().length >= 3) values.add(v);
    else if (typeof v === "number" && Number.isFinite(v) && String(v).length >= 4)
      values.add(String(v));
  };
  for (const path of piiPaths) {
    const value = valueAt(profile, path);
    if (Array.isArray(value)) value.forEach(add);
    else if (value && typeof value === "object") Object.values(value).forEach(add);
    else add(value);
  }
  for (const id of identifiersOf(profile)) if (id.type !== "id") add(id.value);
  return [...values];
}

/** The ids that ever denoted this person: the profile's own and those merged into it. */
async function personIds(db: Database, profile: Profile): Promise<string[]> {
  const merges = await db
    .select({ fromIds: schema.profileMerge.fromIds })
    .from(schema.profileMerge)
    .where(eq(schema.profileMerge.intoId, profile.id));
  return [...new Set([profile.id, ...profile.ids, ...merges.flatMap((m) => m.fromIds)])];
}

/** Reveals selected PII fields of one profile, with a reason that is audited (values are not). */
export async function revealFields(
  db: Database,
  origin: PrivacyOrigin,
  input: { profileId: string; fields: string[]; reason: string },
): Promise<{ profileId: string; values: Record<string, unknown> }> {
  const notPii = input.fields.filter((f) => !piiPaths.includes(f));
  if (notPii.length > 0) {
    throw new DomainError("BAD_REQUEST", `Not a personal-data field: ${notPii.join(", ")}`, {
      path: ["fields"],
    });
  }
  return db.transaction(async (tx) => {
    const { profile } = await requireProfile(tx, input.profileId);
    const values = Object.fromEntries(input.fields.map((f) => [f, valueAt(profile, f) ?? null]));
    await audit(
      tx,
      { ...origin, reason: input.reason },
      {
        action: "privacy.reveal",
        entity: "profile",
        entityId: profile.id,
        changes: input.fields.map((path) => ({ path, before: null, after: null })),
      },
    );
    return { profileId: profile.id, values };
  });
}

/** Everything held about a person, as one JSON document (a data-subject access request). */
export async function exportPerson(db: Database, origin: PrivacyOrigin, profileKey: string) {
  return db.transaction(async (tx) => {
    const stored = await requireProfile(tx, profileKey);
    const ids = await personIds(tx, stored.profile);
    const [identifiers, events, consentLedger, merges, auditEntries] = await Promise.all([
      tx
        .select()
        .from(schema.profileIdentifier)
        .where(eq(schema.profileIdentifier.profileId, stored.profile.id)),
      tx
        .select()
        .from(schema.event)
        .where(inArray(schema.event.profileId, ids))
        .orderBy(desc(schema.event.time)),
      tx
        .select()
        .from(schema.consentEvent)
        .where(inArray(schema.consentEvent.profileId, ids))
        .orderBy(schema.consentEvent.at, schema.consentEvent.id),
      tx
        .select()
        .from(schema.profileMerge)
        .where(
          or(
            eq(schema.profileMerge.intoId, stored.profile.id),
            sql`${schema.profileMerge.fromIds} ?| ${sql.param(ids)}::text[]`,
          ),
        ),
      Promise.all(ids.map((id) => auditAbout(tx, id))).then((r) => r.flat()),
    ]);
    await audit(tx, origin, {
      action: "privacy.export",
      entity: "profile",
      entityId: stored.profile.id,
    });
    return {
      exportedAt: new Date().toISOString(),
      profile: stored.profile,
      version: stored.version,
      identifiers,
      events,
      consentLedger,
      merges,
      audit: auditEntries,
    };
  });
}

/**
 * Erases a person: their profile, identifiers, events and memberships go; their values are
 * redacted from audit diffs, consent proofs, merge snapshots and import files; their identifiers
 * are suppressed (hashed) so tracking or an import cannot re-create them; and the fact of the erase
 * — who, when, why — is kept in the audit log. Returns what a re-scan still finds (nothing).
 */
export async function erasePerson(
  db: Database,
  origin: PrivacyOrigin,
  input: { profileId: string; reason: string },
) {
  return retryingTransaction(db, async (tx) => {
    // Locked first: a track batch or consent change in flight finishes before anything is
    // deleted (or waits and finds the person gone), so none of its rows outlives the erase.
    const { profile } = await lockProfileByKey(tx, input.profileId);
    const ids = await personIds(tx, profile);
    const values = piiValuesOf(profile);
    const identifiers = identifiersOf(profile);

    await tx.delete(schema.event).where(inArray(schema.event.profileId, ids));
    await tx.delete(schema.profile).where(eq(schema.profile.id, profile.id));
    await tx
      .delete(schema.profileIdentifier)
      .where(eq(schema.profileIdentifier.profileId, profile.id));
    await tx
      .update(schema.consentEvent)
      .set({ proof: null, reason: null })
      .where(inArray(schema.consentEvent.profileId, ids));

    const columns = (await textColumns(tx)).filter(
      (c) => REDACTED_TABLES.has(c.table) && !KEY_COLUMNS.has(`${c.table}.${c.column}`),
    );
    const redactedRows = await redactValues(tx, { values, columns });
    const suppressed = await suppressIdentifiers(tx, identifiers, {
      createdBy: `${origin.principal.kind}:${origin.principal.id}`,
      reason: "erased",
    });
    await audit(
      tx,
      { ...origin, reason: input.reason },
      {
        action: "privacy.erase",
        entity: "profile",
        entityId: profile.id,
      },
    );
    return { profileId: profile.id, erasedIds: ids, redactedRows, suppressed };
  });
}
