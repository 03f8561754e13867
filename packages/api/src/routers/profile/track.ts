import type { TRPCRouterRecord } from "@trpc/server";
import { TrackBatch, TrackOutput } from "@cdp/profile-schema";

import { track } from "../../services/track";
import { authorizedProcedure } from "../../trpc";

/** `profile.track`; spread into the profile router. */
export const trackProcedures = {
  /**
   * Applies 1–1,000 events to profiles (visits, views, counters, interests, identification) in one
   * transaction and returns one result per event, by index. Only ids come back, never profile
   * data. Conventions: TrackProperties; semantics: services/track.ts.
   */
  track: authorizedProcedure("profiles:write")
    .meta({
      openapi: {
        method: "POST",
        path: "/profiles/track",
        tags: ["profiles"],
        summary: "Track a batch of events",
      },
    })
    .input(TrackBatch)
    .output(TrackOutput)
    .mutation(({ ctx, input }) =>
      track(ctx.db, {
        events: input.events,
        origin: { principal: ctx.principal, requestId: ctx.requestId },
      }),
    ),
} satisfies TRPCRouterRecord;
