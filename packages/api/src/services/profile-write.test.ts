import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Profile, SegmentInput } from "@cdp/profile-schema";
import { getProfile, insertProfiles, rowsOf, schema, suppressIdentifiers } from "@cdp/db";
import type { StoredProfile } from "@cdp/db";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import type { Principal } from "../authz";
import { bareProfile, writeProfile, writeProfiles } from "./profile-write";
import type { ProfileWrite, WriteOrigin } from "./profile-write";
import { createSegment } from "./segment";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const editor: Principal = { kind: "staff", id: "u-editor", name: "editor", role: "editor" };
const NOW = new Date("2025-06-01T00:00:00Z");
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY).toISOString();

describe.each(testTargets())("writeProfiles on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
    const define = (id: string, condition: unknown) =>
      createSegment(
        t.db,
        { principal: editor, requestId: "setup" },
        SegmentInput.parse({ id, name: id, condition }),
        { now: NOW },
      );
    await define("pro", { field: "traits.plan", op: "eq", value: "pro" });
    await define("buyer", { event: { type: "purchase", count: { gte: 1 }, within: "30d" } });
    await define("recent", { field: "metadata.time.visit.last", op: "within_last", value: "30d" });
  });

  /** Each group's profiles as stored before the writes ("one-…" and "many-…"). */
  const seed = async (g: string) => {
    const person = (n: string, extra: Record<string, unknown> = {}) =>
      Profile.parse({ id: `${g}-${n}`, ...extra });
    await insertProfiles(t.db, [
      person("up", { traits: { plan: "free" } }),
      person("down", { traits: { plan: "pro" }, segments: ["pro", "crm-tag"] }),
      person("buys", { traits: { plan: "free" } }),
      person("mail", { data: { contact: { email: { main: `${g}.old@example.com` } } } }),
    ]);
    await t.db.insert(schema.event).values({
      profileId: `${g}-down`,
      id: `${g}-old-purchase`,
      type: "purchase",
      time: daysAgo(60),
    });
    // Memberships as a write would have left them.
    await t.db.execute(sql`
      insert into segment_membership (profile_id, segment_id, since)
      values (${`${g}-down`}, 'pro', ${daysAgo(90)}::timestamptz)`);
  };

  const stored = async (id: string) => (await getProfile(t.db, id)) as StoredProfile;

  /** The same writes for a group: an update into and out of segments, an unchanged document whose
   * unsaved purchase makes it a buyer, a new identifier, and a new profile. */
  const writesOf = async (g: string): Promise<ProfileWrite[]> => {
    const origin = (n: string, extra: Partial<WriteOrigin> = {}): WriteOrigin => ({
      principal: editor,
      requestId: `req-${n}`,
      source: `src-${n}`,
      time: daysAgo(1),
      now: NOW,
      ...extra,
    });
    const up = await stored(`${g}-up`);
    const down = await stored(`${g}-down`);
    const buys = await stored(`${g}-buys`);
    const mail = await stored(`${g}-mail`);
    return [
      {
        before: up,
        after: {
          ...up.profile,
          traits: { plan: "pro" },
          metadata: {
            ...up.profile.metadata,
            time: {
              ...up.profile.metadata.time,
              visit: { ...up.profile.metadata.time.visit, last: daysAgo(2) },
            },
          },
        },
        origin: origin("up"),
      },
      {
        before: down,
        after: { ...down.profile, traits: { plan: "free" } },
        origin: origin("down", { unsavedEvents: [{ type: "purchase", time: daysAgo(1) }] }),
      },
      {
        before: buys,
        after: buys.profile,
        origin: origin("buys", { unsavedEvents: [{ type: "purchase", time: daysAgo(1) }] }),
      },
      {
        before: mail,
        after: {
          ...mail.profile,
          data: {
            ...mail.profile.data,
            contact: {
              ...mail.profile.data.contact,
              email: { ...mail.profile.data.contact.email, main: `${g}.new@example.com` },
            },
          },
        },
        origin: origin("mail"),
      },
      {
        before: null,
        after: Profile.parse({ id: `${g}-new`, traits: { plan: "pro" } }),
        origin: origin("new"),
      },
    ];
  };

  /** What a group's writes left, with the group's name taken out of ids and values. */
  const leftBy = async (g: string) => {
    const of = async (query: ReturnType<typeof sql>) =>
      JSON.parse(JSON.stringify(rowsOf(await t.db.execute(query))).replaceAll(`${g}`, "g"));
    return {
      profiles: await of(sql`
        select id, version, segments, segmented_at::text, updated_at::text, metadata, traits
        from profile where id like ${`${g}-%`} order by id`),
      memberships: await of(sql`
        select profile_id, segment_id, since::text from segment_membership
        where profile_id like ${`${g}-%`} order by 1, 2`),
      history: await of(sql`
        select profile_id, segment_id, kind, at::text, source, request_id
        from segment_membership_event where profile_id like ${`${g}-%`} order by id`),
      identifiers: await of(sql`
        select type, value, profile_id from profile_identifier
        where profile_id like ${`${g}-%`} order by 1, 2`),
      audit: await of(sql`
        select actor_id, action, entity_id, changes, request_id from audit_log
        where entity_id like ${`${g}-%`} order by id`),
    };
  };

  it("writes a batch together as one by one: documents, memberships, history, identifiers, audit", async () => {
    await seed("one");
    await seed("many");
    const single = await writesOf("one");
    for (const write of single) await t.db.transaction((tx) => writeProfile(tx, write));
    // Read before the transaction: PGlite has one connection, which the transaction holds.
    const writes = await writesOf("many");
    const outcomes = await t.db.transaction((tx) => writeProfiles(tx, writes));
    expect(outcomes.every((o) => o.ok)).toBe(true);

    const one = await leftBy("one");
    const many = await leftBy("many");
    // A batch re-evaluates its unchanged documents first, so only the history's order differs.
    const byRow = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
    expect({ ...many, history: byRow(many.history) }).toEqual({
      ...one,
      history: byRow(one.history),
    });
    // And what that is.
    expect(
      many.history.map(
        (h: { profile_id: string; kind: string; segment_id: string }) =>
          `${h.profile_id}:${h.kind}:${h.segment_id}`,
      ),
    ).toEqual([
      "g-buys:entered:buyer",
      "g-up:entered:pro",
      "g-up:entered:recent",
      "g-down:exited:pro",
      "g-down:entered:buyer",
      "g-new:entered:pro",
    ]);
    expect(many.identifiers).toContainEqual({
      type: "email",
      value: "g.new@example.com",
      profile_id: "g-mail",
    });
    expect((await stored("many-buys")).profile.segments).toEqual(["buyer"]);
    expect((await stored("many-down")).profile.segments).toEqual(["buyer", "crm-tag"]);
  });

  it("refuses a suppressed write alone and keeps the rest of the batch", async () => {
    await seed("many");
    await suppressIdentifiers(t.db, [{ type: "email", value: "many.new@example.com" }], {
      createdBy: "test",
      reason: "erased",
    });
    // Read before the transaction: PGlite has one connection, which the transaction holds.
    const writes = await writesOf("many");
    const outcomes = await t.db.transaction((tx) => writeProfiles(tx, writes));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, false, true]);
    expect((await stored("many-up")).profile.segments).toEqual(["pro", "recent"]);
    expect((await stored("many-mail")).profile.data.contact.email.main).toBe(
      "many.old@example.com",
    );
  });

  it("falls back to one by one when a profile id of the batch is taken, failing only that write", async () => {
    await seed("many");
    const writes = await writesOf("many");
    const up = writes[0] as ProfileWrite;
    // `up` now also names `many-buys` as one of its ids: the combined identifier sync fails.
    writes[0] = { ...up, after: { ...up.after, ids: ["many-buys"] } };
    const outcomes = await t.db.transaction((tx) => writeProfiles(tx, writes));
    expect(outcomes.map((o) => (o.ok ? "ok" : o.error.code))).toEqual([
      "CONFLICT",
      "ok",
      "ok",
      "ok",
      "ok",
    ]);
    expect((await stored("many-up")).version).toBe(1);
    expect((await stored("many-down")).profile.traits).toEqual({ plan: "free" });
    expect((await stored("many-mail")).profile.data.contact.email.main).toBe(
      "many.new@example.com",
    );
  });
});

describe("bareProfile", () => {
  it("is the default document with the id, as Profile.parse({ id }) gives it", () => {
    expect(bareProfile("p-1")).toEqual(Profile.parse({ id: "p-1" }));
    expect(bareProfile("p-2")).toEqual(Profile.parse({ id: "p-2" }));
    expect(bareProfile("p-1").id).toBe("p-1");
  });
});
