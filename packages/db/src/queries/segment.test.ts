import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Profile } from "@cdp/profile-schema";

import { event } from "../schema";
import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import { compileCondition } from "./condition";
import { getProfile, insertProfiles } from "./profile";
import { rowsOf } from "../sql";
import {
  countEventsOfProfiles,
  countProfileEvents,
  deleteSegment,
  insertSegment,
  listMembershipEvents,
  lockProfileBatch,
  membershipsOf,
  segmentSizes,
  setMembershipsOfProfiles,
  setProfileMemberships,
  setSegmentsOfProfiles,
  syncSegmentMembers,
  updateSegment,
} from "./segment";

const AT = "2025-06-15T12:00:00.000000Z";
const origin = { at: AT, source: "test", requestId: "req-1" };
const PRO = { field: "traits.plan", op: "eq", value: "pro" } as const;

describe.each(testTargets())("segment queries on %s", (target) => {
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

  const segmentsOf = async (id: string) => (await getProfile(t.db, id))?.profile.segments;
  const define = (id: string) =>
    insertSegment(t.db, {
      id,
      name: id,
      description: null,
      condition: PRO,
      purpose: null,
      createdBy: "test",
    });

  it("syncs one segment over a batch: table, history and profile.segments together", async () => {
    await insertProfiles(t.db, [
      Profile.parse({ id: "a", traits: { plan: "pro" }, segments: ["zeta", "crm"] }),
      Profile.parse({ id: "b", traits: { plan: "free" }, segments: ["pro"] }),
      Profile.parse({ id: "c", traits: { plan: "pro" } }),
    ]);
    await define("pro");
    const ids = await t.db.transaction((tx) => lockProfileBatch(tx, { after: null, limit: 10 }));
    expect(ids).toEqual(["a", "b", "c"]);
    const predicate = compileCondition(PRO, { now: AT });

    expect(
      await syncSegmentMembers(t.db, {
        segmentId: "pro",
        predicate,
        profileIds: ["a", "b"],
        ...origin,
      }),
    ).toEqual({
      entered: 1,
      exited: 0,
    });
    // b carried a stale label with no membership row: mended without an exit of its own.
    expect(await segmentsOf("a")).toEqual(["crm", "pro", "zeta"]);
    expect(await segmentsOf("b")).toEqual([]);
    expect(await segmentsOf("c")).toEqual([]);
    expect(await membershipsOf(t.db, "a")).toEqual(["pro"]);
    expect((await getProfile(t.db, "a"))?.profile.metadata.time.segmentation).toBe(AT);

    await syncSegmentMembers(t.db, {
      segmentId: "pro",
      predicate: null,
      profileIds: ["a", "c"],
      ...origin,
    });
    expect(await segmentsOf("a")).toEqual(["crm", "zeta"]);
    const history = await listMembershipEvents(t.db, { segmentId: "pro" });
    expect(history.items.map((e) => `${e.kind} ${e.profileId}`)).toEqual(["exited a", "entered a"]);
    expect(history.items[0]).toMatchObject({ at: AT, source: "test", requestId: "req-1" });
  });

  it("sets a profile's memberships of the evaluated segments only", async () => {
    await insertProfiles(t.db, [Profile.parse({ id: "a" })]);
    for (const id of ["s1", "s2", "s3"]) await define(id);
    const set = (members: string[], evaluated: string[]) =>
      setProfileMemberships(t.db, { profileId: "a", members, evaluated, ...origin });
    expect(await set(["s1", "s2"], ["s1", "s2", "s3"])).toEqual({
      entered: ["s1", "s2"],
      exited: [],
    });
    // s2 was not evaluated (a definition this write did not know yet): left alone.
    expect(await set(["s3"], ["s1", "s3"])).toEqual({ entered: ["s3"], exited: ["s1"] });
    expect(await membershipsOf(t.db, "a")).toEqual(["s2", "s3"]);
    expect(await segmentSizes(t.db)).toEqual(
      new Map([
        ["s2", 1],
        ["s3", 1],
      ]),
    );
  });

  it("writes the memberships of several profiles in one call as one call each would", async () => {
    const names = ["p1", "p2", "p3"];
    await insertProfiles(
      t.db,
      ["one", "many"].flatMap((g) => names.map((n) => Profile.parse({ id: `${g}-${n}` }))),
    );
    for (const id of ["s1", "s2", "s3", "s4"]) await define(id);
    const start = { p1: ["s1", "s2"], p2: ["s3"], p3: [] as string[] };
    const wanted = {
      p1: { members: ["s2", "s3"], evaluated: ["s1", "s2", "s3"] },
      // s4 not evaluated: p2's membership of it is left alone.
      p2: { members: ["s4", "s1"], evaluated: ["s1", "s2", "s3"] },
      p3: { members: [] as string[], evaluated: ["s1", "s2", "s3", "s4"] },
    };
    for (const g of ["one", "many"]) {
      for (const n of names) {
        const members = start[n as keyof typeof start];
        await setProfileMemberships(t.db, {
          profileId: `${g}-${n}`,
          members,
          evaluated: members,
          at: "2025-06-01T00:00:00.000000Z",
          source: "start",
          requestId: null,
        });
      }
    }
    const item = (g: string, n: string, i: number) => ({
      profileId: `${g}-${n}`,
      ...wanted[n as keyof typeof wanted],
      at: `2025-06-1${i}T12:00:00.123456Z`,
      source: `src-${n}`,
      requestId: i === 2 ? null : `req-${n}`,
    });
    const one = [];
    for (const [i, n] of names.entries())
      one.push(await setProfileMemberships(t.db, item("one", n, i)));
    const many = await setMembershipsOfProfiles(
      t.db,
      names.map((n, i) => item("many", n, i)),
    );
    expect(many).toEqual(one);
    expect(many[0]).toEqual({ entered: ["s3"], exited: ["s1"] });
    expect(many[1]).toEqual({ entered: ["s1", "s4"], exited: ["s3"] });

    const table = async (g: string) =>
      rowsOf<{ p: string; s: string; since: string }>(
        await t.db.execute(sql`
          select replace(profile_id, ${`${g}-`}, '') as p, segment_id as s, since::text as since
          from segment_membership where profile_id like ${`${g}-%`} order by 1, 2`),
      );
    // The history in the order it was appended (id order), with every column.
    const history = async (g: string) =>
      rowsOf<Record<string, string | null>>(
        await t.db.execute(sql`
          select replace(profile_id, ${`${g}-`}, '') as p, segment_id as s, kind, at::text as at,
            source, request_id from segment_membership_event
          where profile_id like ${`${g}-%`} and source <> 'start' order by id`),
      );
    expect(await table("many")).toEqual(await table("one"));
    expect(await history("many")).toEqual(await history("one"));
    expect((await history("many")).map((r) => `${r.p}:${r.kind}:${r.s}`)).toEqual([
      "p1:exited:s1",
      "p1:entered:s3",
      "p2:exited:s3",
      "p2:entered:s1",
      "p2:entered:s4",
    ]);
    expect(await membershipsOf(t.db, "many-p2")).toEqual(["s1", "s4"]);
  });

  it("writes a profile given twice in one call in order, as two calls would", async () => {
    await insertProfiles(t.db, [Profile.parse({ id: "a" }), Profile.parse({ id: "b" })]);
    for (const id of ["s1", "s2"]) await define(id);
    const evaluated = ["s1", "s2"];
    expect(
      await setMembershipsOfProfiles(t.db, [
        { profileId: "a", members: ["s1"], evaluated, ...origin },
        { profileId: "b", members: ["s2"], evaluated, ...origin },
        { profileId: "a", members: ["s2"], evaluated, ...origin, source: "second" },
      ]),
    ).toEqual([
      { entered: ["s1"], exited: [] },
      { entered: ["s2"], exited: [] },
      { entered: ["s2"], exited: ["s1"] },
    ]);
    expect(await membershipsOf(t.db, "a")).toEqual(["s2"]);
    const events = await listMembershipEvents(t.db, { profileId: "a" });
    expect(events.items.map((e) => `${e.kind}:${e.segmentId}:${e.source}`).sort()).toEqual([
      "entered:s1:test",
      "entered:s2:second",
      "exited:s1:second",
    ]);
    expect(await setMembershipsOfProfiles(t.db, [])).toEqual([]);
  });

  it("sets the segments and segmentation time of several profiles at once", async () => {
    await insertProfiles(t.db, [Profile.parse({ id: "a" }), Profile.parse({ id: "b" })]);
    await setSegmentsOfProfiles(t.db, [
      { profileId: "a", segments: ["s1", "tag"], at: AT },
      { profileId: "b", segments: [], at: "2025-06-16T00:00:00.000001Z" },
    ]);
    const a = await getProfile(t.db, "a");
    const b = await getProfile(t.db, "b");
    expect(a?.profile.segments).toEqual(["s1", "tag"]);
    expect(a?.profile.metadata.time.segmentation).toBe(AT);
    expect(b?.profile.metadata.time.segmentation).toBe("2025-06-16T00:00:00.000001Z");
    // No new version: the segments are derived.
    expect(a?.version).toBe(1);
  });

  it("pages history newest first with a cursor", async () => {
    await insertProfiles(t.db, [Profile.parse({ id: "a" })]);
    await define("s1");
    for (let i = 0; i < 5; i++) {
      await setProfileMemberships(t.db, {
        profileId: "a",
        members: i % 2 === 0 ? ["s1"] : [],
        evaluated: ["s1"],
        at: `2025-06-1${i}T00:00:00.000000Z`,
        source: `step-${i}`,
        requestId: null,
      });
    }
    const first = await listMembershipEvents(t.db, { profileId: "a", limit: 2 });
    const rest = await listMembershipEvents(t.db, {
      profileId: "a",
      limit: 2,
      cursor: first.nextCursor,
    });
    const last = await listMembershipEvents(t.db, {
      profileId: "a",
      limit: 2,
      cursor: rest.nextCursor,
    });
    expect([...first.items, ...rest.items, ...last.items].map((e) => e.source)).toEqual([
      "step-4",
      "step-3",
      "step-2",
      "step-1",
      "step-0",
    ]);
    expect(last.nextCursor).toBeNull();
  });

  it("counts a profile's events per window in one query", async () => {
    await t.db.insert(event).values([
      { profileId: "a", id: "e1", type: "buy", time: "2025-06-14T00:00:00.000000Z" },
      { profileId: "a", id: "e2", type: "buy", time: "2025-06-01T00:00:00.000000Z" },
      { profileId: "a", id: "e3", type: "view", time: "2025-06-14T00:00:00.000000Z" },
      { profileId: "b", id: "e4", type: "buy", time: "2025-06-14T00:00:00.000000Z" },
    ]);
    expect(
      await countProfileEvents(t.db, "a", [
        { type: "buy", since: "2025-06-10T00:00:00.000000Z" },
        { type: "buy", since: "2025-05-01T00:00:00.000000Z" },
        { type: "x'); drop table event; --", since: "2025-05-01T00:00:00.000000Z" },
      ]),
    ).toEqual([1, 2, 0]);
  });

  it("counts the events of several profiles, each at its own windows, in one query", async () => {
    await t.db.insert(event).values([
      { profileId: "a", id: "e1", type: "buy", time: "2025-06-14T00:00:00.000000Z" },
      { profileId: "a", id: "e2", type: "buy", time: "2025-06-01T00:00:00.000000Z" },
      { profileId: "b", id: "e3", type: "buy", time: "2025-06-14T00:00:00.000000Z" },
      { profileId: "b", id: "e4", type: "view", time: "2025-06-14T00:00:00.000000Z" },
    ]);
    const windows = [
      { type: "buy", since: "2025-06-10T00:00:00.000000Z" },
      { type: "buy", since: "2025-05-01T00:00:00.000000Z" },
      { type: "view", since: "2025-06-14T00:00:00.000000Z" },
    ];
    const items = [
      { profileId: "a", windows },
      { profileId: "b", windows },
      { profileId: "b", windows: [{ type: "view", since: "2025-06-14T00:00:00.000001Z" }] },
      { profileId: "nobody", windows },
      { profileId: "a", windows: [] },
    ];
    const batch = await countEventsOfProfiles(t.db, items);
    expect(batch).toEqual([[1, 2, 0], [1, 1, 1], [0], [0, 0, 0], []]);
    for (const [i, item] of items.entries()) {
      expect(await countProfileEvents(t.db, item.profileId, item.windows)).toEqual(batch[i]);
    }
    expect(await countEventsOfProfiles(t.db, [])).toEqual([]);
  });

  it("deletes a segment: members exit and its id leaves every profile; versions are checked", async () => {
    await insertProfiles(t.db, [Profile.parse({ id: "a", traits: { plan: "pro" } })]);
    await define("pro");
    await syncSegmentMembers(t.db, {
      segmentId: "pro",
      predicate: compileCondition(PRO, { now: AT }),
      profileIds: ["a"],
      ...origin,
    });
    await expect(
      updateSegment(t.db, { id: "pro", expectedVersion: 3, patch: { name: "P" } }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      details: { currentVersion: 1, path: ["version"] },
    });
    await expect(
      deleteSegment(t.db, { id: "pro", expectedVersion: 2, ...origin }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await deleteSegment(t.db, { id: "pro", ...origin, source: "gone" })).toEqual({
      exited: 1,
    });
    expect(await segmentsOf("a")).toEqual([]);
    expect((await listMembershipEvents(t.db, { profileId: "a" })).items[0]).toMatchObject({
      kind: "exited",
      segmentId: "pro",
      source: "gone",
    });
  });
});
