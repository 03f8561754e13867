import {
  addDuration,
  ConsentChange,
  consentsFromLedger,
  isConsentGranted,
  normalizeDate,
} from "@cdp/profile-schema";
import type {
  ConsentAction,
  ConsentChangeInput,
  ConsentLedgerEntry,
  ConsentRevoke,
  ConsentStateEntry,
  ConsentType,
  ConsentTypeInput,
  ConsentTypePatch,
} from "@cdp/profile-schema";
import {
  DomainError,
  getConsentType,
  insertConsentEvent,
  insertConsentType,
  latestConsentEvents,
  listConsentEvents,
  listConsentTypes,
  lockProfileByKey,
  requireConsentType,
  requireProfile,
  setConsentTypeArchived,
  updateConsentType as updateConsentTypeRow,
} from "@cdp/db";
import type { AuditChange, Database, StoredProfile } from "@cdp/db";

import { seesPii } from "../authz";
import type { Principal } from "../authz";
import { audit } from "./audit";
import type { AuditOrigin } from "./audit";
import { writeProfile } from "./profile-write";
import type { WriteOrigin } from "./profile-write";

/**
 * Who makes a consent change; the ledger's `actor` is `principal.kind:principal.id`. `time` is
 * what writeProfile stamps on the profile (default now; track passes the event time, and its
 * batch's events not stored yet, which segment conditions count).
 */
export type ConsentOrigin = AuditOrigin & { time?: string } & Pick<
    WriteOrigin,
    "unsavedEvents" | "now"
  >;

/** The audit action of each ledger action. */
export const consentAuditAction: Record<ConsentAction, string> = {
  granted: "consent.grant",
  denied: "consent.deny",
  revoked: "consent.revoke",
};

/** How far ahead of the server clock `at` may be (clock skew of the caller). */
const MAX_FUTURE_MS = 5 * 60 * 1000;

const canonical = (date: Date) => normalizeDate(date.toISOString());

/** The ledger source when the caller names none: where the principal works from. */
export function defaultConsentSource(principal: Principal): string {
  switch (principal.kind) {
    case "staff":
      return "console";
    case "service":
      return "api";
    case "system":
      return "system";
  }
}

/** A refusal a client can place: `details.path` names the field, `details.reason` the rule. */
function refuse(message: string, path: string, reason: string): DomainError {
  return new DomainError("BAD_REQUEST", message, { path: [path], reason });
}

// ---------------------------------------------------------------------------------------------
// 1. The catalogue
// ---------------------------------------------------------------------------------------------

const typeFields = [
  "name",
  "description",
  "purpose",
  "revokable",
  "defaultValue",
  "enabled",
  "required",
  "tags",
  "autoRevoke",
] as const;

function typeChanges(before: ConsentType | null, after: ConsentType): AuditChange[] {
  return typeFields
    .filter((f) => JSON.stringify(before?.[f] ?? null) !== JSON.stringify(after[f]))
    .map((f) => ({ path: f, before: before?.[f] ?? null, after: after[f] }));
}

/** Adds a consent type (id taken → CONFLICT on `id`) and audits it. */
export async function createConsentType(
  db: Database,
  origin: ConsentOrigin,
  input: ConsentTypeInput,
): Promise<ConsentType> {
  const created = await insertConsentType(db, input);
  await audit(db, origin, {
    action: "consent_type.create",
    entity: "consent_type",
    entityId: created.id,
    changes: typeChanges(null, created),
  });
  return created;
}

/**
 * Changes a consent type and audits what changed. Grants already given keep the expiry they
 * were given: a new auto-revoke applies to later grants.
 */
export async function updateConsentType(
  db: Database,
  origin: ConsentOrigin,
  id: string,
  patch: ConsentTypePatch,
): Promise<ConsentType> {
  const before = await requireConsentType(db, id);
  const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const wanted: ConsentType = { ...before, ...(given as Partial<ConsentType>) };
  if (typeChanges(before, wanted).length === 0) return before;
  const after = await updateConsentTypeRow(db, id, patch);
  await audit(db, origin, {
    action: "consent_type.update",
    entity: "consent_type",
    entityId: id,
    changes: typeChanges(before, after),
  });
  return after;
}

/**
 * Archives (or restores) a type: an archived type takes no new grants or denials; its ledger
 * entries and current grants stay, and grants in effect can still be revoked.
 */
export async function archiveConsentType(
  db: Database,
  origin: ConsentOrigin,
  id: string,
  archived = true,
): Promise<ConsentType> {
  const before = await requireConsentType(db, id);
  if ((before.archivedAt !== null) === archived) return before;
  const after = await setConsentTypeArchived(db, id, archived);
  await audit(db, origin, {
    action: archived ? "consent_type.archive" : "consent_type.restore",
    entity: "consent_type",
    entityId: id,
    changes: [{ path: "archivedAt", before: before.archivedAt, after: after.archivedAt }],
  });
  return after;
}

// ---------------------------------------------------------------------------------------------
// 2. Changes: the one path into the ledger and profile.consents
// ---------------------------------------------------------------------------------------------

export interface ConsentChangeResult {
  /** `profile.consents` after the change (Tracardi shape). */
  consents: Record<string, ConsentRevoke>;
  /** The ledger entry appended. */
  event: ConsentLedgerEntry;
  /** The profile as written (its new version); continue from it in the same transaction. */
  stored: StoredProfile;
  /** Profile paths the change touched (empty when `consents` stayed the same). */
  changed: string[];
}

function parseChange(change: ConsentChangeInput): ConsentChange {
  const parsed = ConsentChange.safeParse(change);
  if (parsed.success) return parsed.data;
  const fieldErrors = parsed.error.issues.map((i) => ({
    path: i.path.map(String).join("."),
    message: i.message,
  }));
  const first = parsed.error.issues[0];
  throw new DomainError("BAD_REQUEST", first?.message ?? "Invalid consent change", {
    path: first?.path.map(String) ?? [],
    fieldErrors,
  });
}

function checkType(type: ConsentType | null, change: ConsentChange): ConsentType {
  if (!type) {
    throw refuse(
      `Consent type "${change.typeId}" is not in the catalogue.`,
      "typeId",
      "unknown_type",
    );
  }
  // Withdrawing consent must stay possible (GDPR Art. 7(3)) after a type is retired.
  if (change.action === "revoked") return type;
  if (type.archivedAt !== null) {
    throw refuse(
      `Consent type "${type.id}" is archived and takes no new grants or denials.`,
      "typeId",
      "archived",
    );
  }
  if (!type.enabled) {
    throw refuse(
      `Consent type "${type.id}" is disabled and takes no new grants or denials.`,
      "typeId",
      "disabled",
    );
  }
  return type;
}

function notGrantedMessage(typeId: string, latest: ConsentLedgerEntry | undefined): string {
  if (!latest) return `Consent "${typeId}" was never granted to this profile: nothing to revoke.`;
  if (latest.action === "granted") {
    return `Consent "${typeId}" expired at ${latest.expiresAt ?? "?"}: nothing to revoke.`;
  }
  return `Consent "${typeId}" is not granted (it was ${latest.action} at ${latest.at}): nothing to revoke.`;
}

/**
 * Records one consent change — grant, denial or revocation — for a profile: validates it
 * against the catalogue and the profile's current consents, appends it to the ledger, recomputes
 * `profile.consents` from the ledger and writes the profile through `writeProfile` (which stamps
 * `metadata.fields` and audits it as `consent.grant` / `consent.deny` / `consent.revoke`; an
 * audit row is written even when `consents` did not change). Run it in the caller's transaction:
 * a refusal throws a DomainError (BAD_REQUEST with `details.path` and `details.reason`, or
 * NOT_FOUND for the profile) before anything is written. The profile row is locked until the
 * transaction ends, so concurrent changes to one profile queue up.
 */
export async function applyConsentChange(
  db: Database,
  origin: ConsentOrigin,
  input: ConsentChangeInput,
  options: { now?: Date } = {},
): Promise<ConsentChangeResult> {
  const change = parseChange(input);
  const type = checkType(await getConsentType(db, change.typeId), change);
  const nowDate = options.now ?? new Date();
  const now = canonical(nowDate);
  const at = change.at ?? now;
  if (at > canonical(new Date(nowDate.getTime() + MAX_FUTURE_MS))) {
    throw refuse(`The moment ${at} is in the future.`, "at", "future");
  }

  // Locked, and read under the lock: a change committed meanwhile is what we build on; a profile
  // merged away meanwhile leads to its survivor, where the ledger entry and consents then land.
  const before = await lockProfileByKey(db, change.profileId);
  const { profile } = before;
  const latest = await latestConsentEvents(db, profile.id);
  const latestOfType = latest.find((e) => e.typeId === type.id);
  // In effect at the moment of the change: a late event revokes what held when it happened.
  const grantedAtChange = isConsentGranted(consentsFromLedger(latest), type.id, new Date(at));

  if (change.action !== "granted" && grantedAtChange && !type.revokable) {
    throw refuse(
      `Consent type "${type.id}" is not revokable: a grant of it cannot be withdrawn.`,
      "typeId",
      "not_revokable",
    );
  }
  if (change.action === "revoked") {
    if (!type.revokable) {
      throw refuse(`Consent type "${type.id}" is not revokable.`, "typeId", "not_revokable");
    }
    if (!grantedAtChange)
      throw refuse(notGrantedMessage(type.id, latestOfType), "typeId", "not_granted");
    if (latestOfType && at < latestOfType.at) {
      throw refuse(
        `The grant in effect was given at ${latestOfType.at}; a revocation cannot precede it.`,
        "at",
        "before_grant",
      );
    }
  }

  let expiresAt: string | null = null;
  if (change.action === "granted" && type.autoRevoke) {
    try {
      expiresAt = addDuration(at, type.autoRevoke);
    } catch (error) {
      throw refuse(
        error instanceof Error ? error.message : String(error),
        "at",
        "expiry_out_of_range",
      );
    }
  }

  const source = change.source ?? defaultConsentSource(origin.principal);
  const event = await insertConsentEvent(db, {
    profileId: profile.id,
    typeId: type.id,
    action: change.action,
    legalBasis: change.action === "revoked" ? null : (change.legalBasis ?? "consent"),
    source,
    actor: `${origin.principal.kind}:${origin.principal.id}`,
    policyVersion: change.policyVersion ?? null,
    reason: change.reason ?? null,
    at,
    expiresAt,
    proof: change.proof ?? null,
  });

  const consents = consentsFromLedger([...latest, event]);
  const action = consentAuditAction[change.action];
  const writeOrigin = {
    principal: origin.principal,
    requestId: origin.requestId,
    reason: change.reason ?? origin.reason ?? null,
    source,
    action,
    time: origin.time,
    unsavedEvents: origin.unsavedEvents,
    now: origin.now,
  };
  const { stored, changed } = await writeProfile(db, {
    before,
    after: { ...before.profile, consents },
    origin: writeOrigin,
  });
  if (changed.length === 0) {
    await audit(db, writeOrigin, { action, entity: "profile", entityId: profile.id });
  }
  return { consents, event, stored, changed };
}

// ---------------------------------------------------------------------------------------------
// 3. Reading
// ---------------------------------------------------------------------------------------------

/** A ledger entry as a reader sees it: proof (may be personal data) only with `profiles:pii`. */
export type ConsentLedgerView = ConsentLedgerEntry & { proofHidden: boolean };

export function presentConsentEntry(
  principal: Principal | null,
  entry: ConsentLedgerEntry,
): ConsentLedgerView {
  if (seesPii(principal) || entry.proof === null) {
    return { ...entry, proofHidden: false };
  }
  return { ...entry, proof: null, proofHidden: true };
}

/** A profile's consent ledger (any profile identifier), ordered by `at`, then id. */
export async function consentHistory(
  db: Database,
  params: { profileId: string; typeId?: string | null },
): Promise<{ profileId: string; items: ConsentLedgerEntry[] }> {
  const { profile } = await requireProfile(db, params.profileId);
  const items = await listConsentEvents(db, { profileId: profile.id, typeId: params.typeId });
  return { profileId: profile.id, items };
}

/**
 * Where a profile stands on every catalogue type at `now`: granted now, expired, denied,
 * revoked or never asked; with expiry and last action. Archived types appear only when the
 * profile has ledger entries for them.
 */
export async function consentState(
  db: Database,
  params: { profileId: string; now?: Date },
): Promise<{ profileId: string; at: string; items: ConsentStateEntry[] }> {
  const now = params.now ?? new Date();
  const { profile } = await requireProfile(db, params.profileId);
  const types = await listConsentTypes(db, { includeArchived: true });
  const latest = await latestConsentEvents(db, profile.id);
  const byType = new Map(latest.map((e) => [e.typeId, e]));
  const consents = consentsFromLedger(latest);
  const items = types
    .filter((type) => type.archivedAt === null || byType.has(type.id))
    .map((type): ConsentStateEntry => {
      const last = byType.get(type.id);
      const granted = isConsentGranted(consents, type.id, now);
      return {
        typeId: type.id,
        name: type.name,
        purpose: type.purpose,
        required: type.required,
        revokable: type.revokable,
        defaultValue: type.defaultValue,
        enabled: type.enabled,
        archived: type.archivedAt !== null,
        granted,
        status: !last
          ? "none"
          : last.action === "granted"
            ? granted
              ? "granted"
              : "expired"
            : last.action,
        expiresAt: last?.action === "granted" ? last.expiresAt : null,
        lastAction: last?.action ?? null,
        lastAt: last?.at ?? null,
        legalBasis: last?.legalBasis ?? null,
        policyVersion: last?.policyVersion ?? null,
      };
    });
  return { profileId: profile.id, at: canonical(now), items };
}
