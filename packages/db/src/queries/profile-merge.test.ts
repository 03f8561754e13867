import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Profile } from "@cdp/profile-schema";
import type { ProfileInput } from "@cdp/profile-schema";

import { NotFoundError, ProfileMergedError, VersionConflictError } from "../errors";
import { event, profile as profileTable, profileIdentityKey } from "../schema";
import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import {
  deleteProfile,
  getProfile,
  insertProfile,
  insertProfiles,
  lockProfileByKey,
  updateProfile,
} from "./profile";
import {
  deleteMergedProfiles,
  findProfilesSharingKeys,
  identifierRowsOf,
  insertMerge,
  listDuplicateGroups,
  listMergesInto,
  lockMerge,
  lockProfiles,
  markMergeUndone,
  reinsertProfiles,
  restoreIdentifiers,
  returnMovedRecords,
  setFieldStamps,
  transferEvents,
  transferIdentifiers,
} from "./profile-merge";
import type { MergeSnapshot } from "./profile-merge";

const person = (id: string, insert: string, input: ProfileInput = {}): Profile =>
  Profile.parse({ ...input, id, metadata: { time: { insert } } });

const contact = (email: string | null, phone: string | null = null, ext: string | null = null) => ({
  data: {
    contact: { email: { main: email }, phone: { mobile: phone } },
    identifier: { id: ext },
  },
});

describe.each(testTargets())("profile merge queries on %s", (target) => {
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

  it("derives normalised identity keys from every e-mail, phone and external key slot", async () => {
    await insertProfile(
      t.db,
      person("p", "2024-01-01T00:00:00.000000Z", {
        data: {
          contact: {
            email: { main: "  Ann@Example.COM ", business: "ann@work.example" },
            phone: { main: "+48 600-100-200", whatsapp: "(0) 22 555 01" },
          },
          identifier: { id: "CRM-1", pk: "   " },
        },
      }),
    );
    const rows = await t.db
      .select({ keys: profileTable.identityKeys })
      .from(profileTable)
      .where(eq(profileTable.id, "p"));
    expect(rows[0]?.keys).toEqual([
      "email:ann@example.com",
      "email:ann@work.example",
      "phone:+48600100200",
      "phone:02255501",
      "ext:CRM-1",
    ]);
  });

  it("keeps profile_identity_key in step with every insert, update and delete", async () => {
    const keysOf = async () =>
      (
        await t.db
          .select({ key: profileIdentityKey.key, id: profileIdentityKey.profileId })
          .from(profileIdentityKey)
          .orderBy(profileIdentityKey.key, profileIdentityKey.profileId)
      ).map((r) => `${r.id}=${r.key}`);
    await insertProfiles(t.db, [
      person("a", "2024-01-01T00:00:00.000000Z", contact("A@x.example", "+1 555")),
      person("b", "2024-01-01T00:00:00.000000Z", contact("a@x.example ")),
    ]);
    const c = await insertProfile(
      t.db,
      person("c", "2024-01-01T00:00:00.000000Z", contact(null, null, "k")),
    );
    expect(await keysOf()).toEqual([
      "a=email:a@x.example",
      "b=email:a@x.example",
      "c=ext:k",
      "a=phone:+1555",
    ]);
    await updateProfile(t.db, {
      profile: Profile.parse({ ...c.profile, ...contact("c@x.example") }),
      expectedVersion: c.version,
    });
    await deleteProfile(t.db, "a");
    expect(await keysOf()).toEqual(["b=email:a@x.example", "c=email:c@x.example"]);
  });

  it("finds profiles sharing a key however it was written, oldest first", async () => {
    await insertProfiles(t.db, [
      person("new", "2024-03-01T00:00:00.000000Z", contact("ann@example.com")),
      person("old", "2024-01-01T00:00:00.000000Z", contact(" ANN@example.com ", "+48 600 100 200")),
      person("phone", "2024-02-01T00:00:00.000000Z", contact(null, "+48-600-100-200")),
      person("ext", "2024-02-02T00:00:00.000000Z", contact(null, null, "crm-9")),
      person("other", "2023-01-01T00:00:00.000000Z", contact("bob@example.com", "+1 555")),
    ]);
    expect(await findProfilesSharingKeys(t.db, "new")).toEqual([
      { id: "old", shared: [{ type: "email", value: "ann@example.com" }] },
      { id: "new", shared: [{ type: "email", value: "ann@example.com" }] },
    ]);
    expect((await findProfilesSharingKeys(t.db, "old")).map((r) => r.id)).toEqual([
      "old",
      "phone",
      "new",
    ]);
    expect(await findProfilesSharingKeys(t.db, "ext")).toEqual([
      { id: "ext", shared: [{ type: "ext", value: "crm-9" }] },
    ]);
    expect(await findProfilesSharingKeys(t.db, "missing")).toEqual([]);
  });

  it("lists duplicate groups a page at a time, with no personal data in the cursor", async () => {
    const profiles: Profile[] = [];
    for (let g = 0; g < 5; g++) {
      for (let m = 0; m < 3; m++) {
        profiles.push(
          person(
            `g${g}-m${m}`,
            `2024-01-0${m + 1}T00:00:00.000000Z`,
            contact(`Group${g}@Example.com`),
          ),
        );
      }
    }
    profiles.push(person("single", "2024-01-01T00:00:00.000000Z", contact("alone@example.com")));
    profiles.push(person("ph-a", "2024-01-01T00:00:00.000000Z", contact(null, "+44 20 7946 0000")));
    profiles.push(person("ph-b", "2024-01-02T00:00:00.000000Z", contact(null, "+442079460000")));
    await insertProfiles(t.db, profiles);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listDuplicateGroups(t.db, { limit: 2, cursor });
      pages++;
      for (const group of page.items) {
        seen.push(`${group.key.type}:${group.key.value}`);
        expect(group.total).toBe(group.profiles.length);
        const inserts = group.profiles.map((p) => p.profile.metadata.time.insert ?? "");
        expect(inserts).toEqual([...inserts].sort());
      }
      if (page.nextCursor) {
        expect(Buffer.from(page.nextCursor, "base64url").toString()).not.toMatch(/@|\+44/);
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([
      "email:group0@example.com",
      "email:group1@example.com",
      "email:group2@example.com",
      "email:group3@example.com",
      "email:group4@example.com",
      "phone:+442079460000",
    ]);
    const capped = await listDuplicateGroups(t.db, { limit: 1, perGroup: 2 });
    expect(capped.items[0]?.total).toBe(3);
    expect(capped.items[0]?.profiles).toHaveLength(2);
    await expect(listDuplicateGroups(t.db, { cursor: "nonsense" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("moves events, keeping a shared event once and returning the displaced copy", async () => {
    await insertProfiles(t.db, [
      person("a", "2024-01-01T00:00:00.000000Z"),
      person("b", "2024-01-01T00:00:00.000000Z"),
    ]);
    const ev = (profileId: string, id: string) => ({
      profileId,
      id,
      type: "page-view",
      time: "2024-01-01T00:00:00.000000Z",
      properties: { from: profileId },
    });
    await t.db.insert(event).values([ev("a", "e1"), ev("b", "e1"), ev("b", "e2")]);
    const { moved, displaced } = await transferEvents(t.db, { from: "b", to: "a" });
    expect(moved).toEqual(["e2"]);
    expect(displaced.map((e) => [e.profileId, e.id, e.properties])).toEqual([
      ["b", "e1", { from: "b" }],
    ]);
    const all = await t.db
      .select({ p: event.profileId, id: event.id })
      .from(event)
      .orderBy(event.id);
    expect(all).toEqual([
      { p: "a", id: "e1" },
      { p: "a", id: "e2" },
    ]);
    await returnMovedRecords(t.db, {
      from: "a",
      to: "b",
      events: moved,
      consentEvents: [],
      displacedEvents: displaced,
    });
    const back = await t.db
      .select({ p: event.profileId, id: event.id })
      .from(event)
      .orderBy(event.profileId, event.id);
    expect(back).toEqual([
      { p: "a", id: "e1" },
      { p: "b", id: "e1" },
      { p: "b", id: "e2" },
    ]);
  });

  it("hands identifiers over, deletes at the version read, and restores both as recorded", async () => {
    await insertProfile(t.db, person("a", "2024-01-01T00:00:00.000000Z", contact("a@example.com")));
    const b = await insertProfile(
      t.db,
      person("b", "2024-01-02T00:00:00.000000Z", {
        ids: ["b-old"],
        ...contact("b@example.com", "+1 555"),
      }),
    );
    const before = await identifierRowsOf(t.db, ["a", "b"]);

    await expect(deleteMergedProfiles(t.db, [{ id: "b", version: 9 }])).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await transferIdentifiers(t.db, { from: ["b"], to: "a" });
    await deleteMergedProfiles(t.db, [{ id: "b", version: b.version }]);
    expect((await getProfile(t.db, "b"))?.profile.id).toBe("a");
    expect((await getProfile(t.db, "email:B@example.com"))?.profile.id).toBe("a");
    expect((await getProfile(t.db, "b-old"))?.profile.id).toBe("a");

    await reinsertProfiles(t.db, [{ profile: b.profile, version: b.version + 1 }]);
    await restoreIdentifiers(t.db, { profileIds: ["a", "b"], rows: before, profiles: [b.profile] });
    expect(await identifierRowsOf(t.db, ["a", "b"])).toEqual(before);
    const restored = await getProfile(t.db, "b");
    expect(restored).toEqual({ profile: b.profile, version: b.version + 1 });
    await expect(reinsertProfiles(t.db, [b])).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("refuses a write to a profile merged away since it was read as a conflict naming the survivor", async () => {
    const a = await insertProfile(t.db, person("a", "2024-01-01T00:00:00.000000Z"));
    const b = await insertProfile(t.db, person("b", "2024-01-02T00:00:00.000000Z"));
    await transferIdentifiers(t.db, { from: ["b"], to: "a" });
    await deleteMergedProfiles(t.db, [{ id: "b", version: b.version }]);
    const write = updateProfile(t.db, {
      profile: { ...b.profile, traits: { late: true } },
      expectedVersion: b.version,
    });
    await expect(write).rejects.toBeInstanceOf(ProfileMergedError);
    await expect(write).rejects.toBeInstanceOf(VersionConflictError);
    await expect(write).rejects.toMatchObject({
      code: "CONFLICT",
      details: { id: "b", mergedInto: "a", currentVersion: a.version },
    });
    await expect(
      updateProfile(t.db, {
        profile: person("gone", "2024-01-01T00:00:00.000000Z"),
        expectedVersion: 1,
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect((await getProfile(t.db, "a"))?.profile.traits).toEqual({});
    // Locking by key follows the merge to the survivor.
    expect(await t.db.transaction((tx) => lockProfileByKey(tx, "b"))).toEqual(
      await getProfile(t.db, "a"),
    );
    await expect(lockProfileByKey(t.db, "nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("sets field stamps only at the version named", async () => {
    const a = await insertProfile(t.db, person("a", "2024-01-01T00:00:00.000000Z"));
    const fields = {
      "data.pii.firstname": ["2024-01-01T00:00:00.000000Z", "x"] as [string, string],
    };
    await setFieldStamps(t.db, { id: "a", version: a.version + 1, fields });
    expect((await getProfile(t.db, "a"))?.profile.metadata.fields).toEqual({});
    await setFieldStamps(t.db, { id: "a", version: a.version, fields });
    const after = await getProfile(t.db, "a");
    expect(after?.profile.metadata.fields).toEqual(fields);
    expect(after?.version).toBe(a.version);
    expect((await lockProfiles(t.db, ["a", "nope"])).map((s) => s.profile.id)).toEqual(["a"]);
  });

  it("records merges, lists them newest first and marks one undone once", async () => {
    const a = await insertProfile(t.db, person("a", "2024-01-01T00:00:00.000000Z"));
    const snapshot: MergeSnapshot = {
      into: a,
      from: [],
      result: a.profile,
      identifiers: [],
      events: {},
      displacedEvents: [],
      consentEvents: {},
    };
    for (const id of ["m1", "m2"]) {
      await insertMerge(t.db, {
        id,
        intoId: "a",
        fromIds: ["x"],
        decisions: [{ path: "ids", strategy: "union", winner: "a", value: ["x"] }],
        snapshot,
        resultVersion: 2,
        reason: null,
        actor: "staff:u1",
      });
    }
    const listed = await listMergesInto(t.db, { intoId: "a" });
    expect(listed.map((m) => m.id)).toEqual(["m2", "m1"]);
    expect(listed[0]).not.toHaveProperty("snapshots");
    expect((await lockMerge(t.db, "m1"))?.snapshot).toEqual(snapshot);
    expect(await lockMerge(t.db, "nope")).toBeNull();
    expect(await markMergeUndone(t.db, { id: "m1", by: "staff:u1" })).toBe(true);
    expect(await markMergeUndone(t.db, { id: "m1", by: "staff:u1" })).toBe(false);
    expect((await lockMerge(t.db, "m1"))?.undoneBy).toBe("staff:u1");
  });
});
