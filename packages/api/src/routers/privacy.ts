import type { TRPCRouterRecord } from "@trpc/server";
import { liftSuppression, listSuppressions, normalizeEmail, normalizePhone } from "@cdp/db";

import { audit } from "../services/audit";
import { erasePerson, exportPerson, revealFields } from "../services/privacy";
import { authorizedProcedure, z } from "../trpc";

const Reason = z.string().trim().min(5, "Give a reason (at least 5 characters)").max(1000);
const ProfileKey = z.string().trim().min(1).max(512);

/** Data-subject requests and PII reveal: the privacy and admin roles only. */
export const privacyRouter = {
  reveal: authorizedProcedure("privacy")
    .input(z.object({ profileId: ProfileKey, fields: z.array(z.string().max(200)).min(1).max(100), reason: Reason }))
    .mutation(({ ctx, input }) => revealFields(ctx.db, ctx, input)),

  export: authorizedProcedure("privacy")
    .input(z.object({ profileId: ProfileKey }))
    .mutation(({ ctx, input }) => exportPerson(ctx.db, ctx, input.profileId)),

  erase: authorizedProcedure("privacy")
    .input(z.object({ profileId: ProfileKey, reason: Reason }))
    .mutation(({ ctx, input }) => erasePerson(ctx.db, ctx, input)),

  suppressions: authorizedProcedure("privacy").query(({ ctx }) => listSuppressions(ctx.db)),

  /** Allows an erased identifier to be tracked or imported again. */
  liftSuppression: authorizedProcedure("privacy")
    .input(
      z.object({
        type: z.enum(["email", "phone", "ext"]),
        value: z.string().trim().min(1).max(512),
        reason: Reason,
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const value =
          input.type === "email" ? normalizeEmail(input.value) : input.type === "phone" ? normalizePhone(input.value) : input.value;
        const row = await liftSuppression(tx, { type: input.type, value }, `${ctx.principal.kind}:${ctx.principal.id}`);
        await audit(tx, { ...ctx, reason: input.reason }, {
          action: "privacy.lift_suppression",
          entity: "suppression",
          entityId: row.hash,
        });
        return { hash: row.hash, liftedAt: row.liftedAt };
      }),
    ),
} satisfies TRPCRouterRecord;
