import { describe, expect, it } from "vitest";

import { JsonObject, JsonValue, safeRecord, unstorableJson, unstorableText } from "./json";
import { z } from "zod";

function issues(schema: z.ZodType, input: unknown) {
  return schema.safeParse(input).error?.issues.map(({ path, message }) => ({ path, message }));
}

describe("JsonValue", () => {
  it("accepts JSON and returns a deep copy", () => {
    const input = { a: [1, "x", true, null, { b: 2.5 }], c: {} };
    const output = JsonValue.parse(input);
    expect(output).toEqual(input);
    expect(output).not.toBe(input);
    expect((output as { a: unknown[] }).a).not.toBe(input.a);
  });

  it.each([
    ["a function", { f: () => 1 }, ["f"]],
    ["undefined", { u: undefined }, ["u"]],
    ["NaN", [1, Number.NaN], [1]],
    ["Infinity", { n: { m: Number.POSITIVE_INFINITY } }, ["n", "m"]],
    ["a Date", { d: new Date(0) }, ["d"]],
    ["a Map", { m: new Map() }, ["m"]],
    ["a bigint", { b: 1n }, ["b"]],
    ["a symbol", { s: Symbol("x") }, ["s"]],
  ])("rejects %s with its path", (_name, input, path) => {
    expect(issues(JsonValue, input)?.[0]?.path).toEqual(path);
  });

  it("rejects cycles", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    expect(issues(JsonValue, cyclic)?.[0]).toEqual({
      path: ["self"],
      message: "Circular reference is not JSON",
    });
  });

  it.each(["__proto__", "constructor", "prototype"])("rejects the %s key at any depth", (key) => {
    const input: unknown = JSON.parse(`{"a":[{"${key}":{"polluted":true}}]}`);
    expect(issues(JsonValue, input)).toEqual([
      {
        path: ["a", 0, key],
        message: `Key "${key}" is not allowed: it is a prototype-pollution vector`,
      },
    ]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});

describe("JsonObject", () => {
  it("accepts objects only", () => {
    expect(JsonObject.parse({ a: 1 })).toEqual({ a: 1 });
    expect(issues(JsonObject, [1])?.[0]?.message).toBe("Expected an object, received array");
    expect(issues(JsonObject, null)?.[0]?.message).toBe("Expected an object, received null");
  });
});

describe("safeRecord", () => {
  const Scores = safeRecord(z.number());

  it("validates values with their key in the path", () => {
    expect(Scores.parse({ a: 1 })).toEqual({ a: 1 });
    expect(issues(Scores, { a: "x" })?.[0]?.path).toEqual(["a"]);
  });

  it.each(["__proto__", "constructor", "prototype"])("rejects the %s key", (key) => {
    expect(issues(Scores, JSON.parse(`{"${key}": 1}`))).toEqual([
      { path: [key], message: `Key "${key}" is not allowed: it is a prototype-pollution vector` },
    ]);
  });

  it("rejects an empty key", () => {
    expect(issues(Scores, { "": 1 })?.[0]).toEqual({
      path: [""],
      message: "Key must not be empty",
    });
  });
});

describe("unstorableJson", () => {
  it("finds NUL and unpaired surrogates in values and keys, by path", () => {
    const input: unknown = JSON.parse(
      '{"ok":"\u{1F600} שלום","a":["x\\u0000"],"b":{"\\ud800":1},"c":"\\udc00\\ud800"}',
    );
    expect(unstorableJson(input)).toEqual([
      { path: ["a", 0], message: "Text must not contain the NUL character" },
      { path: ["b"], message: "A key must not contain unpaired surrogates" },
      { path: ["c"], message: "Text must not contain unpaired surrogates" },
    ]);
    expect(unstorableText("a pair: \ud83d\ude00")).toBeNull();
  });

  it("stops at the depth limit without recursing, however deep the input", () => {
    expect(unstorableJson(JSON.parse(`${"[".repeat(64)}${"]".repeat(64)}`))).toEqual([]);
    const deep: unknown = JSON.parse(`${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`);
    expect(unstorableJson(deep)).toEqual([
      { path: new Array(64).fill(0), message: "Nested deeper than 64 levels" },
    ]);
  });

  it("reports at most 20 issues", () => {
    expect(unstorableJson(new Array(1000).fill("\u0000"))).toHaveLength(20);
  });
});
