import type { TRPCRouterRecord } from "@trpc/server";
import {
  DuplicatesInput,
  IdentifyInput,
  MergeHistoryInput,
  MergeInput,
  UnmergeInput,
} from "@cdp/profile-schema";

import type { Principal } from "../../authz";
import {
  findDuplicates,
  identifyProfile,
  mergeHistory,
  mergeInto,
  presentKey,
  presentMerge,
  unmerge,
} from "../../services/merge";
import { presentProfile } from "../../services/present";
import type { WriteOrigin } from "../../services/profile-write";
import { authorizedProcedure } from "../../trpc";
import type { Context } from "../../trpc";

const origin = (ctx: Context & { principal: Principal }): WriteOrigin => ({
  principal: ctx.principal,
  requestId: ctx.requestId,
  source: `${ctx.principal.kind}:${ctx.principal.id}`,
});

/** Identity: merge, identify, unmerge, duplicates, merge history. */
export const mergeProcedures = {
  /**
   * Merges `from` (1–50 exact profile ids) into `into`. `dryRun` returns the merged document and
   * per-path decisions without writing. Unknown ids are NOT_FOUND naming them.
   */
  merge: authorizedProcedure("profiles:write")
    .input(MergeInput)
    .mutation(async ({ ctx, input }) =>
      presentMerge(ctx.principal, await mergeInto(ctx.db, input, origin(ctx))),
    ),

  /** Merges every profile sharing an e-mail, phone or external key with this one into the oldest. */
  identify: authorizedProcedure("profiles:write")
    .input(IdentifyInput)
    .mutation(async ({ ctx, input }) => {
      const outcome = await identifyProfile(ctx.db, input, origin(ctx));
      return {
        profileId: outcome.profileId,
        matches: outcome.matches.map((m) => ({
          id: m.id,
          shared: m.shared.map((k) => presentKey(ctx.principal, k)),
        })),
        merge: outcome.merge ? presentMerge(ctx.principal, outcome.merge) : null,
      };
    }),

  /**
   * Undoes a merge while none of the paths it decided changed on the survivor since; otherwise
   * CONFLICT with `details.paths`.
   */
  unmerge: authorizedProcedure("profiles:write")
    .input(UnmergeInput)
    .mutation(async ({ ctx, input }) => {
      const outcome = await unmerge(ctx.db, input, origin(ctx));
      return {
        mergeId: outcome.mergeId,
        survivor: presentProfile(ctx.principal, outcome.survivor),
        restored: outcome.restored.map((s) => presentProfile(ctx.principal, s)),
        kept: outcome.kept,
      };
    }),

  /** Groups of profiles sharing an e-mail, phone or external key (values masked without pii). */
  duplicates: authorizedProcedure("profiles:read")
    .input(DuplicatesInput)
    .query(({ ctx, input }) => findDuplicates(ctx.db, ctx.principal, input)),

  /** Merges into a profile, newest first. */
  mergeHistory: authorizedProcedure("profiles:read")
    .input(MergeHistoryInput)
    .query(({ ctx, input }) => mergeHistory(ctx.db, ctx.principal, input)),
} satisfies TRPCRouterRecord;
