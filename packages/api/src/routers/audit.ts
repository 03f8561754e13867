import type { TRPCRouterRecord } from "@trpc/server";
import { listAudit } from "@cdp/db";

import { presentChanges } from "../services/audit";
import { authorizedProcedure, z } from "../trpc";

const Instant = z.iso.datetime({ offset: true });

export const auditRouter = {
  /** The audit log, newest first; PII values in diffs are masked without `profiles:pii`. */
  list: authorizedProcedure("profiles:read")
    .input(
      z.object({
        actorId: z.string().max(200).nullish(),
        entity: z.string().max(100).nullish(),
        entityId: z.string().max(512).nullish(),
        action: z.string().max(100).nullish(),
        from: Instant.nullish(),
        to: Instant.nullish(),
        cursor: z.string().max(40).nullish(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      const page = await listAudit(ctx.db, input);
      return {
        ...page,
        items: page.items.map((row) => ({ ...row, changes: presentChanges(ctx.principal, row.changes) })),
      };
    }),
} satisfies TRPCRouterRecord;
