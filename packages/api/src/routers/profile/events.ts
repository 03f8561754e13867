import type { TRPCRouterRecord } from "@trpc/server";

import { profileTimeline } from "../../services/timeline";
import { authorizedProcedure, z } from "../../trpc";

/** `profile.events`; spread into the profile router. */
export const eventProcedures = {
  /**
   * A profile's events (any profile key), newest first, a keyset page at a time: the console's
   * timeline. Identification properties and consent proofs are masked like the profile's PII.
   */
  events: authorizedProcedure("profiles:read")
    .input(
      z.object({
        profileId: z.string().trim().min(1, "Give a profile id or identifier").max(512),
        type: z.string().trim().min(1).max(64).nullish(),
        cursor: z.string().max(1000).nullish(),
        limit: z.int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => profileTimeline(ctx.db, ctx.principal, input)),
} satisfies TRPCRouterRecord;
