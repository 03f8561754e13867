import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ZodError } from "zod";
import { addDuration, isConsentGranted, normalizeDate } from "@cdp/profile-schema";
import { getProfile, listAudit, listConsentEvents } from "@cdp/db";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import type { Principal, Role } from "../authz";
import { createCallerFactory, createTRPCContext, createTRPCRouter } from "../trpc";
import { auditRouter } from "./audit";
import { consentRouter } from "./consent";
import { profileRouter } from "./profile";

// Each file migrates its own database (PGlite cold start takes seconds).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const router = createTRPCRouter({
  consent: consentRouter,
  profile: profileRouter,
  audit: auditRouter,
});
const createCaller = createCallerFactory(router);

const staff = (role: Role): Principal => ({ kind: "staff", id: `u-${role}`, name: role, role });
/** A service that acts on personal data: it reads proofs in the clear (staff never do: seesPii). */
const piiService: Principal = {
  kind: "service",
  id: "t-pii",
  name: "consent sync",
  scopes: ["profiles:read", "profiles:pii"],
};
const DAY = 86_400_000;
const iso = (ms: number) => normalizeDate(new Date(ms).toISOString());

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

describe.each(testTargets())("consent router on %s", (target) => {
  let t: TestDatabase;
  const as = (principal: Principal) => createCaller(createTRPCContext({ db: t.db, principal }));
  const admin = () => as(staff("admin"));
  const editor = () => as(staff("editor"));
  const viewer = () => as(staff("viewer"));

  /** Everything a refused change must leave alone. */
  async function snapshot(profileId: string) {
    const stored = await getProfile(t.db, profileId);
    return {
      version: stored?.version,
      consents: stored?.profile.consents,
      ledger: (await listConsentEvents(t.db, { profileId })).length,
      audit: (await listAudit(t.db, { limit: 200 })).items.length,
    };
  }

  async function newProfile(id = "p-1") {
    await editor().profile.create({
      id,
      data: { contact: { email: { main: `${id}@example.com` } } },
    });
    return id;
  }

  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
    await admin().consent.types.create({
      id: "marketing",
      name: "Marketing e-mails",
      purpose: "marketing",
      tags: ["email"],
    });
  });

  describe("the catalogue", () => {
    it("creates, reads, lists and updates types; each change is audited", async () => {
      const created = await admin().consent.types.create({
        id: "analytics",
        name: "Analytics",
        description: "Usage statistics",
        purpose: "analytics",
        autoRevoke: "P6M",
        required: true,
      });
      expect(created).toMatchObject({ id: "analytics", autoRevoke: "P6M", revokable: true });
      expect(await viewer().consent.types.get({ id: "analytics" })).toEqual(created);
      expect((await viewer().consent.types.list()).map((c) => c.id)).toEqual([
        "analytics",
        "marketing",
      ]);
      expect(
        (await viewer().consent.types.list({ purpose: "marketing" })).map((c) => c.id),
      ).toEqual(["marketing"]);

      const updated = await admin().consent.types.update({
        id: "analytics",
        patch: { autoRevoke: null, tags: ["stats"] },
      });
      expect(updated).toMatchObject({ autoRevoke: null, tags: ["stats"], name: "Analytics" });

      const audit = await viewer().audit.list({ entity: "consent_type", entityId: "analytics" });
      expect(audit.items.map((a) => a.action)).toEqual([
        "consent_type.update",
        "consent_type.create",
      ]);
      expect(audit.items[0]?.changes).toEqual([
        { path: "tags", before: [], after: ["stats"] },
        { path: "autoRevoke", before: "P6M", after: null },
      ]);
    });

    it("answers bad input with field errors and a taken id with a conflict on the id", async () => {
      const bad = await failure(
        admin().consent.types.create({ id: "Bad Slug!", name: "", purpose: "spam" as "marketing" }),
      );
      expect(bad.code).toBe("BAD_REQUEST");
      expect(bad.cause).toBeInstanceOf(ZodError);
      expect((bad.cause as ZodError).issues.map((i) => i.path.join(".")).sort()).toEqual([
        "id",
        "name",
        "purpose",
      ]);

      const taken = await failure(
        admin().consent.types.create({ id: "marketing", name: "Again", purpose: "marketing" }),
      );
      expect(taken.code).toBe("CONFLICT");
      expect(taken.message).toContain('"marketing" already exists');
      expect(taken.cause).toMatchObject({ details: { path: ["id"] } });
      expect((await viewer().consent.types.get({ id: "marketing" })).name).toBe(
        "Marketing e-mails",
      );

      const missing = await failure(viewer().consent.types.get({ id: "nope" }));
      expect(missing.code).toBe("NOT_FOUND");
    });

    it("lets only admins change the catalogue", async () => {
      const denied = await failure(
        editor().consent.types.create({ id: "x", name: "X", purpose: "other" }),
      );
      expect(denied.code).toBe("FORBIDDEN");
      expect((await failure(viewer().consent.types.archive({ id: "marketing" }))).code).toBe(
        "FORBIDDEN",
      );
    });

    it("archives instead of deleting: the ledger stays readable, new grants are refused, withdrawal works", async () => {
      const id = await newProfile();
      await editor().consent.grant({ profileId: id, typeId: "marketing", legalBasis: "consent" });
      const archived = await admin().consent.types.archive({ id: "marketing" });
      expect(archived.archivedAt).not.toBeNull();

      expect(await viewer().consent.types.list()).toEqual([]);
      expect(
        (await viewer().consent.types.list({ includeArchived: true })).map((c) => c.id),
      ).toEqual(["marketing"]);
      expect((await viewer().consent.types.get({ id: "marketing" })).archivedAt).toBe(
        archived.archivedAt,
      );
      const history = await viewer().consent.history({ profileId: id });
      expect(history.items.map((e) => [e.typeId, e.action])).toEqual([["marketing", "granted"]]);
      const state = await viewer().consent.state({ profileId: id });
      expect(state.items).toMatchObject([{ typeId: "marketing", archived: true, granted: true }]);

      const before = await snapshot(id);
      const refused = await failure(
        editor().consent.grant({ profileId: id, typeId: "marketing", legalBasis: "consent" }),
      );
      expect(refused.code).toBe("BAD_REQUEST");
      expect(refused.message).toContain("archived");
      expect(await snapshot(id)).toEqual(before);

      // Withdrawal stays possible for a retired type.
      const revoked = await editor().consent.revoke({ profileId: id, typeId: "marketing" });
      expect(revoked.consents).toEqual({});

      const restored = await admin().consent.types.restore({ id: "marketing" });
      expect(restored.archivedAt).toBeNull();
      const audit = await viewer().audit.list({ entity: "consent_type", entityId: "marketing" });
      expect(audit.items.map((a) => a.action)).toEqual([
        "consent_type.restore",
        "consent_type.archive",
        "consent_type.create",
      ]);
    });
  });

  describe("grant, deny, revoke", () => {
    it("grant → revoke → grant: the history is complete and ordered, profile.consents follows each step", async () => {
      const id = await newProfile();
      const g1 = await editor().consent.grant({
        profileId: `email:${id}@example.com`,
        typeId: "marketing",
        legalBasis: "consent",
        policyVersion: "2025-01",
        proof: { form: "signup", ip_hash: "9f2c" },
      });
      expect(g1.consents).toEqual({ marketing: { revoke: null } });
      expect((await viewer().profile.get({ id })).profile.consents).toEqual({
        marketing: { revoke: null },
      });

      const r = await editor().consent.revoke({
        profileId: id,
        typeId: "marketing",
        reason: "unsubscribed by phone",
      });
      expect(r.consents).toEqual({});
      expect((await viewer().profile.get({ id })).profile.consents).toEqual({});

      const g2 = await as({
        kind: "service",
        id: "t-shop",
        name: "shop",
        scopes: ["consents:write"],
      }).consent.grant({ profileId: id, typeId: "marketing", legalBasis: "contract" });
      expect(g2.consents).toEqual({ marketing: { revoke: null } });
      const profile = (await viewer().profile.get({ id })).profile;
      expect(profile.consents).toEqual({ marketing: { revoke: null } });
      expect(profile.metadata.fields["consents.marketing"]?.[1]).toBe("api");

      const history = await as(piiService).consent.history({ profileId: id });
      expect(history.profileId).toBe(id);
      expect(history.items.map((e) => [e.action, e.legalBasis, e.source, e.actor])).toEqual([
        ["granted", "consent", "console", "staff:u-editor"],
        ["revoked", null, "console", "staff:u-editor"],
        ["granted", "contract", "api", "service:t-shop"],
      ]);
      expect(history.items[0]).toMatchObject({
        policyVersion: "2025-01",
        proof: { form: "signup", ip_hash: "9f2c" },
        expiresAt: null,
      });
      expect(history.items[1]?.reason).toBe("unsubscribed by phone");
      const ats = history.items.map((e) => e.at);
      expect([...ats].sort()).toEqual(ats);
      expect(history.items.map((e) => e.id)).toEqual([g1.event.id, r.event.id, g2.event.id]);

      const audit = await viewer().audit.list({ entity: "profile", entityId: id });
      expect(audit.items.map((a) => a.action)).toEqual([
        "consent.grant",
        "consent.revoke",
        "consent.grant",
        "profile.create",
      ]);
      expect(audit.items[1]).toMatchObject({
        reason: "unsubscribed by phone",
        changes: [{ path: "consents.marketing", before: { revoke: null }, after: null }],
      });
    });

    it("hides proof from readers without profiles:pii", async () => {
      const id = await newProfile();
      await editor().consent.grant({
        profileId: id,
        typeId: "marketing",
        legalBasis: "consent",
        proof: { ip_hash: "9f2c" },
      });
      const [entry] = (await viewer().consent.history({ profileId: id })).items;
      expect(entry).toMatchObject({ proof: null, proofHidden: true });
      const [full] = (await as(piiService).consent.history({ profileId: id })).items;
      expect(full).toMatchObject({ proof: { ip_hash: "9f2c" }, proofHidden: false });
    });

    it("filters the history by type", async () => {
      const id = await newProfile();
      await admin().consent.types.create({
        id: "analytics",
        name: "Analytics",
        purpose: "analytics",
      });
      await editor().consent.grant({ profileId: id, typeId: "marketing", legalBasis: "consent" });
      await editor().consent.grant({ profileId: id, typeId: "analytics", legalBasis: "consent" });
      const only = await viewer().consent.history({ profileId: id, typeId: "analytics" });
      expect(only.items.map((e) => e.typeId)).toEqual(["analytics"]);
    });

    it("an auto-revoke expiry stops the consent counting from the right moment, without any write", async () => {
      await admin().consent.types.create({
        id: "newsletter",
        name: "Newsletter",
        purpose: "marketing",
        autoRevoke: "P30D",
      });
      const id = await newProfile();
      const T = iso(Date.now() - 31 * DAY);
      const granted = await editor().consent.grant({
        profileId: id,
        typeId: "newsletter",
        legalBasis: "consent",
        at: T,
      });
      const expiry = addDuration(T, "P30D");
      expect(granted.event.expiresAt).toBe(expiry);
      expect(granted.consents).toEqual({ newsletter: { revoke: expiry } });

      const before = await snapshot(id);
      const consents = (await viewer().profile.get({ id })).profile.consents;
      expect(isConsentGranted(consents, "newsletter", addDuration(T, "P29D"))).toBe(true);
      expect(isConsentGranted(consents, "newsletter", addDuration(T, "P30DT1S"))).toBe(false);

      const state = await viewer().consent.state({ profileId: id });
      expect(state.items.find((s) => s.typeId === "newsletter")).toMatchObject({
        granted: false,
        status: "expired",
        expiresAt: expiry,
        lastAction: "granted",
        lastAt: T,
        legalBasis: "consent",
      });
      expect(state.items.find((s) => s.typeId === "marketing")).toMatchObject({
        granted: false,
        status: "none",
        lastAction: null,
      });

      // An expired consent is not granted: nothing to revoke.
      const refused = await failure(
        editor().consent.revoke({ profileId: id, typeId: "newsletter" }),
      );
      expect(refused.message).toContain("expired");
      expect(await snapshot(id)).toEqual(before);
    });

    it("refuses unknown, archived and disabled types, non-revokable and not-granted revocations, bad bases — writing nothing", async () => {
      const id = await newProfile();
      await admin().consent.types.create({ id: "old", name: "Old", purpose: "other" });
      await admin().consent.types.archive({ id: "old" });
      await admin().consent.types.create({
        id: "paused",
        name: "Paused",
        purpose: "other",
        enabled: false,
      });
      await admin().consent.types.create({
        id: "terms",
        name: "Terms of service",
        purpose: "necessary",
        revokable: false,
      });
      await editor().consent.grant({ profileId: id, typeId: "terms", legalBasis: "contract" });
      const before = await snapshot(id);

      const cases: [() => Promise<unknown>, string, RegExp | null][] = [
        [
          () => editor().consent.grant({ profileId: id, typeId: "ghost", legalBasis: "consent" }),
          "BAD_REQUEST",
          /"ghost" is not in the catalogue/,
        ],
        [
          () => editor().consent.grant({ profileId: id, typeId: "old", legalBasis: "consent" }),
          "BAD_REQUEST",
          /archived/,
        ],
        [
          () => editor().consent.deny({ profileId: id, typeId: "paused" }),
          "BAD_REQUEST",
          /disabled/,
        ],
        [
          () => editor().consent.revoke({ profileId: id, typeId: "terms" }),
          "BAD_REQUEST",
          /not revokable/,
        ],
        [
          () => editor().consent.deny({ profileId: id, typeId: "terms" }),
          "BAD_REQUEST",
          /not revokable/,
        ],
        [
          () => editor().consent.revoke({ profileId: id, typeId: "marketing" }),
          "BAD_REQUEST",
          /never granted.*nothing to revoke/,
        ],
        [
          () =>
            editor().consent.grant({
              profileId: id,
              typeId: "marketing",
              legalBasis: "because" as "consent",
            }),
          "BAD_REQUEST",
          null,
        ],
        [
          () =>
            editor().consent.grant({
              profileId: "nobody",
              typeId: "marketing",
              legalBasis: "consent",
            }),
          "NOT_FOUND",
          /No profile was found/,
        ],
        [
          () =>
            editor().consent.grant({
              profileId: id,
              typeId: "marketing",
              legalBasis: "consent",
              at: iso(Date.now() + DAY),
            }),
          "BAD_REQUEST",
          /future/,
        ],
        [
          () =>
            viewer().consent.grant({ profileId: id, typeId: "marketing", legalBasis: "consent" }),
          "FORBIDDEN",
          /consents:write/,
        ],
      ];
      for (const [call, code, message] of cases) {
        const error = await failure(call());
        expect(error.code).toBe(code);
        if (message) expect(error.message).toMatch(message);
      }
      const basis = await failure(
        editor().consent.grant({
          profileId: id,
          typeId: "marketing",
          legalBasis: "x" as "consent",
        }),
      );
      expect((basis.cause as ZodError).issues[0]).toMatchObject({ path: ["legalBasis"] });
      expect((basis.cause as ZodError).issues[0]?.message).toContain("legitimate_interests");

      // Nothing changed but the audit of the viewer's refused call.
      expect(await snapshot(id)).toEqual({ ...before, audit: before.audit + 1 });
      const [latest] = (await listAudit(t.db, { limit: 1 })).items;
      expect(latest).toMatchObject({ action: "access.denied", entityId: "consent.grant" });
    });

    it("refuses to revoke what was denied or already revoked", async () => {
      const id = await newProfile();
      await editor().consent.deny({ profileId: id, typeId: "marketing" });
      expect(
        (await failure(editor().consent.revoke({ profileId: id, typeId: "marketing" }))).message,
      ).toMatch(/it was denied/);
      await editor().consent.grant({ profileId: id, typeId: "marketing", legalBasis: "consent" });
      await editor().consent.revoke({ profileId: id, typeId: "marketing" });
      expect(
        (await failure(editor().consent.revoke({ profileId: id, typeId: "marketing" }))).message,
      ).toMatch(/it was revoked/);
    });

    it("a denial withdraws a revokable grant; every change writes an audit row naming its action, even when consents stay the same", async () => {
      const id = await newProfile();
      const first = await editor().consent.deny({ profileId: id, typeId: "marketing" });
      expect(first.consents).toEqual({});
      expect(first.event).toMatchObject({ action: "denied", legalBasis: "consent" });
      await editor().consent.grant({ profileId: id, typeId: "marketing", legalBasis: "consent" });
      // A second grant refreshes the ledger without changing the document.
      await editor().consent.grant({ profileId: id, typeId: "marketing", legalBasis: "consent" });
      const denied = await editor().consent.deny({ profileId: id, typeId: "marketing" });
      expect(denied.consents).toEqual({});
      expect(denied.profile.profile.consents).toEqual({});

      const audit = await viewer().audit.list({ entity: "profile", entityId: id });
      expect(audit.items.map((a) => [a.action, a.changes.length])).toEqual([
        ["consent.deny", 1],
        ["consent.grant", 0],
        ["consent.grant", 1],
        ["consent.deny", 0],
        ["profile.create", expect.any(Number)],
      ]);
      expect(
        audit.items.every((a) => a.actorId === "u-editor" || a.action === "profile.create"),
      ).toBe(true);
    });

    it("reports the state of every catalogue type", async () => {
      const id = await newProfile();
      await admin().consent.types.create({
        id: "analytics",
        name: "Analytics",
        purpose: "analytics",
      });
      await admin().consent.types.create({
        id: "profiling",
        name: "Profiling",
        purpose: "profiling",
      });
      await editor().consent.grant({
        profileId: id,
        typeId: "analytics",
        legalBasis: "legitimate_interests",
        policyVersion: "v3",
      });
      await editor().consent.deny({ profileId: id, typeId: "profiling" });
      const state = await viewer().consent.state({ profileId: `email:${id}@example.com` });
      expect(state.profileId).toBe(id);
      expect(state.items.map((s) => [s.typeId, s.status, s.granted, s.lastAction])).toEqual([
        ["analytics", "granted", true, "granted"],
        ["marketing", "none", false, null],
        ["profiling", "denied", false, "denied"],
      ]);
      expect(state.items[0]).toMatchObject({
        legalBasis: "legitimate_interests",
        policyVersion: "v3",
      });
    });
  });
});
