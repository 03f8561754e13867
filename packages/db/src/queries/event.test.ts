import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Profile } from "@cdp/profile-schema";

import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import {
  countEvents,
  eventKey,
  findProfileIdsByIdentifiers,
  findStoredEvents,
  getTrackedProfiles,
  insertEvents,
  listEvents,
  setProfileSessions,
} from "./event";
import type { NewEvent } from "./event";
import { identifierKey } from "./import-job";
import { getProfile, insertProfile } from "./profile";

const person = (id: string, data: Record<string, unknown> = {}) =>
  Profile.parse({ id, metadata: { time: { insert: "2025-01-01T00:00:00.000000Z" } }, data });

const ev = (
  profileId: string,
  id: string,
  time: string,
  extra: Partial<NewEvent> = {},
): NewEvent => ({
  profileId,
  id,
  type: "page-view",
  time,
  sessionId: null,
  source: null,
  properties: {},
  context: {},
  ...extra,
});

describe.each(testTargets())("event queries on %s", (target) => {
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

  it("finds the owners of many identifiers in one call", async () => {
    await insertProfile(t.db, person("p-1", { contact: { email: { main: "Ada@Example.com" } } }));
    await insertProfile(
      t.db,
      person("p-2", {
        contact: { phone: { main: "+48 600 100 200" } },
        identifier: { id: "crm-2" },
      }),
    );
    const found = await findProfileIdsByIdentifiers(t.db, [
      { type: "email", value: "ada@example.com" },
      { type: "phone", value: "+48600100200" },
      { type: "ext", value: "crm-2" },
      { type: "id", value: "p-1" },
      { type: "ext", value: "p-1" },
      { type: "email", value: "nobody@example.com" },
    ]);
    expect(found).toEqual(
      new Map([
        [identifierKey({ type: "email", value: "ada@example.com" }), "p-1"],
        [identifierKey({ type: "phone", value: "+48600100200" }), "p-2"],
        [identifierKey({ type: "ext", value: "crm-2" }), "p-2"],
        [identifierKey({ type: "id", value: "p-1" }), "p-1"],
      ]),
    );
  });

  it("reads profiles with their session and latest event time", async () => {
    await insertProfile(t.db, person("p-1"));
    await insertProfile(t.db, person("p-2"));
    await insertEvents(t.db, [
      ev("p-1", "e-1", "2025-03-01T10:00:00.000001Z"),
      ev("p-1", "e-2", "2025-03-01T12:30:00.123456Z"),
    ]);
    await setProfileSessions(t.db, [
      { profileId: "p-1", sessionId: "s-9" },
      { profileId: "p-2", sessionId: null },
    ]);
    const tracked = await getTrackedProfiles(t.db, ["p-1", "p-2", "p-3"]);
    expect([...tracked.keys()].sort()).toEqual(["p-1", "p-2"]);
    expect(tracked.get("p-1")).toMatchObject({
      sessionId: "s-9",
      lastEventAt: "2025-03-01T12:30:00.123456Z",
      stored: { version: 1 },
    });
    expect(tracked.get("p-1")?.stored.profile).toEqual((await getProfile(t.db, "p-1"))?.profile);
    expect(tracked.get("p-2")).toMatchObject({ sessionId: null, lastEventAt: null });
  });

  it("stores an event once per (profile, id) and reports which were new", async () => {
    await insertProfile(t.db, person("p-1"));
    await insertProfile(t.db, person("p-2"));
    const first = await insertEvents(t.db, [
      ev("p-1", "e-1", "2025-03-01T10:00:00Z", {
        sessionId: "s-1",
        source: "web",
        properties: { url: "/", nested: { a: [1, null] } },
        context: { tz: "Europe/Warsaw" },
      }),
      ev("p-2", "e-1", "2025-03-01T10:00:00Z"),
    ]);
    expect(first.size).toBe(2);
    const again = await insertEvents(t.db, [
      ev("p-1", "e-1", "2025-03-02T10:00:00Z"),
      ev("p-1", "e-2", "2025-03-02T10:00:00Z"),
    ]);
    expect([...again]).toEqual([eventKey("p-1", "e-2")]);
    expect(await countEvents(t.db)).toBe(3);
    expect(await countEvents(t.db, { profileId: "p-1" })).toBe(2);

    const stored = await findStoredEvents(t.db, [
      { profileId: "p-1", id: "e-1" },
      { profileId: "p-2", id: "e-2" },
      { profileId: "p-1", id: "e-2" },
    ]);
    expect([...stored].sort()).toEqual([eventKey("p-1", "e-1"), eventKey("p-1", "e-2")].sort());

    const timeline = await listEvents(t.db, { profileId: "p-1" });
    expect(timeline.map((e) => e.id)).toEqual(["e-2", "e-1"]);
    expect(timeline[1]).toMatchObject({
      type: "page-view",
      time: "2025-03-01T10:00:00.000000Z",
      sessionId: "s-1",
      source: "web",
      properties: { url: "/", nested: { a: [1, null] } },
      context: { tz: "Europe/Warsaw" },
    });
  });

  it("setting a session leaves the profile's version alone", async () => {
    await insertProfile(t.db, person("p-1"));
    await setProfileSessions(t.db, [{ profileId: "p-1", sessionId: "s-1" }]);
    const tracked = await getTrackedProfiles(t.db, ["p-1"]);
    expect(tracked.get("p-1")).toMatchObject({ sessionId: "s-1", stored: { version: 1 } });
  });
});
