/**
 * Hostile values and how they are worked into valid inputs: wrong types, huge strings, deep
 * nesting, unicode edge cases, prototype keys, SQL fragments, non-finite numbers, impossible
 * dates — and the transport-level abuse (malformed JSON, empty bodies, wrong content types).
 */
import fc from "fast-check";

import { entriesOf, Live, RawObject, RawToken } from "./raw";
import type { Raw } from "./raw";

// ---------------------------------------------------------------------------------------------
// 1. Values
// ---------------------------------------------------------------------------------------------

/** Strings that have broken query builders, LIKE patterns and escaping before. */
export const SQL_FRAGMENTS = [
  "'; drop table profile; --",
  "' or '1'='1",
  '"; delete from profile where ""="',
  "%",
  "_",
  "\\",
  "%_%\\%",
  "\\'",
  "$1",
  "$$; select 1; $$",
  "/*",
  "-- ",
  "E'\\\\x00'",
  "a' || (select current_user) || '",
  '{"$ne": null}',
] as const;

/** Unicode that is valid but unusual, and code units that are not characters at all. */
export const UNICODE_EDGES = [
  "👩‍👩‍👧‍👦",
  "🏳️‍🌈",
  "\u202Eevil\u202C",
  "שלום עולם",
  "مرحبا",
  "e\u0301\u0301\u0301",
  "\u200B\u200C\u200D",
  "\uFEFF",
  "\u2028\u2029",
  "\uFFFF\uFFFE",
  "ＡＢＣ",
  "中文字符",
  "Z̤̺̦̤̰̠͓̎̋̀͝a̧̛̰̹͕̰͕͓l̷̨̢͇͎̠̔̋g̸̡̪̜͉̓o",
  "\u0007\u001B[31m",
  "\t\n\r",
  "\u0000",
  "a\u0000b",
  "\uD800",
  "\uDFFF",
  "x\uDBFFy",
  "\uDC00\uD800",
] as const;

/** Dates that are out of range, impossible, or only almost ISO 8601. */
export const BAD_DATES = [
  "+275760-09-13T00:00:00.001Z",
  "-271821-04-20T00:00:00.000Z",
  "0000-00-00",
  "0000-01-01T00:00:00Z",
  "2025-02-30",
  "2025-02-29T00:00:00Z",
  "2025-13-01T00:00:00Z",
  "2025-01-01T24:00:00Z",
  "2025-01-01T23:59:60Z",
  "2025-01-01T00:00:00+24:00",
  "2025-01-01T00:00:00",
  "10000-01-01T00:00:00Z",
  "9999-12-31T23:59:59.999999-01:00",
  "0001-01-01T00:00:00+01:00",
  "2025-01-01T00:00:00.123456789012345678901234567890Z",
  "1970-01-01T00:00:00Z\u0000",
  "Tue, 01 Jan 2025 00:00:00 GMT",
  "NaN",
  "Infinity",
  "",
] as const;

/** Dates at the edges of what is valid. */
export const EDGE_DATES = [
  "0001-01-01T00:00:00Z",
  "9999-12-31T23:59:59.999999Z",
  "2024-02-29T12:00:00+14:00",
  "1970-01-01T00:00:00.000001Z",
] as const;

/** Keys that reach prototypes, read as paths, or are simply odd. */
export const HOSTILE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "",
  " ",
  "a.b",
  "..",
  "0",
  "$where",
  "💥",
  "\u0000",
  "\uD800",
  "'; drop table profile; --",
  "unknownField",
] as const;

/** Numbers at the edges of every numeric check (safe-integer range, int32, signs, fractions). */
export const EDGE_NUMBERS = [
  0,
  -0,
  -1,
  1.5,
  0.1,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  1e308,
  -1e308,
  5e-324,
  1e21,
] as const;

/** JSON text that is not JSON (`NaN`) or that parses to a non-finite number (`1e400`). */
export const NUMBER_TOKENS = [
  "NaN",
  "Infinity",
  "-Infinity",
  "1e400",
  "-1e400",
  "0x10",
  "+1",
  "01",
  ".5",
] as const;

const pollution = (): Raw => new RawObject([["polluted", "yes"]]);

/** Objects whose keys try to reach `Object.prototype` when merged or assigned key by key. */
export const PROTO_OBJECTS: readonly Raw[] = [
  new RawObject([["__proto__", pollution()]]),
  new RawObject([["constructor", new RawObject([["prototype", pollution()]])]]),
  new RawObject([["prototype", pollution()]]),
  new RawObject([
    ["a", 1],
    [
      "__proto__",
      new RawObject([
        ["polluted", "yes"],
        ["isAdmin", true],
      ]),
    ],
  ]),
];

/** Nesting written out as text: `[[[…]]]` or `{"a":{"a":…}}`, `depth` levels. */
export function nested(kind: "array" | "object", depth: number): RawToken {
  return kind === "array"
    ? new RawToken(`${"[".repeat(depth)}${"]".repeat(depth)}`)
    : new RawToken(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`);
}

const depths = fc.constantFrom(20, 65, 200, 5_000);

/** A string no sane client sends, but any client may. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SQL_FRAGMENTS),
  fc.constantFrom(...UNICODE_EDGES),
  fc.constantFrom(...BAD_DATES),
  fc.constantFrom(...HOSTILE_KEYS),
  fc.constantFrom(
    "email:",
    "phone:+",
    "ext:",
    "id:",
    "email:x@example.com",
    "phone:+48 600 100 200",
  ),
  fc.constantFrom("x".repeat(100_000), "😀".repeat(30_000), " ".repeat(5_000), "a".repeat(513)),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
);

/** A value of any type, chosen to break whatever was expected at its place. */
export const hostileValue: fc.Arbitrary<Raw> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.constantFrom<Raw>(...EDGE_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(...NUMBER_TOKENS).map((t) => new RawToken(t)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Raw>(null, true, false, [], {}, [null], [[]], "", "1", 1),
  },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_OBJECTS) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom("array" as const, "object" as const), depths)
      .map(([k, d]) => nested(k, d)),
  },
  { weight: 1, arbitrary: fc.array(hostileStringShort(), { maxLength: 300 }) },
);

function hostileStringShort(): fc.Arbitrary<Raw> {
  return fc.oneof(fc.constantFrom(...SQL_FRAGMENTS), fc.constantFrom(...UNICODE_EDGES));
}

// ---------------------------------------------------------------------------------------------
// 2. Working them into valid inputs
// ---------------------------------------------------------------------------------------------

/** One way of spoiling a node of an input tree. */
type Mutation =
  | { op: "replace"; value: Raw }
  | { op: "addKey"; key: string; value: Raw }
  | { op: "dropKey"; n: number }
  | { op: "wrap"; how: "array" | "object" }
  | { op: "affix"; text: string; where: "prefix" | "suffix" }
  | { op: "duplicateKey"; value: Raw }
  | { op: "protoKey"; key: "__proto__" | "constructor" | "prototype" };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: hostileValue.map((value): Mutation => ({ op: "replace", value })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...HOSTILE_KEYS), hostileValue)
      .map(([key, value]): Mutation => ({ op: "addKey", key, value })),
  },
  { weight: 1, arbitrary: fc.nat().map((n): Mutation => ({ op: "dropKey", n })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("array" as const, "object" as const)
      .map((how): Mutation => ({ op: "wrap", how })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(hostileString, fc.constantFrom("prefix" as const, "suffix" as const))
      .map(([text, where]): Mutation => ({ op: "affix", text, where })),
  },
  { weight: 1, arbitrary: hostileValue.map((value): Mutation => ({ op: "duplicateKey", value })) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom("__proto__" as const, "constructor" as const, "prototype" as const)
      .map((key): Mutation => ({ op: "protoKey", key })),
  },
);

function protoPayload(key: "__proto__" | "constructor" | "prototype"): Raw {
  return key === "constructor" ? new RawObject([["prototype", pollution()]]) : pollution();
}

function apply(node: Raw, m: Mutation): Raw {
  const entries = entriesOf(node);
  switch (m.op) {
    case "replace":
      return m.value;
    case "addKey":
      return new RawObject([...(entries ?? []), [m.key, m.value]]);
    case "protoKey":
      return new RawObject([...(entries ?? []), [m.key, protoPayload(m.key)]]);
    case "dropKey":
      if (entries && entries.length > 0) {
        return new RawObject(entries.filter((_, i) => i !== m.n % entries.length));
      }
      if (Array.isArray(node) && node.length > 0) {
        const items = node as readonly Raw[];
        return items.filter((_, i) => i !== m.n % items.length);
      }
      return node;
    case "wrap":
      return m.how === "array" ? [node] : new RawObject([["value", node]]);
    case "affix":
      if (typeof node === "string") return m.where === "prefix" ? m.text + node : node + m.text;
      return m.text;
    case "duplicateKey":
      if (entries && entries.length > 0) {
        const [key] = entries[0] ?? ["", null];
        return new RawObject([...entries, [key, m.value]]);
      }
      return m.value;
  }
}

/** The nodes of a tree in pre-order, counted; `rewrite` replaces the n-th. */
function count(node: Raw): number {
  if (node instanceof Live || node instanceof RawToken) return 1;
  if (Array.isArray(node))
    return 1 + (node as readonly Raw[]).reduce((n: number, c) => n + count(c), 0);
  const entries = entriesOf(node);
  if (entries) return 1 + entries.reduce((n, [, c]) => n + count(c), 0);
  return 1;
}

function rewrite(node: Raw, target: number, fn: (node: Raw) => Raw): Raw {
  let seen = 0;
  const visit = (n: Raw): Raw => {
    const here = seen++;
    if (here === target) return fn(n);
    if (n instanceof Live || n instanceof RawToken) return n;
    if (Array.isArray(n)) return (n as readonly Raw[]).map(visit);
    const entries = entriesOf(n);
    if (entries) return new RawObject(entries.map(([k, v]) => [k, visit(v)] as const));
    return n;
  };
  return visit(node);
}

/** A valid input with one to three of its nodes spoiled; says what was done. */
export function mutated(valid: fc.Arbitrary<Raw>): fc.Arbitrary<{ value: Raw; what: string }> {
  return fc
    .tuple(valid, fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 3 }))
    .map(([input, steps]) => {
      let value = input;
      const what: string[] = [];
      for (const [pick, m] of steps) {
        const target = pick % count(value);
        value = rewrite(value, target, (node) => apply(node, m));
        what.push(`${m.op}@${target}`);
      }
      return { value, what: what.join(", ") };
    });
}

// ---------------------------------------------------------------------------------------------
// 3. Transport
// ---------------------------------------------------------------------------------------------

/** Abuse of the request itself: how to spoil the JSON text of a valid input, and the content type. */
export interface Transport {
  what: string;
  contentType: string | null;
  body(validText: string): string;
}

const CONTENT_TYPES = [
  null,
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=fuzz",
  "application/octet-stream",
  "application/json; charset=utf-16",
  "APPLICATION/JSON",
  "application/json-patch+json",
  "application/xml",
] as const;

const json = (what: string, body: (text: string) => string): Transport => ({
  what,
  contentType: "application/json",
  body,
});

/** Broken JSON, odd roots, deep nesting, wrong content types. */
export const transport: fc.Arbitrary<Transport> = fc.oneof(
  fc.nat().map((n) => json("truncated JSON", (t) => t.slice(0, n % Math.max(1, t.length)))),
  fc
    .constantFrom("}", ",", "]", "\u0000", " x", "{}", "\n{")
    .map((tail) => json(`JSON + ${JSON.stringify(tail)}`, (t) => t + tail)),
  fc.constant(json("empty body", () => "")),
  fc
    .constantFrom("null", "1", '"text"', "[]", "true", "[{}]", "{}")
    .map((root) => json(`root ${root}`, () => root)),
  fc
    .constantFrom(...NUMBER_TOKENS)
    .map((token) => json(`token ${token}`, () => `{"value":${token}}`)),
  fc
    .constantFrom("NaN", "Infinity", "undefined", "{'a':1}", "{a:1}", '{"a":1,}', "[1,]", "/* */{}")
    .map((text) => json(`not JSON: ${text}`, () => text)),
  fc
    .tuple(fc.constantFrom("array" as const, "object" as const), depths)
    .map(([kind, depth]) => json(`root nested ${kind} × ${depth}`, () => nested(kind, depth).text)),
  fc.constant(json("BOM + JSON", (t) => `\uFEFF${t}`)),
  fc.constantFrom(...CONTENT_TYPES).map((contentType): Transport => ({
    what: `content-type ${contentType}`,
    contentType,
    body: (t) => t,
  })),
);
