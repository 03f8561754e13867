import type { TRPCRouterRecord } from "@trpc/server";
import {
  ConsentDeny,
  ConsentGrant,
  ConsentPurpose,
  ConsentRevocation,
  ConsentTypeId,
  ConsentTypeInput,
  ConsentTypePatch,
} from "@cdp/profile-schema";
import { listConsentTypes, requireConsentType, retryingTransaction } from "@cdp/db";

import type { Principal } from "../authz";
import {
  applyConsentChange,
  archiveConsentType,
  consentHistory,
  consentState,
  createConsentType,
  presentConsentEntry,
  updateConsentType,
} from "../services/consent";
import type { ConsentChangeResult } from "../services/consent";
import { presentProfile } from "../services/present";
import { authorizedProcedure, z } from "../trpc";
import type { Context } from "../trpc";

const ProfileKey = z.string().trim().min(1, "Give a profile id or identifier").max(512);

const origin = (ctx: Context & { principal: Principal }) => ({
  principal: ctx.principal,
  requestId: ctx.requestId,
});

const present = (principal: Principal, result: ConsentChangeResult) => ({
  consents: result.consents,
  event: presentConsentEntry(principal, result.event),
  profile: presentProfile(principal, result.stored),
});

/** The consent-type catalogue: read with `profiles:read`, changed by admins, archived not deleted. */
const typeProcedures = {
  /** The catalogue by id; archived types only when asked. */
  list: authorizedProcedure("profiles:read")
    .input(
      z
        .object({
          includeArchived: z.boolean().default(false),
          purpose: ConsentPurpose.nullish(),
          enabled: z.boolean().nullish(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => listConsentTypes(ctx.db, input ?? {})),

  get: authorizedProcedure("profiles:read")
    .input(z.object({ id: ConsentTypeId }))
    .query(({ ctx, input }) => requireConsentType(ctx.db, input.id)),

  create: authorizedProcedure("admin")
    .input(ConsentTypeInput)
    .mutation(({ ctx, input }) =>
      ctx.db.transaction((tx) => createConsentType(tx, origin(ctx), input)),
    ),

  update: authorizedProcedure("admin")
    .input(z.object({ id: ConsentTypeId, patch: ConsentTypePatch }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction((tx) => updateConsentType(tx, origin(ctx), input.id, input.patch)),
    ),

  /** Retires a type: no new grants or denials; the ledger and revocation stay available. */
  archive: authorizedProcedure("admin")
    .input(z.object({ id: ConsentTypeId }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction((tx) => archiveConsentType(tx, origin(ctx), input.id, true)),
    ),

  /** Undoes an archive. */
  restore: authorizedProcedure("admin")
    .input(z.object({ id: ConsentTypeId }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction((tx) => archiveConsentType(tx, origin(ctx), input.id, false)),
    ),
} satisfies TRPCRouterRecord;

export const consentRouter = {
  types: typeProcedures,

  /** Records that the person granted a consent; `profile.consents` follows in the same transaction. */
  grant: authorizedProcedure("consents:write")
    .input(ConsentGrant)
    .mutation(async ({ ctx, input }) =>
      present(
        ctx.principal,
        await retryingTransaction(ctx.db, (tx) =>
          applyConsentChange(tx, origin(ctx), { ...input, action: "granted" }),
        ),
      ),
    ),

  /** Records that the person declined (a granted, revokable consent is thereby withdrawn). */
  deny: authorizedProcedure("consents:write")
    .input(ConsentDeny)
    .mutation(async ({ ctx, input }) =>
      present(
        ctx.principal,
        await retryingTransaction(ctx.db, (tx) =>
          applyConsentChange(tx, origin(ctx), { ...input, action: "denied" }),
        ),
      ),
    ),

  /** Withdraws a consent in effect; refused for non-revokable types and for what is not granted. */
  revoke: authorizedProcedure("consents:write")
    .input(ConsentRevocation)
    .mutation(async ({ ctx, input }) =>
      present(
        ctx.principal,
        await retryingTransaction(ctx.db, (tx) =>
          applyConsentChange(tx, origin(ctx), { ...input, action: "revoked" }),
        ),
      ),
    ),

  /** A profile's consent ledger, by `at` then id; proof only for callers with `profiles:pii`. */
  history: authorizedProcedure("profiles:read")
    .input(z.object({ profileId: ProfileKey, typeId: ConsentTypeId.nullish() }))
    .query(async ({ ctx, input }) => {
      const { profileId, items } = await consentHistory(ctx.db, input);
      return { profileId, items: items.map((e) => presentConsentEntry(ctx.principal, e)) };
    }),

  /** Per catalogue type: granted now, expired, denied, revoked or none; expiry; last action. */
  state: authorizedProcedure("profiles:read")
    .input(z.object({ profileId: ProfileKey }))
    .query(({ ctx, input }) => consentState(ctx.db, { profileId: input.profileId })),
} satisfies TRPCRouterRecord;
