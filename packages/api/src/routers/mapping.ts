import type { TRPCRouterRecord } from "@trpc/server";
import {
  MappingImport,
  MappingPathsInput,
  MappingRuleId,
  MappingRuleInput,
  MappingRuleUpdate,
  MappingTestInput,
} from "@cdp/profile-schema";
import { listMappingRules, requireMappingRule } from "@cdp/db";

import type { Principal } from "../authz";
import {
  createMappingRule,
  deleteMappingRuleById,
  enableMappingRule,
  exportMappingRules,
  importMappingRules,
  mappingEventPaths,
  mappingRuleVersions,
  testMappingRules,
  updateMappingRuleDefinition,
} from "../services/mapping";
import { authorizedProcedure, z } from "../trpc";
import type { Context } from "../trpc";

const origin = (ctx: Context & { principal: Principal }) => ({
  principal: ctx.principal,
  requestId: ctx.requestId,
});

const Version = z.int().min(1);

/**
 * Mapping rules (event → profile, after track's built-in mappings). They are configuration, like
 * the consent catalogue: readers with `profiles:read` see them, test them and export them;
 * administrators change them. Every change is audited; every saved definition is a version.
 */
export const mappingRouter = {
  /** Every rule in running order (position, then id). */
  list: authorizedProcedure("profiles:read").query(({ ctx }) => listMappingRules(ctx.db)),

  get: authorizedProcedure("profiles:read")
    .input(z.strictObject({ id: MappingRuleId }))
    .query(({ ctx, input }) => requireMappingRule(ctx.db, input.id)),

  /** Every saved definition of a rule, newest first (a deleted rule's too): history and diffs. */
  versions: authorizedProcedure("profiles:read")
    .input(z.strictObject({ id: MappingRuleId }))
    .query(({ ctx, input }) => mappingRuleVersions(ctx.db, input.id)),

  /** Adds a rule (disabled unless `enabled`); type mismatches are field errors at `mappings.N`. */
  create: authorizedProcedure("admin")
    .input(MappingRuleInput)
    .mutation(({ ctx, input }) => createMappingRule(ctx.db, origin(ctx), input)),

  /** Saves a whole new definition at the version read (stale → CONFLICT) as the next version. */
  update: authorizedProcedure("admin")
    .input(MappingRuleUpdate)
    .mutation(({ ctx, input }) => updateMappingRuleDefinition(ctx.db, origin(ctx), input)),

  delete: authorizedProcedure("admin")
    .input(z.strictObject({ id: MappingRuleId, version: Version.nullish() }))
    .mutation(({ ctx, input }) => deleteMappingRuleById(ctx.db, origin(ctx), input)),

  /** Turns a rule on or off (at `version` when given: enable what you tested). */
  enable: authorizedProcedure("admin")
    .input(z.strictObject({ id: MappingRuleId, enabled: z.boolean(), version: Version.nullish() }))
    .mutation(({ ctx, input }) => enableMappingRule(ctx.db, origin(ctx), input)),

  /**
   * A dry run: what `profile.track` would change for the event (built-in mappings, then the draft
   * `rule` alone or the enabled rules), with each rule's part; nothing is written. PII masked.
   */
  test: authorizedProcedure("profiles:read")
    .input(MappingTestInput)
    .query(({ ctx, input }) => testMappingRules(ctx.db, origin(ctx), input)),

  /** Every rule as a JSON file `mapping.import` takes. */
  export: authorizedProcedure("profiles:read").query(({ ctx }) => exportMappingRules(ctx.db)),

  /** Loads an export file, all or nothing; `replace` also deletes rules the file lacks. */
  import: authorizedProcedure("admin")
    .input(MappingImport)
    .mutation(({ ctx, input }) => importMappingRules(ctx.db, origin(ctx), input)),

  /** Property and context paths (names and value types, never values) of recent events. */
  paths: authorizedProcedure("profiles:read")
    .input(MappingPathsInput)
    .query(({ ctx, input }) => mappingEventPaths(ctx.db, input)),
} satisfies TRPCRouterRecord;
