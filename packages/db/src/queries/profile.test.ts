import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Profile } from "@cdp/profile-schema";

import { VersionConflictError } from "../errors";
import { profile as profileTable } from "../schema";
import { rowsOf } from "../sql";
import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import {
  countProfiles,
  deleteProfile,
  getProfile,
  identifiersOf,
  insertProfile,
  insertProfiles,
  listProfiles,
  lockProfilesById,
  profileSortColumns,
  syncIdentifiers,
  syncIdentifiersOfProfiles,
  updateProfile,
} from "./profile";
import type { ProfileSortKey } from "./profile";

function person(id: string, overrides: Record<string, unknown> = {}): Profile {
  return Profile.parse({
    id,
    metadata: { time: { insert: "2025-01-02T03:04:05.123456Z" } },
    ...overrides,
  });
}

describe.each(testTargets())("profile queries on %s", (target) => {
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

  it("applies the migrations: tables, generated columns and pg_trgm exist", async () => {
    const tables = rowsOf<{ tablename: string }>(
      await t.db.execute(sql`select tablename from pg_tables where schemaname = 'public'`),
    ).map((r) => r.tablename);
    expect(tables).toEqual(expect.arrayContaining(["profile", "profile_identifier"]));
    const ext = rowsOf<{ extname: string }>(
      await t.db.execute(sql`select extname from pg_extension where extname = 'pg_trgm'`),
    );
    expect(ext).toHaveLength(1);
  });

  it("round-trips a profile field for field, microseconds included", async () => {
    const p = person("p-1", {
      data: {
        pii: { firstname: "Ada", lastname: "Lovelace" },
        contact: { email: { main: "Ada@Example.com" }, phone: { main: "+44 20 7946 0000" } },
      },
      traits: { plan: "pro", nested: { a: [1, 2, { b: null }] } },
      stats: { visits: 3, views: 10, counters: { purchases: 2 } },
      metadata: {
        time: {
          insert: "2025-01-02T03:04:05.123456Z",
          visit: { last: "2025-02-01T00:00:00.000001Z", count: 3, tz: "Europe/London" },
        },
        fields: { "data.pii.firstname": ["2025-01-02T03:04:05.123456Z", "import"] },
      },
    });
    const stored = await insertProfile(t.db, p);
    expect(stored.version).toBe(1);
    expect(stored.profile).toEqual(p);
    const read = await getProfile(t.db, "p-1");
    expect(read?.profile).toEqual(p);
  });

  it("derives the promoted columns from the jsonb", async () => {
    await insertProfile(
      t.db,
      person("p-2", {
        data: {
          pii: { firstname: "Grace", lastname: "Hopper" },
          contact: { email: { main: "GRACE@navy.mil" }, address: { country: "US" } },
        },
        stats: { visits: 7, views: 9 },
      }),
    );
    const [row] = await t.db
      .select({
        email: profileTable.email,
        displayName: profileTable.displayName,
        country: profileTable.country,
        visits: profileTable.visits,
        searchText: profileTable.searchText,
      })
      .from(profileTable);
    expect(row).toEqual({
      email: "grace@navy.mil",
      displayName: "Grace Hopper",
      country: "US",
      visits: 7,
      searchText: expect.stringContaining("grace hopper"),
    });
  });

  it("finds a profile by any identifier", async () => {
    await insertProfile(
      t.db,
      person("p-3", {
        ids: ["merged-visitor-9"],
        data: {
          contact: { email: { main: "Lin@Example.com" }, phone: { mobile: "+48 600-100-200" } },
          identifier: { id: "crm-000123", pk: "pk-77" },
        },
      }),
    );
    for (const key of [
      "p-3",
      "merged-visitor-9",
      "email:lin@example.com",
      "email:  LIN@EXAMPLE.COM ",
      "phone:+48600100200",
      "phone:+48 (600) 100 200",
      "crm-000123",
      "ext:pk-77",
    ]) {
      expect((await getProfile(t.db, key))?.profile.id, key).toBe("p-3");
    }
    expect(await getProfile(t.db, "email:nobody@example.com")).toBeNull();
    expect(await getProfile(t.db, "lin@example.com")).toBeNull();
  });

  it("refuses a stale version and changes nothing", async () => {
    const { profile: p } = await insertProfile(t.db, person("p-4", { traits: { plan: "free" } }));
    const first = await updateProfile(t.db, {
      profile: { ...p, traits: { plan: "pro" } },
      expectedVersion: 1,
    });
    expect(first.version).toBe(2);

    const stale = updateProfile(t.db, {
      profile: { ...p, traits: { plan: "enterprise" } },
      expectedVersion: 1,
    });
    await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
    await expect(stale).rejects.toMatchObject({ currentVersion: 2, code: "CONFLICT" });

    const now = await getProfile(t.db, "p-4");
    expect(now?.version).toBe(2);
    expect(now?.profile.traits).toEqual({ plan: "pro" });
  });

  it("reports a missing profile on update as not found", async () => {
    await expect(
      updateProfile(t.db, { profile: person("ghost"), expectedVersion: 1 }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("moves identifiers with the document and frees them on delete", async () => {
    const { profile: p } = await insertProfile(
      t.db,
      person("p-5", { data: { contact: { email: { main: "old@example.com" } } } }),
    );
    await updateProfile(t.db, {
      profile: Profile.parse({
        ...p,
        data: { ...p.data, contact: { ...p.data.contact, email: { main: "new@example.com" } } },
      }),
      expectedVersion: 1,
    });
    expect(await getProfile(t.db, "email:old@example.com")).toBeNull();
    expect((await getProfile(t.db, "email:new@example.com"))?.profile.id).toBe("p-5");

    expect(await deleteProfile(t.db, "p-5")).toBe(true);
    expect(await getProfile(t.db, "email:new@example.com")).toBeNull();
    expect(await deleteProfile(t.db, "p-5")).toBe(false);
  });

  it("refuses a second profile with an id already in use", async () => {
    await insertProfile(t.db, person("p-6"));
    await expect(insertProfile(t.db, person("p-6"))).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(insertProfile(t.db, person("p-7", { ids: ["p-6"] }))).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await countProfiles(t.db)).toBe(1);
  });

  it("syncs the identifiers of several profiles together as one by one", async () => {
    const email = (main: string | null, business: string | null = null) => ({
      data: { contact: { email: { main, business } } },
    });
    // Each profile in two copies ("one-…" synced one by one, "many-…" together).
    const start = {
      a: email("a@example.com", "a2@example.com"),
      b: email("b@example.com"),
      c: email(null),
    };
    const next = {
      // drops a2, adds a3
      a: person("a", { ids: ["a-old"], ...email("a@example.com", "a3@example.com") }),
      // changes its e-mail to one the other profile c also wants: the first claimer keeps it
      b: person("b", email("shared@example.com")),
      c: person("c", email("shared@example.com", "c@example.com")),
    };
    const owner = async (key: string) => (await getProfile(t.db, key))?.profile.id ?? null;
    for (const g of ["one", "many"]) {
      await insertProfiles(
        t.db,
        Object.entries(start).map(([n, o]) =>
          person(`${g}-${n}`, {
            ...o,
            data: {
              contact: {
                email: Object.fromEntries(
                  Object.entries(o.data.contact.email).map(([k, v]) => [k, v && `${g}.${v}`]),
                ),
              },
            },
          }),
        ),
      );
    }
    const wanted = (g: string) =>
      Object.entries(next).map(([n, p]) => {
        const renamed = Profile.parse({
          ...p,
          id: `${g}-${n}`,
          ids: p.ids.map((i) => `${g}-${i}`),
          data: {
            ...p.data,
            contact: {
              ...p.data.contact,
              email: Object.fromEntries(
                Object.entries(p.data.contact.email).map(([k, v]) => [k, v && `${g}.${v}`]),
              ),
            },
          },
        });
        return { profileId: renamed.id, wanted: identifiersOf(renamed) };
      });
    for (const item of wanted("one")) await syncIdentifiers(t.db, item.profileId, item.wanted);
    await syncIdentifiersOfProfiles(t.db, wanted("many"));

    const claims = async (g: string) =>
      rowsOf<{ type: string; value: string; profile_id: string }>(
        await t.db.execute(sql`
          select type, replace(value, ${g}, 'g') as value, replace(profile_id, ${g}, 'g') as profile_id
          from profile_identifier where profile_id like ${`${g}-%`} order by 1, 2`),
      );
    expect(await claims("many")).toEqual(await claims("one"));
    expect(await owner("email:many.a2@example.com")).toBeNull();
    expect(await owner("email:many.a3@example.com")).toBe("many-a");
    expect(await owner("many-a-old")).toBe("many-a");
    expect(await owner("email:many.b@example.com")).toBeNull();
    expect(await owner("email:many.shared@example.com")).toBe("many-b");
    expect(await owner("email:many.c@example.com")).toBe("many-c");
    await syncIdentifiersOfProfiles(t.db, []);
  });

  it("refuses to sync a profile id another profile holds, and claims nothing", async () => {
    await insertProfiles(t.db, [person("x"), person("y"), person("z")]);
    const wants = (id: string, ids: string[], mail: string) => {
      const p = person(id, { ids, data: { contact: { email: { main: mail } } } });
      return { profileId: id, wanted: identifiersOf(p) };
    };
    await expect(
      t.db.transaction((tx) =>
        syncIdentifiersOfProfiles(tx, [
          wants("x", [], "x@example.com"),
          wants("y", ["z"], "y@example.com"),
        ]),
      ),
    ).rejects.toMatchObject({ code: "CONFLICT", details: { ids: ["z"] } });
    // Two profiles of one batch naming the same new id: the second is refused, as one by one.
    await expect(
      t.db.transaction((tx) =>
        syncIdentifiersOfProfiles(tx, [
          wants("x", ["w"], "x@example.com"),
          wants("y", ["w"], "y@example.com"),
        ]),
      ),
    ).rejects.toMatchObject({ code: "CONFLICT", details: { ids: ["w"] } });
    expect(await getProfile(t.db, "email:x@example.com")).toBeNull();
    expect(await getProfile(t.db, "w")).toBeNull();
  });

  it("locks and reads profiles by id", async () => {
    await insertProfiles(t.db, [person("l-2"), person("l-1")]);
    const found = await t.db.transaction((tx) =>
      lockProfilesById(tx, ["l-2", "l-9", "l-1", "l-2"]),
    );
    expect([...found.keys()]).toEqual(["l-1", "l-2"]);
    expect(found.get("l-2")).toEqual(await getProfile(t.db, "l-2"));
    expect((await lockProfilesById(t.db, [])).size).toBe(0);
  });

  it("bulk insert skips profiles that already exist", async () => {
    const batch = Array.from({ length: 30 }, (_, i) => person(`b-${i}`));
    expect(await insertProfiles(t.db, batch)).toHaveLength(30);
    expect(await insertProfiles(t.db, batch)).toHaveLength(0);
    expect(await countProfiles(t.db)).toBe(30);
  });

  describe("keyset paging", () => {
    const names = ["Ng", "Smith", null, "Öz", "adams", "Smith", null, "Zed"];
    const seedRows = (n: number, prefix = "k") =>
      Array.from({ length: n }, (_, i) =>
        person(`${prefix}-${String(i).padStart(4, "0")}`, {
          data: {
            pii: { lastname: names[i % names.length] },
            contact: { address: { country: i % 3 === 0 ? null : ["PL", "DE", "US"][i % 3] } },
          },
          stats: { visits: i % 7, views: i % 11 },
          metadata: {
            time: { insert: new Date(Date.UTC(2025, 0, 1) + (i % 50) * 1000).toISOString() },
          },
        }),
      );

    async function collect(sort: ProfileSortKey, order: "asc" | "desc", limit: number) {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 1000; pages++) {
        const page = await listProfiles(t.db, { sort, order, cursor, limit });
        seen.push(...page.items.map((i) => i.profile.id));
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      return seen;
    }

    it("returns every row exactly once for every sort key and direction", async () => {
      await insertProfiles(t.db, seedRows(137));
      for (const sort of Object.keys(profileSortColumns) as ProfileSortKey[]) {
        for (const order of ["asc", "desc"] as const) {
          const seen = await collect(sort, order, 10);
          expect(seen, `${sort} ${order}`).toHaveLength(137);
          expect(new Set(seen).size, `${sort} ${order}`).toBe(137);
          // Page by page, in the same order as one page holding everything, across the
          // boundary between null and non-null sort values wherever a page happens to end.
          const whole = await collect(sort, order, 200);
          expect(await collect(sort, order, 7), `${sort} ${order}`).toEqual(whole);
          expect(seen, `${sort} ${order}`).toEqual(whole);
        }
      }
    });

    it("keeps personal data out of cursors: a PII sort key's cursor holds the row id alone", async () => {
      await insertProfiles(t.db, seedRows(12));
      const decoded = (cursor: string | null) =>
        Buffer.from(cursor ?? "", "base64url").toString("utf8");
      const byName = await listProfiles(t.db, { sort: "lastname", order: "asc", limit: 3 });
      const last = byName.items.at(-1)?.profile;
      expect(decoded(byName.nextCursor)).toBe(JSON.stringify([last?.id]));
      const byVisits = await listProfiles(t.db, { sort: "visits", order: "asc", limit: 3 });
      expect(JSON.parse(decoded(byVisits.nextCursor))).toHaveLength(2);

      // The next page continues after that row's current value.
      const next = await listProfiles(t.db, {
        sort: "lastname",
        order: "asc",
        limit: 3,
        cursor: byName.nextCursor,
      });
      const all = await listProfiles(t.db, { sort: "lastname", order: "asc", limit: 6 });
      expect(next.items.map((i) => i.profile.id)).toEqual(
        all.items.slice(3).map((i) => i.profile.id),
      );

      // A row deleted in between: the list asks to be reloaded rather than guessing.
      await deleteProfile(t.db, last?.id ?? "");
      await expect(
        listProfiles(t.db, { sort: "lastname", order: "asc", limit: 3, cursor: byName.nextCursor }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST", details: { path: ["cursor"] } });
    });

    it("orders by the column then the id, nulls last ascending", async () => {
      await insertProfiles(t.db, seedRows(16));
      const page = await listProfiles(t.db, { sort: "lastname", order: "asc", limit: 200 });
      const last = page.items.map((i) => i.profile.data.pii.lastname);
      const firstNull = last.indexOf(null);
      expect(last.slice(firstNull).every((v) => v === null)).toBe(true);
      expect(last.slice(0, firstNull)).toEqual(
        [...last.slice(0, firstNull)].sort((a, b) =>
          (a ?? "") < (b ?? "") ? -1 : a === b ? 0 : 1,
        ),
      );
    });

    it("returns every pre-existing row exactly once while rows are being inserted", async () => {
      await insertProfiles(t.db, seedRows(120, "old"));
      for (const [sort, order] of [
        ["inserted_at", "desc"],
        ["lastname", "asc"],
        ["visits", "desc"],
      ] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let round = 0;
        do {
          const page = await listProfiles(t.db, { sort, order, cursor, limit: 7 });
          seen.push(...page.items.map((i) => i.profile.id));
          cursor = page.nextCursor;
          // Between pages, other writers add rows that sort before, among and after the cursor.
          await insertProfiles(t.db, seedRows(5, `new-${sort}-${round++}`));
        } while (cursor);
        const old = seen.filter((id) => id.startsWith("old-"));
        expect(old, sort).toHaveLength(120);
        expect(new Set(old).size, sort).toBe(120);
        expect(new Set(seen).size, sort).toBe(seen.length);
      }
    });

    it("filters by search text and counts the matches", async () => {
      await insertProfiles(t.db, seedRows(40));
      const page = await listProfiles(t.db, { search: "smith", withTotal: true, limit: 5 });
      expect(page.total).toBe(10);
      expect(page.items.every((i) => i.profile.data.pii.lastname === "Smith")).toBe(true);
      const none = await listProfiles(t.db, { search: "100%_", withTotal: true });
      expect(none.total).toBe(0);
    });

    it("rejects a forged cursor", async () => {
      await expect(listProfiles(t.db, { cursor: "not-a-cursor" })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    });
  });
});
