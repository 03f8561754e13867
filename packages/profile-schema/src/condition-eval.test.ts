import { describe, expect, it } from "vitest";

import type { Condition } from "./condition";
import { evaluateCondition, explainCondition } from "./condition-eval";
import { Profile } from "./profile";

const NOW = "2025-06-15T12:00:00.000000Z";

const profile = Profile.parse({
  id: "p-1",
  primary_id: null,
  ids: ["p-1", "legacy-9"],
  active: true,
  metadata: {
    time: {
      insert: "2024-01-01T00:00:00Z",
      update: "2025-06-15T12:00:00Z", // exactly now
      visit: { last: "2025-06-10T08:00:00.000001Z", current: null, count: 4, tz: "" },
    },
    status: "ok",
  },
  stats: { visits: 12, views: 0, counters: { purchases: 3, ratio: 0.5, label: "x" } },
  traits: {
    plan: "pro",
    score: 2.5,
    flag: false,
    none: null,
    empty: "",
    tags: ["a", 1, true, null, ["nested"]],
    nested: { a: { b: "deep" }, list: [] },
    obj: {},
    unicode: "Żółw 😀",
    big: 1e21,
  },
  interests: { sport: 0.8, music: "jazz" },
  consents: {
    marketing: { revoke: null },
    analytics: { revoke: "2025-07-01T00:00:00Z" },
    expired: { revoke: "2025-01-01T00:00:00Z" },
    edge: { revoke: NOW },
  },
  segments: ["vip", "a b"],
  data: {
    pii: {
      firstname: "Ada",
      lastname: "Kowalski",
      display_name: "",
      birthday: "1990-05-01",
      attributes: { height: 170.5, weight: null },
      language: { spoken: ["pl", "en"] },
    },
    contact: { email: { main: "Ada@Acme.com" }, address: { country: "PL" } },
    job: { company: { size: 250 } },
    preferences: { colors: [] },
  },
});

const ok = (c: Condition, options: { eventCount?: (t: string, s: string) => number } = {}) =>
  evaluateCondition(c, profile, { now: NOW, ...options });
const f = (field: string, op: string, value?: unknown) =>
  (value === undefined ? { field, op } : { field, op, value }) as Condition;

type Case = [string, string, unknown, boolean];

function table(cases: Case[]) {
  for (const [field, op, value, expected] of cases) {
    it(`${field} ${op} ${JSON.stringify(value) ?? ""} → ${expected}`, () => {
      expect(ok(f(field, op, value))).toBe(expected);
      // neq is exactly not eq; not is exact everywhere.
      expect(ok({ not: f(field, op, value) })).toBe(!expected);
    });
  }
}

describe("string fields", () => {
  table([
    ["data.pii.firstname", "eq", "Ada", true],
    ["data.pii.firstname", "eq", "ada", false],
    ["data.pii.firstname", "neq", "ada", true],
    ["data.pii.firstname", "gt", "AAA", true],
    ["data.pii.firstname", "gt", "Ada", false],
    ["data.pii.firstname", "gte", "Ada", true],
    ["data.pii.firstname", "lt", "a", true], // code point order: upper case first
    ["data.pii.firstname", "lte", "Ada", true],
    ["data.pii.firstname", "between", ["A", "B"], true],
    ["data.pii.firstname", "between", ["a", "b"], false],
    ["data.pii.firstname", "in", ["Bob", "Ada"], true],
    ["data.pii.firstname", "in", ["ADA"], false],
    ["data.pii.firstname", "contains", "d", true],
    ["data.pii.firstname", "contains", "D", false],
    ["data.pii.firstname", "contains", "", true],
    ["data.pii.lastname", "starts_with", "Ko", true],
    ["data.pii.lastname", "starts_with", "ko", false],
    ["data.pii.lastname", "ends_with", "ski", true],
    ["data.pii.lastname", "ends_with", "Kowalskii", false],
    ["data.contact.email.main", "contains", "@acme.com", false], // case-sensitive
    ["data.contact.email.main", "contains", "@Acme.com", true],
    ["data.pii.firstname", "exists", undefined, true],
    ["data.pii.firstname", "empty", undefined, false],
    ["data.pii.display_name", "exists", undefined, true],
    ["data.pii.display_name", "empty", undefined, true],
    ["metadata.time.visit.tz", "empty", undefined, true],
    // missing / null: no comparison holds except empty and neq
    ["data.pii.gender", "eq", "x", false],
    ["data.pii.gender", "neq", "x", true],
    ["data.pii.gender", "lt", "zzz", false],
    ["data.pii.gender", "contains", "", false],
    ["data.pii.gender", "exists", undefined, false],
    ["data.pii.gender", "empty", undefined, true],
    ["primary_id", "eq", "p-1", false],
    ["id", "eq", "p-1", true],
  ]);
});

describe("number and integer fields", () => {
  table([
    ["stats.visits", "eq", 12, true],
    ["stats.visits", "gt", 11.5, true],
    ["stats.visits", "gte", 12, true],
    ["stats.visits", "lt", 12, false],
    ["stats.visits", "lte", 12, true],
    ["stats.visits", "between", [12, 12], true],
    ["stats.visits", "between", [-5, 11], false],
    ["stats.visits", "in", [1, 12], true],
    ["stats.views", "eq", 0, true],
    ["stats.views", "empty", undefined, false],
    ["data.pii.attributes.height", "gt", 170, true],
    ["data.pii.attributes.height", "eq", 170.5, true],
    ["data.pii.attributes.weight", "lt", 1000, false],
    ["data.pii.attributes.weight", "neq", 1, true],
    ["data.pii.attributes.weight", "exists", undefined, false],
    ["data.job.company.size", "between", [100, 500], true],
    ["metadata.time.visit.count", "gte", 4, true],
  ]);
});

describe("date fields", () => {
  table([
    ["metadata.time.insert", "eq", "2024-01-01", true],
    ["metadata.time.insert", "eq", "2024-01-01T01:00:00+01:00", true],
    ["metadata.time.insert", "gt", "2023-12-31T23:59:59.999999Z", true],
    ["metadata.time.insert", "lt", "2024-01-01", false],
    ["metadata.time.insert", "lte", "2024-01-01", true],
    ["metadata.time.insert", "between", ["2023-01-01", "2024-01-01"], true],
    ["metadata.time.insert", "in", ["2024-01-01", "2025-01-01"], true],
    ["metadata.time.visit.last", "within_last", "7d", true],
    ["metadata.time.visit.last", "within_last", "1d", false],
    ["metadata.time.visit.last", "before", "1d", true],
    ["metadata.time.visit.last", "before", "7d", false],
    // the window includes now and now − d, and nothing later than now
    ["metadata.time.update", "within_last", "30m", true],
    ["metadata.time.visit.current", "within_last", "365d", false],
    ["metadata.time.visit.current", "before", "1d", false],
    ["metadata.time.visit.current", "empty", undefined, true],
    ["data.pii.birthday", "lt", "2000-01-01", true],
    ["data.pii.birthday", "eq", "1990-05-01T00:00:00Z", true],
    ["data.pii.birthday", "before", "52w", true],
  ]);

  it("counts the window's edges in: now − d ≤ t ≤ now", () => {
    const at = (iso: string) => Profile.parse({ metadata: { time: { visit: { last: iso } } } });
    const inside = (iso: string, op: "within_last" | "before") =>
      evaluateCondition(f("metadata.time.visit.last", op, "7d"), at(iso), { now: NOW });
    expect(inside("2025-06-08T12:00:00.000000Z", "within_last")).toBe(true);
    expect(inside("2025-06-08T11:59:59.999999Z", "within_last")).toBe(false);
    expect(inside("2025-06-08T11:59:59.999999Z", "before")).toBe(true);
    expect(inside("2025-06-08T12:00:00.000000Z", "before")).toBe(false);
    expect(inside("2025-06-15T12:00:00.000001Z", "within_last")).toBe(false);
  });
});

describe("bool fields", () => {
  table([
    ["active", "eq", true, true],
    ["active", "neq", true, false],
    ["active", "in", [false], false],
    ["active", "exists", undefined, true],
    ["data.anonymous", "eq", false, true],
  ]);
});

describe("list fields", () => {
  table([
    ["segments", "contains", "vip", true],
    ["segments", "contains", "VIP", false],
    ["segments", "contains", "a", false],
    ["ids", "contains", "legacy-9", true],
    ["data.pii.language.spoken", "contains", "en", true],
    ["data.pii.language.spoken", "empty", undefined, false],
    ["data.preferences.colors", "empty", undefined, true],
    ["data.preferences.colors", "exists", undefined, true],
    ["data.identifier.coupons", "exists", undefined, false],
    ["data.identifier.coupons", "empty", undefined, true],
    ["data.identifier.coupons", "contains", "x", false],
  ]);
});

describe("map fields", () => {
  table([
    ["traits", "exists", undefined, true],
    ["traits", "empty", undefined, false],
    ["aux", "empty", undefined, true],
    ["consents", "empty", undefined, false],
  ]);
});

describe("free fields compare by the stored JSON type", () => {
  table([
    ["traits.plan", "eq", "pro", true],
    ["traits.plan", "eq", 1, false],
    ["traits.plan", "in", [1, true, "pro"], true],
    ["traits.plan", "gt", "pra", true],
    ["traits.plan", "gt", 0, false],
    ["traits.plan", "starts_with", "pr", true],
    ["traits.score", "eq", 2.5, true],
    ["traits.score", "eq", "2.5", false],
    ["traits.score", "between", [2, 3], true],
    ["traits.score", "between", ["2", "3"], false],
    ["traits.score", "contains", 2.5, false],
    ["traits.score", "neq", "2.5", true],
    ["traits.flag", "eq", false, true],
    ["traits.flag", "eq", 0, false],
    ["traits.flag", "exists", undefined, true],
    ["traits.flag", "empty", undefined, false],
    ["traits.none", "exists", undefined, false],
    ["traits.none", "empty", undefined, true],
    ["traits.none", "neq", "x", true],
    ["traits.empty", "empty", undefined, true],
    ["traits.empty", "exists", undefined, true],
    ["traits.missing", "exists", undefined, false],
    ["traits.missing", "empty", undefined, true],
    ["traits.missing", "eq", "x", false],
    ["traits.tags", "contains", "a", true],
    ["traits.tags", "contains", 1, true],
    ["traits.tags", "contains", "1", false],
    ["traits.tags", "contains", true, true],
    ["traits.tags", "contains", "nested", false],
    ["traits.tags", "eq", "a", false],
    ["traits.tags", "empty", undefined, false],
    ["traits.nested.a.b", "eq", "deep", true],
    ["traits.nested.a", "exists", undefined, true],
    ["traits.nested.a", "eq", "deep", false],
    ["traits.nested.list", "empty", undefined, true],
    ["traits.obj", "empty", undefined, true],
    ["traits.plan.x", "exists", undefined, false],
    ["traits.tags.a", "exists", undefined, false],
    ["traits.unicode", "contains", "😀", true],
    ["traits.unicode", "starts_with", "Żó", true],
    ["traits.unicode", "gt", "Z", true],
    ["traits.big", "gt", 1e20, true],
    ["interests.sport", "gte", 0.8, true],
    ["interests.music", "eq", "jazz", true],
    ["stats.counters.purchases", "gte", 3, true],
    ["stats.counters.label", "gte", 3, false],
  ]);
});

describe("consents, segments, events", () => {
  it("consent is granted while revoke is null or later than now", () => {
    expect(ok({ consent: { type: "marketing", granted: true } })).toBe(true);
    expect(ok({ consent: { type: "analytics", granted: true } })).toBe(true);
    expect(ok({ consent: { type: "expired", granted: true } })).toBe(false);
    expect(ok({ consent: { type: "edge", granted: true } })).toBe(false); // revoke == now
    expect(ok({ consent: { type: "absent", granted: true } })).toBe(false);
    expect(ok({ consent: { type: "absent", granted: false } })).toBe(true);
    expect(ok({ consent: { type: "expired", granted: false } })).toBe(true);
    expect(ok({ consent: { type: "toString", granted: true } })).toBe(false);
    expect(() => ok({ consent: { type: "constructor", granted: false } })).toThrow(/not allowed/);
  });

  it("segment tests profile.segments", () => {
    expect(ok({ segment: { id: "vip" } })).toBe(true);
    expect(ok({ segment: { id: "a b" } })).toBe(true);
    expect(ok({ segment: { id: "a" } })).toBe(false);
  });

  it("event counts events since now − within", () => {
    const calls: [string, string][] = [];
    const eventCount = (type: string, since: string) => {
      calls.push([type, since]);
      return type === "purchase" ? 3 : 0;
    };
    const event = (count: { gte?: number; lte?: number }, type = "purchase") =>
      ({ event: { type, count, within: "30d" } }) as Condition;
    expect(ok(event({ gte: 3 }), { eventCount })).toBe(true);
    expect(ok(event({ gte: 4 }), { eventCount })).toBe(false);
    expect(ok(event({ lte: 3 }), { eventCount })).toBe(true);
    expect(ok(event({ gte: 1, lte: 2 }), { eventCount })).toBe(false);
    expect(ok(event({ lte: 0 }, "refund"), { eventCount })).toBe(true);
    expect(calls[0]).toEqual(["purchase", "2025-05-16T12:00:00.000000Z"]);
    expect(() => ok(event({ gte: 1 }))).toThrow(/pass eventCount/);
  });
});

describe("groups", () => {
  const yes = f("stats.visits", "gt", 10);
  const no = f("stats.visits", "lt", 10);
  it("and, or, not", () => {
    expect(ok({ and: [yes, yes] })).toBe(true);
    expect(ok({ and: [yes, no] })).toBe(false);
    expect(ok({ or: [no, yes] })).toBe(true);
    expect(ok({ or: [no, no] })).toBe(false);
    expect(ok({ not: { or: [no, no] } })).toBe(true);
    expect(ok({ not: { not: yes } })).toBe(true);
  });

  it("refuses an invalid condition", () => {
    expect(() => ok(f("data.pii.nick", "eq", "x"))).toThrow(
      'Invalid condition at field: Unknown field "data.pii.nick"',
    );
  });

  it("accepts now as a Date", () => {
    expect(
      evaluateCondition(f("metadata.time.visit.last", "within_last", "7d"), profile, {
        now: new Date(NOW),
      }),
    ).toBe(true);
  });
});

describe("explainCondition", () => {
  it("annotates every part with whether it matched", () => {
    const condition: Condition = {
      or: [
        { and: [f("stats.visits", "gt", 10), { not: { segment: { id: "vip" } } }] },
        { consent: { type: "marketing", granted: true } },
        { event: { type: "purchase", count: { gte: 2 }, within: "7d" } },
      ],
    };
    const explanation = explainCondition(condition, profile, { now: NOW, eventCount: () => 5 });
    expect(explanation).toEqual({
      kind: "or",
      condition,
      matched: true,
      children: [
        {
          kind: "and",
          condition: condition.or[0],
          matched: false,
          children: [
            { kind: "field", condition: f("stats.visits", "gt", 10), matched: true },
            {
              kind: "not",
              condition: { not: { segment: { id: "vip" } } },
              matched: false,
              child: { kind: "segment", condition: { segment: { id: "vip" } }, matched: true },
            },
          ],
        },
        {
          kind: "consent",
          condition: { consent: { type: "marketing", granted: true } },
          matched: true,
        },
        { kind: "event", condition: condition.or[2], matched: true, count: 5 },
      ],
    });
  });

  it("agrees with evaluateCondition", () => {
    const conditions: Condition[] = [
      f("traits.plan", "eq", "pro"),
      { and: [f("traits.plan", "eq", "pro"), f("active", "eq", false)] },
      { not: { or: [f("traits.plan", "eq", "x"), { segment: { id: "nope" } }] } },
    ];
    for (const c of conditions) {
      expect(explainCondition(c, profile, { now: NOW }).matched).toBe(ok(c));
    }
  });
});
