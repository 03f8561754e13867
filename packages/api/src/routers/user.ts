import type { TRPCRouterRecord } from "@trpc/server";
import { TRPCError } from "@trpc/server";
import {
  createStaffUser,
  listStaffUsers,
  setStaffBanned,
  setStaffRole,
  staffRoles,
} from "@cdp/auth";

import { StaffCreate } from "../inputs";
import { audit } from "../services/audit";
import { authorizedProcedure, z } from "../trpc";
import type { Context } from "../trpc";

function requireAuth(ctx: Context) {
  if (!ctx.auth) {
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: "Staff accounts are managed in the console.",
    });
  }
  return ctx.auth;
}

/** Staff accounts and roles: admins only. Every change is audited. */
export const userRouter = {
  list: authorizedProcedure("admin").query(({ ctx }) => listStaffUsers(ctx.db)),

  create: authorizedProcedure("admin")
    .input(StaffCreate)
    .mutation(async ({ ctx, input }) => {
      const user = await createStaffUser(requireAuth(ctx), input);
      await audit(ctx.db, ctx, {
        action: "user.create",
        entity: "user",
        entityId: user.id,
        changes: [{ path: "role", before: null, after: user.role }],
      });
      return user;
    }),

  setRole: authorizedProcedure("admin")
    .input(z.object({ id: z.string().min(1), role: z.enum(staffRoles) }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        if (ctx.principal.kind === "staff" && ctx.principal.id === input.id && input.role !== "admin") {
          throw new TRPCError({ code: "BAD_REQUEST", message: "You cannot remove your own admin role." });
        }
        const user = await setStaffRole(tx, input.id, input.role);
        await audit(tx, ctx, {
          action: "user.set_role",
          entity: "user",
          entityId: user.id,
          changes: [{ path: "role", before: null, after: user.role }],
        });
        return user;
      }),
    ),

  setDisabled: authorizedProcedure("admin")
    .input(z.object({ id: z.string().min(1), disabled: z.boolean() }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        if (ctx.principal.kind === "staff" && ctx.principal.id === input.id) {
          throw new TRPCError({ code: "BAD_REQUEST", message: "You cannot disable your own account." });
        }
        const user = await setStaffBanned(tx, input.id, input.disabled);
        await audit(tx, ctx, {
          action: input.disabled ? "user.disable" : "user.enable",
          entity: "user",
          entityId: user.id,
        });
        return user;
      }),
    ),
} satisfies TRPCRouterRecord;
