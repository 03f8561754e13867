import type { TRPCRouterRecord } from "@trpc/server";
import { listProfiles, profileSortColumns, requireProfile } from "@cdp/db";
import type { ProfileSortKey } from "@cdp/db";

import { authorizedProcedure, z } from "../trpc";

const sortKeys = Object.keys(profileSortColumns) as [ProfileSortKey, ...ProfileSortKey[]];

export const profileRouter = {
  /** A profile by any identifier: its id, a merged id, `email:…`, `phone:…`, or an external key. */
  get: authorizedProcedure("profiles:read")
    .input(z.object({ id: z.string().min(1).max(512) }))
    .query(({ ctx, input }) => requireProfile(ctx.db, input.id)),

  /** One keyset page of profiles. */
  list: authorizedProcedure("profiles:read")
    .input(
      z.object({
        search: z.string().max(200).nullish(),
        sort: z.enum(sortKeys).default("inserted_at"),
        order: z.enum(["asc", "desc"]).default("desc"),
        cursor: z.string().max(1000).nullish(),
        limit: z.number().int().min(1).max(200).default(50),
        withTotal: z.boolean().default(false),
      }),
    )
    .query(({ ctx, input }) => listProfiles(ctx.db, input)),
} satisfies TRPCRouterRecord;
