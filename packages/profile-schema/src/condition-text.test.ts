import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { checkCondition, conditionOps, opsByFieldType } from "./condition";
import type { Condition, ConditionOp, ConditionScalar } from "./condition";
import { formatCondition, MAX_CONDITION_TEXT, parseConditionText } from "./condition-text";
import { fieldMetadata } from "./field-metadata";
import { FORBIDDEN_KEYS } from "./json";

function parsed(text: string): Condition {
  const result = parseConditionText(text);
  if (!result.ok) throw new Error(`${text}: ${JSON.stringify(result.error)}`);
  return result.condition;
}

function failed(text: string) {
  const result = parseConditionText(text);
  if (result.ok) throw new Error(`${text} parsed as ${JSON.stringify(result.condition)}`);
  return result.error;
}

/** The text an error points at. */
const pointed = (text: string) => {
  const e = failed(text);
  return text.slice(e.position.offset, e.position.offset + e.length);
};

describe("parseConditionText: the query bar's examples", () => {
  it.each<[string, Condition]>([
    [
      'traits.plan = "pro" and stats.visits > 10 and consent(marketing)',
      {
        and: [
          { field: "traits.plan", op: "eq", value: "pro" },
          { field: "stats.visits", op: "gt", value: 10 },
          { consent: { type: "marketing", granted: true } },
        ],
      },
    ],
    [
      'not (data.contact.address.country in ("PL", "DE"))',
      { not: { field: "data.contact.address.country", op: "in", value: ["PL", "DE"] } },
    ],
    [
      'data.pii.lastname starts with "Ko"',
      { field: "data.pii.lastname", op: "starts_with", value: "Ko" },
    ],
    [
      "metadata.time.visit.last within last 7d",
      { field: "metadata.time.visit.last", op: "within_last", value: "7d" },
    ],
    ["segment(vip)", { segment: { id: "vip" } }],
    [
      "event(purchase) >= 3 within 30d",
      { event: { type: "purchase", count: { gte: 3 }, within: "30d" } },
    ],
    ["data.contact.email.main exists", { field: "data.contact.email.main", op: "exists" }],
    ["traits.score between 1 and 5", { field: "traits.score", op: "between", value: [1, 5] }],
  ])("%s", (text, expected) => {
    expect(parsed(text)).toEqual(expected);
  });
});

describe("parseConditionText: syntax", () => {
  it("binds not tighter than and, and tighter than or", () => {
    const a = { field: "stats.visits", op: "eq", value: 1 } as const;
    const b = { field: "stats.views", op: "eq", value: 2 } as const;
    const c = { segment: { id: "c" } };
    expect(parsed("stats.visits = 1 or stats.views = 2 and segment(c)")).toEqual({
      or: [a, { and: [b, c] }],
    });
    expect(parsed("not stats.visits = 1 and stats.views = 2")).toEqual({
      and: [{ not: a }, b],
    });
    expect(parsed("(stats.visits = 1 or stats.views = 2) and segment(c)")).toEqual({
      and: [{ or: [a, b] }, c],
    });
    expect(parsed("stats.visits = 1 and (stats.views = 2 and segment(c))")).toEqual({
      and: [a, { and: [b, c] }],
    });
    expect(parsed("((segment(c)))")).toEqual(c);
    expect(parsed("not not segment(c)")).toEqual({ not: { not: c } });
    expect(parsed("segment(c) AND NOT segment(c) Or segment(c)")).toEqual({
      or: [{ and: [c, { not: c }] }, c],
    });
  });

  it("reads every operator, value and leaf", () => {
    const cases: [string, Condition][] = [
      ['data.pii.firstname != "Ada"', { field: "data.pii.firstname", op: "neq", value: "Ada" }],
      ["stats.visits >= -1.5", { field: "stats.visits", op: "gte", value: -1.5 }],
      ["stats.visits < 1e3", { field: "stats.visits", op: "lt", value: 1000 }],
      ["stats.visits <= 2.5E-1", { field: "stats.visits", op: "lte", value: 0.25 }],
      [
        'data.pii.firstname contains "d"',
        { field: "data.pii.firstname", op: "contains", value: "d" },
      ],
      [
        'data.pii.lastname ends with "ski"',
        { field: "data.pii.lastname", op: "ends_with", value: "ski" },
      ],
      ["data.pii.lastname is empty", { field: "data.pii.lastname", op: "empty" }],
      ["data.pii.lastname empty", { field: "data.pii.lastname", op: "empty" }],
      [
        "metadata.time.visit.last before 30d ago",
        { field: "metadata.time.visit.last", op: "before", value: "30d" },
      ],
      [
        "metadata.time.visit.last before 12h",
        { field: "metadata.time.visit.last", op: "before", value: "12h" },
      ],
      ["active = true", { field: "active", op: "eq", value: true }],
      ['traits.flag in (true, 1, "x")', { field: "traits.flag", op: "in", value: [true, 1, "x"] }],
      [
        'metadata.time.insert > "2024-01-01"',
        { field: "metadata.time.insert", op: "gt", value: "2024-01-01T00:00:00.000000Z" },
      ],
      ["consent(marketing) = false", { consent: { type: "marketing", granted: false } }],
      ["consent(marketing) = true", { consent: { type: "marketing", granted: true } }],
      ['segment("high value")', { segment: { id: "high value" } }],
      ["segment(and)", { segment: { id: "and" } }],
      [
        "event(purchase) within 7d",
        { event: { type: "purchase", count: { gte: 1 }, within: "7d" } },
      ],
      [
        "event(purchase) <= 2 within 7d",
        { event: { type: "purchase", count: { lte: 2 }, within: "7d" } },
      ],
      [
        "event(purchase) > 2 within 7d",
        { event: { type: "purchase", count: { gte: 3 }, within: "7d" } },
      ],
      [
        "event(purchase) < 2 within 7d",
        { event: { type: "purchase", count: { lte: 1 }, within: "7d" } },
      ],
      [
        "event(purchase) = 0 within 2w",
        { event: { type: "purchase", count: { gte: 0, lte: 0 }, within: "2w" } },
      ],
      [
        "event(page-view) between 1 and 3 within 12h",
        { event: { type: "page-view", count: { gte: 1, lte: 3 }, within: "12h" } },
      ],
      ["traits.größe > 3", { field: "traits.größe", op: "gt", value: 3 }],
      ["traits.a.b-c = 1", { field: "traits.a.b-c", op: "eq", value: 1 }],
    ];
    for (const [text, expected] of cases) expect(parsed(text), text).toEqual(expected);
  });

  it("decodes string escapes and keeps hostile text as data", () => {
    expect(parsed(String.raw`data.pii.firstname = "a\"b\\c\n\t\u00e9\/"`)).toEqual({
      field: "data.pii.firstname",
      op: "eq",
      value: 'a"b\\c\n\té/',
    });
    for (const value of ["'; drop table profile;--", "50%_", "Żółć 😀", "$1", "\u2028"]) {
      const text = `data.pii.firstname = ${JSON.stringify(value)}`;
      expect(parsed(text)).toEqual({ field: "data.pii.firstname", op: "eq", value });
    }
  });

  it("takes whitespace and line breaks anywhere between tokens", () => {
    expect(parsed("\n  stats.visits\t>\r\n 1  ")).toEqual({
      field: "stats.visits",
      op: "gt",
      value: 1,
    });
  });
});

describe("parseConditionText: errors point at the token", () => {
  it("reports an unknown field at the field", () => {
    expect(failed('data.pii.nick = "x"')).toEqual({
      message: 'Unknown field "data.pii.nick"',
      position: { offset: 0, line: 1, column: 1 },
      length: 13,
    });
    expect(failed('stats.visits > 10 and data.pii.nick = "x"').position.offset).toBe(22);
    expect(pointed("stats.visits > 10 or not (segment(a) and traits.__proto__ = 1)")).toBe(
      "traits.__proto__",
    );
  });

  it("reports lines and columns", () => {
    const e = failed("stats.visits > 1\nand\n  data.pii.nick = 1");
    expect(e.position).toEqual({ offset: 23, line: 3, column: 3 });
    expect(e.length).toBe(13);
  });

  it("reports type errors at the operator or the value", () => {
    expect(failed("active > true")).toMatchObject({
      message: expect.stringContaining('Operator "gt" does not apply to Active'),
      position: { offset: 7 },
      length: 1,
    });
    expect(pointed('stats.visits > "ten"')).toBe('"ten"');
    expect(pointed("traits.plan = null")).toBe("null");
    expect(failed("traits.plan = null").message).toMatch(/use "exists" or "empty"/);
    expect(pointed('data.pii.firstname in ("a", 2, "c")')).toBe("2");
    expect(pointed("stats.visits between 5 and 1")).toBe("5 and 1");
    expect(pointed('metadata.time.insert > "yesterday"')).toBe('"yesterday"');
    expect(pointed("metadata.time.visit.last within last 7y")).toBe("7y");
    expect(pointed("event(buy) >= 1.5 within 7d")).toBe(">= 1.5");
    expect(pointed("event(buy) >= 1 within 9999999w")).toBe("9999999w");
    expect(pointed('stats.visits starts with "1"')).toBe("starts with");
  });

  it("reports syntax errors", () => {
    const cases: [string, RegExp, string][] = [
      ["stats.visits >", /Expected a value.*end of the query/, ""],
      ['"unterminated', /Unterminated string/, '"unterminated'],
      ["(stats.visits > 1", /Expected "\)" to close the bracket/, ""],
      ["stats.visits > 1)", /Unmatched "\)"/, ")"],
      ["data.pii.firstname'; drop table profile;--", /strings are written in double quotes/, "'"],
      ["traits.plan = pro", /write text in double quotes \("pro"\)/, "pro"],
      ["event(purchase) >= 3", /Expected "within"/, ""],
      ["metadata.time.visit.last within last 7 days", /Expected a duration/, "7"],
      ['metadata.time.visit.last before "2024-01-01"', /use "<"/, '"2024-01-01"'],
      ["segment vip", /Expected "\(" after segment/, "vip"],
      ['traits.plan in ("a" "b")', /Expected "," or "\)"/, '"b"'],
      ['traits.plan = "\\q"', /Invalid escape/, "\\q"],
      ['traits.plan = "\\u12"', /\\u escape/, '\\u12"'],
      ['traits.plan = "a\nb"', /Line break/, "\n"],
      ["consent(marketing) = maybe", /Expected true or false/, "maybe"],
      ['data.contact.email.main == "x"', /Use "=" to compare/, "=="],
      ["stats.visits ! 1", /did you mean "!=" or "not"/, "!"],
      ["stats.visits like 1", /Expected an operator after stats.visits/, "like"],
      ["and stats.visits = 1", /Expected a condition/, "and"],
      ["stats.visits = 1 segment(a)", /Expected "and", "or" or the end/, "segment"],
      ["stats.visits = 1 @", /Unexpected character "@"/, "@"],
      ["stats.visits = 1 😀", /Unexpected character "😀"/, "😀"],
      ["stats.visits = 12abc", /Unexpected "12abc"|Expected a value/, "12abc"],
      ["segment()", /Expected a segment name/, ")"],
    ];
    for (const [text, message, at] of cases) {
      const e = failed(text);
      expect(e.message, text).toMatch(message);
      expect(text.slice(e.position.offset, e.position.offset + e.length), text).toBe(at);
    }
    expect(failed("")).toMatchObject({ message: "The query is empty" });
    expect(failed("   ")).toMatchObject({ message: "The query is empty" });
  });

  it("reports the tree's limits at the node", () => {
    const deep = `${"not ".repeat(12)}segment(a)`;
    const e = failed(deep);
    expect(e.message).toMatch(/nested too deeply \(at most 12 levels\)/);
    // The node beyond the limit is the innermost leaf.
    expect(e.position.offset).toBe(48);
    expect(parsed(`${"not ".repeat(11)}segment(a)`)).toBeTruthy();
    const wide = Array.from({ length: 201 }, (_, i) => `segment(s${i})`).join(" or ");
    expect(failed(wide).message).toMatch(/more than 200 parts/);
    expect(pointed(`data.pii.firstname = "${"x".repeat(1001)}"`)).toHaveLength(1003);
  });

  it("survives hostile input without throwing or exhausting the stack", () => {
    expect(failed("(".repeat(15_000)).message).toMatch(/nested too deeply/);
    expect(failed("not ".repeat(4_000)).message).toMatch(/nested too deeply/);
    expect(failed("x".repeat(MAX_CONDITION_TEXT + 1))).toMatchObject({
      message: expect.stringMatching(/longer than 20000/),
      position: { offset: MAX_CONDITION_TEXT },
    });
    expect(failed('"'.repeat(3)).message).toMatch(/Unterminated|Expected/);
    expect(failed("\u0000").message).toMatch(/Unexpected character/);
    expect(pointed('data.pii.firstname = "\\u0000"')).toBe('"\\u0000"');
    expect(pointed('data.pii.firstname = "\\ud800"')).toBe('"\\ud800"');
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (text) => {
        const result = parseConditionText(text);
        if (!result.ok) {
          expect(result.error.position.offset).toBeGreaterThanOrEqual(0);
          expect(result.error.position.offset).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 2000 },
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Round trip
// ---------------------------------------------------------------------------------------------

const safeString = fc
  .string({ unit: "binary", maxLength: 12 })
  .filter((s) => !s.includes("\u0000") && !/\p{Cs}/u.test(s));
const textArb = fc.oneof(
  safeString,
  fc.constantFrom("", "and", "or", "not", "null", "true", 'a"b', "a\\b", "é", "😀", "\n", " "),
);
const numberArb = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e21, -1e-7, 5e-324, Number.MAX_VALUE),
);
const dateArb = fc
  .date({
    min: new Date("0001-01-01T00:00:00Z"),
    max: new Date("9999-12-31T23:59:59Z"),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString());
const durationArb = fc
  .tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom("m", "h", "d", "w"))
  .map(([n, u]) => `${n}${u}`);
const keyArb = fc
  .oneof(
    fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_-]{0,8}$/),
    fc.constantFrom("größe", "日本", "_", "a-b", "and", "not", "in", "null"),
  )
  .filter((k) => !FORBIDDEN_KEYS.has(k));
const nameArb = fc.oneof(
  textArb.filter((s) => s.length > 0),
  keyArb,
  fc.constantFrom("a.b", "x-1", "2024"),
);

const typedFields = Object.values(fieldMetadata);
const fieldArb: fc.Arbitrary<{ path: string; type: keyof typeof opsByFieldType }> = fc.oneof(
  fc.constantFrom(...typedFields).map((m) => ({ path: m.path, type: m.type })),
  fc
    .tuple(
      fc.constantFrom("traits", "interests", "stats.counters"),
      fc.array(keyArb, { minLength: 1, maxLength: 3 }),
    )
    .map(([root, keys]) => ({
      path: `${root}.${root === "traits" ? keys.join(".") : keys[0]}`,
      type: "json" as const,
    })),
);

function valueFor(
  type: keyof typeof opsByFieldType,
  op: ConditionOp,
): fc.Arbitrary<ConditionScalar> {
  switch (type) {
    case "string":
    case "list":
      return textArb;
    case "number":
    case "integer":
      return numberArb;
    case "date":
      return dateArb;
    case "bool":
      return fc.boolean();
    default:
      if (op === "starts_with" || op === "ends_with") return textArb;
      if (["gt", "gte", "lt", "lte", "between"].includes(op)) return fc.oneof(textArb, numberArb);
      return fc.oneof(textArb, numberArb, fc.boolean());
  }
}

const fieldLeafArb: fc.Arbitrary<unknown> = fieldArb.chain(({ path, type }) =>
  fc.constantFrom(...opsByFieldType[type]).chain((op): fc.Arbitrary<unknown> => {
    const value = valueFor(type, op);
    switch (op) {
      case "exists":
      case "empty":
        return fc.constant({ field: path, op });
      case "within_last":
      case "before":
        return durationArb.map((v) => ({ field: path, op, value: v }));
      case "in":
        return fc
          .array(value, { minLength: 1, maxLength: 4 })
          .map((v) => ({ field: path, op, value: v }));
      case "between":
        return fc.tuple(value, value).map(([a, b]) => ({ field: path, op, value: [a, b] }));
      default:
        return value.map((v) => ({ field: path, op, value: v }));
    }
  }),
);

const otherLeafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ consent: fc.record({ type: nameArb, granted: fc.boolean() }) }),
  fc.record({ segment: fc.record({ id: nameArb }) }),
  fc.record({
    event: fc.record({
      type: nameArb,
      count: fc
        .tuple(fc.option(fc.nat(50), { nil: undefined }), fc.option(fc.nat(50), { nil: undefined }))
        .map(([gte, lte]) =>
          gte === undefined && lte === undefined
            ? { gte: 1 }
            : {
                ...(gte === undefined ? {} : { gte: lte === undefined ? gte : Math.min(gte, lte) }),
                ...(lte === undefined ? {} : { lte: gte === undefined ? lte : Math.max(gte, lte) }),
              },
        ),
      within: durationArb,
    }),
  }),
);

const treeArb = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fieldLeafArb,
    otherLeafArb,
    fc.record({ and: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ or: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie("node") }),
  ),
})).node;

/** Valid, normalised conditions (generated ones that the schema refuses are dropped). */
const conditionArb: fc.Arbitrary<Condition> = treeArb
  .map((input) => checkCondition(input))
  .filter((r): r is { ok: true; condition: Condition } => r.ok)
  .map((r) => r.condition);

describe("formatCondition", () => {
  it("prints the documented syntax", () => {
    expect(
      formatCondition({
        and: [
          { or: [{ segment: { id: "vip" } }, { segment: { id: "high value" } }] },
          { not: { field: "data.contact.address.country", op: "in", value: ["PL", "DE"] } },
          {
            not: {
              and: [{ consent: { type: "m", granted: false } }, { field: "active", op: "exists" }],
            },
          },
          { event: { type: "buy", count: { gte: 1, lte: 3 }, within: "7d" } },
          { event: { type: "buy", count: { lte: 0 }, within: "7d" } },
          { field: "metadata.time.visit.last", op: "before", value: "30d" },
          { field: "data.pii.lastname", op: "empty" },
          { field: "data.pii.lastname", op: "ends_with", value: 'a"\\' },
        ],
      }),
    ).toBe(
      '(segment(vip) or segment("high value")) and not data.contact.address.country in ("PL", "DE") and not (consent(m) = false and active exists) and event(buy) between 1 and 3 within 7d and event(buy) <= 0 within 7d and metadata.time.visit.last before 30d ago and data.pii.lastname is empty and data.pii.lastname ends with "a\\"\\\\"',
    );
  });

  it("round-trips: parse(format(c)) equals c for every valid condition", () => {
    let count = 0;
    fc.assert(
      fc.property(conditionArb, (condition) => {
        const text = formatCondition(condition);
        const result = parseConditionText(text);
        if (!result.ok) throw new Error(`${text}\n${JSON.stringify(result.error)}`);
        expect(result.condition).toEqual(condition);
        count += 1;
      }),
      { numRuns: 1500 },
    );
    expect(count).toBe(1500);
  }, 120_000);

  it("generates every operator in the round trip", () => {
    const seen = new Set<string>();
    for (const c of fc.sample(fieldLeafArb, 3000)) seen.add((c as { op: string }).op);
    expect([...seen].sort()).toEqual([...conditionOps].sort());
  });
});

describe("event fields (a mapping rule's condition)", () => {
  it("are refused by default and parsed with scope.eventFields, printing back the same text", () => {
    const text = 'event.properties.plan = "pro" and event.type = "signup"';
    expect(parseConditionText(text).ok).toBe(false);
    const result = parseConditionText(text, { eventFields: true });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.condition).toEqual({
      and: [
        { field: "event.properties.plan", op: "eq", value: "pro" },
        { field: "event.type", op: "eq", value: "signup" },
      ],
    });
    expect(formatCondition(result.condition)).toBe(text);
  });
});
