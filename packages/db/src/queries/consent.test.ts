import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConsentTypeInput, consentsFromLedger } from "@cdp/profile-schema";

import { DomainError } from "../errors";
import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import {
  getConsentType,
  insertConsentEvent,
  insertConsentType,
  latestConsentEvents,
  listConsentEvents,
  listConsentTypes,
  redactConsentEvents,
  setConsentTypeArchived,
  updateConsentType,
} from "./consent";
import type { NewConsentEntry } from "./consent";

const marketing = ConsentTypeInput.parse({
  id: "marketing",
  name: "Marketing e-mails",
  purpose: "marketing",
  tags: ["email", "email", "newsletter"],
  autoRevoke: "p1y",
});

function entry(overrides: Partial<NewConsentEntry>): NewConsentEntry {
  return {
    profileId: "p-1",
    typeId: "marketing",
    action: "granted",
    legalBasis: "consent",
    source: "api",
    actor: "service:t1",
    policyVersion: "2025-01",
    reason: null,
    at: "2025-01-01T00:00:00.000000Z",
    expiresAt: null,
    proof: null,
    ...overrides,
  };
}

describe.each(testTargets())("consent queries on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
  });

  it("stores a consent type with its defaults, tags deduplicated and the duration upper-cased", async () => {
    const created = await insertConsentType(t.db, marketing);
    expect(created).toMatchObject({
      id: "marketing",
      name: "Marketing e-mails",
      description: null,
      purpose: "marketing",
      revokable: true,
      defaultValue: "deny",
      enabled: true,
      required: false,
      tags: ["email", "newsletter"],
      autoRevoke: "P1Y",
      archivedAt: null,
    });
    expect(created.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(await getConsentType(t.db, "marketing")).toEqual(created);
    expect(await getConsentType(t.db, "nope")).toBeNull();
  });

  it("refuses a second type with the same id as a conflict on the id field", async () => {
    await insertConsentType(t.db, marketing);
    const error = await insertConsentType(t.db, { ...marketing, name: "Other" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "CONFLICT", details: { path: ["id"] } });
    expect((await getConsentType(t.db, "marketing"))?.name).toBe("Marketing e-mails");
  });

  it("updates only the fields given, archives and restores; lists hide archived types", async () => {
    await insertConsentType(t.db, marketing);
    await insertConsentType(
      t.db,
      ConsentTypeInput.parse({ id: "analytics", name: "Analytics", purpose: "analytics" }),
    );
    const updated = await updateConsentType(t.db, "marketing", { name: "News", enabled: false });
    expect(updated).toMatchObject({ name: "News", enabled: false, autoRevoke: "P1Y" });

    const archived = await setConsentTypeArchived(t.db, "marketing", true);
    expect(archived.archivedAt).not.toBeNull();
    const again = await setConsentTypeArchived(t.db, "marketing", true);
    expect(again.archivedAt).toBe(archived.archivedAt);

    expect((await listConsentTypes(t.db)).map((c) => c.id)).toEqual(["analytics"]);
    expect((await listConsentTypes(t.db, { includeArchived: true })).map((c) => c.id)).toEqual([
      "analytics",
      "marketing",
    ]);
    expect((await listConsentTypes(t.db, { purpose: "analytics" })).map((c) => c.id)).toEqual([
      "analytics",
    ]);
    expect((await setConsentTypeArchived(t.db, "marketing", false)).archivedAt).toBeNull();
    await expect(updateConsentType(t.db, "nope", { name: "x" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("keeps the ledger in meaning order (at, then insertion) and finds the latest per type", async () => {
    await insertConsentType(t.db, marketing);
    await insertConsentType(
      t.db,
      ConsentTypeInput.parse({ id: "analytics", name: "Analytics", purpose: "analytics" }),
    );
    const late = await insertConsentEvent(
      t.db,
      entry({ action: "revoked", legalBasis: null, at: "2025-03-01T00:00:00.000001Z" }),
    );
    const early = await insertConsentEvent(
      t.db,
      entry({ at: "2025-01-01T00:00:00.000001Z", expiresAt: "2026-01-01T00:00:00.000001Z" }),
    );
    const sameTime = await insertConsentEvent(
      t.db,
      entry({ action: "denied", at: "2025-01-01T00:00:00.000001Z" }),
    );
    await insertConsentEvent(
      t.db,
      entry({ typeId: "analytics", proof: { form: "f1", ip_hash: "abc" } }),
    );
    await insertConsentEvent(t.db, entry({ profileId: "p-2" }));

    const history = await listConsentEvents(t.db, { profileId: "p-1", typeId: "marketing" });
    expect(history.map((e) => e.id)).toEqual([early.id, sameTime.id, late.id]);
    expect(history[0]).toMatchObject({
      at: "2025-01-01T00:00:00.000001Z",
      expiresAt: "2026-01-01T00:00:00.000001Z",
      policyVersion: "2025-01",
      actor: "service:t1",
    });

    const all = await listConsentEvents(t.db, { profileId: "p-1" });
    expect(all).toHaveLength(4);
    expect(all.find((e) => e.typeId === "analytics")?.proof).toEqual({
      form: "f1",
      ip_hash: "abc",
    });

    const latest = await latestConsentEvents(t.db, "p-1");
    expect(latest.map((e) => [e.typeId, e.action])).toEqual([
      ["analytics", "granted"],
      ["marketing", "revoked"],
    ]);
    expect(consentsFromLedger(latest)).toEqual({ analytics: { revoke: null } });
    expect(consentsFromLedger(all)).toEqual(consentsFromLedger(latest));
  });

  it("refuses a ledger entry for a type not in the catalogue", async () => {
    await expect(insertConsentEvent(t.db, entry({ typeId: "ghost" }))).rejects.toThrow();
    expect(await listConsentEvents(t.db, { profileId: "p-1" })).toEqual([]);
  });

  it("redacts proof and reason of one profile's ledger and keeps the decisions", async () => {
    await insertConsentType(t.db, marketing);
    await insertConsentEvent(t.db, entry({ proof: { ip_hash: "abc" } }));
    await insertConsentEvent(
      t.db,
      entry({ action: "revoked", reason: "asked by phone", at: "2025-02-01T00:00:00.000000Z" }),
    );
    await insertConsentEvent(t.db, entry({ profileId: "p-2", proof: { ip_hash: "def" } }));
    expect(await redactConsentEvents(t.db, "p-1")).toBe(2);
    const mine = await listConsentEvents(t.db, { profileId: "p-1" });
    expect(mine.map((e) => [e.action, e.proof, e.reason])).toEqual([
      ["granted", null, null],
      ["revoked", null, null],
    ]);
    expect((await listConsentEvents(t.db, { profileId: "p-2" }))[0]?.proof).toEqual({
      ip_hash: "def",
    });
  });
});
