/**
 * `profile.track`: applies batches of events to profiles.
 *
 * Semantics (the contract's conventions are documented on TrackProperties):
 * - Who: `profileId` (any key `profile.get` accepts) or `identifiers` (email, phone, externalId,
 *   looked up in that order; the first profile found wins — when they point at different profiles
 *   the event goes to the first and nothing is merged, that is `identify`'s job). Nothing found →
 *   a new profile: a bare (or `id:`) profileId becomes its id, so a tracker's cookie id keeps
 *   addressing it; `email:`/`phone:`/`ext:` keys and `identifiers` are stored on it (contact
 *   e-mail, contact phone, `data.identifier.id`) so the next lookup finds it. Identifiers are lookup
 *   keys only: on an existing profile they change nothing (identification properties do). Lookups
 *   see the identifiers stored when the batch starts plus those that earlier events of the batch
 *   (input order) create or set.
 * - Order: each profile's events are applied in time order (ties in input order); results come
 *   back in input order. Visits: an event opens a new visit when its session differs from the
 *   profile's current one, or, without a session, when the profile has been inactive for more than
 *   30 minutes. A late event — older than the profile's latest activity (its newest stored event or
 *   current visit start) — never opens a visit: it counts views, counters, interests and
 *   identification but leaves visit times alone, because a visit cannot be placed in the past
 *   without rewriting later ones.
 * - Each event is validated on its own, in memory, within one transaction per batch: a failing
 *   event (bad property, a time more than 5 minutes ahead, …) reports its index and reason and
 *   changes nothing, not even its event row; the others apply. A retried event (same id, same
 *   profile) is reported as a duplicate and changes nothing.
 * - Each profile is written once per batch with its events folded in memory, together with the
 *   batch's other profiles through writeProfiles (one UPDATE for the existing ones, one INSERT for
 *   the new ones; events before a consent decision are written first, through writeProfile):
 *   `metadata.fields[path] = [event time, event id]` of the last event that changed the path,
 *   `metadata.time.update` = the time of its last applied event, and one audit row per profile and
 *   batch (action `profile.track`, source `track:<first applied event id>`). Event rows go in with
 *   one multi-row insert per batch, sessions with one update.
 * - `consent-update` events (properties: ConsentUpdateProperties) record a consent decision
 *   through the consent ledger (applyConsentChange: source `track:<event id>`, at the event time),
 *   exactly as `consent.grant` / `consent.revoke` do. The profile's events before it are written
 *   first; the event and its decision are written together in a savepoint, so a refused decision
 *   (unknown type, nothing to revoke, …) fails that event alone and keeps nothing of it.
 * - Mapping rules (the administrator's, services/mapping-engine.ts) run after the built-in mappings
 *   of each event, in rule order, on the profile the built-ins leave; their changes fold into the
 *   profile's write like the built-ins' (stamped `[event time, event id]`), and each write adds one
 *   `mapping.apply` audit row per rule version that changed the profile, naming the rule, its
 *   version and the events. A rule that fails fails its event alone (the message names rule,
 *   version and mapping) and keeps nothing of it. A rule's consent decisions go through the ledger
 *   like a `consent-update` event's: written with their event in one savepoint, a refusal (unknown
 *   type, …) fails that event alone; revoking what is not granted does nothing.
 * - Concurrency: a profile changed by another writer during the batch (version conflict) rolls the
 *   whole batch back and runs it again, up to 3 times; then it fails as CONFLICT and nothing of it
 *   is kept — resending the same batch is safe, since event ids make it idempotent.
 */
import {
  applyProfilePatch,
  CONSENT_UPDATE_EVENT,
  ConsentUpdateProperties,
  diffPaths,
  IDENTIFICATION_PROPERTIES,
  normalizeDate,
  Profile as ProfileSchema,
  ProfileObject,
  ProfileStats,
  ProfileVisit,
  TrackProperties,
  VIEW_EVENT_TYPES,
  VISIT_TIMEOUT_MINUTES,
} from "@cdp/profile-schema";
import type {
  ConsentChangeInput,
  IdentificationProperty,
  JsonValue,
  Profile,
  ProfileInput,
  ProfilePatch,
  TrackEventEnvelope,
  TrackOutput,
  TrackResult,
} from "@cdp/profile-schema";
import {
  DomainError,
  eventKey,
  findProfileIdsByIdentifiers,
  findStoredEvents,
  getTrackedProfiles,
  identifierKey,
  identifiersOf,
  insertAudit,
  insertEvents,
  listMappingRules,
  normalizeEmail,
  normalizePhone,
  parseIdentifierKey,
  retryingTransaction,
  schema,
  setProfileSessions,
  VersionConflictError,
} from "@cdp/db";
import type {
  AuditChange,
  AuditEntry,
  Database,
  Identifier,
  NewEvent,
  StoredProfile,
} from "@cdp/db";
import { inArray } from "drizzle-orm";
import { ZodError } from "zod";
import type { z } from "zod";

import type { Principal } from "../authz";
import { auditEntry } from "./audit";
import { applyConsentChange } from "./consent";
import type { ConsentOrigin } from "./consent";
import {
  applyMappingRules,
  mappingHasher,
  mappingHashSalt,
  mappingRuleError,
  MappingRuleError,
  ruleName,
} from "./mapping-engine";
import type { MappingEvent, RuleOutcome, RunnableRule } from "./mapping-engine";
import { bareProfile, writeProfile, writeProfiles } from "./profile-write";
import type { ProfileWrite, WriteOrigin, WriteOutcome } from "./profile-write";

const VISIT_TIMEOUT_MS = VISIT_TIMEOUT_MINUTES * 60_000;
/** How far ahead of the server clock an event time may be (client clocks drift). */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const MAX_ATTEMPTS = 3;

// ---------------------------------------------------------------------------------------------
// 1. One event applied to one profile (pure)
// ---------------------------------------------------------------------------------------------

/** An event that cannot be applied; `path` names the offending part (`properties.email`). */
export class TrackEventError extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = "TrackEventError";
  }
}

/** What applying a profile's events carries from one event to the next. */
export interface TrackState {
  profile: Profile;
  /** The current visit's session (`profile.session_id`). */
  sessionId: string | null;
  /** The latest activity seen (canonical UTC): newest event or current visit start. */
  lastActivity: string | null;
}

/** The event fields the fold reads. */
export type TrackedEvent = Pick<TrackEventEnvelope, "type" | "time" | "session" | "context">;

function addTo(current: JsonValue | undefined, delta: number, field: string, path: string): number {
  if (current === undefined) return Number(delta.toFixed(6));
  if (typeof current !== "number") {
    throw new TrackEventError(
      `${field} holds ${JSON.stringify(current)}, not a number, so it cannot be added to`,
      path,
    );
  }
  // Rounded so repeated fractional steps read as people expect (0.1 + 0.2 = 0.3).
  return Number((current + delta).toFixed(6));
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split(".");
  const last = keys.pop() as string;
  let node = target;
  for (const key of keys) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[last] = value;
}

const identification = Object.entries(IDENTIFICATION_PROPERTIES) as [
  IdentificationProperty,
  string,
][];

function identificationPatch(properties: TrackProperties): ProfilePatch | null {
  const patch: Record<string, unknown> = {};
  let any = false;
  for (const [name, path] of identification) {
    const value = properties[name];
    if (value === undefined) continue;
    setPath(patch, path, value);
    any = true;
  }
  // applyProfilePatch validates the patch against the profile's shape.
  return any ? (patch as ProfilePatch) : null;
}

function schemaError(error: ZodError, prefix: readonly string[] = []): TrackEventError {
  const issue = error.issues[0];
  const at = [...prefix, ...(issue?.path ?? []).map(String)].join(".");
  const property = identification.find(([, path]) => path === at)?.[0];
  return property
    ? new TrackEventError(issue?.message ?? "Invalid value", `properties.${property}`)
    : new TrackEventError(`${at}: ${issue?.message ?? "invalid value"}`);
}

const VISIT_PATH = ["metadata", "time", "visit"] as const;
/** The profile's `interests` map as the profile schema validates it. */
const InterestsSchema = ProfileObject.shape.interests;

/** A group of the profile validated on its own; an issue names its path in the whole profile. */
function parsePart<T>(schema: z.ZodType<T>, value: unknown, at: readonly string[]): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw schemaError(parsed.error, at);
  return parsed.data;
}

/**
 * Applies one event to a profile: visits (see the module comment), views, counters, interests
 * and identification properties. Pure; the result is a validated Profile.
 * @throws TrackEventError naming the offending property when the event cannot apply.
 */
export function applyTrackEvent(
  state: TrackState,
  event: TrackedEvent,
  properties: TrackProperties,
): TrackState {
  const { profile, lastActivity } = state;
  const t = event.time;
  const late = lastActivity !== null && t < lastActivity;
  const newVisit =
    !late &&
    (event.session !== undefined
      ? event.session !== state.sessionId
      : lastActivity === null || Date.parse(t) - Date.parse(lastActivity) > VISIT_TIMEOUT_MS);

  const visit = { ...profile.metadata.time.visit };
  const stats = { ...profile.stats, counters: { ...profile.stats.counters } };
  if (newVisit) {
    visit.last = visit.current;
    visit.current = t;
    visit.count += 1;
    stats.visits += 1;
    const tz = event.context["tz"];
    if (typeof tz === "string") visit.tz = tz;
  }
  const view = VIEW_EVENT_TYPES.includes(event.type);
  if (view) stats.views += 1;
  const statsChanged = newVisit || view || properties.counters !== undefined;
  for (const [name, delta] of Object.entries(properties.counters ?? {})) {
    stats.counters[name] = addTo(
      stats.counters[name],
      delta,
      `stats.counters.${name}`,
      `properties.counters.${name}`,
    );
  }
  const interests = { ...profile.interests };
  for (const name of properties.interestsReset ?? []) delete interests[name];
  for (const [name, delta] of Object.entries(properties.interests ?? {})) {
    interests[name] = addTo(
      interests[name],
      delta,
      `interests.${name}`,
      `properties.interests.${name}`,
    );
  }

  const patch = identificationPatch(properties);
  let next: Profile;
  try {
    if (patch) {
      const changed: Profile = {
        ...profile,
        stats,
        interests,
        metadata: { ...profile.metadata, time: { ...profile.metadata.time, visit } },
      };
      next = applyProfilePatch(changed, patch);
    } else {
      // Only the groups built here are validated: the rest is the profile as read or as the
      // previous event left it, valid already, and stays shared (so the per-event diff skips it).
      // Checked in the profile schema's key order, so the first issue is the one a whole parse
      // reports first.
      const checkedVisit = newVisit ? parsePart(ProfileVisit, visit, VISIT_PATH) : visit;
      const checkedStats = statsChanged ? parsePart(ProfileStats, stats, ["stats"]) : profile.stats;
      const checkedInterests =
        properties.interests === undefined && properties.interestsReset === undefined
          ? profile.interests
          : parsePart(InterestsSchema, interests, ["interests"]);
      next = {
        ...profile,
        stats: checkedStats,
        interests: checkedInterests,
        metadata: newVisit
          ? { ...profile.metadata, time: { ...profile.metadata.time, visit: checkedVisit } }
          : profile.metadata,
      };
    }
  } catch (error) {
    if (error instanceof ZodError) throw schemaError(error);
    throw error;
  }
  return {
    profile: next,
    sessionId: newVisit ? (event.session ?? null) : state.sessionId,
    lastActivity: late ? lastActivity : t,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Who an event is about
// ---------------------------------------------------------------------------------------------

/** The identifiers an event's target is looked up by, in priority order. */
function targetIdentifiers(event: TrackEventEnvelope): Identifier[] {
  if (event.profileId !== undefined) {
    const { types, value } = parseIdentifierKey(event.profileId);
    return value === "" ? [] : types.map((type) => ({ type, value }));
  }
  const ids = event.identifiers ?? {};
  const out: Identifier[] = [];
  if (ids.email !== undefined) out.push({ type: "email", value: normalizeEmail(ids.email) });
  if (ids.phone !== undefined) out.push({ type: "phone", value: normalizePhone(ids.phone) });
  if (ids.externalId !== undefined) out.push({ type: "ext", value: ids.externalId });
  return out;
}

/** Identifiers an event's identification properties give its profile. */
function identifiedBy(properties: TrackProperties): Identifier[] {
  const out: Identifier[] = [];
  if (typeof properties.email === "string") {
    out.push({ type: "email", value: normalizeEmail(properties.email) });
  }
  if (typeof properties.phone === "string") {
    out.push({ type: "phone", value: normalizePhone(properties.phone) });
  }
  return out;
}

/** The document of a profile an event creates: its id and the identifiers it was looked up by. */
function newProfileFor(event: TrackEventEnvelope, now: string): Profile {
  let id: string | undefined;
  const contact: { email?: { main: string }; phone?: { main: string } } = {};
  const identifier: { id?: string } = {};
  if (event.profileId !== undefined) {
    const { types, value } = parseIdentifierKey(event.profileId);
    if (value === "") throw new TrackEventError("The profile key names no value", "profileId");
    if (types.includes("id")) id = value;
    else if (types[0] === "email") contact.email = { main: value };
    else if (types[0] === "phone") contact.phone = { main: value };
    else identifier.id = value;
  } else {
    const ids = event.identifiers ?? {};
    if (ids.email !== undefined) contact.email = { main: ids.email };
    if (ids.phone !== undefined) contact.phone = { main: ids.phone };
    if (ids.externalId !== undefined) identifier.id = ids.externalId;
  }
  const input: ProfileInput = {
    id: id ?? crypto.randomUUID(),
    data: { contact, identifier },
    metadata: { time: { insert: now, create: now } },
  };
  const parsed = ProfileSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrackEventError(
      `No profile is found by this key, and it cannot be a new profile's id: ${issue?.message ?? "invalid"}`,
      "profileId",
    );
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// 3. The batch
// ---------------------------------------------------------------------------------------------

/** Who sends the batch. */
export interface TrackOrigin {
  principal: Principal;
  requestId: string;
}

export interface TrackParams {
  /** Parsed by TrackBatch (1–1,000 events). */
  events: readonly TrackEventEnvelope[];
  origin: TrackOrigin;
  /** The server clock, for tests. */
  now?: Date;
  /**
   * The mapping rules to run after the built-in mappings instead of the enabled ones (mapping.test
   * runs a draft this way); read from the store once per batch when absent.
   */
  rules?: readonly RunnableRule[];
  /** The salt of the rules' `hash` transform; MAPPING_HASH_SALT (or the development salt). */
  hashSalt?: string;
  /** Called with what each rule did to an event whose rules applied, by the event's index. */
  onRules?: (index: number, outcomes: readonly RuleOutcome[]) => void;
}

/** Another writer changed a profile of the batch: the batch is rolled back and run again. */
class ConcurrentChange extends Error {
  constructor(readonly profileId: string) {
    super(`Profile ${profileId} changed while the batch was applied.`);
  }
}

interface Parsed {
  index: number;
  event: TrackEventEnvelope;
  properties: TrackProperties;
  /** A `consent-update` event's decision. */
  consent?: ConsentUpdateProperties;
}

/** `metadata.fields` stamps: path → [event time, event id]. */
type Stamps = Record<string, [string, string]>;

/**
 * One write of a profile's folded events.
 * @throws ConcurrentChange when another writer got there first (the batch runs again).
 */
async function writeTracked(
  db: Database,
  before: StoredProfile | null,
  after: Profile,
  origin: WriteOrigin,
): Promise<StoredProfile> {
  try {
    return (await writeProfile(db, { before, after, origin })).stored;
  } catch (error) {
    const lostRace =
      error instanceof VersionConflictError ||
      (before === null && error instanceof DomainError && error.code === "CONFLICT");
    if (lostRace) throw new ConcurrentChange(after.id);
    throw error;
  }
}

/** A consent refusal placed on the event: its `at` is the event time, the rest its properties. */
function consentRefusal(error: DomainError): TrackEventError {
  const path = error.details.path;
  const field = Array.isArray(path) ? path.map(String).join(".") : "";
  if (field === "") return new TrackEventError(error.message);
  return new TrackEventError(error.message, field === "at" ? "time" : `properties.${field}`);
}

interface Planned extends Parsed {
  profileId: string;
}

const failure = (index: number, error: unknown): TrackResult => {
  if (error instanceof TrackEventError) {
    return {
      index,
      ok: false,
      error: error.path ? { message: error.message, path: error.path } : { message: error.message },
    };
  }
  return { index, ok: false, error: { message: (error as Error).message } };
};

/** The event as mapping rules read it. */
const mappingEventOf = (event: TrackEventEnvelope): MappingEvent => ({
  id: event.id,
  type: event.type,
  time: event.time,
  session: event.session ?? null,
  source: event.source ?? null,
  properties: event.properties,
  context: event.context,
});

/** `event e-1`, `events e-1, e-2, e-3 and 4 more`. */
function eventList(ids: readonly string[]): string {
  const shown = ids.slice(0, 3).join(", ");
  if (ids.length === 1) return `event ${shown}`;
  return `events ${shown}${ids.length > 3 ? ` and ${ids.length - 3} more` : ""}`;
}

/**
 * The audit rows naming the rules that changed a profile in one write: one per rule version, with
 * the paths it changed (the value before its first application, after its last) and its events.
 */
function ruleAuditRows(
  origin: TrackOrigin,
  profileId: string,
  applied: readonly { eventId: string; outcomes: readonly RuleOutcome[] }[],
): AuditEntry[] {
  const byRule = new Map<
    string,
    { rule: RunnableRule; events: string[]; changes: Map<string, AuditChange> }
  >();
  for (const { eventId, outcomes } of applied) {
    for (const outcome of outcomes) {
      if (outcome.changes.length === 0) continue;
      const key = `${outcome.rule.id}\u0000${outcome.rule.version}`;
      const entry = byRule.get(key) ?? {
        rule: outcome.rule,
        events: [] as string[],
        changes: new Map<string, AuditChange>(),
      };
      entry.events.push(eventId);
      for (const change of outcome.changes) {
        const seen = entry.changes.get(change.path);
        entry.changes.set(change.path, seen ? { ...seen, after: change.after } : { ...change });
      }
      byRule.set(key, entry);
    }
  }
  return [...byRule.values()].map(({ rule, events, changes }) =>
    auditEntry(
      { ...origin, reason: `${ruleName(rule)}, ${eventList(events)}` },
      {
        action: "mapping.apply",
        entity: "profile",
        entityId: profileId,
        changes: [...changes.values()],
      },
    ),
  );
}

/**
 * Records a rule's consent decision through the ledger, as the event's: source `track:<event id>`,
 * at the event time, legal basis `consent` for a grant, the rule as the reason. Revoking what is
 * not granted leaves the person where the rule wants them, so it records nothing.
 * @throws MappingRuleError naming the rule and mapping when the ledger refuses the decision.
 */
async function recordRuleConsent(
  db: Database,
  origin: ConsentOrigin,
  params: {
    profileId: string;
    event: TrackEventEnvelope;
    outcome: RuleOutcome;
    decision: RuleOutcome["consents"][number];
    now: Date;
  },
): Promise<StoredProfile | null> {
  const { decision, outcome, event } = params;
  const change: ConsentChangeInput = {
    profileId: params.profileId,
    typeId: decision.typeId,
    action: decision.action,
    ...(decision.action === "granted" ? { legalBasis: "consent" } : {}),
    source: `track:${event.id}`,
    at: event.time,
    reason: ruleName(outcome.rule),
  };
  try {
    return (await applyConsentChange(db, origin, change, { now: params.now })).stored;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    if (decision.action === "revoked" && error.details.reason === "not_granted") return null;
    throw mappingRuleError(outcome.rule, decision.mapping, error.message);
  }
}

const byTimeThenIndex = (a: Planned, b: Planned) =>
  a.event.time < b.event.time ? -1 : a.event.time > b.event.time ? 1 : a.index - b.index;

async function trackOnce(tx: Database, params: TrackParams): Promise<TrackOutput> {
  const now = params.now ?? new Date();
  const nowIso = normalizeDate(now.toISOString());
  const { principal, requestId } = params.origin;
  const results: TrackResult[] = [];

  // Properties and time, each event on its own.
  const parsed: Parsed[] = [];
  for (const [index, event] of params.events.entries()) {
    if (Date.parse(event.time) > now.getTime() + FUTURE_TOLERANCE_MS) {
      results[index] = failure(
        index,
        new TrackEventError("The event time is in the future", "time"),
      );
      continue;
    }
    const properties = TrackProperties.safeParse(event.properties);
    if (!properties.success) {
      const issue = properties.error.issues[0];
      const path = ["properties", ...(issue?.path ?? []).map(String)].join(".");
      results[index] = failure(index, new TrackEventError(issue?.message ?? "Invalid", path));
      continue;
    }
    let consent: ConsentUpdateProperties | undefined;
    if (event.type === CONSENT_UPDATE_EVENT) {
      const decision = ConsentUpdateProperties.safeParse(event.properties);
      if (!decision.success) {
        const issue = decision.error.issues[0];
        const path = ["properties", ...(issue?.path ?? []).map(String)].join(".");
        results[index] = failure(index, new TrackEventError(issue?.message ?? "Invalid", path));
        continue;
      }
      consent = decision.data;
    }
    parsed.push({ index, event, properties: properties.data, consent });
  }

  // The rules every event of the batch sees: read once, in the batch's transaction.
  const rules =
    parsed.length === 0
      ? []
      : (params.rules ?? (await listMappingRules(tx, { enabledOnly: true })));
  const hash = mappingHasher(params.hashSalt ?? mappingHashSalt());
  /** `mapping.apply` rows of the writes done so far, inserted with the batch's events. */
  const ruleAudits: AuditEntry[] = [];

  // Who each event is about, in input order.
  const owners = await findProfileIdsByIdentifiers(
    tx,
    parsed.flatMap((p) => [...targetIdentifiers(p.event), ...identifiedBy(p.properties)]),
  );
  const claimedInBatch = new Map<string, string>();
  const ownerOf = (i: Identifier) =>
    owners.get(identifierKey(i)) ?? claimedInBatch.get(identifierKey(i));
  const claim = (i: Identifier, profileId: string) => {
    if (ownerOf(i) === undefined) claimedInBatch.set(identifierKey(i), profileId);
  };
  const created = new Map<string, Profile>();
  const planned: Planned[] = [];
  for (const p of parsed) {
    let profileId = targetIdentifiers(p.event)
      .map(ownerOf)
      .find((id) => id !== undefined);
    if (profileId === undefined) {
      let profile: Profile;
      try {
        profile = newProfileFor(p.event, nowIso);
      } catch (error) {
        results[p.index] = failure(p.index, error);
        continue;
      }
      profileId = profile.id;
      created.set(profileId, profile);
      for (const i of identifiersOf(profile)) claim(i, profileId);
    }
    for (const i of identifiedBy(p.properties)) claim(i, profileId);
    planned.push({ ...p, profileId });
  }

  // Each profile read once, with its session, latest event and already stored event ids.
  const existing = [...new Set(planned.map((p) => p.profileId))].filter((id) => !created.has(id));
  // Locked first, in id order: concurrent batches over the same profiles queue here instead of
  // all but one failing the version check of the combined write.
  if (existing.length > 0) {
    await tx
      .select({ id: schema.profile.id })
      .from(schema.profile)
      .where(inArray(schema.profile.id, existing))
      .orderBy(schema.profile.id)
      .for("update");
  }
  const tracked = await getTrackedProfiles(tx, existing);
  const missing = existing.find((id) => !tracked.has(id));
  if (missing !== undefined) throw new ConcurrentChange(missing);
  const storedEvents = await findStoredEvents(
    tx,
    planned.map((p) => ({ profileId: p.profileId, id: p.event.id })),
  );

  const groups = new Map<string, Planned[]>();
  for (const p of planned) {
    const group = groups.get(p.profileId);
    if (group) group.push(p);
    else groups.set(p.profileId, [p]);
  }

  const rows: NewEvent[] = [];
  const sessions: { profileId: string; sessionId: string | null }[] = [];
  const deferred: {
    write: ProfileWrite;
    settle: (outcome: WriteOutcome) => void;
  }[] = [];
  // The batch's events are stored after its profiles; segment conditions count them too.
  const unsavedOf = (events: readonly Planned[]) =>
    events.map((u) => ({ type: u.event.type, time: u.event.time }));
  const writeOrigin = (events: readonly Planned[], stamps: Stamps, unsaved: readonly Planned[]) => {
    const first = events[0] as Planned;
    const last = events.at(-1) as Planned;
    return {
      principal,
      requestId,
      source: `track:${first.event.id}`,
      time: last.event.time,
      action: "profile.track",
      stamps,
      unsavedEvents: unsavedOf(unsaved),
      now,
    };
  };
  // Profiles in id order, so concurrent batches lock shared rows in the same order.
  for (const profileId of [...groups.keys()].sort()) {
    const group = (groups.get(profileId) ?? []).sort(byTimeThenIndex);
    const known = tracked.get(profileId);
    const visitStart = known?.stored.profile.metadata.time.visit.current ?? null;
    const lastEventAt = known?.lastEventAt ?? null;
    /** The profile as stored in this transaction so far (null: not yet inserted). */
    let current: StoredProfile | null = known?.stored ?? null;
    let state: TrackState = {
      profile: known?.stored.profile ?? (created.get(profileId) as Profile),
      sessionId: known?.sessionId ?? null,
      lastActivity:
        visitStart === null || (lastEventAt !== null && lastEventAt > visitStart)
          ? lastEventAt
          : visitStart,
    };
    /** The state `current` holds: where a failed write goes back to. */
    let committed = state;
    // A new profile's own fields (the identifiers it was found by) come from its first event.
    const bare = () => (current ? null : bareProfile(profileId));
    let diffBase: Profile | null = bare();
    let stamps: Stamps = {};
    let pending: Planned[] = [];
    const stored: Planned[] = [];
    const applied = new Set<string>();
    /** What the rules did to each applied event, by index: audited when its write succeeds. */
    const ruled = new Map<number, readonly RuleOutcome[]>();
    const rulesAudited = (events: readonly Planned[]) =>
      ruleAudits.push(
        ...ruleAuditRows(
          params.origin,
          profileId,
          events.map((e) => ({ eventId: e.event.id, outcomes: ruled.get(e.index) ?? [] })),
        ),
      );

    /** Writes the events folded since the last write, as one write. */
    const flush = async () => {
      if (pending.length === 0) return;
      try {
        current = await writeTracked(
          tx,
          current,
          state.profile,
          writeOrigin(pending, stamps, [...stored, ...pending]),
        );
        committed = state;
        rulesAudited(pending);
        stored.push(...pending);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // insert/updateProfile roll back their own savepoint and the audit row comes after them,
        // so nothing of these events is kept: they fail together.
        for (const p of pending) results[p.index] = failure(p.index, error);
        for (const p of pending) applied.delete(p.event.id);
        state = committed;
      }
      pending = [];
      stamps = {};
      diffBase = bare();
    };

    for (const p of group) {
      const eventId = p.event.id;
      if (storedEvents.has(eventKey(profileId, eventId)) || applied.has(eventId)) {
        results[p.index] = { index: p.index, ok: true, profileId, eventId, duplicate: true };
        continue;
      }
      let next: TrackState;
      let outcomes: readonly RuleOutcome[];
      try {
        next = applyTrackEvent(state, p.event, p.properties);
        const mapped = applyMappingRules(rules, next.profile, mappingEventOf(p.event), {
          now: nowIso,
          hash,
        });
        next = { ...next, profile: mapped.profile };
        outcomes = mapped.outcomes;
      } catch (error) {
        if (error instanceof MappingRuleError) {
          results[p.index] = failure(p.index, new TrackEventError(error.message, error.path));
          continue;
        }
        if (!(error instanceof TrackEventError)) throw error;
        results[p.index] = failure(p.index, error);
        continue;
      }
      ruled.set(p.index, outcomes);
      params.onRules?.(p.index, outcomes);
      const decisions = outcomes.flatMap((outcome) =>
        outcome.consents.map((decision) => ({ outcome, decision })),
      );
      // The last event that changed a path stamps it, as if each had been written on its own.
      const changedBy: Stamps = {};
      for (const path of diffPaths(diffBase ?? state.profile, next.profile)) {
        changedBy[path] = [p.event.time, eventId];
      }
      if (p.consent === undefined && decisions.length === 0) {
        Object.assign(stamps, changedBy);
        diffBase = null;
        state = next;
        applied.add(eventId);
        pending.push(p);
        continue;
      }
      // A consent decision (the event's, or its rules') goes through the ledger, which reads the
      // stored profile: write what came before, then this event and its decisions together in a
      // savepoint, so a refused decision keeps nothing of its event.
      await flush();
      const consent = p.consent;
      try {
        const decided = await tx.transaction(async (sp) => {
          let written = await writeTracked(
            sp,
            current,
            next.profile,
            writeOrigin([p], changedBy, [...stored, p]),
          );
          const origin: ConsentOrigin = {
            principal,
            requestId,
            time: p.event.time,
            unsavedEvents: unsavedOf([...stored, p]),
            now,
          };
          if (consent !== undefined) {
            const change = {
              ...consent,
              profileId: written.profile.id,
              source: `track:${eventId}`,
              at: p.event.time,
            };
            written = (await applyConsentChange(sp, origin, change, { now })).stored;
          }
          for (const { outcome, decision } of decisions) {
            const recorded = await recordRuleConsent(sp, origin, {
              profileId: written.profile.id,
              event: p.event,
              outcome,
              decision,
              now,
            });
            if (recorded) written = recorded;
          }
          await insertAudit(sp, ruleAuditRows(params.origin, profileId, [{ eventId, outcomes }]));
          return { stored: written };
        });
        current = decided.stored;
        state = { ...next, profile: decided.stored.profile };
        committed = state;
        diffBase = null;
        applied.add(eventId);
        stored.push(p);
      } catch (error) {
        if (error instanceof MappingRuleError) {
          results[p.index] = failure(p.index, new TrackEventError(error.message, error.path));
        } else if (error instanceof DomainError) {
          results[p.index] = failure(p.index, consentRefusal(error));
        } else {
          throw error;
        }
      }
    }
    /** Events stored, their rows and results, and the session the profile ends in. */
    const finish = () => {
      for (const p of stored.sort(byTimeThenIndex)) {
        rows.push({
          profileId,
          id: p.event.id,
          type: p.event.type,
          time: p.event.time,
          sessionId: p.event.session ?? null,
          source: p.event.source ?? `${principal.kind}:${principal.id}`,
          properties: p.event.properties,
          context: p.event.context,
        });
        results[p.index] = {
          index: p.index,
          ok: true,
          profileId,
          eventId: p.event.id,
          duplicate: false,
        };
      }
      if (stored.length > 0 && state.sessionId !== (known?.sessionId ?? null)) {
        sessions.push({ profileId, sessionId: state.sessionId });
      }
    };
    if (pending.length > 0) {
      // The profile's last write joins the batch's combined write (below): the UPDATE of the
      // existing profiles, or the INSERT of the new ones.
      const base = current;
      const events = pending;
      deferred.push({
        write: {
          before: base,
          after: state.profile,
          origin: writeOrigin(events, stamps, [...stored, ...events]),
        },
        settle: (outcome) => {
          if (outcome.ok) {
            stored.push(...events);
            rulesAudited(events);
          } else {
            // Another request created this id since the batch looked it up: run again to find
            // it, as writeTracked does for a new profile.
            if (base === null && outcome.error.code === "CONFLICT") {
              throw new ConcurrentChange(profileId);
            }
            for (const p of events) results[p.index] = failure(p.index, outcome.error);
            state = committed;
          }
          finish();
        },
      });
    } else finish();
  }

  const written = await writeProfiles(
    tx,
    deferred.map((d) => d.write),
  ).catch((error: unknown) => {
    if (error instanceof VersionConflictError) throw new ConcurrentChange(error.id);
    throw error;
  });
  deferred.forEach((d, i) => d.settle(written[i] as WriteOutcome));
  await insertAudit(tx, ruleAudits);

  const inserted = await insertEvents(tx, rows);
  if (inserted.size !== rows.length) {
    // Another request stored some of these events since we looked: run again to see them.
    const taken = rows.find((r) => !inserted.has(eventKey(r.profileId, r.id)));
    throw new ConcurrentChange(taken?.profileId ?? "");
  }
  await setProfileSessions(tx, sessions);

  return {
    results,
    applied: results.filter((r) => r.ok && !r.duplicate).length,
    duplicates: results.filter((r) => r.ok && r.duplicate).length,
    failed: results.filter((r) => !r.ok).length,
  };
}

/**
 * Applies a batch in the caller's transaction, once: mapping.test's dry run, which rolls the
 * transaction back afterwards. A profile changed meanwhile is a CONFLICT (try again).
 */
export async function trackInTransaction(tx: Database, params: TrackParams): Promise<TrackOutput> {
  try {
    return await trackOnce(tx, params);
  } catch (error) {
    if (!(error instanceof ConcurrentChange)) throw error;
    throw new DomainError("CONFLICT", `Profile ${error.profileId} changed meanwhile; try again.`, {
      profileId: error.profileId,
    });
  }
}

/**
 * Applies a batch of events in one transaction (see the module comment for the rules) and returns
 * one result per event, in input order. A deadlock or serialization abort runs the transaction
 * again with backoff (retryingTransaction); a lost race for a profile runs the batch again.
 * @throws DomainError CONFLICT when other writers kept changing the batch's profiles (3 attempts),
 * or kept aborting it (TransactionContentionError).
 */
export async function track(db: Database, params: TrackParams): Promise<TrackOutput> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await retryingTransaction(db, (tx) => trackOnce(tx, params));
    } catch (error) {
      if (!(error instanceof ConcurrentChange)) throw error;
      if (attempt >= MAX_ATTEMPTS) {
        throw new DomainError(
          "CONFLICT",
          `Profile ${error.profileId} kept changing while this batch was applied; nothing was kept. Send the batch again.`,
          { profileId: error.profileId },
        );
      }
    }
  }
}
