import type { TRPCRouterRecord } from "@trpc/server";
import {
  SavedViewId,
  SavedViewInput,
  SavedViewPatch,
  SavedViewPromotion,
} from "@cdp/profile-schema";

import type { Principal } from "../authz";
import {
  createView,
  deleteView,
  getView,
  listViews,
  promoteView,
  updateView,
} from "../services/saved-view";
import { authorizedProcedure, z } from "../trpc";
import type { Context } from "../trpc";

const origin = (ctx: Context & { principal: Principal }) => ({
  principal: ctx.principal,
  requestId: ctx.requestId,
});

/**
 * Saved views of the profiles table. Anyone who can read profiles keeps their own views and sees
 * the shared ones; only the owner (or an admin) changes a view. Promoting one makes a segment,
 * which needs `segments:write`.
 */
export const viewRouter = {
  /** The caller's views and every shared one, by name. */
  list: authorizedProcedure("profiles:read").query(({ ctx }) => listViews(ctx.db, ctx.principal)),

  get: authorizedProcedure("profiles:read")
    .input(z.strictObject({ id: SavedViewId }))
    .query(({ ctx, input }) => getView(ctx.db, ctx.principal, input.id)),

  create: authorizedProcedure("profiles:read")
    .input(SavedViewInput)
    .mutation(({ ctx, input }) => ctx.db.transaction((tx) => createView(tx, origin(ctx), input))),

  update: authorizedProcedure("profiles:read")
    .input(z.strictObject({ id: SavedViewId, patch: SavedViewPatch }))
    .mutation(({ ctx, input }) => ctx.db.transaction((tx) => updateView(tx, origin(ctx), input))),

  delete: authorizedProcedure("profiles:read")
    .input(z.strictObject({ id: SavedViewId }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction((tx) => deleteView(tx, origin(ctx), input.id)),
    ),

  /** A new segment from a view's condition (a view with search text cannot be one). */
  promote: authorizedProcedure("segments:write")
    .input(SavedViewPromotion)
    .mutation(({ ctx, input }) => promoteView(ctx.db, origin(ctx), input)),
} satisfies TRPCRouterRecord;
