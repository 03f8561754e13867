import { describe, expect, it } from "vitest";

import {
  checkCondition,
  compareCodePoints,
  Condition,
  CONDITION_LIMITS,
  conditionNow,
  instantBefore,
  opsByFieldType,
  parseConditionDuration,
  resolveConditionField,
} from "./condition";
import { fieldMetadata } from "./field-metadata";

function issues(input: unknown) {
  const result = checkCondition(input);
  if (result.ok) throw new Error(`expected issues, got ${JSON.stringify(result.condition)}`);
  return result.issues;
}

function firstIssue(input: unknown) {
  return issues(input)[0];
}

const leaf = (field: string, op: string, value?: unknown) =>
  value === undefined ? { field, op } : { field, op, value };

describe("fields", () => {
  it("resolves every metadata path with its type", () => {
    for (const meta of Object.values(fieldMetadata)) {
      const resolved = resolveConditionField(meta.path);
      expect(resolved.ok).toBe(true);
      if (resolved.ok) expect(resolved.field).toMatchObject({ kind: "typed", type: meta.type });
    }
  });

  it("resolves free keys of traits (nested), interests and counters", () => {
    expect(resolveConditionField("traits.plan")).toMatchObject({
      ok: true,
      field: { kind: "free", root: "traits", keys: ["plan"], segments: ["traits", "plan"] },
    });
    expect(resolveConditionField("traits.a.b_c.d-e")).toMatchObject({
      ok: true,
      field: { keys: ["a", "b_c", "d-e"] },
    });
    expect(resolveConditionField("traits.größe")).toMatchObject({ ok: true });
    expect(resolveConditionField("interests.sport")).toMatchObject({
      ok: true,
      field: { segments: ["interests", "sport"], label: 'Interest "sport"' },
    });
    expect(resolveConditionField("stats.counters.purchases")).toMatchObject({
      ok: true,
      field: { segments: ["stats", "counters", "purchases"], label: 'Counter "purchases"' },
    });
  });

  it("refuses unknown paths, bad keys and prototype keys", () => {
    expect(resolveConditionField("data.pii.nick")).toEqual({
      ok: false,
      message: 'Unknown field "data.pii.nick"',
    });
    expect(resolveConditionField("interests.a.b")).toMatchObject({ ok: false });
    expect(resolveConditionField("stats.counters.a.b")).toMatchObject({ ok: false });
    expect(resolveConditionField("traits.0")).toMatchObject({ ok: false });
    expect(resolveConditionField("traits.-1")).toMatchObject({ ok: false });
    expect(resolveConditionField("traits.")).toMatchObject({ ok: false });
    expect(resolveConditionField("traits.a b")).toMatchObject({ ok: false });
    expect(resolveConditionField("traits.a'b")).toMatchObject({ ok: false });
    for (const key of ["__proto__", "constructor", "prototype"]) {
      expect(resolveConditionField(`traits.${key}`)).toEqual({
        ok: false,
        message: `Key "${key}" is not allowed in a field path`,
      });
    }
    expect(resolveConditionField("__proto__")).toMatchObject({ ok: false });
    expect(resolveConditionField("toString")).toMatchObject({ ok: false });
    expect(resolveConditionField("consents.marketing")).toMatchObject({
      ok: false,
      message: expect.stringContaining("consent(type)"),
    });
    expect(resolveConditionField(`traits.${"a".repeat(300)}`)).toMatchObject({ ok: false });
    expect(
      resolveConditionField(`traits.${Array.from({ length: 9 }, () => "a").join(".")}`),
    ).toMatchObject({ ok: false });
  });
});

describe("checkCondition", () => {
  it("accepts every kind of node and normalises it", () => {
    const result = checkCondition({
      and: [
        { field: "data.contact.email.main", op: "contains", value: "@acme.com" },
        { or: [{ not: { segment: { id: "vip" } } }, { consent: { type: "marketing" } }] },
        { event: { type: "purchase", count: { gte: 3 }, within: "30d" } },
        { field: "metadata.time.visit.last", op: "gte", value: "2024-05-30 07:44:23.246262+02:00" },
        { field: "data.pii.birthday", op: "lt", value: "2000-01-01" },
        { field: "traits.score", op: "eq", value: -0 },
      ],
    });
    expect(result).toEqual({
      ok: true,
      condition: {
        and: [
          { field: "data.contact.email.main", op: "contains", value: "@acme.com" },
          {
            or: [
              { not: { segment: { id: "vip" } } },
              { consent: { type: "marketing", granted: true } },
            ],
          },
          { event: { type: "purchase", count: { gte: 3 }, within: "30d" } },
          { field: "metadata.time.visit.last", op: "gte", value: "2024-05-30T05:44:23.246262Z" },
          { field: "data.pii.birthday", op: "lt", value: "2000-01-01T00:00:00.000000Z" },
          { field: "traits.score", op: "eq", value: 0 },
        ],
      },
    });
    if (result.ok) {
      const and = (result.condition as { and: { value?: unknown }[] }).and;
      expect(Object.is(and[5]?.value, 0)).toBe(true);
    }
  });

  it("unwraps one-item groups", () => {
    const x = leaf("stats.visits", "gt", 1);
    expect(checkCondition({ and: [x] })).toEqual({ ok: true, condition: x });
    expect(checkCondition({ or: [{ and: [x] }] })).toEqual({ ok: true, condition: x });
    expect(checkCondition({ not: { and: [x] } })).toEqual({ ok: true, condition: { not: x } });
  });

  it("reports an unknown field at its path", () => {
    expect(
      issues({ and: [leaf("stats.visits", "gt", 1), leaf("data.pii.nick", "eq", "x")] }),
    ).toEqual([{ path: ["and", 1, "field"], message: 'Unknown field "data.pii.nick"' }]);
  });

  it("refuses operators a field's type does not take", () => {
    const cases: [string, string][] = [
      ["active", "gt"],
      ["data.anonymous", "contains"],
      ["stats.visits", "contains"],
      ["data.pii.firstname", "within_last"],
      ["traits", "eq"],
      ["segments", "eq"],
      ["traits.plan", "within_last"],
      ["data.pii.attributes.height", "starts_with"],
    ];
    for (const [field, op] of cases) {
      const issue = firstIssue(leaf(field, op, op === "within_last" ? "7d" : "x"));
      expect(issue?.path).toEqual(["op"]);
      expect(issue?.message).toMatch(new RegExp(`Operator "${op}" does not apply to`));
    }
    expect(firstIssue(leaf("active", "gt", true))?.message).toBe(
      'Operator "gt" does not apply to Active (bool); use one of: eq, neq, in, exists, empty',
    );
    expect(firstIssue(leaf("stats.visits", "like", 1))).toMatchObject({
      path: ["op"],
      message: expect.stringContaining('Unknown operator "like"'),
    });
  });

  it("lists operators by type as documented", () => {
    expect(opsByFieldType.date).toContain("within_last");
    expect(opsByFieldType.string).not.toContain("within_last");
    expect(opsByFieldType.list).toEqual(["contains", "exists", "empty"]);
    expect(opsByFieldType.bool).not.toContain("gt");
  });

  it("refuses values of the wrong type", () => {
    const wrong: [string, string, unknown][] = [
      ["stats.visits", "gt", "10"],
      ["data.pii.firstname", "eq", 5],
      ["active", "eq", "true"],
      ["data.pii.birthday", "gt", 20],
      ["segments", "contains", 1],
      ["traits.plan", "eq", { a: 1 }],
      ["traits.plan", "eq", [1]],
      ["traits.plan", "gt", true],
      ["traits.plan", "starts_with", 1],
      ["stats.visits", "eq", Number.NaN],
      ["stats.visits", "eq", Number.POSITIVE_INFINITY],
    ];
    for (const [field, op, value] of wrong) {
      expect(firstIssue(leaf(field, op, value))?.path, `${field} ${op} ${String(value)}`).toEqual([
        "value",
      ]);
    }
    expect(firstIssue(leaf("stats.visits", "gt", "10"))?.message).toBe(
      'Value of Visits for "gt" must be a number, received a string',
    );
    expect(firstIssue(leaf("data.pii.birthday", "gt", "yesterday"))?.message).toMatch(
      /Invalid date: expected ISO 8601/,
    );
  });

  it("free fields take any JSON scalar where the operator allows it", () => {
    for (const value of ["pro", 3, -1.5, true]) {
      expect(checkCondition(leaf("traits.plan", "eq", value)).ok).toBe(true);
      expect(checkCondition(leaf("traits.plan", "in", [value, "x"])).ok).toBe(true);
      expect(checkCondition(leaf("traits.tags", "contains", value)).ok).toBe(true);
    }
    expect(checkCondition(leaf("traits.plan", "gt", "a")).ok).toBe(true);
    expect(checkCondition(leaf("traits.plan", "between", [1, 2])).ok).toBe(true);
    expect(firstIssue(leaf("traits.plan", "between", [1, "2"]))?.message).toMatch(/same type/);
  });

  it("refuses null values, pointing to exists and empty", () => {
    expect(firstIssue(leaf("traits.plan", "eq", null))).toEqual({
      path: ["value"],
      message: 'null never matches a comparison; use "exists" or "empty"',
    });
    expect(firstIssue(leaf("data.pii.firstname", "in", ["a", null]))?.path).toEqual(["value", 1]);
  });

  it("checks the shape of each operator's value", () => {
    expect(firstIssue(leaf("stats.visits", "exists", 1))?.message).toBe('"exists" takes no value');
    expect(firstIssue(leaf("stats.visits", "gt"))?.message).toBe('"gt" needs a value');
    expect(firstIssue(leaf("stats.visits", "between", [1]))?.path).toEqual(["value"]);
    expect(firstIssue(leaf("stats.visits", "between", [5, 1]))?.message).toMatch(/lower bound/);
    expect(firstIssue(leaf("data.pii.lastname", "between", ["b", "a"]))?.message).toMatch(
      /lower bound/,
    );
    expect(firstIssue(leaf("stats.visits", "in", []))?.message).toMatch(/non-empty list/);
    expect(
      firstIssue(
        leaf(
          "stats.visits",
          "in",
          Array.from({ length: 101 }, (_, i) => i),
        ),
      )?.message,
    ).toMatch(/at most 100/);
    expect(firstIssue(leaf("metadata.time.visit.last", "within_last", "7 days"))?.message).toMatch(
      /duration like 30m/,
    );
    expect(firstIssue(leaf("metadata.time.visit.last", "before", "0d"))?.path).toEqual(["value"]);
    expect(firstIssue(leaf("metadata.time.visit.last", "before", "99999w"))?.message).toMatch(
      /longer than/,
    );
  });

  it("checks consent, segment and event leaves", () => {
    expect(firstIssue({ consent: { type: "" } })).toEqual({
      path: ["consent", "type"],
      message: "Consent type must not be empty",
    });
    expect(firstIssue({ consent: { type: "__proto__" } })?.path).toEqual(["consent", "type"]);
    expect(firstIssue({ consent: { type: "m", granted: "yes" } })?.path).toEqual([
      "consent",
      "granted",
    ]);
    expect(firstIssue({ segment: { id: 5 } })?.path).toEqual(["segment", "id"]);
    expect(firstIssue({ segment: { id: "a", extra: 1 } })?.path).toEqual(["segment", "extra"]);
    expect(firstIssue({ event: { type: "buy", count: {}, within: "7d" } })?.message).toMatch(
      /gte, lte or both/,
    );
    expect(firstIssue({ event: { type: "buy", count: { gte: 1.5 }, within: "7d" } })?.path).toEqual(
      ["event", "count", "gte"],
    );
    expect(firstIssue({ event: { type: "buy", count: { gte: -1 }, within: "7d" } })?.path).toEqual([
      "event",
      "count",
      "gte",
    ]);
    expect(
      firstIssue({ event: { type: "buy", count: { gte: 3, lte: 1 }, within: "7d" } })?.message,
    ).toMatch(/lower count/);
    expect(firstIssue({ event: { type: "buy", count: { gte: 1 }, within: "7" } })?.path).toEqual([
      "event",
      "within",
    ]);
  });

  it("refuses malformed nodes with a clear message", () => {
    expect(firstIssue(null)?.message).toMatch(/Expected a condition object, received null/);
    expect(firstIssue([])?.message).toMatch(/received a list/);
    expect(firstIssue({})?.message).toMatch(/Empty condition/);
    expect(firstIssue({ foo: 1 })?.message).toMatch(/Unknown condition "foo"/);
    expect(firstIssue({ and: [] })).toEqual({
      path: ["and"],
      message: '"and" needs at least one condition',
    });
    expect(firstIssue({ and: {} })?.message).toMatch(/takes a list/);
    expect(firstIssue({ and: [leaf("id", "exists")], or: [] })?.path).toEqual(["or"]);
    expect(firstIssue({ ...leaf("id", "eq", "x"), extra: 1 })?.path).toEqual(["extra"]);
    expect(firstIssue({ not: { and: [leaf("id", "exists"), 5] } })?.path).toEqual([
      "not",
      "and",
      1,
    ]);
    const proto = JSON.parse('{"__proto__": {"x": 1}}') as unknown;
    expect(firstIssue(proto)?.message).toMatch(/Unknown condition "__proto__"/);
  });

  it("enforces the depth, size and string limits", () => {
    let deep: unknown = leaf("id", "exists");
    for (let i = 1; i < CONDITION_LIMITS.maxDepth; i++) deep = { not: deep };
    expect(checkCondition(deep).ok).toBe(true);
    const tooDeep = { not: deep };
    expect(firstIssue(tooDeep)?.message).toBe("Condition is nested too deeply (at most 12 levels)");
    // Hostile depth is refused without exhausting the stack.
    let hostile: unknown = leaf("id", "exists");
    for (let i = 0; i < 100_000; i++) hostile = { not: hostile };
    expect(firstIssue(hostile)?.message).toMatch(/nested too deeply/);

    const wide = { or: Array.from({ length: 199 }, () => leaf("id", "exists")) };
    expect(checkCondition(wide).ok).toBe(true);
    const tooWide = { or: Array.from({ length: 200 }, () => leaf("id", "exists")) };
    expect(issues(tooWide)).toEqual([
      { path: ["or", 199], message: "Condition has more than 200 parts" },
    ]);
    expect(
      issues({ or: Array.from({ length: 100_000 }, () => leaf("id", "exists")) }),
    ).toHaveLength(1);

    expect(checkCondition(leaf("data.pii.firstname", "eq", "a".repeat(1000))).ok).toBe(true);
    expect(firstIssue(leaf("data.pii.firstname", "eq", "a".repeat(1001)))?.message).toBe(
      "Text is longer than 1000 characters",
    );
    expect(firstIssue({ segment: { id: "s".repeat(1001) } })?.path).toEqual(["segment", "id"]);
    expect(firstIssue(leaf("data.pii.firstname", "eq", "a\u0000b"))?.message).toMatch(/NUL/);
    expect(firstIssue(leaf("data.pii.firstname", "eq", "a\ud800b"))?.message).toMatch(/surrogate/);
    expect(checkCondition(leaf("data.pii.firstname", "eq", "😀")).ok).toBe(true);
  });

  it("treats hostile text as data or refuses it", () => {
    expect(firstIssue(leaf("data.pii.firstname'; drop table profile;--", "eq", "x"))).toEqual({
      path: ["field"],
      message: `Unknown field "data.pii.firstname'; drop table profile;--"`,
    });
    for (const value of ["'; drop table profile;--", 'quo"te', "back\\slash", "50%_", "Żółć 😀"]) {
      expect(checkCondition(leaf("data.pii.firstname", "eq", value))).toEqual({
        ok: true,
        condition: leaf("data.pii.firstname", "eq", value),
      });
    }
  });
});

describe("Condition (zod)", () => {
  it("parses and normalises", () => {
    expect(Condition.parse({ and: [{ consent: { type: "m" } }] })).toEqual({
      consent: { type: "m", granted: true },
    });
  });

  it("reports issues at their paths", () => {
    const result = Condition.safeParse({
      or: [leaf("stats.visits", "gt", 1), { not: leaf("data.pii.nick", "eq", "x") }],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toMatchObject([
      { path: ["or", 1, "not", "field"], message: 'Unknown field "data.pii.nick"' },
    ]);
  });

  it("nests inside other schemas with prefixed paths", async () => {
    const { z } = await import("zod");
    const Wrapper = z.object({ condition: Condition });
    const result = Wrapper.safeParse({ condition: leaf("active", "gt", 1) });
    expect(result.error?.issues[0]?.path).toEqual(["condition", "op"]);
  });
});

describe("durations and time", () => {
  it("parses durations", () => {
    expect(parseConditionDuration("7d")).toEqual({ amount: 7, unit: "d", ms: 604_800_000 });
    expect(parseConditionDuration("30m")?.ms).toBe(1_800_000);
    expect(parseConditionDuration("12h")?.ms).toBe(43_200_000);
    expect(parseConditionDuration("2w")?.ms).toBe(1_209_600_000);
    for (const bad of ["", "7", "d", "0d", "07d", "7D", "1.5d", "-1d", "7 d", "7y", "5300w"]) {
      expect(parseConditionDuration(bad), bad).toBeNull();
    }
    expect(parseConditionDuration("36525d")).not.toBeNull();
  });

  it("subtracts durations keeping microseconds", () => {
    expect(instantBefore("2025-06-15T12:00:00.123456Z", "7d")).toBe("2025-06-08T12:00:00.123456Z");
    expect(instantBefore("2025-03-01T00:30:00.000001Z", "1h")).toBe("2025-02-28T23:30:00.000001Z");
    expect(instantBefore("0001-01-02T00:00:00.000000Z", "2w")).toBe("0001-01-01T00:00:00.000000Z");
  });

  it("normalises now", () => {
    expect(conditionNow(new Date("2025-01-01T00:00:00Z"))).toBe("2025-01-01T00:00:00.000000Z");
    expect(conditionNow("2025-01-01 02:00:00+02:00")).toBe("2025-01-01T00:00:00.000000Z");
    expect(() => conditionNow("soon")).toThrow(RangeError);
  });
});

describe("compareCodePoints", () => {
  it("orders by code point, not UTF-16 unit", () => {
    // U+FF21 (fullwidth A) is below U+1F600 by code point, above it by UTF-16 unit.
    expect("\uFF21" > "😀").toBe(true);
    expect(compareCodePoints("\uFF21", "😀")).toBeLessThan(0);
    expect(compareCodePoints("a", "b")).toBeLessThan(0);
    expect(compareCodePoints("B", "a")).toBeLessThan(0);
    expect(compareCodePoints("ab", "a")).toBeGreaterThan(0);
    expect(compareCodePoints("", "")).toBe(0);
    expect(compareCodePoints("Z", "Ż")).toBeLessThan(0);
  });
});
