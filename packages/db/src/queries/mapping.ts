import { and, asc, desc, eq, sql } from "drizzle-orm";
import { normalizeDate } from "@cdp/profile-schema";
import type {
  MappingRule,
  MappingRuleDefinition,
  MappingRuleInput,
  MappingRuleVersion,
} from "@cdp/profile-schema";

import type { Database } from "../client";
import { DomainError, NotFoundError } from "../errors";
import { event, mappingRule, mappingRuleVersion } from "../schema";
import type { MappingRuleRow } from "../schema";
import { pgTimestampToIso } from "../sql";

/*
 * Mapping rules: `mapping_rule` holds each rule as it is now, `mapping_rule_version` every
 * definition ever saved. Both change in one statement pair per save, so the current row's version
 * always has its row in the history. Nothing here updates or deletes a version row.
 */

const iso = (value: string) => normalizeDate(pgTimestampToIso(value) ?? value);

/** The part of a rule a version holds, in the contract's field order. */
export function definitionOf(rule: MappingRuleDefinition): MappingRuleDefinition {
  return {
    name: rule.name,
    description: rule.description,
    eventTypes: rule.eventTypes,
    condition: rule.condition,
    mappings: rule.mappings,
    position: rule.position,
  };
}

/** A rule row as the contract's MappingRule. */
export function rowToMappingRule(row: MappingRuleRow): MappingRule {
  return {
    id: row.id,
    ...definitionOf(row),
    enabled: row.enabled,
    version: row.version,
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** Every rule (enabled ones only with `enabledOnly`), in the order they run: position, then id. */
export async function listMappingRules(
  db: Database,
  options: { enabledOnly?: boolean } = {},
): Promise<MappingRule[]> {
  const rows = await db
    .select()
    .from(mappingRule)
    .where(options.enabledOnly ? eq(mappingRule.enabled, true) : undefined)
    .orderBy(asc(mappingRule.position), asc(mappingRule.id));
  return rows.map(rowToMappingRule);
}

/** One rule by id; null when there is none. */
export async function getMappingRule(db: Database, id: string): Promise<MappingRule | null> {
  const rows = await db.select().from(mappingRule).where(eq(mappingRule.id, id));
  const row = rows[0];
  return row ? rowToMappingRule(row) : null;
}

/** Like getMappingRule, but a missing rule is NOT_FOUND. */
export async function requireMappingRule(db: Database, id: string): Promise<MappingRule> {
  const found = await getMappingRule(db, id);
  if (!found) throw new NotFoundError("Mapping rule", id);
  return found;
}

/** A write named a rule version that is no longer current: nothing was changed. */
export function mappingRuleVersionConflict(
  id: string,
  expectedVersion: number,
  currentVersion: number,
): DomainError {
  return new DomainError(
    "CONFLICT",
    `Mapping rule ${id} was changed by someone else (you had version ${expectedVersion}, it is now ${currentVersion}); reload and review.`,
    { path: ["version"], id, expectedVersion, currentVersion },
  );
}

async function appendVersion(
  db: Database,
  params: { id: string; version: number; definition: MappingRuleDefinition; by: string },
): Promise<void> {
  await db.insert(mappingRuleVersion).values({
    ruleId: params.id,
    version: params.version,
    definition: definitionOf(params.definition),
    savedBy: params.by,
  });
}

/**
 * Adds a rule and its first version (numbered after any versions a deleted rule of the same id
 * left); an id already taken is a CONFLICT on `id`.
 */
export async function insertMappingRule(
  db: Database,
  params: { input: MappingRuleInput; by: string },
): Promise<MappingRule> {
  const { input, by } = params;
  const [last] = await db
    .select({ version: sql<number>`coalesce(max(${mappingRuleVersion.version}), 0)::int` })
    .from(mappingRuleVersion)
    .where(eq(mappingRuleVersion.ruleId, input.id));
  const version = Number(last?.version ?? 0) + 1;
  const inserted = await db
    .insert(mappingRule)
    .values({
      id: input.id,
      ...definitionOf(input),
      enabled: input.enabled,
      version,
      createdBy: by,
      updatedBy: by,
    })
    .onConflictDoNothing()
    .returning();
  const row = inserted[0];
  if (!row) {
    throw new DomainError("CONFLICT", `A mapping rule with id "${input.id}" already exists.`, {
      path: ["id"],
      id: input.id,
    });
  }
  await appendVersion(db, { id: row.id, version, definition: input, by });
  return rowToMappingRule(row);
}

/**
 * Saves a new definition of the rule at `expectedVersion` as the next version; a stale version is
 * a CONFLICT carrying the current one, and nothing changes.
 */
export async function updateMappingRule(
  db: Database,
  params: {
    id: string;
    expectedVersion: number;
    definition: MappingRuleDefinition;
    by: string;
    /** Also set whether it is enabled (imports). */
    enabled?: boolean;
  },
): Promise<MappingRule> {
  const { id, expectedVersion, definition, by } = params;
  const updated = await db
    .update(mappingRule)
    .set({
      ...definitionOf(definition),
      ...(params.enabled === undefined ? {} : { enabled: params.enabled }),
      version: sql`${mappingRule.version} + 1`,
      updatedBy: by,
      updatedAt: sql`now()`,
    })
    .where(and(eq(mappingRule.id, id), eq(mappingRule.version, expectedVersion)))
    .returning();
  const row = updated[0];
  if (!row) {
    const current = await getMappingRule(db, id);
    if (!current) throw new NotFoundError("Mapping rule", id);
    throw mappingRuleVersionConflict(id, expectedVersion, current.version);
  }
  await appendVersion(db, { id, version: row.version, definition, by });
  return rowToMappingRule(row);
}

/** Enables or disables a rule; its definition and version stay. */
export async function setMappingRuleEnabled(
  db: Database,
  params: { id: string; enabled: boolean; by: string },
): Promise<MappingRule> {
  const updated = await db
    .update(mappingRule)
    .set({ enabled: params.enabled, updatedBy: params.by, updatedAt: sql`now()` })
    .where(eq(mappingRule.id, params.id))
    .returning();
  const row = updated[0];
  if (!row) throw new NotFoundError("Mapping rule", params.id);
  return rowToMappingRule(row);
}

/**
 * Deletes a rule (at `expectedVersion` when given; stale → CONFLICT). Its versions stay: audit
 * rows that name them keep their meaning.
 */
export async function deleteMappingRule(
  db: Database,
  params: { id: string; expectedVersion?: number },
): Promise<MappingRule> {
  const current = await requireMappingRule(db, params.id);
  if (params.expectedVersion !== undefined && params.expectedVersion !== current.version) {
    throw mappingRuleVersionConflict(params.id, params.expectedVersion, current.version);
  }
  const deleted = await db
    .delete(mappingRule)
    .where(and(eq(mappingRule.id, params.id), eq(mappingRule.version, current.version)))
    .returning();
  const row = deleted[0];
  if (!row) {
    const now = await requireMappingRule(db, params.id);
    throw mappingRuleVersionConflict(params.id, current.version, now.version);
  }
  return rowToMappingRule(row);
}

/** Every saved definition of a rule id, newest first (also for a deleted rule). */
export async function listMappingRuleVersions(
  db: Database,
  ruleId: string,
): Promise<MappingRuleVersion[]> {
  const rows = await db
    .select()
    .from(mappingRuleVersion)
    .where(eq(mappingRuleVersion.ruleId, ruleId))
    .orderBy(desc(mappingRuleVersion.version));
  return rows.map((row) => ({
    ruleId: row.ruleId,
    version: row.version,
    definition: row.definition,
    savedBy: row.savedBy,
    savedAt: iso(row.savedAt),
  }));
}

/** One saved definition; null when there is none. */
export async function getMappingRuleVersion(
  db: Database,
  ruleId: string,
  version: number,
): Promise<MappingRuleVersion | null> {
  const rows = await db
    .select()
    .from(mappingRuleVersion)
    .where(and(eq(mappingRuleVersion.ruleId, ruleId), eq(mappingRuleVersion.version, version)));
  const row = rows[0];
  return row
    ? {
        ruleId: row.ruleId,
        version: row.version,
        definition: row.definition,
        savedBy: row.savedBy,
        savedAt: iso(row.savedAt),
      }
    : null;
}

/**
 * The properties and context of the latest `perType` events of each type (newest first), for the
 * editor's path suggestions: one index range scan per type (event_type_time_idx).
 */
export async function recentEventPayloads(
  db: Database,
  params: { types: readonly string[]; perType: number },
): Promise<{ type: string; properties: unknown; context: unknown }[]> {
  const out: { type: string; properties: unknown; context: unknown }[] = [];
  for (const type of [...new Set(params.types)]) {
    const rows = await db
      .select({ type: event.type, properties: event.properties, context: event.context })
      .from(event)
      .where(eq(event.type, type))
      .orderBy(desc(event.time))
      .limit(params.perType);
    out.push(...rows);
  }
  return out;
}
