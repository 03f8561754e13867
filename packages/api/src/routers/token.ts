import type { TRPCRouterRecord } from "@trpc/server";
import { createServiceToken, listServiceTokens, revokeServiceToken } from "@cdp/db";

import { TokenCreate } from "../inputs";
import { audit } from "../services/audit";
import { authorizedProcedure, z } from "../trpc";

export const tokenRouter = {
  list: authorizedProcedure("admin").query(({ ctx }) => listServiceTokens(ctx.db)),

  /** Creates a service token; the secret is in this response and nowhere else. */
  create: authorizedProcedure("admin")
    .input(TokenCreate)
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const created = await createServiceToken(tx, {
          name: input.name,
          scopes: [...new Set(input.scopes)],
          createdBy: `${ctx.principal.kind}:${ctx.principal.id}`,
          expiresAt: input.expiresInDays
            ? new Date(Date.now() + input.expiresInDays * 86_400_000).toISOString()
            : null,
        });
        await audit(tx, ctx, {
          action: "token.create",
          entity: "service_token",
          entityId: created.token.id,
          changes: [{ path: "scopes", before: null, after: created.token.scopes }],
        });
        return created;
      }),
    ),

  revoke: authorizedProcedure("admin")
    .input(z.object({ id: z.string().min(1) }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const token = await revokeServiceToken(tx, input.id);
        await audit(tx, ctx, {
          action: "token.revoke",
          entity: "service_token",
          entityId: token.id,
        });
        return token;
      }),
    ),
} satisfies TRPCRouterRecord;
