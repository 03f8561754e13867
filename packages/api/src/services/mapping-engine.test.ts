import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MappingRuleInput, Profile } from "@cdp/profile-schema";
import type {
  JsonObject,
  MappingInput,
  MappingRuleInputInput,
  ProfileInput,
} from "@cdp/profile-schema";

import {
  applyMappingRule,
  applyMappingRules,
  DEVELOPMENT_HASH_SALT,
  mappingHasher,
  MappingRuleError,
  rulesForEvent,
} from "./mapping-engine";
import type { MappingEvent, RunnableRule } from "./mapping-engine";

const NOW = "2025-03-02T00:00:00.000000Z";
const options = { now: NOW, hash: mappingHasher("test-salt-0123456789") };

let version = 0;
function rule(mappings: MappingInput[], extra: Partial<MappingRuleInputInput> = {}): RunnableRule {
  const parsed = MappingRuleInput.parse({
    id: "r",
    name: "Rule",
    eventTypes: ["signup"],
    mappings,
    ...extra,
  });
  version += 1;
  return { ...parsed, version };
}

function event(properties: JsonObject = {}, extra: Partial<MappingEvent> = {}): MappingEvent {
  return {
    id: "e-1",
    type: "signup",
    time: "2025-03-01T10:00:00.000000Z",
    session: "s-1",
    source: "web",
    properties,
    context: { tz: "Europe/Warsaw", page: { url: "/pricing" } },
    ...extra,
  };
}

const profile = (input: ProfileInput = {}) => Profile.parse({ id: "p-1", ...input });

/** The profile after one mapping on `properties.v` (or a constant), or the error message. */
function run(
  mapping: MappingInput,
  value: JsonObject[string] | undefined,
  start: ProfileInput = {},
): Profile | string {
  const properties: JsonObject = value === undefined ? {} : { v: value };
  try {
    return applyMappingRule(rule([mapping]), profile(start), event(properties), options).profile;
  } catch (error) {
    if (error instanceof MappingRuleError) return error.message;
    throw error;
  }
}

const from = "properties.v";

describe("operations on every field type", () => {
  it.each([
    // [target, op, value, start, read back]
    ["data.pii.firstname", "set", "Ada", {}, "Ada"],
    ["data.pii.firstname", "set_if_empty", "Ada", { data: { pii: { firstname: "Bea" } } }, "Bea"],
    ["data.pii.firstname", "set_if_empty", "Ada", { data: { pii: { firstname: "" } } }, "Ada"],
    ["data.pii.firstname", "remove", true, { data: { pii: { firstname: "Bea" } } }, null],
    ["data.metrics.ltv", "set", 12.5, {}, 12.5],
    ["data.metrics.ltv", "increment", 0.1, { data: { metrics: { ltv: 0.2 } } }, 0.3],
    ["data.metrics.ltv", "decrement", 5, {}, -5],
    ["data.metrics.ltv", "remove", 1, { data: { metrics: { ltv: 9 } } }, 0],
    ["data.metrics.ltv", "set_if_empty", 3, {}, 0],
    ["data.pii.attributes.height", "set_if_empty", 180, {}, 180],
    ["data.job.company.size", "set", 50, {}, 50],
    ["data.job.company.size", "increment", 2, { data: { job: { company: { size: 3 } } } }, 5],
    ["data.metrics.ltcosc", "decrement", 1, { data: { metrics: { ltcosc: 2 } } }, 1],
    ["data.pii.birthday", "set", "1990-04-02", {}, "1990-04-02T00:00:00.000000Z"],
    ["data.metrics.next", "set", "2025-01-01T10:00:00+01:00", {}, "2025-01-01T09:00:00.000000Z"],
    [
      "data.metrics.next",
      "remove",
      "x",
      { data: { metrics: { next: "2025-01-01T00:00:00Z" } } },
      null,
    ],
    ["active", "set", false, {}, false],
    ["active", "remove", 1, { active: false }, true],
    [
      "data.preferences.colors",
      "set",
      ["red", "blue"],
      { data: { preferences: { colors: ["x"] } } },
      ["red", "blue"],
    ],
    ["data.preferences.colors", "set", "red", {}, ["red"]],
    [
      "data.preferences.colors",
      "append",
      ["b", "a", "b"],
      { data: { preferences: { colors: ["a"] } } },
      ["a", "b"],
    ],
    [
      "data.preferences.colors",
      "remove",
      "a",
      { data: { preferences: { colors: ["a", "b"] } } },
      ["b"],
    ],
    ["data.identifier.coupons", "append", "C-1", {}, ["C-1"]],
    [
      "data.preferences.colors",
      "set_if_empty",
      "red",
      { data: { preferences: { colors: [] } } },
      ["red"],
    ],
    ["traits.plan", "set", { tier: "gold" }, {}, { tier: "gold" }],
    ["traits.plan.tier", "set", "gold", { traits: { plan: { since: 2020 } } }, "gold"],
    ["traits.tags", "append", "a", { traits: { tags: ["b"] } }, ["b", "a"]],
    ["traits.tags", "append", [1, { a: 1 }], {}, [1, { a: 1 }]],
    [
      "traits.tags",
      "append",
      { b: 2, a: 1 },
      { traits: { tags: [{ a: 1, b: 2 }] } },
      [{ a: 1, b: 2 }],
    ],
    ["traits.score", "increment", 2, { traits: { score: 1 } }, 3],
    ["traits.plan", "remove", 1, { traits: { plan: "gold", other: 1 } }, undefined],
    ["stats.counters.orders", "increment", 1, {}, 1],
    ["stats.counters.orders", "decrement", 1, { stats: { counters: { orders: 3 } } }, 2],
    ["stats.counters.orders", "set", 10, { stats: { counters: { orders: 3 } } }, 10],
    ["interests.shoes", "add_interest", 0.5, { interests: { shoes: 1 } }, 1.5],
    ["interests.shoes", "set_if_empty", 2, {}, 2],
    ["interests.shoes", "remove", 1, { interests: { shoes: 1, hats: 1 } }, undefined],
  ] as const)("%s %s", (to, op, value, start, expected) => {
    const result = run({ from, to, op }, value as JsonObject[string], start as ProfileInput);
    if (typeof result === "string") throw new Error(result);
    const keys = to.split(".");
    let node: unknown = result;
    for (const key of keys) node = (node as Record<string, unknown> | undefined)?.[key];
    expect(node).toEqual(expected);
  });

  it("adds interests by name, one point each", () => {
    const result = run(
      { from, to: "interests", op: "add_interest", transform: "split" },
      "shoes, hats",
      {
        interests: { shoes: 1 },
      },
    );
    expect(typeof result !== "string" && result.interests).toEqual({ shoes: 2, hats: 1 });
  });

  it("adds and removes static segment tags, sorted and once", () => {
    const added = run({ from, to: "segments", op: "add_segment" }, ["vip", "b2b", "vip"], {
      segments: ["crm"],
    });
    expect(typeof added !== "string" && added.segments).toEqual(["b2b", "crm", "vip"]);
    const removed = run({ from, to: "segments", op: "remove_segment" }, "crm", {
      segments: ["crm", "vip"],
    });
    expect(typeof removed !== "string" && removed.segments).toEqual(["vip"]);
  });

  it("returns consent decisions for the ledger instead of touching consents", () => {
    const applied = applyMappingRule(
      rule([
        { from: { const: "marketing" }, to: "consents", op: "grant_consent" },
        { from: "properties.optOut", to: "consents", op: "revoke_consent" },
      ]),
      profile(),
      event({ optOut: ["analytics", "profiling"] }),
      options,
    );
    expect(applied.profile).toEqual(profile());
    expect(applied.outcome.consents).toEqual([
      { typeId: "marketing", action: "granted", mapping: 0 },
      { typeId: "analytics", action: "revoked", mapping: 1 },
      { typeId: "profiling", action: "revoked", mapping: 1 },
    ]);
  });

  it("skips a mapping whose source is missing or null", () => {
    expect(
      run({ from, to: "data.pii.firstname", op: "set" }, undefined, {
        data: { pii: { firstname: "Bea" } },
      }),
    ).toMatchObject({
      data: { pii: { firstname: "Bea" } },
    });
    expect(
      run({ from, to: "data.pii.firstname", op: "set" }, null, {
        data: { pii: { firstname: "Bea" } },
      }),
    ).toMatchObject({
      data: { pii: { firstname: "Bea" } },
    });
  });

  it("refuses at run time what validation could not know, naming rule, version and mapping", () => {
    version = 10;
    expect(run({ from, to: "data.pii.firstname", op: "set" }, 42)).toBe(
      'Mapping rule "r" (version 11), Mapping 1 (properties.v → data.pii.firstname): First name (string) takes a string, received a number',
    );
    expect(run({ from, to: "data.metrics.ltv", op: "set" }, "12")).toMatch(
      /Lifetime value \(number\) takes a number, received a string$/,
    );
    expect(run({ from, to: "data.job.company.size", op: "set" }, 2.5)).toMatch(/takes an integer/);
    expect(run({ from, to: "data.pii.birthday", op: "set" }, "last spring")).toMatch(
      /Birthday: Invalid date/,
    );
    expect(run({ from, to: "active", op: "set" }, "yes")).toMatch(/takes a boolean/);
    expect(run({ from, to: "data.preferences.colors", op: "append" }, 3)).toMatch(
      /expected a string or a list of them, received a number/,
    );
    expect(
      run({ from, to: "stats.counters.orders", op: "increment" }, 1, {
        stats: { counters: { orders: "many" } },
      }),
    ).toMatch(/Counter "orders" holds something that is not a number/);
    expect(
      run({ from, to: "traits.plan.tier", op: "set" }, "gold", { traits: { plan: "basic" } }),
    ).toMatch(/traits.plan holds a value, not an object/);
    expect(run({ from, to: "segments", op: "add_segment" }, "Not A Slug")).toMatch(/segment id/);
    // The whole profile is validated: a counter may not go below zero.
    expect(run({ from, to: "data.metrics.ltcosc", op: "decrement" }, 1)).toMatch(
      /Mapping 1 \(properties.v → data.metrics.ltcosc\): data.metrics.ltcosc: /,
    );
  });

  it("never quotes the value it refused", () => {
    const message = run({ from, to: "data.metrics.ltv", op: "set" }, "secret-value-123");
    expect(message).not.toContain("secret-value-123");
  });

  it("reports the event path a failing mapping read, and nothing for a constant", () => {
    const failing = (mapping: MappingInput) => {
      try {
        applyMappingRule(rule([mapping]), profile(), event({ v: "x" }), options);
      } catch (error) {
        return error;
      }
      throw new Error("expected a failure");
    };
    expect(
      failing({ from, to: "data.metrics.ltv", op: "set", transform: "to_number" }),
    ).toMatchObject({
      path: "properties.v",
      ruleId: "r",
    });
    expect(
      failing({ from: { const: 5 }, to: "data.metrics.ltcosc", op: "decrement" }),
    ).toMatchObject({ path: undefined });
  });
});

describe("transforms on event values", () => {
  const traitAfter = (value: JsonObject[string], mapping: Partial<MappingInput>) => {
    const result = run({ from, to: "traits.out", op: "set", ...mapping } as MappingInput, value);
    if (typeof result === "string") return result;
    return result.traits["out"];
  };

  it("trims, changes case, converts and splits", () => {
    expect(traitAfter("  Ada ", { transform: "trim" })).toBe("Ada");
    expect(traitAfter("Ada", { transform: "lowercase" })).toBe("ada");
    expect(traitAfter("Ada", { transform: "uppercase" })).toBe("ADA");
    expect(traitAfter("42", { transform: "to_number" })).toBe(42);
    expect(traitAfter("2025-03-01", { transform: "to_date" })).toBe("2025-03-01T00:00:00.000000Z");
    expect(traitAfter("a; b", { transform: "split", separator: ";" })).toEqual(["a", "b"]);
    expect(traitAfter(" A, B ", { transform: ["split", "lowercase"] })).toEqual(["a", "b"]);
    expect(traitAfter("x", { transform: "to_number" })).toMatch(
      /to_number: the string is not a number/,
    );
  });

  it("hashes with salted SHA-256 (salt, then the text), after normalising", () => {
    const hashed = traitAfter(" Ada@Example.com ", { transform: ["trim", "lowercase", "hash"] });
    expect(hashed).toBe(
      createHash("sha256").update("test-salt-0123456789ada@example.com").digest("hex"),
    );
    expect(mappingHasher(DEVELOPMENT_HASH_SALT)("ada@example.com")).not.toBe(hashed);
  });

  it("reads event fields and context as sources", () => {
    const result = applyMappingRule(
      rule([
        { from: "type", to: "traits.last_type", op: "set" },
        { from: "time", to: "data.metrics.next", op: "set" },
        { from: "session.id", to: "traits.session", op: "set" },
        { from: "source", to: "traits.source", op: "set" },
        { from: "context.page.url", to: "traits.page", op: "set" },
        { from: "id", to: "traits.event", op: "set" },
      ]),
      profile(),
      event(),
      options,
    ).profile;
    expect(result.traits).toEqual({
      last_type: "signup",
      session: "s-1",
      source: "web",
      page: "/pricing",
      event: "e-1",
    });
    expect(result.data.metrics.next).toBe("2025-03-01T10:00:00.000000Z");
  });
});

describe("rules", () => {
  it("run in position order, each on what the one before left", () => {
    const second = rule([{ from: { const: "second" }, to: "traits.order", op: "append" }], {
      id: "b",
      position: 2,
    });
    const first = rule([{ from: { const: "first" }, to: "traits.order", op: "append" }], {
      id: "z",
      position: 1,
    });
    const tie = rule([{ from: { const: "tie" }, to: "traits.order", op: "append" }], {
      id: "a",
      position: 2,
    });
    const other = rule([{ from: { const: "other" }, to: "traits.order", op: "append" }], {
      id: "o",
      eventTypes: ["purchase"],
    });
    expect(rulesForEvent([second, first, tie, other], "signup").map((r) => r.id)).toEqual([
      "z",
      "a",
      "b",
    ]);
    const { profile: after, outcomes } = applyMappingRules(
      [second, other, tie, first],
      profile(),
      event(),
      options,
    );
    expect(after.traits["order"]).toEqual(["first", "tie", "second"]);
    expect(outcomes.map((o) => [o.rule.id, o.matched])).toEqual([
      ["z", true],
      ["a", true],
      ["b", true],
    ]);
    expect(outcomes[1]?.changes).toEqual([
      { path: "traits.order", before: ["first"], after: ["first", "tie"] },
    ]);
  });

  it("apply only where their condition holds, on the profile as they find it and the event", () => {
    const setsPlan = rule([{ from: "properties.plan", to: "traits.plan", op: "set" }], {
      id: "a",
      position: 1,
    });
    const welcomesPro = rule([{ from: { const: "vip" }, to: "segments", op: "add_segment" }], {
      id: "b",
      position: 2,
      condition: {
        and: [
          { field: "traits.plan", op: "eq", value: "pro" },
          { field: "event.context.tz", op: "starts_with", value: "Europe/" },
        ],
      },
    });
    const run = (plan: string) =>
      applyMappingRules([setsPlan, welcomesPro], profile(), event({ plan }), options);
    expect(run("pro").profile.segments).toEqual(["vip"]);
    const basic = run("basic");
    expect(basic.profile.segments).toEqual([]);
    expect(basic.outcomes.map((o) => o.matched)).toEqual([true, false]);
    expect(basic.outcomes[1]?.changes).toEqual([]);
  });

  it("fail whole: a failing mapping keeps nothing of its rule, and no later rule runs", () => {
    const ok = rule([{ from: { const: "kept?" }, to: "traits.a", op: "set" }], {
      id: "a",
      position: 1,
    });
    const failing = rule(
      [
        { from: { const: "also kept?" }, to: "traits.b", op: "set" },
        { from: "properties.n", to: "data.metrics.ltv", op: "set" },
      ],
      { id: "b", position: 2 },
    );
    const later = rule([{ from: { const: 1 }, to: "traits.c", op: "set" }], {
      id: "c",
      position: 3,
    });
    const start = profile();
    expect(() =>
      applyMappingRules([ok, failing, later], start, event({ n: "NaN" }), options),
    ).toThrow(/^Mapping rule "b" \(version \d+\), Mapping 2 \(properties.n → data.metrics.ltv\): /);
    expect(start).toEqual(profile());
  });

  it("name drafts as drafts", () => {
    const draft = {
      ...rule([{ from, to: "data.metrics.ltv", op: "set" }]),
      id: "draft",
      version: 0,
    };
    expect(() => applyMappingRule(draft, profile(), event({ v: "x" }), options)).toThrow(
      /^Mapping rule "draft" \(draft\), Mapping 1/,
    );
  });
});

describe("the rule's working copy", () => {
  const start = (): Profile =>
    profile({
      traits: { plan: { tier: "basic", since: 2020 }, tags: ["a"] },
      interests: { shoes: 1 },
      data: { pii: { firstname: "Bea" }, contact: { email: { main: "bea@example.com" } } },
      stats: { visits: 2, counters: { orders: 1 } },
    });

  it("changes only copies: the profile it read is left as it was, untouched groups are shared", () => {
    const before = start();
    const snapshot = structuredClone(before);
    const { profile: after } = applyMappingRule(
      rule([
        { from, to: "traits.plan.tier", op: "set" },
        { from: { const: "Ada" }, to: "data.pii.firstname", op: "set" },
        { from: { const: 1 }, to: "interests.hats", op: "add_interest" },
        { from: { const: "x" }, to: "traits.tags", op: "append" },
      ]),
      before,
      event({ v: "gold" }),
      options,
    );
    expect(before).toEqual(snapshot);
    expect(after).toEqual(Profile.parse(structuredClone(after)));
    expect(after.traits).toEqual({ plan: { tier: "gold", since: 2020 }, tags: ["a", "x"] });
    expect(after.data.pii.firstname).toBe("Ada");
    expect(after.interests).toEqual({ shoes: 1, hats: 1 });
    expect(after.stats).toBe(before.stats);
    expect(after.metadata).toBe(before.metadata);
    expect(after.consents).toBe(before.consents);
  });

  it("derives data.anonymous again when a rule sets or clears a contact", () => {
    const cleared = applyMappingRule(
      rule([{ from, to: "data.contact.email.main", op: "remove" }]),
      start(),
      event({ v: 1 }),
      options,
    ).profile;
    expect(cleared.data.contact.email.main).toBeNull();
    expect(cleared.data.anonymous).toBe(true);
    const set = applyMappingRule(
      rule([{ from, to: "data.contact.phone.main", op: "set" }]),
      cleared,
      event({ v: "+48 600 000 000" }),
      options,
    ).profile;
    expect(set.data.anonymous).toBe(false);
  });

  it("reports the first invalid field in the profile schema's order, as a whole parse does", () => {
    // `interests` comes before `data` in the schema: its issue is reported, not the counter's.
    const mappings: MappingInput[] = [
      { from: { const: 1 }, to: "data.metrics.ltcosc", op: "decrement" },
      { from: { const: Number.MAX_VALUE }, to: "interests.shoes", op: "add_interest" },
    ];
    const doc = { ...start(), interests: { shoes: Number.MAX_VALUE } };
    const whole = Profile.safeParse({
      ...doc,
      interests: { shoes: Infinity },
      data: { ...doc.data, metrics: { ...doc.data.metrics, ltcosc: -1 } },
    });
    const first = whole.error?.issues[0];
    expect(first?.path).toEqual(["interests", "shoes"]);
    expect(() => applyMappingRule(rule(mappings), doc, event(), options)).toThrow(
      `Mapping 2 (constant → interests.shoes): interests.shoes: ${first?.message}`,
    );
  });
});
