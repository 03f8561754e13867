import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ZodError } from "zod";
import {
  addDuration,
  ConsentTypeInput,
  MappingRuleInput,
  MAX_COUNTER,
  Profile,
  TrackBatch,
  TrackProperties,
} from "@cdp/profile-schema";
import type {
  TrackBatchInput,
  TrackEventInput,
  TrackOutput,
  TrackPropertiesInput,
} from "@cdp/profile-schema";
import {
  countEvents,
  getProfile,
  getTrackedProfiles,
  insertProfile,
  insertProfiles,
  listAudit,
  listConsentEvents,
  listEvents,
  suppressIdentifiers,
} from "@cdp/db";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import type { Principal, Role } from "../authz";
import { trackProcedures } from "../routers/profile/track";
import { createCallerFactory, createTRPCContext, createTRPCRouter } from "../trpc";
import { createConsentType } from "./consent";
import { applyTrackEvent, track } from "./track";
import type { RunnableRule } from "./mapping-engine";
import type { TrackState } from "./track";

// Each file migrates its own database; the 10,000-event test takes a while on PGlite.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const router = createTRPCRouter({ profile: createTRPCRouter(trackProcedures) });
const createCaller = createCallerFactory(router);

const service: Principal = {
  kind: "service",
  id: "tok-tracker",
  name: "tracker",
  scopes: ["profiles:write"],
};
const staff = (role: Role): Principal => ({ kind: "staff", id: `u-${role}`, name: role, role });

/** The server clock of these tests: every event time below is before it. */
const NOW = new Date("2025-06-01T00:00:00Z");
const MINUTE = 60_000;
const T0 = Date.parse("2025-03-01T10:00:00Z");
/** Canonical UTC time `minutes` after T0. */
const at = (minutes: number) =>
  new Date(T0 + minutes * MINUTE).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

const pageView = (profileId: string, minutes: number, extra: Partial<TrackEventInput> = {}) =>
  ({ profileId, type: "page-view", time: at(minutes), ...extra }) satisfies TrackEventInput;

describe.each(testTargets())("profile.track on %s", (target) => {
  let t: TestDatabase;

  const send = (events: TrackBatchInput["events"], now = NOW): Promise<TrackOutput> =>
    track(t.db, {
      events: TrackBatch.parse({ events }).events,
      origin: { principal: service, requestId: "req-1" },
      now,
    });
  const profileOf = async (key: string) => {
    const stored = await getProfile(t.db, key);
    if (!stored) throw new Error(`no profile ${key}`);
    return stored.profile;
  };

  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
  });

  describe("who an event is about", () => {
    it("creates an anonymous profile for an unknown visitor; identification makes it known", async () => {
      const first = await send([pageView("cookie-1", 0), pageView("cookie-1", 1)]);
      expect(first.results).toEqual([
        {
          index: 0,
          ok: true,
          profileId: "cookie-1",
          eventId: expect.any(String),
          duplicate: false,
        },
        {
          index: 1,
          ok: true,
          profileId: "cookie-1",
          eventId: expect.any(String),
          duplicate: false,
        },
      ]);
      const anonymous = await profileOf("cookie-1");
      expect(anonymous.data.anonymous).toBe(true);
      expect(anonymous.stats).toMatchObject({ visits: 1, views: 2 });
      expect(await getProfile(t.db, "email:ada@example.com")).toBeNull();

      const second = await send([
        {
          profileId: "cookie-1",
          type: "identify",
          time: at(2),
          properties: { email: "Ada@Example.com", firstname: "Ada", lastname: "Lovelace" },
        },
      ]);
      expect(second.applied).toBe(1);
      const known = await profileOf("email:ada@example.com");
      expect(known.id).toBe("cookie-1");
      expect(known.data.anonymous).toBe(false);
      expect(known.data.contact.email.main).toBe("Ada@Example.com");
      expect(known.data.pii).toMatchObject({ firstname: "Ada", lastname: "Lovelace" });
      expect(await countEvents(t.db, { profileId: "cookie-1" })).toBe(3);
    });

    it("finds profiles by identifiers, and creates one carrying them when none matches", async () => {
      await insertProfile(
        t.db,
        Profile.parse({ id: "crm-person", data: { identifier: { id: "crm-7" } } }),
      );
      const out = await send([
        { identifiers: { externalId: "crm-7" }, type: "page-view", time: at(0) },
        { identifiers: { email: "new@example.com" }, type: "page-view", time: at(1) },
        // Later events of the batch reuse the profile the first one created.
        { identifiers: { email: "NEW@example.com" }, type: "page-view", time: at(2) },
        { profileId: "email:new@example.com", type: "page-view", time: at(3) },
        { profileId: "phone:+48 600 100 200", type: "page-view", time: at(4) },
      ]);
      const ids = out.results.map((r) => (r.ok ? r.profileId : null));
      expect(ids[0]).toBe("crm-person");
      expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
      expect(ids[2]).toBe(ids[1]);
      expect(ids[3]).toBe(ids[1]);
      expect(ids[4]).not.toBe(ids[1]);
      const created = await profileOf("email:new@example.com");
      expect(created.data.contact.email.main).toBe("new@example.com");
      expect(created.data.anonymous).toBe(false);
      expect(created.stats.views).toBe(3);
      expect((await profileOf("phone:+48600100200")).data.contact.phone.main).toBe("+48600100200");
    });

    it("uses the first profile found when identifiers point at two (email before externalId)", async () => {
      await insertProfiles(t.db, [
        Profile.parse({ id: "by-email", data: { contact: { email: { main: "a@example.com" } } } }),
        Profile.parse({ id: "by-ext", data: { identifier: { id: "crm-1" } } }),
      ]);
      const out = await send([
        {
          identifiers: { externalId: "crm-1", email: "a@example.com" },
          type: "page-view",
          time: at(0),
        },
        {
          identifiers: { externalId: "crm-1", phone: "+1 555 0100" },
          type: "page-view",
          time: at(1),
        },
      ]);
      expect(out.results.map((r) => r.ok && r.profileId)).toEqual(["by-email", "by-ext"]);
      // Identifiers are lookup keys: they add nothing to a profile that exists.
      expect((await profileOf("by-ext")).data.contact.phone.main).toBeNull();
    });

    it("routes later events by an e-mail an earlier event of the batch identified", async () => {
      const out = await send([
        {
          profileId: "cookie-2",
          type: "login",
          time: at(0),
          properties: { email: "b@example.com" },
        },
        { identifiers: { email: "b@example.com" }, type: "page-view", time: at(1) },
      ]);
      expect(out.results.map((r) => r.ok && r.profileId)).toEqual(["cookie-2", "cookie-2"]);
    });
  });

  describe("visits and views", () => {
    it("opens a visit per new session, moves current to last and takes the time zone", async () => {
      await send([
        pageView("v-1", 0, { session: "s-1", context: { tz: "Europe/Warsaw" } }),
        pageView("v-1", 5, { session: "s-1", context: { tz: "Europe/Paris" } }),
        { profileId: "v-1", type: "screen-view", time: at(6), session: "s-1" },
        { profileId: "v-1", type: "add-to-cart", time: at(7), session: "s-1" },
        pageView("v-1", 10, { session: "s-2", context: { tz: "Asia/Tokyo" } }),
      ]);
      const p = await profileOf("v-1");
      expect(p.stats).toMatchObject({ visits: 2, views: 4 });
      expect(p.metadata.time.visit).toEqual({
        last: at(0),
        current: at(10),
        count: 2,
        tz: "Asia/Tokyo",
      });
      const tracked = await getTrackedProfiles(t.db, ["v-1"]);
      expect(tracked.get("v-1")?.sessionId).toBe("s-2");
    });

    it("without sessions, opens a visit after more than 30 minutes of inactivity", async () => {
      await send([pageView("v-2", 0), pageView("v-2", 29), pageView("v-2", 59)]);
      expect((await profileOf("v-2")).stats.visits).toBe(1);
      await send([pageView("v-2", 90)]);
      const p = await profileOf("v-2");
      expect(p.stats.visits).toBe(2);
      expect(p.metadata.time.visit).toMatchObject({ last: at(0), current: at(90), count: 2 });
    });

    it("gives the same visits whatever the order of a batch", async () => {
      const events = [
        pageView("v-3", 0, { session: "a" }),
        pageView("v-3", 1, { session: "a" }),
        pageView("v-3", 2, { session: "b" }),
        pageView("v-3", 3, { session: "b" }),
        pageView("v-3", 4, { session: "a" }),
        pageView("v-3", 100),
        pageView("v-3", 110),
      ];
      await send([...events].reverse());
      const reversed = await profileOf("v-3");
      await t.truncate();
      await send(events);
      const inOrder = await profileOf("v-3");
      expect(reversed.stats).toEqual(inOrder.stats);
      expect(reversed.metadata.time.visit).toEqual(inOrder.metadata.time.visit);
      expect(inOrder.stats.visits).toBe(4);
    });

    it("counts a late event's view but opens no visit for it", async () => {
      await send([pageView("v-4", 100, { session: "s-2" })]);
      await send([pageView("v-4", 10, { session: "s-1" })]);
      const p = await profileOf("v-4");
      expect(p.stats).toMatchObject({ visits: 1, views: 2 });
      expect(p.metadata.time.visit).toMatchObject({ current: at(100), count: 1 });
      expect((await getTrackedProfiles(t.db, ["v-4"])).get("v-4")?.sessionId).toBe("s-2");
    });
  });

  describe("counters and interests", () => {
    it("adds counters, raises, lowers and resets interests", async () => {
      await send([
        {
          profileId: "c-1",
          type: "purchase",
          time: at(0),
          properties: { counters: { purchases: 1, revenue: 19.99 }, interests: { shoes: 0.1 } },
        },
        {
          profileId: "c-1",
          type: "purchase",
          time: at(1),
          properties: { counters: { purchases: 1, revenue: 5.01 }, interests: { shoes: 0.2 } },
        },
        {
          profileId: "c-1",
          type: "refund",
          time: at(2),
          properties: { counters: { purchases: -1 }, interests: { hats: -0.5, socks: 1 } },
        },
        {
          profileId: "c-1",
          type: "reset",
          time: at(3),
          properties: { interestsReset: ["socks", "hats", "never-set"], interests: { hats: 2 } },
        },
      ]);
      const p = await profileOf("c-1");
      expect(p.stats.counters).toEqual({ purchases: 1, revenue: 25 });
      expect(p.interests).toEqual({ shoes: 0.3, hats: 2 });
    });

    it("fails an event that adds to a non-number, naming the property", async () => {
      await insertProfile(t.db, Profile.parse({ id: "c-2", interests: { shoes: "high" } }));
      const out = await send([
        { profileId: "c-2", type: "x", time: at(0), properties: { interests: { shoes: 1 } } },
        {
          profileId: "c-2",
          type: "x",
          time: at(1),
          properties: { interestsReset: ["shoes"], interests: { shoes: 1 } },
        },
      ]);
      expect(out.results[0]).toEqual({
        index: 0,
        ok: false,
        error: {
          message: expect.stringContaining('interests.shoes holds "high"') as string,
          path: "properties.interests.shoes",
        },
      });
      expect(out.results[1]?.ok).toBe(true);
      expect((await profileOf("c-2")).interests).toEqual({ shoes: 1 });
    });
  });

  describe("failures", () => {
    it("reports a bad event by index and reason; it leaves nothing, the others apply", async () => {
      const out = await send([
        {
          id: "e-1",
          profileId: "f-1",
          type: "purchase",
          time: at(0),
          properties: { counters: { purchases: 1 } },
        },
        {
          id: "e-2",
          profileId: "f-1",
          type: "purchase",
          time: at(1),
          properties: {
            counters: { purchases: "one" },
          } as unknown as TrackEventInput["properties"],
        },
        {
          id: "e-3",
          profileId: "f-1",
          type: "identify",
          time: at(2),
          properties: { email: "nope", counters: { purchases: 1 } },
        },
        {
          id: "e-4",
          profileId: "f-1",
          type: "purchase",
          time: at(3),
          properties: { counters: { purchases: 1 } },
        },
        { id: "e-5", profileId: "f-1", type: "page-view", time: "2025-07-01T00:00:00Z" },
      ]);
      expect(out).toMatchObject({ applied: 2, duplicates: 0, failed: 3 });
      expect(out.results[1]).toEqual({
        index: 1,
        ok: false,
        error: { message: "Expected a finite number", path: "properties.counters.purchases" },
      });
      expect(out.results[2]).toEqual({
        index: 2,
        ok: false,
        error: { message: "Expected an e-mail address", path: "properties.email" },
      });
      expect(out.results[4]).toEqual({
        index: 4,
        ok: false,
        error: { message: "The event time is in the future", path: "time" },
      });
      const p = await profileOf("f-1");
      expect(p.stats.counters).toEqual({ purchases: 2 });
      expect(p.data.contact.email.main).toBeNull();
      expect((await listEvents(t.db, { profileId: "f-1" })).map((e) => e.id)).toEqual([
        "e-4",
        "e-1",
      ]);
    });

    it("creates no profile for an unknown visitor whose only event fails", async () => {
      const out = await send([
        { profileId: "ghost", type: "x", time: at(0), properties: { phone: "call me" } },
        { profileId: "x".repeat(129), type: "page-view", time: at(0) },
      ]);
      expect(out.results.map((r) => !r.ok && r.error.path)).toEqual([
        "properties.phone",
        "profileId",
      ]);
      expect(await getProfile(t.db, "ghost")).toBeNull();
      expect(await countEvents(t.db)).toBe(0);
    });
  });

  describe("idempotency and stamps", () => {
    it("applies a retried batch once: the second time changes nothing", async () => {
      const batch: TrackEventInput[] = [
        { id: "r-1", profileId: "r", type: "page-view", time: at(0), session: "s" },
        { id: "r-2", profileId: "r", type: "buy", time: at(1), properties: { counters: { n: 1 } } },
        {
          id: "r-3",
          profileId: "r",
          type: "identify",
          time: at(2),
          properties: { firstname: "Ro" },
        },
      ];
      const first = await send(batch);
      const before = await getProfile(t.db, "r");
      const second = await send(batch);
      expect(first).toMatchObject({ applied: 3, duplicates: 0 });
      expect(second).toMatchObject({ applied: 0, duplicates: 3, failed: 0 });
      expect(second.results.every((r) => r.ok && r.duplicate && r.profileId === "r")).toBe(true);
      expect(await getProfile(t.db, "r")).toEqual(before);
      expect(await countEvents(t.db)).toBe(3);
      // The same id twice in one batch counts once too.
      const twice = await send([
        { id: "r-4", profileId: "r", type: "page-view", time: at(5) },
        { id: "r-4", profileId: "r", type: "page-view", time: at(5) },
      ]);
      expect(twice).toMatchObject({ applied: 1, duplicates: 1 });
      expect((await profileOf("r")).stats.views).toBe(2);
    });

    it("stamps each changed path with the event's time and id, and audits per event", async () => {
      await send([
        { id: "ev-a", profileId: "m", type: "page-view", time: at(0) },
        {
          id: "ev-b",
          profileId: "m",
          type: "x",
          time: at(1),
          properties: { email: "m@example.com" },
        },
        {
          id: "ev-c",
          profileId: "m",
          type: "x",
          time: at(2),
          properties: { counters: { n: 1 }, interests: { tea: 1 } },
        },
      ]);
      const fields = (await profileOf("m")).metadata.fields;
      expect(fields["stats.views"]).toEqual([at(0), "ev-a"]);
      expect(fields["stats.visits"]).toEqual([at(0), "ev-a"]);
      expect(fields["data.contact.email.main"]).toEqual([at(1), "ev-b"]);
      expect(fields["stats.counters.n"]).toEqual([at(2), "ev-c"]);
      expect(fields["interests.tea"]).toEqual([at(2), "ev-c"]);
      const [stored] = await listEvents(t.db, { profileId: "m", type: "x" });
      expect(stored).toMatchObject({ id: "ev-c", source: "service:tok-tracker", time: at(2) });
    });
  });

  describe("one combined write per batch", () => {
    it("a profile refused on its own (suppressed e-mail) fails alone; the others of the batch apply", async () => {
      await insertProfiles(t.db, [
        Profile.parse({ id: "w-1" }),
        Profile.parse({ id: "w-2" }),
        Profile.parse({ id: "w-3" }),
      ]);
      await suppressIdentifiers(t.db, [{ type: "email", value: "gone@example.com" }], {
        createdBy: "test",
      });
      const out = await send([
        pageView("w-1", 0),
        pageView("w-2", 0, { properties: { email: "gone@example.com" } }),
        pageView("w-3", 0, { properties: { counters: { clicks: 2 } } }),
      ]);
      expect(out.results.map((r) => (r.ok ? "ok" : r.error.message))).toEqual([
        "ok",
        expect.stringContaining("belongs to an erased person"),
        "ok",
      ]);
      expect((await profileOf("w-1")).stats.views).toBe(1);
      expect((await profileOf("w-2")).stats.views).toBe(0);
      expect((await profileOf("w-2")).data.contact.email.main).toBeNull();
      expect((await profileOf("w-3")).stats.counters).toEqual({ clicks: 2 });
      expect(await countEvents(t.db, { profileId: "w-2" })).toBe(0);
      expect(await countEvents(t.db, {})).toBe(2);
    });

    it("new and existing profiles in one batch, one refused, end as tracking each event on its own", async () => {
      const rules: RunnableRule[] = [
        {
          ...MappingRuleInput.parse({
            id: "plan-from-signup",
            name: "Plan from sign-ups",
            eventTypes: ["signup"],
            mappings: [{ from: "properties.plan", to: "traits.plan", op: "set" }],
          }),
          version: 1,
        },
      ];
      const events: TrackEventInput[] = [
        pageView("n-old-1", 0, { id: "e-1" }),
        {
          id: "e-2",
          profileId: "n-new-1",
          type: "signup",
          time: at(1),
          properties: { plan: "pro", email: "Neo@Example.com" },
        },
        { id: "e-3", identifiers: { email: "fresh@example.com" }, type: "page-view", time: at(2) },
        pageView("n-gone", 3, { id: "e-4", properties: { email: "gone@example.com" } }),
        {
          id: "e-5",
          profileId: "n-old-2",
          type: "signup",
          time: at(4),
          properties: { plan: "basic", counters: { clicks: 1 } },
        },
        pageView("n-new-1", 5, { id: "e-6", session: "s-1" }),
        pageView("email:neo@example.com", 6, { id: "e-7", session: "s-1" }),
      ];
      const seed = async () => {
        await t.truncate();
        const metadata = { time: { insert: at(-60) } };
        await insertProfiles(t.db, [
          Profile.parse({ id: "n-old-1", metadata }),
          Profile.parse({ id: "n-old-2", traits: { plan: "free" }, metadata }),
        ]);
        await suppressIdentifiers(t.db, [{ type: "email", value: "gone@example.com" }], {
          createdBy: "test",
        });
      };
      const run = (batch: TrackEventInput[]) =>
        track(t.db, {
          events: TrackBatch.parse({ events: batch }).events,
          origin: { principal: service, requestId: "req-1" },
          now: NOW,
          rules,
        });
      const keys = ["n-old-1", "n-new-1", "email:fresh@example.com", "n-old-2"];
      const outcome = async (results: TrackOutput["results"]) => {
        const profiles = await Promise.all(keys.map((key) => profileOf(key)));
        const freshId = profiles[2]?.id ?? "";
        const rulesApplied = await listAudit(t.db, { action: "mapping.apply" });
        return {
          // The profile an unknown e-mail creates gets a fresh id on each run.
          results: results.map((r) =>
            r.ok && r.profileId === freshId ? { ...r, profileId: "(fresh)" } : r,
          ),
          profiles: profiles.map((p) => (p.id === freshId ? { ...p, id: "(fresh)" } : p)),
          gone: await getProfile(t.db, "n-gone"),
          events: await countEvents(t.db, {}),
          rules: rulesApplied.items
            .map((a) => ({ entityId: a.entityId, changes: a.changes, reason: a.reason }))
            .sort((a, b) => a.entityId.localeCompare(b.entityId)),
        };
      };

      await seed();
      const together = await run(events);
      expect(together.failed).toBe(1);
      const batched = await outcome(together.results);

      await seed();
      const results: TrackOutput["results"] = [];
      for (const [index, event] of events.entries()) {
        const [result] = (await run([event])).results;
        results.push({ ...(result as TrackOutput["results"][number]), index });
      }
      const single = await outcome(results);

      expect(batched).toEqual(single);
      expect(batched.results[3]).toMatchObject({
        ok: false,
        error: { message: expect.stringContaining("belongs to an erased person") },
      });
      expect(batched.gone).toBeNull();
      expect(batched.events).toBe(6);
      expect(batched.profiles[1]?.traits).toEqual({ plan: "pro" });
      expect(batched.rules.map((r) => r.entityId)).toEqual(["n-new-1", "n-old-2"]);
    });

    it("an identifier a batch gives an existing profile finds it in the next batch", async () => {
      await insertProfiles(t.db, [Profile.parse({ id: "w-4" })]);
      await send([pageView("w-4", 0, { properties: { email: "Ada@Example.com" } })]);
      await send([pageView("email:ada@example.com", 1)]);
      expect((await profileOf("w-4")).stats.views).toBe(2);
    });
  });

  describe("consent-update events", () => {
    const consent = (
      profileId: string,
      minutes: number,
      properties: TrackPropertiesInput,
      id?: string,
    ): TrackEventInput => ({
      profileId,
      type: "consent-update",
      time: at(minutes),
      properties,
      ...(id ? { id } : {}),
    });

    beforeEach(async () => {
      await t.db.transaction((tx) =>
        createConsentType(
          tx,
          { principal: staff("admin"), requestId: "req-setup" },
          ConsentTypeInput.parse({
            id: "marketing",
            name: "Marketing",
            purpose: "marketing",
            autoRevoke: "P30D",
          }),
        ),
      );
    });

    it("grant, revoke and grant land in the ledger in order and in profile.consents", async () => {
      const out = await send([
        pageView("cookie-c", 0),
        consent(
          "cookie-c",
          1,
          { typeId: "marketing", action: "granted", legalBasis: "consent" },
          "e-grant",
        ),
        pageView("cookie-c", 2),
        consent(
          "cookie-c",
          3,
          { typeId: "marketing", action: "revoked", reason: "unsubscribed" },
          "e-revoke",
        ),
        consent(
          "cookie-c",
          4,
          { typeId: "marketing", action: "granted", legalBasis: "consent" },
          "e-regrant",
        ),
        pageView("cookie-c", 5),
      ]);
      expect(out.failed).toBe(0);
      expect(out.applied).toBe(6);
      const ledger = await listConsentEvents(t.db, { profileId: "cookie-c" });
      expect(ledger.map((e) => [e.action, e.source, e.at, e.reason])).toEqual([
        ["granted", "track:e-grant", at(1), null],
        ["revoked", "track:e-revoke", at(3), "unsubscribed"],
        ["granted", "track:e-regrant", at(4), null],
      ]);
      expect(ledger[2]?.expiresAt).toBe(addDuration(at(4), "P30D"));
      const profile = await profileOf("cookie-c");
      expect(profile.consents).toEqual({ marketing: { revoke: addDuration(at(4), "P30D") } });
      expect(profile.stats.views).toBe(3);
      expect(profile.metadata.fields["consents.marketing"]).toEqual([at(4), "track:e-regrant"]);
      expect(await countEvents(t.db, { profileId: "cookie-c" })).toBe(6);
    });

    it("a refused decision fails its event alone and keeps nothing of it", async () => {
      const out = await send([
        pageView("cookie-d", 0),
        consent("cookie-d", 1, { typeId: "ghost", action: "granted", legalBasis: "consent" }),
        consent("cookie-d", 2, { typeId: "marketing", action: "revoked" }),
        consent("cookie-d", 3, { typeId: "marketing", action: "granted" }),
        consent("cookie-d", 4, { typeId: "marketing", action: "maybe" }),
        pageView("cookie-d", 5, { properties: { counters: { clicks: 1 } } }),
      ]);
      expect(out.results.map((r) => (r.ok ? "ok" : r.error))).toEqual([
        "ok",
        { message: 'Consent type "ghost" is not in the catalogue.', path: "properties.typeId" },
        {
          message: 'Consent "marketing" was never granted to this profile: nothing to revoke.',
          path: "properties.typeId",
        },
        expect.objectContaining({ path: "properties.legalBasis" }),
        expect.objectContaining({ path: "properties.action" }),
        "ok",
      ]);
      expect(await listConsentEvents(t.db, { profileId: "cookie-d" })).toEqual([]);
      const profile = await profileOf("cookie-d");
      expect(profile.consents).toEqual({});
      expect(profile.stats.counters).toEqual({ clicks: 1 });
      expect(await countEvents(t.db, { profileId: "cookie-d" })).toBe(2);
    });

    it("a first event that is a refused decision creates no profile", async () => {
      const out = await send([
        consent("cookie-e", 0, { typeId: "ghost", action: "granted", legalBasis: "consent" }),
      ]);
      expect(out.failed).toBe(1);
      expect(await getProfile(t.db, "cookie-e")).toBeNull();
    });

    it("a resent decision is a duplicate and appends no ledger entry", async () => {
      const grant = consent(
        "cookie-f",
        0,
        { typeId: "marketing", action: "granted", legalBasis: "consent" },
        "e-1",
      );
      await send([grant]);
      const again = await send([grant]);
      expect(again.duplicates).toBe(1);
      expect(await listConsentEvents(t.db, { profileId: "cookie-f" })).toHaveLength(1);
    });
  });

  describe("through the router", () => {
    const caller = (principal: Principal) =>
      createCaller(createTRPCContext({ db: t.db, principal })).profile;

    async function refusal(promise: Promise<unknown>): Promise<TRPCError> {
      const error = await promise.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TRPCError);
      return error as TRPCError;
    }
    const paths = (error: TRPCError) =>
      error.cause instanceof ZodError ? error.cause.issues.map((i) => i.path.join(".")) : [];

    it("refuses 1,001 events and events naming nobody as field errors", async () => {
      const tooMany = await refusal(
        caller(service).track({ events: Array.from({ length: 1001 }, (_, i) => pageView("p", i)) }),
      );
      expect(tooMany.code).toBe("BAD_REQUEST");
      expect(paths(tooMany)).toEqual(["events"]);

      const nobody = await refusal(
        caller(service).track({
          events: [pageView("p", 0), { type: "page-view", time: at(1) } as TrackEventInput],
        }),
      );
      expect(paths(nobody)).toEqual(["events.1.profileId"]);
      expect(await countEvents(t.db)).toBe(0);
    });

    it("needs profiles:write and returns ids only", async () => {
      const denied = await refusal(caller(staff("viewer")).track({ events: [pageView("p", 0)] }));
      expect(denied.code).toBe("FORBIDDEN");
      const out = await caller(staff("editor")).track({
        events: [{ ...pageView("p", 0), properties: { email: "p@example.com" } }],
      });
      expect(out).toEqual({
        results: [
          { index: 0, ok: true, profileId: "p", eventId: expect.any(String), duplicate: false },
        ],
        applied: 1,
        duplicates: 0,
        failed: 0,
      });
      expect(JSON.stringify(out)).not.toContain("p@example.com");
    });
  });

  it("batches creating the same new profiles at the same time: one inserts, the others run again", async () => {
    const ids = ["race-1", "race-2", "race-3"];
    const batch = (offset: number) =>
      ids.flatMap((id) => [pageView(id, offset), pageView(id, offset + 1)]);
    const outs = await Promise.all([send(batch(0)), send(batch(100)), send(batch(200))]);
    expect(outs.map((o) => o.applied)).toEqual([6, 6, 6]);
    for (const id of ids) expect((await profileOf(id)).stats.views).toBe(6);
    expect(await countEvents(t.db)).toBe(18);
  });

  it("retries when another batch changes the same profiles at the same time", async () => {
    const ids = ["k-1", "k-2", "k-3"];
    await insertProfiles(
      t.db,
      ids.map((id) => Profile.parse({ id })),
    );
    const batch = (offset: number) =>
      ids.flatMap((id) =>
        Array.from({ length: 20 }, (_, i) => pageView(id, offset + i, { session: `s-${offset}` })),
      );
    const outs = await Promise.all([send(batch(0)), send(batch(1000)), send(batch(2000))]);
    expect(outs.map((o) => o.applied)).toEqual([60, 60, 60]);
    for (const id of ids) {
      const p = await profileOf(id);
      // Visits depend on which batch commits first (a later-committed earlier batch is late).
      expect(p.stats.views).toBe(60);
    }
    expect(await countEvents(t.db)).toBe(180);
  });

  // -------------------------------------------------------------------------------------------
  // 10,000 events over 1,000 profiles against a plain reference model
  // -------------------------------------------------------------------------------------------

  it("tracks 10,000 events over 1,000 profiles exactly as a reference model says", async () => {
    let seed = 42;
    const random = () => {
      // mulberry32: deterministic, so a failure reproduces.
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

    const PROFILES = 1000;
    const PER_PROFILE = 10;
    const id = (i: number) => `bulk-${String(i).padStart(4, "0")}`;
    // Even profiles exist beforehand with a CRM key; odd ones are created by their first event.
    await insertProfiles(
      t.db,
      Array.from({ length: PROFILES / 2 }, (_, k) =>
        Profile.parse({ id: id(2 * k), data: { identifier: { id: `crm-${2 * k}` } } }),
      ),
    );

    type Gen = TrackEventInput & { ms: number; owner: number };
    const events: Gen[] = [];
    let eventNo = 0;
    for (let i = 0; i < PROFILES; i++) {
      let ms = T0 + Math.floor(random() * 10 * 24 * 60) * MINUTE + i;
      let session = 0;
      for (let n = 0; n < PER_PROFILE; n++) {
        ms += pick([2, 20, 29, 31, 45, 180]) * MINUTE + 1000;
        if (random() < 0.3) session++;
        const mode = i % 3; // 0: always a session, 1: never, 2: sometimes
        const withSession = mode === 0 || (mode === 2 && random() < 0.5);
        const target =
          i % 2 === 0 && random() < 0.5
            ? { identifiers: { externalId: `crm-${i}` } }
            : { profileId: id(i) };
        const kind = random();
        const base = {
          ...target,
          id: `ev-${eventNo++}`,
          time: new Date(ms).toISOString(),
          ...(withSession ? { session: `${id(i)}-s${session}` } : {}),
          ms,
          owner: i,
        };
        if (kind < 0.45) events.push({ ...base, type: "page-view" });
        else if (kind < 0.55) events.push({ ...base, type: "screen-view" });
        else if (kind < 0.7) {
          events.push({
            ...base,
            type: "purchase",
            properties: { counters: { purchases: 1, items: pick([1, 2, 3]) } },
          });
        } else if (kind < 0.85) {
          const interests: Record<string, number> = {};
          for (const name of ["shoes", "hats"]) {
            if (random() < 0.7) interests[name] = pick([1, 2, 3, -1]) / 10;
          }
          const properties: TrackPropertiesInput = { interests };
          if (random() < 0.2) properties.interestsReset = [pick(["shoes", "hats"])];
          events.push({ ...base, type: "interest", properties });
        } else {
          events.push({
            ...base,
            type: "identify",
            properties: { firstname: `Name-${n}`, email: `user-${i}@example.com` },
          });
        }
      }
    }

    // The reference: per profile, events in time order, rules as documented.
    interface Expected {
      visits: number;
      views: number;
      current: string | null;
      counters: Record<string, number>;
      interestTenths: Record<string, number>;
      firstname: string | null;
      email: string | null;
    }
    const expected = new Map<number, Expected>();
    const byOwner = new Map<number, Gen[]>();
    for (const e of events) byOwner.set(e.owner, [...(byOwner.get(e.owner) ?? []), e]);
    for (const [owner, list] of byOwner) {
      const x: Expected = {
        visits: 0,
        views: 0,
        current: null,
        counters: {},
        interestTenths: {},
        firstname: null,
        email: null,
      };
      let session: string | null = null;
      let last: number | null = null;
      for (const e of [...list].sort((a, b) => a.ms - b.ms)) {
        const opens =
          last === null ||
          (e.session !== undefined ? e.session !== session : e.ms - last > 30 * MINUTE);
        if (opens) {
          x.visits++;
          x.current = new Date(e.ms).toISOString();
          session = e.session ?? null;
        }
        last = e.ms;
        if (e.type === "page-view" || e.type === "screen-view") x.views++;
        const props = e.properties ?? {};
        for (const [k, v] of Object.entries(props.counters ?? {})) {
          x.counters[k] = (x.counters[k] ?? 0) + v;
        }
        for (const k of props.interestsReset ?? []) delete x.interestTenths[k];
        for (const [k, v] of Object.entries(props.interests ?? {})) {
          x.interestTenths[k] = (x.interestTenths[k] ?? 0) + Math.round(v * 10);
        }
        if (typeof props.firstname === "string") x.firstname = props.firstname;
        if (typeof props.email === "string") x.email = props.email;
      }
      expected.set(owner, x);
    }

    // Sent in time order in batches of 1,000, each batch shuffled.
    const ordered = [...events].sort((a, b) => a.ms - b.ms);
    const started = performance.now();
    for (let b = 0; b < ordered.length; b += 1000) {
      const batch = ordered.slice(b, b + 1000);
      for (let i = batch.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [batch[i], batch[j]] = [batch[j] as Gen, batch[i] as Gen];
      }
      const out = await send(batch.map(({ ms: _ms, owner: _owner, ...e }) => e));
      expect(out).toMatchObject({ applied: batch.length, failed: 0, duplicates: 0 });
      out.results.forEach((r, i) => {
        expect(r).toMatchObject({ index: i, ok: true, profileId: id((batch[i] as Gen).owner) });
      });
    }
    const seconds = (performance.now() - started) / 1000;
    console.info(`[${target}] tracked 10,000 events in ${seconds.toFixed(1)} s`);

    expect(await countEvents(t.db)).toBe(10_000);
    const tracked = await getTrackedProfiles(
      t.db,
      Array.from({ length: PROFILES }, (_, i) => id(i)),
    );
    expect(tracked.size).toBe(PROFILES);
    for (const [owner, x] of expected) {
      const p = tracked.get(id(owner))?.stored.profile;
      const actual = {
        visits: p?.stats.visits,
        count: p?.metadata.time.visit.count,
        current: p?.metadata.time.visit.current,
        views: p?.stats.views,
        counters: p?.stats.counters,
        interests: p?.interests,
        firstname: p?.data.pii.firstname,
        email: p?.data.contact.email.main,
      };
      expect(actual, id(owner)).toEqual({
        visits: x.visits,
        count: x.visits,
        current: x.current?.replace(/Z$/, "000Z") ?? null,
        views: x.views,
        counters: x.counters,
        interests: Object.fromEntries(
          Object.entries(x.interestTenths).map(([k, v]) => [k, expect.closeTo(v / 10, 9)]),
        ),
        firstname: x.firstname,
        email: x.email,
      });
    }
  }, 300_000);
});

describe("applyTrackEvent", () => {
  const base = (): TrackState => ({
    profile: Profile.parse({
      id: "p-1",
      stats: { visits: 2, views: 5, counters: { purchases: 1 } },
      interests: { running: 1 },
      traits: { plan: "pro" },
      metadata: { time: { visit: { current: at(0), count: 2 } } },
    }),
    sessionId: null,
    lastActivity: at(0),
  });
  const event = (minutes: number, type = "page-view") => ({
    type,
    time: at(minutes),
    context: { tz: "Europe/Warsaw" },
  });
  const props = (input: TrackPropertiesInput) => TrackProperties.parse(input);

  it("returns the profile a whole parse of the changed document gives, sharing what it left", () => {
    const state = base();
    const events: [number, TrackPropertiesInput][] = [
      [1, {}],
      [45, { counters: { purchases: 2, refunds: 1 } }],
      [46, { interests: { cycling: 0.5 }, interestsReset: ["running"] }],
    ];
    for (const [minutes, input] of events) {
      const next = applyTrackEvent(state, event(minutes), props(input));
      expect(next.profile).toEqual(Profile.parse(structuredClone(next.profile)));
      expect(next.profile.data).toBe(state.profile.data);
      expect(next.profile.traits).toBe(state.profile.traits);
    }
  });

  it("names the first invalid field as a whole parse would", () => {
    const full = base();
    full.profile.stats.views = MAX_COUNTER;
    full.profile.metadata.time.visit.count = MAX_COUNTER;
    // Both overflow on a new visit; the profile schema checks metadata before stats.
    const whole = Profile.safeParse({
      ...full.profile,
      stats: { ...full.profile.stats, views: MAX_COUNTER + 1, visits: 3 },
      metadata: {
        ...full.profile.metadata,
        time: {
          ...full.profile.metadata.time,
          visit: { ...full.profile.metadata.time.visit, count: MAX_COUNTER + 1 },
        },
      },
    });
    expect(whole.error?.issues[0]).toMatchObject({
      path: ["metadata", "time", "visit", "count"],
      message: "At most 2,147,483,647",
    });
    expect(() => applyTrackEvent(full, event(45), props({}))).toThrow(
      "metadata.time.visit.count: At most 2,147,483,647",
    );
    expect(() => applyTrackEvent(full, event(1), props({}))).toThrow(
      "stats.views: At most 2,147,483,647",
    );
    const huge = base();
    huge.profile.stats.counters["purchases"] = Number.MAX_VALUE;
    expect(() =>
      applyTrackEvent(huge, event(1), props({ counters: { purchases: Number.MAX_VALUE } })),
    ).toThrow("stats.counters.purchases: Expected a JSON value, received a non-finite number");
  });
});
