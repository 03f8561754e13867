import type { TRPCRouterRecord } from "@trpc/server";
import {
  EXPORT_MAX_PAGE,
  ExportColumn,
  ExportFormat,
  MAX_PAGE_SIZE,
  profileSortKeys,
  SegmentId,
  SegmentInput,
  SegmentPreviewInput,
  SegmentUpdate,
} from "@cdp/profile-schema";
import { requireSegment } from "@cdp/db";

import type { Principal } from "../authz";
import { audit } from "../services/audit";
import {
  createSegment,
  deleteSegment,
  exportSegmentPage,
  getSegmentWithSize,
  listSegmentsWithSizes,
  previewSegment,
  refreshSegments,
  segmentHistory,
  segmentMembers,
  updateSegment,
} from "../services/segment";
import { authorizedProcedure, z } from "../trpc";
import type { Context } from "../trpc";

const ProfileKey = z.string().trim().min(1, "Give a profile id or identifier").max(512);
const Cursor = z.string().max(1000).nullish();

const origin = (ctx: Context & { principal: Principal }) => ({
  principal: ctx.principal,
  requestId: ctx.requestId,
});

/**
 * Segments: reads and previews need `segments:read`; definitions and refreshes `segments:write`.
 * Every change is audited; membership follows each change before the call returns.
 */
export const segmentRouter = {
  /** Every segment with its current size, by id. */
  list: authorizedProcedure("segments:read").query(({ ctx }) => listSegmentsWithSizes(ctx.db)),

  get: authorizedProcedure("segments:read")
    .input(z.strictObject({ id: SegmentId }))
    .query(({ ctx, input }) => getSegmentWithSize(ctx.db, input.id)),

  /** Adds a segment and computes its members. */
  create: authorizedProcedure("segments:write")
    .input(SegmentInput)
    .mutation(({ ctx, input }) => createSegment(ctx.db, origin(ctx), input)),

  /** Changes a segment at the version read (stale → CONFLICT) and recomputes its members. */
  update: authorizedProcedure("segments:write")
    .input(SegmentUpdate)
    .mutation(({ ctx, input }) => updateSegment(ctx.db, origin(ctx), input)),

  /** Deletes a segment no other segment refers to; its members exit. */
  delete: authorizedProcedure("segments:write")
    .input(z.strictObject({ id: SegmentId, version: z.int().min(1).nullish() }))
    .mutation(({ ctx, input }) => deleteSegment(ctx.db, origin(ctx), input)),

  /**
   * What a condition (and purpose) selects now: count, consented count, a masked sample of 20,
   * and for `profileId` which parts of the condition it matches.
   */
  preview: authorizedProcedure("segments:read")
    .input(SegmentPreviewInput)
    .query(({ ctx, input }) => previewSegment(ctx.db, ctx.principal, input)),

  /** A keyset page of a segment's members, masked like any profile list. */
  members: authorizedProcedure("segments:read")
    .input(
      z.strictObject({
        id: SegmentId,
        cursor: Cursor,
        limit: z.int().min(1).max(MAX_PAGE_SIZE).default(50),
        sort: z.enum(profileSortKeys).default("inserted_at"),
        order: z.enum(["asc", "desc"]).default("desc"),
        withTotal: z.boolean().default(false),
      }),
    )
    .query(({ ctx, input }) => segmentMembers(ctx.db, ctx.principal, input)),

  /** Entries and exits, newest first, of a segment, a profile, or a profile in a segment. */
  history: authorizedProcedure("segments:read")
    .input(
      z.strictObject({
        segmentId: SegmentId.nullish(),
        profileId: ProfileKey.nullish(),
        cursor: Cursor,
        limit: z.int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => segmentHistory(ctx.db, input)),

  /** One page of the members as NDJSON or CSV text (first CSV page with the header), masked. */
  export: authorizedProcedure("segments:read")
    .input(
      z.strictObject({
        id: SegmentId,
        format: ExportFormat.default("ndjson"),
        columns: z.array(ExportColumn).min(1).max(200).optional(),
        cursor: Cursor,
        limit: z.int().min(1).max(EXPORT_MAX_PAGE).default(EXPORT_MAX_PAGE),
        withTotal: z.boolean().default(false),
      }),
    )
    .query(({ ctx, input }) => exportSegmentPage(ctx.db, ctx.principal, input)),

  /**
   * Re-evaluates now the segments whose answer moves with time (or `ids`, and the segments
   * referring to them) for every profile; audited per segment with its entries and exits.
   */
  refresh: authorizedProcedure("segments:write")
    .input(z.strictObject({ ids: z.array(SegmentId).min(1).max(100).optional() }).optional())
    .mutation(async ({ ctx, input }) => {
      for (const id of input?.ids ?? []) await requireSegment(ctx.db, id);
      const result = await refreshSegments(ctx.db, {
        ids: input?.ids,
        origin: {
          source: `${ctx.principal.kind}:${ctx.principal.id}`,
          requestId: ctx.requestId,
        },
      });
      await ctx.db.transaction(async (tx) => {
        for (const id of result.segments) {
          const counts = result.changes[id] ?? { entered: 0, exited: 0 };
          await audit(tx, origin(ctx), {
            action: "segment.refresh",
            entity: "segment",
            entityId: id,
            changes: [
              { path: "entered", before: null, after: counts.entered },
              { path: "exited", before: null, after: counts.exited },
            ],
          });
        }
      });
      return result;
    }),
} satisfies TRPCRouterRecord;
