import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConsentTypeInput, Profile } from "@cdp/profile-schema";

import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import { compileCondition } from "./condition";
import { insertConsentType, setConsentTypeArchived } from "./consent";
import { insertProfiles } from "./profile";
import { insertSegment, syncSegmentMembers } from "./segment";
import { statsOverview } from "./stats";

const NOW = "2025-06-15T12:00:00.000000Z";

/** A profile first stored at `insert`, whose visits started at `current` (and `last`). */
const person = (
  id: string,
  options: {
    insert: string;
    current?: string | null;
    last?: string | null;
    email?: string;
    consents?: Record<string, { revoke: string | null }>;
    plan?: string;
  },
) =>
  Profile.parse({
    id,
    metadata: {
      time: {
        insert: options.insert,
        visit: { current: options.current ?? null, last: options.last ?? null },
      },
    },
    data: options.email ? { contact: { email: { main: options.email } } } : {},
    consents: options.consents ?? {},
    traits: options.plan ? { plan: options.plan } : {},
  });

describe.each(testTargets())("stats queries on %s", (target) => {
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

  it("gives zeros, an empty day series of the asked length and no segments on an empty store", async () => {
    const stats = await statsOverview(t.db, { now: NOW, days: 3 });
    expect(stats.totals).toEqual({ profiles: 0, identified: 0, anonymous: 0, active: 0 });
    expect(stats.profilesCreated).toEqual([
      { day: "2025-06-13", count: 0 },
      { day: "2025-06-14", count: 0 },
      { day: "2025-06-15", count: 0 },
    ]);
    expect(stats.visits.map((d) => d.count)).toEqual([0, 0, 0]);
    expect(stats.segments).toEqual([]);
    expect(stats.consents).toEqual([]);
  });

  it("counts identified, anonymous and recently active profiles", async () => {
    await insertProfiles(t.db, [
      person("a", {
        insert: "2025-01-01T00:00:00Z",
        email: "a@example.com",
        current: "2025-06-14T08:00:00Z",
      }),
      person("b", {
        insert: "2025-01-01T00:00:00Z",
        email: "b@example.com",
        current: "2025-04-01T08:00:00Z",
      }),
      person("c", { insert: "2025-01-01T00:00:00Z", current: "2025-05-20T08:00:00Z" }),
      person("d", { insert: "2025-01-01T00:00:00Z" }),
    ]);
    const { totals } = await statsOverview(t.db, { now: NOW, days: 7 });
    // a and c started a visit within 30 days of NOW; b's is older; d has none.
    expect(totals).toEqual({ profiles: 4, identified: 2, anonymous: 2, active: 2 });
  });

  it("counts profiles created and visits started per UTC day, ending with today", async () => {
    await insertProfiles(t.db, [
      // Before the window: counted in the totals only.
      person("old", { insert: "2025-06-10T23:59:59Z", current: "2025-06-10T23:59:59Z" }),
      person("p1", {
        insert: "2025-06-13T00:00:00Z",
        last: "2025-06-13T01:00:00Z",
        current: "2025-06-15T09:00:00Z",
      }),
      person("p2", { insert: "2025-06-13T23:59:59.999999Z", current: "2025-06-14T10:00:00Z" }),
      person("p3", {
        insert: "2025-06-15T11:00:00Z",
        last: "2025-06-15T11:00:00Z",
        current: "2025-06-15T11:30:00Z",
      }),
      // After `now` (a clock ahead): not in today's count.
      person("later", { insert: "2025-06-15T12:00:01Z" }),
    ]);
    const stats = await statsOverview(t.db, { now: NOW, days: 4 });
    expect(stats.profilesCreated).toEqual([
      { day: "2025-06-12", count: 0 },
      { day: "2025-06-13", count: 2 },
      { day: "2025-06-14", count: 0 },
      { day: "2025-06-15", count: 1 },
    ]);
    expect(stats.visits).toEqual([
      { day: "2025-06-12", count: 0 },
      { day: "2025-06-13", count: 1 },
      { day: "2025-06-14", count: 1 },
      { day: "2025-06-15", count: 3 },
    ]);
    expect(stats.totals.profiles).toBe(5);
  });

  it("lists the largest segments first, empty ones after, up to the limit", async () => {
    await insertProfiles(t.db, [
      person("a", { insert: NOW, plan: "pro" }),
      person("b", { insert: NOW, plan: "pro" }),
      person("c", { insert: NOW, plan: "free" }),
    ]);
    const define = async (id: string, name: string, plan: string) => {
      const condition = { field: "traits.plan", op: "eq", value: plan } as const;
      await insertSegment(t.db, {
        id,
        name,
        description: null,
        condition,
        purpose: null,
        createdBy: "test",
      });
      await syncSegmentMembers(t.db, {
        segmentId: id,
        predicate: compileCondition(condition, { now: NOW }),
        profileIds: ["a", "b", "c"],
        at: NOW,
        source: "test",
        requestId: null,
      });
    };
    await define("free", "Free plan", "free");
    await define("pro", "Pro plan", "pro");
    await define("enterprise", "Enterprise", "enterprise");

    const stats = await statsOverview(t.db, { now: NOW, days: 1 });
    expect(stats.segments).toEqual([
      { id: "pro", name: "Pro plan", size: 2 },
      { id: "free", name: "Free plan", size: 1 },
      { id: "enterprise", name: "Enterprise", size: 0 },
    ]);
    const top = await statsOverview(t.db, { now: NOW, days: 1, segmentLimit: 1 });
    expect(top.segments).toEqual([{ id: "pro", name: "Pro plan", size: 2 }]);
  });

  it("counts grants in effect and lapsed per consent type, for catalogue types and held ones", async () => {
    await insertConsentType(
      t.db,
      ConsentTypeInput.parse({ id: "marketing", name: "Marketing e-mails", purpose: "marketing" }),
    );
    await insertConsentType(
      t.db,
      ConsentTypeInput.parse({ id: "surveys", name: "Surveys", purpose: "other" }),
    );
    await insertConsentType(
      t.db,
      ConsentTypeInput.parse({ id: "retired", name: "Retired", purpose: "other" }),
    );
    await setConsentTypeArchived(t.db, "retired", true);
    await insertProfiles(t.db, [
      person("a", {
        insert: NOW,
        consents: {
          marketing: { revoke: null },
          analytics: { revoke: "2026-01-01T00:00:00.000000Z" },
        },
      }),
      person("b", {
        insert: NOW,
        consents: {
          marketing: { revoke: "2025-06-01T00:00:00.000000Z" },
          analytics: { revoke: null },
        },
      }),
      person("c", { insert: NOW, consents: { analytics: { revoke: null } } }),
    ]);

    const { consents } = await statsOverview(t.db, { now: NOW, days: 1 });
    expect(consents).toEqual([
      // Held by profiles though not in the catalogue (a seeded or imported type): no name.
      { typeId: "analytics", name: null, granted: 3, expired: 0 },
      { typeId: "marketing", name: "Marketing e-mails", granted: 1, expired: 1 },
      // In the catalogue, held by nobody. Archived types are left out.
      { typeId: "surveys", name: "Surveys", granted: 0, expired: 0 },
    ]);
  });

  it("refuses a day count outside 1–366, naming the field", async () => {
    for (const days of [0, 367, 1.5]) {
      await expect(statsOverview(t.db, { now: NOW, days })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        details: { path: ["days"] },
      });
    }
  });
});
