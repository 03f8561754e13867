import type { TRPCRouterRecord } from "@trpc/server";
import {
  applyProfilePatch,
  createProfile,
  ListQuery,
  ProfileCreate,
  ProfilePatch,
} from "@cdp/profile-schema";
import {
  compileCondition,
  deleteProfile,
  listProfiles,
  lockProfileByKey,
  requireProfile,
  retryingTransaction,
  VersionConflictError,
} from "@cdp/db";

import {
  ProfileDeleteOutput,
  ProfilePageOutput,
  ProfileUpdateOutput,
  ProfileViewOutput,
} from "../openapi";
import { audit } from "../services/audit";
import { eventProcedures } from "./profile/events";
import { importProcedures } from "./profile/import";
import { mergeProcedures } from "./profile/merge";
import { trackProcedures } from "./profile/track";
import { presentProfile } from "../services/present";
import { writeProfile } from "../services/profile-write";
import { authorizedProcedure, z } from "../trpc";
import type { Context } from "../trpc";
import type { Principal } from "../authz";

const ProfileKey = z.string().trim().min(1, "Give a profile id or identifier").max(512);

const origin = (ctx: Context & { principal: Principal }) => ({
  principal: ctx.principal,
  requestId: ctx.requestId,
  source: `${ctx.principal.kind}:${ctx.principal.id}`,
});

export const profileRouter = {
  /** A profile by any identifier: its id, a merged id, `email:…`, `phone:…`, or an external key. */
  get: authorizedProcedure("profiles:read")
    .meta({
      openapi: {
        method: "GET",
        path: "/profiles/{id}",
        tags: ["profiles"],
        summary: "Get a profile by any identifier",
      },
    })
    .output(ProfileViewOutput)
    .input(z.object({ id: ProfileKey }))
    .query(async ({ ctx, input }) => presentProfile(ctx.principal, await requireProfile(ctx.db, input.id))),

  /** One keyset page of profiles matching a search text and a condition. */
  list: authorizedProcedure("profiles:read")
    .meta({
      openapi: {
        method: "GET",
        path: "/profiles",
        tags: ["profiles"],
        summary: "List profiles (keyset paging)",
      },
    })
    .output(ProfilePageOutput)
    .input(ListQuery)
    .query(async ({ ctx, input }) => {
      const { condition, ...rest } = input;
      const where = condition ? compileCondition(condition, { now: new Date().toISOString() }) : undefined;
      const page = await listProfiles(ctx.db, { ...rest, where });
      return { ...page, items: page.items.map((s) => presentProfile(ctx.principal, s)) };
    }),

  create: authorizedProcedure("profiles:write")
    .meta({
      openapi: {
        method: "POST",
        path: "/profiles",
        tags: ["profiles"],
        summary: "Create a profile",
      },
    })
    .output(ProfileViewOutput)
    .input(ProfileCreate)
    .mutation(async ({ ctx, input }) => {
      const profile = createProfile(input, new Date().toISOString());
      const { stored } = await retryingTransaction(ctx.db, (tx) =>
        writeProfile(tx, { before: null, after: profile, origin: origin(ctx) }),
      );
      return presentProfile(ctx.principal, stored);
    }),

  /**
   * Applies a merge patch to the profile at `version`. A stale version is a CONFLICT carrying the
   * current version, and nothing changes.
   */
  update: authorizedProcedure("profiles:write")
    .meta({
      openapi: {
        method: "PATCH",
        path: "/profiles/{id}",
        tags: ["profiles"],
        summary: "Merge-patch a profile at a version",
      },
    })
    .output(ProfileUpdateOutput)
    .input(z.object({ id: ProfileKey, version: z.number().int().min(1), patch: ProfilePatch }))
    .mutation(async ({ ctx, input }) => {
      const { stored, changed } = await retryingTransaction(ctx.db, async (tx) => {
        const before = await requireProfile(tx, input.id);
        if (before.version !== input.version) {
          throw new VersionConflictError(before.profile.id, input.version, before.version);
        }
        const after = applyProfilePatch(before.profile, input.patch);
        return writeProfile(tx, { before, after, origin: origin(ctx) });
      });
      return { ...presentProfile(ctx.principal, stored), changed };
    }),

  delete: authorizedProcedure("profiles:write")
    .meta({
      openapi: {
        method: "DELETE",
        path: "/profiles/{id}",
        tags: ["profiles"],
        summary: "Delete a profile",
      },
    })
    .output(ProfileDeleteOutput)
    .input(z.object({ id: ProfileKey, reason: z.string().trim().max(1000).nullish() }))
    .mutation(({ ctx, input }) =>
      retryingTransaction(ctx.db, async (tx) => {
        // Locked first, so no writer in flight leaves events behind the delete.
        const { profile } = await lockProfileByKey(tx, input.id);
        const deleted = await deleteProfile(tx, profile.id);
        await audit(tx, { ...origin(ctx), reason: input.reason }, {
          action: "profile.delete",
          entity: "profile",
          entityId: profile.id,
        });
        return { id: profile.id, deleted };
      }),
    ),
  ...trackProcedures,
  ...importProcedures,
  ...mergeProcedures,
  ...eventProcedures,
} satisfies TRPCRouterRecord;
