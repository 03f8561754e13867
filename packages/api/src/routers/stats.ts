import type { TRPCRouterRecord } from "@trpc/server";
import { STATS_MAX_DAYS, statsOverview } from "@cdp/db";

import { authorizedProcedure, z } from "../trpc";

/** Dashboard figures: aggregates only (no profile, no personal data), for every reader. */
export const statsRouter = {
  /**
   * Totals (profiles, identified, anonymous, active in the last 30 days), profiles created and
   * visits started per UTC day over `days` ending today, the largest segments, and per consent
   * type the profiles granting it now with the share of all profiles (`grantRate`, 0–1).
   */
  overview: authorizedProcedure("profiles:read")
    .input(
      z
        .object({
          days: z
            .int("Days must be a whole number")
            .min(1, "Show at least 1 day")
            .max(STATS_MAX_DAYS, `Show at most ${STATS_MAX_DAYS} days`)
            .default(30),
          segments: z.int().min(1).max(50).default(8),
        })
        .prefault({}),
    )
    .query(async ({ ctx, input }) => {
      const stats = await statsOverview(ctx.db, {
        now: new Date(),
        days: input.days,
        segmentLimit: input.segments,
      });
      const { profiles } = stats.totals;
      return {
        ...stats,
        consents: stats.consents.map((c) => ({
          ...c,
          grantRate: profiles === 0 ? 0 : c.granted / profiles,
        })),
      };
    }),
} satisfies TRPCRouterRecord;
