/**
 * Mapping rules as the API offers them: saving (each definition a new version, checked against
 * the catalogues, audited as `mapping.*` on entity `mapping_rule`), export and import, the dry
 * run `mapping.test`, and the event paths the editor suggests. What rules mean is
 * profile-schema/mapping.ts; how they run is mapping-engine.ts, inside `profile.track`.
 */
import { randomUUID } from "node:crypto";
import {
  applyMappingTransforms,
  MAPPING_EXPORT_FORMAT,
  mappingDefinitionFields,
  mappingName,
  mappingOperand,
  MappingValueError,
  normalizeDate,
  Profile as ProfileSchema,
  resolveMappingSource,
  resolveMappingTarget,
  TrackEventEnvelope,
} from "@cdp/profile-schema";
import type {
  Mapping,
  MappingChange,
  MappingEventPath,
  MappingExport,
  MappingImport,
  MappingPathsInput,
  MappingRule,
  MappingRuleDefinition,
  MappingRuleInput,
  MappingRuleUpdate,
  MappingRuleVersion,
  MappingTestInput,
  MappingTestResult,
} from "@cdp/profile-schema";
import {
  definitionOf,
  deleteMappingRule,
  DomainError,
  getConsentType,
  getProfile,
  getSegment,
  insertMappingRule,
  listConsentEvents,
  listMappingRules,
  listMappingRuleVersions,
  mappingRuleVersionConflict,
  recentEventPayloads,
  requireMappingRule,
  requireProfile,
  setMappingRuleEnabled,
  updateMappingRule,
} from "@cdp/db";
import type { AuditChange, Database } from "@cdp/db";

import type { Principal } from "../authz";
import { audit, presentChanges } from "./audit";
import type { AuditOrigin } from "./audit";
import { profileChanges, sameJson as same } from "./mapping-engine";
import type { RuleOutcome } from "./mapping-engine";
import { trackInTransaction } from "./track";

/** Who changes rules. */
export interface MappingOrigin {
  principal: Principal;
  requestId: string;
}

const actor = (principal: Principal) => `${principal.kind}:${principal.id}`;

// ---------------------------------------------------------------------------------------------
// 1. Checks against the catalogues
// ---------------------------------------------------------------------------------------------

/**
 * What the contract cannot know: the consent types a rule's constants grant or revoke exist (and
 * take grants), and the segment ids it tags with are not computed segments (their membership
 * follows their condition, whatever a rule says). Dynamic values are checked when they arrive.
 * @throws DomainError BAD_REQUEST at `<prefix>.mappings.N.from`, naming the mapping.
 */
async function checkCatalogues(
  db: Database,
  mappings: readonly Mapping[],
  prefix: (string | number)[] = [],
): Promise<void> {
  for (const [index, mapping] of mappings.entries()) {
    const source = resolveMappingSource(mapping.from);
    const target = resolveMappingTarget(mapping.to);
    if (!source.ok || !target.ok || source.source.kind !== "const") continue;
    if (mapping.transform.includes("hash")) continue;
    let names: string[];
    try {
      const value = applyMappingTransforms(source.source.value, mapping.transform, {
        separator: mapping.separator,
        hash: (text) => text,
      });
      const operand = mappingOperand(value, target.target, mapping.op);
      names = Array.isArray(operand) ? operand.filter((n) => typeof n === "string") : [];
    } catch (error) {
      if (error instanceof MappingValueError) continue;
      throw error;
    }
    const refuse = (message: string) =>
      new DomainError("BAD_REQUEST", `${mappingName(mapping, index)}: ${message}`, {
        path: [...prefix, "mappings", index, "from"],
      });
    if (mapping.op === "grant_consent" || mapping.op === "revoke_consent") {
      for (const id of names) {
        const type = await getConsentType(db, id);
        if (!type) throw refuse(`consent type "${id}" is not in the catalogue`);
        if (mapping.op === "grant_consent" && (type.archivedAt !== null || !type.enabled)) {
          throw refuse(
            `consent type "${id}" is ${type.archivedAt ? "archived" : "disabled"} and takes no grants`,
          );
        }
      }
    }
    if (mapping.op === "add_segment" || mapping.op === "remove_segment") {
      for (const id of names) {
        if (await getSegment(db, id)) {
          throw refuse(
            `"${id}" is a computed segment: its members follow its condition, so a rule cannot tag profiles with it`,
          );
        }
      }
    }
  }
}

/** The definition fields that differ, for the audit log. */
function definitionChanges(
  before: MappingRuleDefinition | null,
  after: MappingRuleDefinition,
): AuditChange[] {
  return mappingDefinitionFields
    .filter((field) => !before || !same(before[field], after[field]))
    .map((field) => ({ path: field, before: before ? before[field] : null, after: after[field] }));
}

// ---------------------------------------------------------------------------------------------
// 2. Saving
// ---------------------------------------------------------------------------------------------

async function created(db: Database, origin: AuditOrigin, input: MappingRuleInput) {
  const rule = await insertMappingRule(db, { input, by: actor(origin.principal) });
  await audit(db, origin, {
    action: "mapping.create",
    entity: "mapping_rule",
    entityId: rule.id,
    changes: [
      { path: "version", before: null, after: rule.version },
      { path: "enabled", before: null, after: rule.enabled },
      ...definitionChanges(null, definitionOf(rule)),
    ],
  });
  return rule;
}

async function updated(
  db: Database,
  origin: AuditOrigin,
  current: MappingRule,
  definition: MappingRuleDefinition,
  enabled?: boolean,
) {
  const rule = await updateMappingRule(db, {
    id: current.id,
    expectedVersion: current.version,
    definition,
    enabled,
    by: actor(origin.principal),
  });
  await audit(db, origin, {
    action: "mapping.update",
    entity: "mapping_rule",
    entityId: rule.id,
    changes: [
      { path: "version", before: current.version, after: rule.version },
      ...(rule.enabled !== current.enabled
        ? [{ path: "enabled", before: current.enabled, after: rule.enabled }]
        : []),
      ...definitionChanges(definitionOf(current), definitionOf(rule)),
    ],
  });
  return rule;
}

async function enabledSet(
  db: Database,
  origin: AuditOrigin,
  current: MappingRule,
  enabled: boolean,
) {
  const rule = await setMappingRuleEnabled(db, {
    id: current.id,
    enabled,
    by: actor(origin.principal),
  });
  await audit(db, origin, {
    action: enabled ? "mapping.enable" : "mapping.disable",
    entity: "mapping_rule",
    entityId: rule.id,
    changes: [{ path: "enabled", before: current.enabled, after: enabled }],
  });
  return rule;
}

async function removed(db: Database, origin: AuditOrigin, id: string, expectedVersion?: number) {
  const rule = await deleteMappingRule(db, { id, expectedVersion });
  await audit(db, origin, {
    action: "mapping.delete",
    entity: "mapping_rule",
    entityId: id,
    changes: [{ path: "version", before: rule.version, after: null }],
  });
  return rule;
}

/** Adds a rule (version 1, or the next after a deleted rule's) and audits it. */
export function createMappingRule(
  db: Database,
  origin: MappingOrigin,
  input: MappingRuleInput,
): Promise<MappingRule> {
  return db.transaction(async (tx) => {
    await checkCatalogues(tx, input.mappings);
    return created(tx, origin, input);
  });
}

/**
 * Saves a new definition at the version read (stale → CONFLICT) as the next version; the same
 * definition again changes nothing.
 */
export function updateMappingRuleDefinition(
  db: Database,
  origin: MappingOrigin,
  input: MappingRuleUpdate,
): Promise<MappingRule> {
  return db.transaction(async (tx) => {
    const current = await requireMappingRule(tx, input.id);
    if (current.version !== input.version) {
      throw mappingRuleVersionConflict(input.id, input.version, current.version);
    }
    const definition = definitionOf(input);
    if (same(definitionOf(current), definition)) return current;
    await checkCatalogues(tx, definition.mappings);
    return updated(tx, origin, current, definition);
  });
}

/**
 * Enables or disables a rule (at `version` when given: enable what you tested). Track batches
 * that start afterwards see it.
 */
export function enableMappingRule(
  db: Database,
  origin: MappingOrigin,
  input: { id: string; enabled: boolean; version?: number | null },
): Promise<MappingRule> {
  return db.transaction(async (tx) => {
    const current = await requireMappingRule(tx, input.id);
    if (input.version != null && input.version !== current.version) {
      throw mappingRuleVersionConflict(input.id, input.version, current.version);
    }
    if (current.enabled === input.enabled) return current;
    return enabledSet(tx, origin, current, input.enabled);
  });
}

/** Deletes a rule (at `version` when given); its versions stay for the history. */
export function deleteMappingRuleById(
  db: Database,
  origin: MappingOrigin,
  input: { id: string; version?: number | null },
): Promise<{ id: string; version: number }> {
  return db.transaction(async (tx) => {
    const rule = await removed(tx, origin, input.id, input.version ?? undefined);
    return { id: rule.id, version: rule.version };
  });
}

/** Every saved definition of a rule id, newest first; NOT_FOUND when it never existed. */
export async function mappingRuleVersions(db: Database, id: string): Promise<MappingRuleVersion[]> {
  const versions = await listMappingRuleVersions(db, id);
  if (versions.length === 0) await requireMappingRule(db, id);
  return versions;
}

// ---------------------------------------------------------------------------------------------
// 3. Export and import
// ---------------------------------------------------------------------------------------------

/** Every rule, in running order, as an import takes it. */
export async function exportMappingRules(db: Database, now = new Date()): Promise<MappingExport> {
  const rules = await listMappingRules(db);
  return {
    format: MAPPING_EXPORT_FORMAT,
    exportedAt: normalizeDate(now.toISOString()),
    rules: rules.map((rule) => ({ id: rule.id, enabled: rule.enabled, ...definitionOf(rule) })),
  };
}

/** What an import did, by rule id. */
export interface MappingImportResult {
  created: string[];
  updated: string[];
  unchanged: string[];
  deleted: string[];
}

/**
 * Loads an export file in one transaction: new rules are created, rules whose definition differs
 * get a new version, each takes the file's `enabled`; with `replace`, rules the file does not hold
 * are deleted. Every change is audited with the reason "import"; a refusal keeps nothing.
 */
export function importMappingRules(
  db: Database,
  origin: MappingOrigin,
  file: MappingImport,
): Promise<MappingImportResult> {
  const why: AuditOrigin = { ...origin, reason: "import" };
  return db.transaction(async (tx) => {
    for (const [i, rule] of file.rules.entries()) {
      await checkCatalogues(tx, rule.mappings, ["rules", i]);
    }
    const result: MappingImportResult = { created: [], updated: [], unchanged: [], deleted: [] };
    const existing = new Map((await listMappingRules(tx)).map((r) => [r.id, r]));
    for (const rule of file.rules) {
      const current = existing.get(rule.id);
      const definition = definitionOf(rule);
      if (!current) {
        await created(tx, why, rule);
        result.created.push(rule.id);
      } else if (!same(definitionOf(current), definition)) {
        await updated(tx, why, current, definition, rule.enabled);
        result.updated.push(rule.id);
      } else if (current.enabled !== rule.enabled) {
        await enabledSet(tx, why, current, rule.enabled);
        result.updated.push(rule.id);
      } else {
        result.unchanged.push(rule.id);
      }
    }
    if (file.replace) {
      const kept = new Set(file.rules.map((r) => r.id));
      for (const id of existing.keys()) {
        if (kept.has(id)) continue;
        await removed(tx, why, id);
        result.deleted.push(id);
      }
    }
    return result;
  });
}

// ---------------------------------------------------------------------------------------------
// 4. The dry run
// ---------------------------------------------------------------------------------------------

/** Carries the dry run's answer out of the transaction it rolls back. */
class DryRun extends Error {
  constructor(readonly result: MappingTestResult) {
    super("dry run");
  }
}

/**
 * What tracking the event would do — built-in mappings, then the draft `rule` alone or else the
 * enabled rules — computed by the very code of `profile.track` in a transaction that is rolled
 * back: the same diff, segments and consent ledger entries a real track gives, and nothing kept.
 * Values at PII paths are masked for principals that do not see PII.
 * @throws DomainError NOT_FOUND for an unknown `profileId`, BAD_REQUEST for an event track would
 * refuse as a whole (at `event.<path>`).
 */
export async function testMappingRules(
  db: Database,
  origin: MappingOrigin,
  input: MappingTestInput,
  options: { now?: Date; hashSalt?: string } = {},
): Promise<MappingTestResult> {
  const now = options.now ?? new Date();
  const existing = input.profileId ? await requireProfile(db, input.profileId) : null;
  const profileId = existing?.profile.id ?? randomUUID();
  const parsed = TrackEventEnvelope.safeParse({
    ...input.event,
    id: input.event.id ?? `mapping-test-${randomUUID()}`,
    time: input.event.time ?? normalizeDate(now.toISOString()),
    profileId: `id:${profileId}`,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError("BAD_REQUEST", issue?.message ?? "Invalid event", {
      path: ["event", ...(issue?.path ?? []).map(String)],
    });
  }
  const event = parsed.data;
  const rules = input.rule
    ? [{ ...input.rule, id: input.rule.id ?? "draft", version: 0 }]
    : undefined;
  let outcomes: readonly RuleOutcome[] = [];
  try {
    await db.transaction(async (tx) => {
      const before = await getProfile(tx, profileId);
      const ledgerBefore = new Set((await listConsentEvents(tx, { profileId })).map((e) => e.id));
      const out = await trackInTransaction(tx, {
        events: [event],
        origin,
        now,
        rules,
        hashSalt: options.hashSalt,
        onRules: (_, traced) => {
          outcomes = traced;
        },
      });
      const after = await getProfile(tx, profileId);
      const ledger = (await listConsentEvents(tx, { profileId })).filter(
        (e) => !ledgerBefore.has(e.id),
      );
      const first = out.results[0];
      const applied = first?.ok === true && !first.duplicate;
      const present = (changes: MappingChange[]) => presentChanges(origin.principal, changes);
      throw new DryRun({
        profileId,
        created: before === null,
        result: !first
          ? { ok: false, error: { message: "The event was not applied" } }
          : first.ok
            ? { ok: true, duplicate: first.duplicate }
            : { ok: false, error: first.error },
        changes:
          applied && after
            ? present(
                profileChanges(
                  before?.profile ?? ProfileSchema.parse({ id: profileId }),
                  after.profile,
                ),
              )
            : [],
        rules: outcomes.map((o) => ({
          id: o.rule.id,
          version: o.rule.version,
          name: o.rule.name,
          matched: o.matched,
          changes: present(o.changes),
          consents: o.consents.map(({ typeId, action }) => ({ typeId, action })),
        })),
        consents: ledger.map((e) => ({
          typeId: e.typeId,
          action: e.action === "revoked" ? "revoked" : "granted",
          source: e.source,
          at: e.at,
        })),
      });
    });
  } catch (error) {
    if (error instanceof DryRun) return error.result;
    throw error;
  }
  throw new Error("unreachable: the dry run always rolls back");
}

// ---------------------------------------------------------------------------------------------
// 5. Paths the editor suggests
// ---------------------------------------------------------------------------------------------

type PathType = MappingEventPath["types"][number];

/** Every addressable path of a JSON object (keys a mapping can name), with what was found there. */
function collectPaths(
  root: string,
  value: unknown,
  into: Map<string, { types: Set<PathType>; events: Set<number> }>,
  eventIndex: number,
): void {
  const visit = (node: unknown, path: string, depth: number) => {
    const type: PathType | null = Array.isArray(node)
      ? "list"
      : typeof node === "object" && node !== null
        ? "object"
        : typeof node === "string"
          ? "string"
          : typeof node === "number"
            ? "number"
            : typeof node === "boolean"
              ? "bool"
              : null;
    if (type === null) return;
    if (depth > 0) {
      const entry = into.get(path) ?? { types: new Set<PathType>(), events: new Set<number>() };
      entry.types.add(type);
      entry.events.add(eventIndex);
      into.set(path, entry);
    }
    if (type !== "object" || depth >= 8) return;
    for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
      const childPath = `${path}.${key}`;
      // Only keys a mapping can address are offered.
      if (resolveMappingSource(childPath).ok) visit(child, childPath, depth + 1);
    }
  };
  visit(value, root, 0);
}

/**
 * The `properties.*` and `context.*` paths seen in the latest events of some types, with the value
 * types found there and in how many of them: names and types only, never values.
 */
export async function mappingEventPaths(
  db: Database,
  input: MappingPathsInput,
): Promise<{ eventTypes: string[]; sampled: number; paths: MappingEventPath[] }> {
  const payloads = await recentEventPayloads(db, {
    types: input.eventTypes,
    perType: input.sample,
  });
  const seen = new Map<string, { types: Set<PathType>; events: Set<number> }>();
  payloads.forEach((payload, i) => {
    collectPaths("properties", payload.properties, seen, i);
    collectPaths("context", payload.context, seen, i);
  });
  const paths = [...seen.entries()]
    .map(([path, { types, events }]) => ({ path, types: [...types].sort(), events: events.size }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { eventTypes: [...new Set(input.eventTypes)], sampled: payloads.length, paths };
}
