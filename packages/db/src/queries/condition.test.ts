import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Profile } from "@cdp/profile-schema";
import type { Condition } from "@cdp/profile-schema";

import { DomainError } from "../errors";
import { event, profile } from "../schema";
import { rowsOf } from "../sql";
import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import { compileCondition } from "./condition";
import { countProfiles, insertProfiles, listProfiles } from "./profile";

const NOW = "2025-06-15T12:00:00.000000Z";
const dialect = new PgDialect();
const f = (field: string, op: string, value?: unknown) =>
  (value === undefined ? { field, op } : { field, op, value }) as Condition;

function person(id: string, input: Record<string, unknown>): Profile {
  return Profile.parse({
    id,
    metadata: { time: { insert: "2025-01-01T00:00:00Z" } },
    ...input,
  });
}

const people = [
  person("ada", {
    metadata: {
      time: { insert: "2025-01-01T00:00:00Z", visit: { last: "2025-06-10T00:00:00Z", count: 3 } },
    },
    data: {
      pii: { firstname: "Ada", lastname: "Kowalski", display_name: "Ada K." },
      contact: { email: { main: "Ada@Acme.com" }, address: { country: "PL" } },
    },
    stats: { visits: 12, views: 40, counters: { orders: 3 } },
    traits: { plan: "pro", score: 4.5, tags: ["beta", 7] },
    consents: { marketing: { revoke: null }, analytics: { revoke: NOW } },
    segments: ["vip"],
  }),
  person("bob", {
    data: {
      pii: { firstname: "Bob", lastname: "Kowal" },
      contact: { email: { main: "bob@example.org" }, address: { country: "DE" } },
    },
    stats: { visits: 2 },
    traits: { plan: 1, score: "4.5" },
    consents: { marketing: { revoke: "2025-06-15T12:00:00.000001Z" } },
  }),
  person("cy", {
    data: { pii: { firstname: "", lastname: "O'Brien" } },
    active: false,
  }),
];

describe.each(testTargets())("compileCondition on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
    await insertProfiles(t.db, people);
    await t.db.insert(event).values([
      { profileId: "ada", id: "e1", type: "purchase", time: "2025-06-14T00:00:00Z" },
      { profileId: "ada", id: "e2", type: "purchase", time: "2025-06-08T12:00:00Z" },
      { profileId: "ada", id: "e3", type: "purchase", time: "2025-06-08T11:59:59.999999Z" },
      { profileId: "bob", id: "e4", type: "purchase", time: "2025-06-15T00:00:00Z" },
      { profileId: "bob", id: "e5", type: "refund", time: "2025-06-15T00:00:00Z" },
    ]);
  });
  afterAll(async () => {
    await t.close();
  });

  const ids = async (condition: Condition) => {
    const rows = await t.db
      .select({ id: profile.id })
      .from(profile)
      .where(compileCondition(condition, { now: NOW }));
    return rows.map((r) => r.id).sort();
  };

  it("compares promoted, native and jsonb fields", async () => {
    expect(await ids(f("data.contact.email.main", "eq", "Ada@Acme.com"))).toEqual(["ada"]);
    expect(await ids(f("data.contact.email.main", "eq", "ada@acme.com"))).toEqual([]);
    expect(await ids(f("data.contact.email.main", "in", ["x", "bob@example.org"]))).toEqual([
      "bob",
    ]);
    expect(await ids(f("data.contact.email.main", "contains", "@Acme"))).toEqual(["ada"]);
    expect(await ids(f("data.pii.lastname", "starts_with", "Kowal"))).toEqual(["ada", "bob"]);
    expect(await ids(f("data.pii.lastname", "ends_with", "'Brien"))).toEqual(["cy"]);
    expect(await ids(f("data.pii.firstname", "empty"))).toEqual(["cy"]);
    expect(await ids(f("data.pii.firstname", "lt", "B"))).toEqual(["ada", "cy"]);
    expect(await ids(f("data.pii.display_name", "eq", "Ada K."))).toEqual(["ada"]);
    expect(await ids(f("data.contact.address.country", "in", ["PL", "DE"]))).toEqual([
      "ada",
      "bob",
    ]);
    expect(await ids({ not: f("data.contact.address.country", "in", ["PL", "DE"]) })).toEqual([
      "cy",
    ]);
    expect(await ids(f("stats.visits", "gt", 10))).toEqual(["ada"]);
    expect(await ids(f("stats.visits", "between", [2, 2.5]))).toEqual(["bob"]);
    expect(await ids(f("stats.views", "eq", 0))).toEqual(["bob", "cy"]);
    expect(await ids(f("active", "eq", false))).toEqual(["cy"]);
    expect(await ids(f("metadata.time.visit.last", "within_last", "7d"))).toEqual(["ada"]);
    expect(await ids(f("metadata.time.visit.last", "before", "1d"))).toEqual(["ada"]);
    expect(await ids(f("metadata.time.visit.last", "empty"))).toEqual(["bob", "cy"]);
    expect(await ids(f("metadata.time.visit.count", "gte", 3))).toEqual(["ada"]);
    expect(await ids(f("metadata.time.insert", "eq", "2025-01-01"))).toEqual(["ada", "bob", "cy"]);
  });

  it("compares free fields by the stored JSON type", async () => {
    expect(await ids(f("traits.plan", "eq", "pro"))).toEqual(["ada"]);
    expect(await ids(f("traits.plan", "eq", 1))).toEqual(["bob"]);
    expect(await ids(f("traits.plan", "neq", 1))).toEqual(["ada", "cy"]);
    expect(await ids(f("traits.score", "gte", 4.5))).toEqual(["ada"]);
    expect(await ids(f("traits.score", "gte", "4"))).toEqual(["bob"]);
    expect(await ids(f("traits.tags", "contains", 7))).toEqual(["ada"]);
    expect(await ids(f("traits.tags", "contains", "7"))).toEqual([]);
    expect(await ids(f("traits.missing", "empty"))).toEqual(["ada", "bob", "cy"]);
    expect(await ids(f("stats.counters.orders", "eq", 3))).toEqual(["ada"]);
  });

  it("tests consents against now, segments and events", async () => {
    expect(await ids({ consent: { type: "marketing", granted: true } })).toEqual(["ada", "bob"]);
    expect(await ids({ consent: { type: "analytics", granted: true } })).toEqual([]);
    expect(await ids({ consent: { type: "analytics", granted: false } })).toEqual([
      "ada",
      "bob",
      "cy",
    ]);
    expect(await ids({ segment: { id: "vip" } })).toEqual(["ada"]);
    const purchases = (count: { gte?: number; lte?: number }, within = "7d") =>
      ids({ event: { type: "purchase", count, within } });
    expect(await purchases({ gte: 2 })).toEqual(["ada"]); // e3 is a microsecond too early
    expect(await purchases({ gte: 3 }, "30d")).toEqual(["ada"]);
    expect(await purchases({ gte: 1, lte: 1 })).toEqual(["bob"]);
    expect(await purchases({ lte: 0 })).toEqual(["cy"]);
    expect(await purchases({ gte: 0 })).toEqual(["ada", "bob", "cy"]);
    expect(await ids({ event: { type: "refund", count: { gte: 1 }, within: "30m" } })).toEqual([]);
  });

  it("combines with and, or, not and serves listProfiles and countProfiles", async () => {
    const where = compileCondition(
      {
        or: [
          { and: [f("stats.visits", "gt", 10), { consent: { type: "marketing", granted: true } }] },
          { not: f("active", "eq", true) },
        ],
      },
      { now: new Date(NOW) },
    );
    const page = await listProfiles(t.db, {
      where,
      sort: "lastname",
      order: "asc",
      withTotal: true,
    });
    expect(page.items.map((i) => i.profile.id)).toEqual(["ada", "cy"]);
    expect(page.total).toBe(2);
    expect(await countProfiles(t.db, where)).toBe(2);
  });

  it("never yields NULL, so not is exact", async () => {
    const leaves: Condition[] = [
      f("data.pii.gender", "eq", "x"),
      f("data.pii.gender", "gt", "x"),
      f("data.pii.attributes.height", "lt", 1),
      f("metadata.time.visit.last", "gt", "2020-01-01"),
      f("traits.missing", "contains", "x"),
      f("primary_id", "starts_with", "x"),
      { consent: { type: "none", granted: true } },
    ];
    for (const leaf of leaves) {
      const rows = rowsOf<{ v: unknown }>(
        await t.db.execute(
          sql`select ${compileCondition(leaf, { now: NOW })} as v from ${profile}`,
        ),
      );
      expect(rows).toHaveLength(3);
      for (const r of rows) expect(typeof r.v).toBe("boolean");
    }
  });

  it("treats hostile values as data", async () => {
    for (const value of [
      "'; drop table profile;--",
      "O'Brien",
      'a"b',
      "back\\slash",
      "%",
      "_",
      "$1",
      "Żółć 😀",
    ]) {
      const matched = await ids(f("data.pii.lastname", "eq", value));
      expect(matched).toEqual(value === "O'Brien" ? ["cy"] : []);
      await ids(f("traits.plan", "contains", value));
      await ids({ consent: { type: value, granted: true } });
      await ids({ segment: { id: value } });
      await ids({ event: { type: value, count: { gte: 1 }, within: "1d" } });
    }
    expect(await ids(f("data.pii.lastname", "contains", "%"))).toEqual([]);
    expect(await ids(f("data.pii.lastname", "starts_with", "_"))).toEqual([]);
    expect(await countProfiles(t.db)).toBe(3);
  });

  it("leaves promoted and native columns where their indexes serve", async () => {
    const planOf = (condition: Condition) =>
      t.db.transaction(async (tx) => {
        await tx.execute(sql`set local enable_seqscan = off`);
        const where = compileCondition(condition, { now: NOW });
        const rows = rowsOf<Record<string, string>>(
          await tx.execute(sql`explain select ${profile.id} from ${profile} where ${where}`),
        );
        return rows.map((r) => Object.values(r).join(" ")).join("\n");
      });
    const cases: [Condition, string][] = [
      [f("data.contact.email.main", "eq", "Ada@Acme.com"), "profile_email_idx"],
      [f("data.contact.email.main", "in", ["a@b.c", "Ada@Acme.com"]), "profile_email_idx"],
      [f("data.pii.display_name", "eq", "Ada K."), "profile_display_name_idx"],
      [f("data.pii.lastname", "eq", "Kowal"), "profile_lastname_idx"],
      [f("data.contact.address.country", "in", ["PL", "DE"]), "profile_country_idx"],
      [f("data.contact.phone.main", "eq", "600"), "profile_phone_idx"],
      [f("stats.visits", "gt", 10), "profile_visits_idx"],
      [f("stats.views", "between", [1, 5]), "profile_views_idx"],
      [f("metadata.time.visit.last", "within_last", "7d"), "profile_visit_last_idx"],
      [f("metadata.time.update", "before", "1d"), "profile_updated_at_idx"],
      [f("metadata.time.insert", "gte", "2025-01-01"), "profile_inserted_at_idx"],
    ];
    for (const [condition, index] of cases) {
      expect(await planOf(condition), JSON.stringify(condition)).toContain(index);
    }
  });
});

describe("compileCondition without a database", () => {
  it("refuses unknown fields with a BAD_REQUEST and the path", () => {
    try {
      compileCondition(
        { and: [f("stats.visits", "gt", 1), f("data.pii.nick", "eq", "x")] },
        { now: NOW },
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        code: "BAD_REQUEST",
        message: 'Unknown field "data.pii.nick"',
        details: { path: ["and", 1, "field"] },
      });
    }
    for (const bad of [
      f("data.pii.firstname'; drop table profile;--", "eq", "x"),
      f("traits.__proto__", "exists"),
      f("active", "gt", true),
      f("stats.visits", "eq", "12"),
      { not: { not: { bogus: 1 } } },
    ] as Condition[]) {
      expect(() => compileCondition(bad, { now: NOW })).toThrow(DomainError);
    }
  });

  it("puts no value from the input into the SQL text, only $n placeholders", () => {
    const values = [
      "zz'; drop table profile;--",
      'qq"ww',
      "back\\slashX",
      "perc%ent_X",
      "dollar$1X",
      "Żółć😀X",
      "2031-02-03T04:05:06.654321Z",
    ];
    const numbers = [987654.321, -123456789, 4242.5];
    const conditions: Condition[] = [
      ...values.flatMap((v) => [
        f("data.pii.lastname", "eq", v),
        f("data.contact.email.main", "in", [v, "other-valueX"]),
        f("data.pii.display_name", "eq", v),
        f("data.pii.firstname", "contains", v),
        f("data.pii.firstname", "starts_with", v),
        f("data.pii.firstname", "ends_with", v),
        f("data.pii.firstname", "between", [v, `${v}~`]),
        f("traits.plan", "eq", v),
        f("traits.plan", "contains", v),
        f("traits.plan", "gt", v),
        { consent: { type: v, granted: false } },
        { segment: { id: v } },
        { event: { type: v, count: { gte: 3, lte: 6543 }, within: "9d" } },
      ]),
      ...numbers.flatMap((n) => [
        f("stats.visits", "gt", n),
        f("stats.visits", "in", [n]),
        f("traits.score", "between", [n, n + 1]),
        f("data.pii.attributes.height", "lte", n),
        f("stats.counters.orders", "neq", n),
      ]),
      f("metadata.time.visit.last", "gt", "2031-02-03T04:05:06.654321Z"),
      f("data.pii.birthday", "eq", "2031-02-03T04:05:06.654321Z"),
      f("traits.someSecretKeyX.nestedKeyY", "exists"),
      f("interests.anotherKeyZ", "empty"),
      f("metadata.time.visit.last", "within_last", "9d"),
      f("active", "eq", true),
    ];
    const needles = [
      ...values,
      ...numbers.map(String),
      "someSecretKeyX",
      "nestedKeyY",
      "anotherKeyZ",
      "6543",
    ];
    for (const condition of conditions) {
      const query = dialect.sqlToQuery(compileCondition(condition, { now: NOW }));
      for (const needle of needles) {
        expect(query.sql, `${JSON.stringify(condition)} leaked ${needle}`).not.toContain(needle);
      }
      expect(query.sql).not.toContain("'; drop");
      expect(query.sql).not.toContain("2025-06");
      expect(query.params.length).toBeGreaterThan(0);
      // Every literal in the text is one of the compiler's own constants.
      const literals = query.sql.match(/'[^']*'/g) ?? [];
      for (const literal of literals) {
        expect([
          "''",
          "'{}'",
          "'null'",
          "'\"\"'",
          "'[]'",
          "'string'",
          "'number'",
          "'boolean'",
          "'array'",
          "'object'",
          "'revoke'",
        ]).toContain(literal);
      }
    }
  });
});
