import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  addDuration,
  ConsentTypeInput,
  ConsentUpdateProperties,
  createProfile,
} from "@cdp/profile-schema";
import { DomainError, getProfile, listAudit, listConsentEvents } from "@cdp/db";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import type { Principal } from "../authz";
import {
  applyConsentChange,
  archiveConsentType,
  consentState,
  createConsentType,
  updateConsentType,
} from "./consent";
import { writeProfile } from "./profile-write";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const system: Principal = {
  kind: "system",
  id: "track",
  name: "Event tracking",
  permissions: ["profiles:write", "consents:write"],
};
const origin = { principal: system, requestId: "req-1" };
const T = "2025-03-01T12:00:00.000000Z";

describe.each(testTargets())("consent service on %s", (target) => {
  let t: TestDatabase;

  async function counts(profileId: string) {
    const stored = await getProfile(t.db, profileId);
    return {
      version: stored?.version,
      consents: stored?.profile.consents,
      ledger: (await listConsentEvents(t.db, { profileId })).length,
      audit: (await listAudit(t.db, { limit: 200 })).items.length,
    };
  }

  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
    await t.db.transaction(async (tx) => {
      await createConsentType(
        tx,
        origin,
        ConsentTypeInput.parse({ id: "marketing", name: "Marketing", purpose: "marketing" }),
      );
      await createConsentType(
        tx,
        origin,
        ConsentTypeInput.parse({
          id: "newsletter",
          name: "Newsletter",
          purpose: "marketing",
          autoRevoke: "P30D",
        }),
      );
      await writeProfile(tx, {
        before: null,
        after: createProfile({ id: "p-1" }, T),
        origin: { ...origin, source: "test" },
      });
    });
  });

  it("applies a change from an event in the caller's transaction and returns what to continue from", async () => {
    const result = await t.db.transaction(async (tx) => {
      const first = await applyConsentChange(tx, origin, {
        profileId: "p-1",
        typeId: "newsletter",
        action: "granted",
        legalBasis: "consent",
        source: "track:evt-1",
        at: T,
        proof: { page: "/signup" },
      });
      const second = await applyConsentChange(tx, origin, {
        profileId: "p-1",
        typeId: "marketing",
        action: "granted",
        legalBasis: "consent",
        source: "track:evt-2",
        at: T,
      });
      return { first, second };
    });
    const expiry = addDuration(T, "P30D");
    expect(result.first.consents).toEqual({ newsletter: { revoke: expiry } });
    expect(result.first.changed).toEqual(["consents.newsletter"]);
    expect(result.first.event).toMatchObject({
      source: "track:evt-1",
      actor: "system:track",
      at: T,
      expiresAt: expiry,
      proof: { page: "/signup" },
    });
    expect(result.second.consents).toEqual({
      marketing: { revoke: null },
      newsletter: { revoke: expiry },
    });
    expect(result.second.stored.version).toBe(result.first.stored.version + 1);

    const stored = await getProfile(t.db, "p-1");
    expect(stored?.version).toBe(result.second.stored.version);
    expect(stored?.profile.consents).toEqual(result.second.consents);
    expect(stored?.profile.metadata.fields["consents.newsletter"]?.[1]).toBe("track:evt-1");
  });

  it("serves track's consent-update events: one savepoint per event, a refused one changes nothing", async () => {
    const events = [
      {
        id: "evt-1",
        time: T,
        properties: { typeId: "marketing", action: "granted", legalBasis: "consent" },
      },
      {
        id: "evt-2",
        time: T,
        properties: { typeId: "ghost", action: "granted", legalBasis: "consent" },
      },
      {
        id: "evt-3",
        time: "2025-03-02T00:00:00.000000Z",
        properties: { typeId: "marketing", action: "revoked", reason: "link" },
      },
    ];
    const outcomes = await t.db.transaction(async (tx) => {
      const out: string[] = [];
      for (const event of events) {
        try {
          const result = await tx.transaction((savepoint) =>
            applyConsentChange(
              savepoint,
              { principal: system, requestId: "req-track", time: event.time },
              {
                ...ConsentUpdateProperties.parse(event.properties),
                profileId: "p-1",
                source: `track:${event.id}`,
                at: event.time,
              },
            ),
          );
          out.push(`${event.id}:${Object.keys(result.consents).join(",")}`);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          out.push(`${event.id}:${error.message}`);
        }
      }
      return out;
    });
    expect(outcomes).toEqual([
      "evt-1:marketing",
      'evt-2:Consent type "ghost" is not in the catalogue.',
      "evt-3:",
    ]);
    const ledger = await listConsentEvents(t.db, { profileId: "p-1" });
    expect(ledger.map((e) => [e.source, e.action, e.reason])).toEqual([
      ["track:evt-1", "granted", null],
      ["track:evt-3", "revoked", "link"],
    ]);
    const stored = await getProfile(t.db, "p-1");
    expect(stored?.profile.metadata.fields["consents.marketing"]).toEqual([
      "2025-03-02T00:00:00.000000Z",
      "track:evt-3",
    ]);
    const audit = await listAudit(t.db, { entity: "profile", entityId: "p-1" });
    expect(audit.items.map((a) => [a.action, a.requestId])).toEqual([
      ["consent.revoke", "req-track"],
      ["consent.grant", "req-track"],
      ["profile.create", "req-1"],
    ]);
  });

  it("rolls the ledger back with the caller's transaction", async () => {
    const before = await counts("p-1");
    await expect(
      t.db.transaction(async (tx) => {
        await applyConsentChange(tx, origin, {
          profileId: "p-1",
          typeId: "marketing",
          action: "granted",
          legalBasis: "consent",
        });
        throw new Error("a later step of the batch failed");
      }),
    ).rejects.toThrow("a later step");
    expect(await counts("p-1")).toEqual(before);
  });

  it("validates a change that did not pass through an API input: field errors, nothing written", async () => {
    const before = await counts("p-1");
    const error = await applyConsentChange(t.db, origin, {
      profileId: "p-1",
      typeId: "marketing",
      action: "granted",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: "BAD_REQUEST",
      details: { path: ["legalBasis"], fieldErrors: [{ path: "legalBasis" }] },
    });
    const basis = await applyConsentChange(t.db, origin, {
      profileId: "p-1",
      typeId: "marketing",
      action: "granted",
      legalBasis: "vibes" as "consent",
    }).catch((e: unknown) => e);
    expect(basis).toMatchObject({ code: "BAD_REQUEST", details: { path: ["legalBasis"] } });
    expect(await counts("p-1")).toEqual(before);
  });

  it("tells granted from expired by the moment asked, with no write in between", async () => {
    await applyConsentChange(t.db, origin, {
      profileId: "p-1",
      typeId: "newsletter",
      action: "granted",
      legalBasis: "consent",
      at: T,
    });
    const before = await counts("p-1");
    const at = (now: string) =>
      consentState(t.db, { profileId: "p-1", now: new Date(now) }).then((s) =>
        s.items.find((i) => i.typeId === "newsletter"),
      );
    expect(await at(addDuration(T, "P29D"))).toMatchObject({ granted: true, status: "granted" });
    expect(await at(addDuration(T, "P30DT1S"))).toMatchObject({
      granted: false,
      status: "expired",
    });
    expect(await counts("p-1")).toEqual(before);
  });

  it("keeps the expiry a grant was given when the type's auto-revoke changes later", async () => {
    await applyConsentChange(t.db, origin, {
      profileId: "p-1",
      typeId: "newsletter",
      action: "granted",
      legalBasis: "consent",
      at: T,
    });
    await updateConsentType(t.db, origin, "newsletter", { autoRevoke: "P1Y" });
    expect((await getProfile(t.db, "p-1"))?.profile.consents).toEqual({
      newsletter: { revoke: addDuration(T, "P30D") },
    });
    const later = await applyConsentChange(t.db, origin, {
      profileId: "p-1",
      typeId: "newsletter",
      action: "granted",
      legalBasis: "consent",
      at: addDuration(T, "P1D"),
    });
    expect(later.consents).toEqual({ newsletter: { revoke: addDuration(T, "P1Y1D") } });
  });

  it("refuses a revocation dated before the grant in effect", async () => {
    await applyConsentChange(t.db, origin, {
      profileId: "p-1",
      typeId: "marketing",
      action: "granted",
      legalBasis: "consent",
      at: T,
    });
    await expect(
      applyConsentChange(t.db, origin, {
        profileId: "p-1",
        typeId: "marketing",
        action: "revoked",
        at: "2025-02-01T00:00:00Z",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", details: { path: ["at"] } });
  });

  it("queues concurrent changes to one profile instead of losing one", async () => {
    const change = (typeId: string) =>
      t.db.transaction((tx) =>
        applyConsentChange(tx, origin, {
          profileId: "p-1",
          typeId,
          action: "granted",
          legalBasis: "consent",
          at: T,
        }),
      );
    const types = ["marketing", "newsletter", "marketing", "newsletter", "marketing", "newsletter"];
    const results = await Promise.all(types.map(change));
    const stored = await getProfile(t.db, "p-1");
    expect(Object.keys(stored?.profile.consents ?? {}).sort()).toEqual(["marketing", "newsletter"]);
    expect(await listConsentEvents(t.db, { profileId: "p-1" })).toHaveLength(types.length);
    // Each change built on the one before: one version per change that altered the document.
    expect(new Set(results.map((r) => r.stored.version)).size).toBe(2);
  });

  it("does not audit an archive or update that changes nothing", async () => {
    const audited = async () => (await listAudit(t.db, { entity: "consent_type" })).items.length;
    const start = await audited();
    await updateConsentType(t.db, origin, "marketing", { name: "Marketing" });
    await archiveConsentType(t.db, origin, "marketing", false);
    expect(await audited()).toBe(start);
    await archiveConsentType(t.db, origin, "marketing", true);
    await archiveConsentType(t.db, origin, "marketing", true);
    expect(await audited()).toBe(start + 1);
  });
});
