import { describe, expect, it } from "vitest";

import { checkCondition } from "./condition";
import { evaluateCondition } from "./condition-eval";
import { describeCondition } from "./condition-describe";
import {
  applyMappingTransforms,
  MAPPING_EXPORT_FORMAT,
  MappingExport,
  MappingImport,
  mappingOperand,
  MappingRuleInput,
  MappingRuleUpdate,
  mappingTargets,
  MappingTestInput,
  MappingValueError,
  resolveMappingSource,
  resolveMappingTarget,
  validateMappingRule,
} from "./mapping";
import type { MappingInput, MappingRuleInputInput, MappingTarget } from "./mapping";
import { Mapping } from "./mapping";
import { Profile } from "./profile";

const rule = (mappings: MappingInput[], extra: Partial<MappingRuleInputInput> = {}) => ({
  id: "welcome",
  name: "Welcome",
  eventTypes: ["signup"],
  mappings,
  ...extra,
});

/** The field errors of a rule as `path: message`. */
function errorsOf(input: unknown): Record<string, string> {
  const parsed = MappingRuleInput.safeParse(input);
  if (parsed.success) return {};
  return Object.fromEntries(parsed.error.issues.map((i) => [i.path.join("."), i.message]));
}

const target = (path: string): MappingTarget => {
  const resolved = resolveMappingTarget(path);
  if (!resolved.ok) throw new Error(resolved.message);
  return resolved.target;
};

const noHash = { hash: (text: string) => `h(${text})` };

describe("the target catalogue", () => {
  const byPath = new Map(mappingTargets.map((t) => [t.path, t]));

  it("derives typed fields with their PII flags from the profile schema", () => {
    expect(byPath.get("data.pii.firstname")).toMatchObject({
      kind: "field",
      type: "string",
      pii: true,
      label: "First name",
      ops: ["set", "set_if_empty", "remove"],
    });
    expect(byPath.get("data.pii.attributes.height")).toMatchObject({ type: "number", pii: true });
    expect(byPath.get("data.job.company.size")).toMatchObject({ type: "integer", pii: false });
    expect(byPath.get("data.pii.birthday")).toMatchObject({ type: "date" });
    expect(byPath.get("active")).toMatchObject({ type: "bool" });
    expect(byPath.get("data.preferences.brands")?.ops).toContain("append");
    expect(byPath.get("data.metrics.ltv")?.ops).toEqual(
      expect.arrayContaining(["increment", "decrement"]),
    );
  });

  it("leaves out what the platform keeps and what only collections change", () => {
    for (const path of [
      "id",
      "ids",
      "primary_id",
      "metadata.time.update",
      "data.anonymous",
      "stats.visits",
      "stats.views",
      "traits",
      "aux",
    ]) {
      expect(byPath.has(path), path).toBe(false);
    }
    expect(byPath.get("segments")).toMatchObject({
      kind: "collection",
      ops: ["add_segment", "remove_segment"],
    });
    expect(byPath.get("consents")?.ops).toEqual(["grant_consent", "revoke_consent"]);
    expect(byPath.get("traits.*")).toMatchObject({ kind: "free", type: "json" });
    expect(byPath.get("interests.*")?.ops).toContain("add_interest");
    expect(byPath.get("stats.counters.*")).toMatchObject({ type: "number" });
  });

  it("resolves concrete paths and says why others cannot be written", () => {
    expect(target("traits.plan.tier")).toMatchObject({
      kind: "free",
      type: "json",
      segments: ["traits", "plan", "tier"],
      label: 'Trait "plan.tier"',
    });
    expect(target("stats.counters.orders")).toMatchObject({ type: "number" });
    const refusal = (path: string) => {
      const r = resolveMappingTarget(path);
      return r.ok ? "ok" : r.message;
    };
    expect(refusal("metadata.time.update")).toMatch(/kept by the platform/);
    expect(refusal("stats.visits")).toMatch(/built-in mappings/);
    expect(refusal("consents.marketing")).toMatch(/grant_consent or revoke_consent/);
    expect(refusal("data.pii.nickname")).toBe('Unknown profile path "data.pii.nickname"');
    expect(refusal("interests.a.b")).toMatch(/one level of keys/);
    expect(refusal("aux")).toMatch(/free map/);
    expect(refusal("traits.__proto__")).toMatch(/not allowed/);
  });
});

describe("sources", () => {
  it("reads event fields, free event paths and constants with their types", () => {
    const source = (from: Parameters<typeof resolveMappingSource>[0]) => {
      const r = resolveMappingSource(from);
      if (!r.ok) throw new Error(r.message);
      return r.source;
    };
    expect(source("time")).toMatchObject({ kind: "event", type: "date", segments: ["time"] });
    expect(source("session.id")).toMatchObject({ type: "string", segments: ["session"] });
    expect(source("properties.cart.total")).toMatchObject({
      type: "json",
      segments: ["properties", "cart", "total"],
    });
    expect(source({ const: 3 }).type).toBe("integer");
    expect(source({ const: 3.5 }).type).toBe("number");
    expect(source({ const: "2025-01-02" }).type).toBe("date");
    expect(source({ const: ["a", "b"] }).type).toBe("list");
    expect(source({ const: { a: 1 } }).type).toBe("json");
    const bad = resolveMappingSource("profile.email");
    expect(bad.ok ? "" : bad.message).toMatch(/^Unknown event path "profile.email"/);
  });
});

describe("validation when a rule is saved", () => {
  it("refuses a type that cannot go into the target, at mappings.N.to, naming the mapping", () => {
    expect(
      errorsOf(
        rule([
          { from: "properties.plan", to: "traits.plan", op: "set" },
          { from: "type", to: "data.pii.firstname", op: "set" },
          { from: "time", to: "data.pii.attributes.height", op: "set" },
        ]),
      ),
    ).toEqual({
      "mappings.2.to":
        "Mapping 3 (time → data.pii.attributes.height): a date cannot go into Height (number)",
    });
    expect(
      errorsOf(rule([{ from: "type", to: "data.metrics.ltv", op: "set" }]))["mappings.0.to"],
    ).toBe(
      "Mapping 1 (type → data.metrics.ltv): a string cannot go into Lifetime value (number): add the to_number transform",
    );
    expect(errorsOf(rule([{ from: { const: "abc" }, to: "data.metrics.ltv", op: "set" }]))).toEqual(
      {
        "mappings.0.to":
          "Mapping 1 (constant → data.metrics.ltv): a string cannot go into Lifetime value (number): add the to_number transform",
      },
    );
    expect(errorsOf(rule([{ from: "type", to: "data.pii.birthday", op: "set" }]))).toEqual({
      "mappings.0.to":
        "Mapping 1 (type → data.pii.birthday): a string cannot go into Birthday (date): add the to_date transform",
    });
  });

  it("refuses an operation the target does not take, and lists the ones it does", () => {
    expect(
      errorsOf(rule([{ from: { const: "x" }, to: "data.pii.firstname", op: "append" }])),
    ).toEqual({
      "mappings.0.op":
        "Mapping 1 (constant → data.pii.firstname): append does not apply to First name (string); use set, set_if_empty, remove",
    });
    expect(
      Object.keys(errorsOf(rule([{ from: { const: "vip" }, to: "segments", op: "set" }]))),
    ).toEqual(["mappings.0.op"]);
    expect(
      Object.keys(
        errorsOf(rule([{ from: { const: 1 }, to: "data.pii.firstname", op: "increment" }])),
      ),
    ).toEqual(["mappings.0.op"]);
  });

  it("types transform chains step by step", () => {
    expect(
      errorsOf(
        rule([
          {
            from: "properties.tags",
            to: "data.preferences.brands",
            op: "append",
            transform: ["split", "lowercase", "trim"],
          },
          {
            from: "properties.age",
            to: "data.pii.attributes.height",
            op: "set",
            transform: "to_number",
          },
          { from: "properties.born", to: "data.pii.birthday", op: "set", transform: "to_date" },
          {
            from: "properties.email",
            to: "traits.email_hash",
            op: "set",
            transform: ["trim", "lowercase", "hash"],
          },
        ]),
      ),
    ).toEqual({});
    expect(
      errorsOf(rule([{ from: "time", to: "traits.x", op: "set", transform: ["to_number"] }])),
    ).toEqual({
      "mappings.0.transform.0": "Mapping 1 (time → traits.x): to_number cannot take a date",
    });
    expect(
      errorsOf(rule([{ from: "type", to: "data.pii.firstname", op: "set", transform: ["split"] }])),
    ).toEqual({
      "mappings.0.to":
        "Mapping 1 (type → data.pii.firstname): a list cannot go into First name (string)",
    });
    expect(errorsOf(rule([{ from: "type", to: "traits.x", op: "set", separator: ";" }]))).toEqual({
      "mappings.0.separator":
        "Mapping 1 (type → traits.x): a separator is only used by the split transform",
    });
  });

  it("keeps identification properties out of fields staff read in the clear, unless hashed", () => {
    expect(errorsOf(rule([{ from: "properties.email", to: "traits.email", op: "set" }]))).toEqual({
      "mappings.0.to":
        'Mapping 1 (properties.email → traits.email): properties.email holds personal data, and Trait "email" is not a personal-data field: map it to one, or add the hash transform',
    });
    expect(
      errorsOf(rule([{ from: "properties.firstname", to: "data.pii.display_name", op: "set" }])),
    ).toEqual({});
    expect(
      errorsOf(
        rule([{ from: "properties.phone", to: "traits.phone_hash", op: "set", transform: "hash" }]),
      ),
    ).toEqual({});
  });

  it("checks constants by value", () => {
    expect(
      errorsOf(rule([{ from: { const: 2.5 }, to: "data.job.company.size", op: "set" }])),
    ).toEqual({
      "mappings.0.from":
        "Mapping 1 (constant → data.job.company.size): the constant does not fit: Company size (integer) takes an integer, received a number",
    });
    expect(
      Object.keys(
        errorsOf(rule([{ from: { const: "Not A Slug" }, to: "segments", op: "add_segment" }])),
      ),
    ).toEqual(["mappings.0.from"]);
    expect(
      errorsOf(
        rule([
          {
            from: { const: "Not A Slug" },
            to: "segments",
            op: "add_segment",
            transform: ["lowercase"],
          },
        ]),
      )["mappings.0.from"],
    ).toMatch(/segment id/);
    expect(
      errorsOf(rule([{ from: { const: "2025-13-01" }, to: "data.pii.birthday", op: "set" }])),
    ).toHaveProperty("mappings.0.to");
    expect(errorsOf(rule([{ from: { const: null }, to: "traits.x", op: "set" }]))).toEqual({
      "mappings.0.from.const":
        "A constant must not be null: use the remove operation to clear a field",
    });
  });

  it("names unknown paths, duplicate event types and bad conditions at their place", () => {
    expect(
      errorsOf(
        rule([{ from: "profile.name", to: "data.pii.nickname", op: "set" }], {
          eventTypes: ["signup", "signup"],
          condition: { field: "event.properties.plan", op: "eq", value: "pro" },
        }),
      ),
    ).toEqual({
      "eventTypes.1": '"signup" is listed twice',
      "mappings.0.from": expect.stringMatching(
        /^Mapping 1 \(profile.name → data.pii.nickname\): Unknown event path/,
      ),
      "mappings.0.to":
        'Mapping 1 (profile.name → data.pii.nickname): Unknown profile path "data.pii.nickname"',
    });
    expect(
      errorsOf(
        rule([{ from: "type", to: "traits.x", op: "set" }], {
          condition: {
            and: [
              { field: "event.nope", op: "exists" },
              { event: { type: "buy", count: { gte: 1 }, within: "7d" } },
            ],
          },
        }),
      ),
    ).toEqual({
      "condition.and.0.field": expect.stringMatching(/^Unknown event field "event.nope"/),
    });
    expect(
      errorsOf(
        rule([{ from: "type", to: "traits.x", op: "set" }], {
          condition: { event: { type: "buy", count: { gte: 1 }, within: "7d" } },
        }),
      ),
    ).toEqual({ "condition.event": expect.stringMatching(/cannot count stored events/) });
  });

  it("is the same check as validateMappingRule, which gives dotted paths", () => {
    const mappings = [
      Mapping.parse({ from: "type", to: "traits.ok", op: "set" }),
      Mapping.parse({ from: { const: true }, to: "data.pii.firstname", op: "set" }),
    ];
    expect(validateMappingRule({ mappings })).toEqual([
      {
        path: "mappings.1.to",
        message:
          "Mapping 2 (constant → data.pii.firstname): a boolean cannot go into First name (string)",
      },
    ]);
  });

  it("normalises what it stores: transforms as a list, defaults filled", () => {
    const parsed = MappingRuleInput.parse(
      rule([
        { from: "properties.email", to: "data.contact.email.main", op: "set", transform: "trim" },
      ]),
    );
    expect(parsed).toEqual({
      id: "welcome",
      name: "Welcome",
      description: null,
      enabled: false,
      eventTypes: ["signup"],
      condition: null,
      position: 0,
      mappings: [
        { from: "properties.email", to: "data.contact.email.main", op: "set", transform: ["trim"] },
      ],
    });
    expect(MappingRuleInput.parse(parsed)).toEqual(parsed);
    expect(MappingRuleUpdate.safeParse({ ...parsed, enabled: undefined, version: 0 }).success).toBe(
      false,
    );
  });

  it("refuses unknown keys anywhere (strict inputs)", () => {
    expect(errorsOf({ ...rule([{ from: "type", to: "traits.x", op: "set" }]), extra: 1 })).toEqual({
      extra: "Unknown field",
    });
    expect(
      errorsOf(rule([{ from: "type", to: "traits.x", op: "set", when: 1 } as MappingInput])),
    ).toEqual({ "mappings.0.when": "Unknown field" });
  });
});

describe("transforms", () => {
  const run = (
    value: Parameters<typeof applyMappingTransforms>[0],
    steps: Parameters<typeof applyMappingTransforms>[1],
    separator?: string,
  ) => applyMappingTransforms(value, steps, { ...noHash, separator });
  const failure = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      if (error instanceof MappingValueError) return error.message;
      throw error;
    }
    return "no error";
  };

  it("trims, lowercases and uppercases text and each item of a list", () => {
    expect(run("  Ada  ", ["trim"])).toBe("Ada");
    expect(run("Ada", ["lowercase"])).toBe("ada");
    expect(run("Ada", ["uppercase"])).toBe("ADA");
    expect(run([" A", "b "], ["trim", "uppercase"])).toEqual(["A", "B"]);
    expect(failure(() => run(3, ["trim"]))).toBe("trim takes a string, received a number");
  });

  it("converts to numbers and dates, refusing what is neither", () => {
    expect(run(" 42.5 ", ["to_number"])).toBe(42.5);
    expect(run(7, ["to_number"])).toBe(7);
    expect(run("-1e3", ["to_number"])).toBe(-1000);
    expect(failure(() => run("0x10", ["to_number"]))).toBe("to_number: the string is not a number");
    expect(failure(() => run("", ["to_number"]))).toBe("to_number: the string is not a number");
    expect(failure(() => run(true, ["to_number"]))).toMatch(/received a boolean/);
    expect(run("2025-03-01", ["to_date"])).toBe("2025-03-01T00:00:00.000000Z");
    expect(run("2025-03-01 10:00:00", ["to_date"])).toBe("2025-03-01T10:00:00.000000Z");
    expect(run("2025-03-01T10:00:00+02:00", ["to_date"])).toBe("2025-03-01T08:00:00.000000Z");
    expect(failure(() => run("yesterday", ["to_date"]))).toMatch(/^to_date: Invalid date/);
  });

  it("hashes text and numbers through the given function, and splits text", () => {
    expect(run("Ada", ["hash"])).toBe("h(Ada)");
    expect(run(12, ["hash"])).toBe("h(12)");
    expect(run(["a", "b"], ["hash"])).toEqual(["h(a)", "h(b)"]);
    expect(run("a, b,,c ", ["split"])).toEqual(["a", "b", "c"]);
    expect(run("a;b", ["split"], ";")).toEqual(["a", "b"]);
    expect(failure(() => run(["a"], ["split"]))).toBe("split takes a string, received a list");
  });
});

describe("operands: what each operation takes from a value", () => {
  const failure = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      if (error instanceof MappingValueError) return error.message;
      throw error;
    }
    return "no error";
  };

  it("set takes exactly the target's type (dates normalised, a string makes a one-item list)", () => {
    expect(mappingOperand("Ada", target("data.pii.firstname"), "set")).toBe("Ada");
    expect(mappingOperand(1.5, target("data.metrics.ltv"), "set")).toBe(1.5);
    expect(mappingOperand(3, target("data.job.company.size"), "set")).toBe(3);
    expect(mappingOperand(false, target("active"), "set")).toBe(false);
    expect(mappingOperand("2025-01-02", target("data.pii.birthday"), "set")).toBe(
      "2025-01-02T00:00:00.000000Z",
    );
    expect(mappingOperand("red", target("data.preferences.colors"), "set")).toEqual(["red"]);
    expect(mappingOperand({ a: [1] }, target("traits.x"), "set")).toEqual({ a: [1] });
    expect(failure(() => mappingOperand(3, target("data.pii.firstname"), "set"))).toBe(
      "First name (string) takes a string, received a number",
    );
    expect(failure(() => mappingOperand("3", target("data.metrics.ltv"), "set"))).toBe(
      "Lifetime value (number) takes a number, received a string",
    );
    expect(failure(() => mappingOperand(3.5, target("data.job.company.size"), "set"))).toMatch(
      /takes an integer/,
    );
    expect(failure(() => mappingOperand("yes", target("active"), "set"))).toMatch(
      /takes a boolean/,
    );
    expect(failure(() => mappingOperand([1], target("data.preferences.colors"), "set"))).toMatch(
      /expected a string or a list of them/,
    );
  });

  it("append and remove take items; increment takes an amount; collections take names", () => {
    expect(mappingOperand(["a", "a", "b"], target("data.preferences.colors"), "append")).toEqual([
      "a",
      "b",
    ]);
    expect(mappingOperand(5, target("traits.seen"), "append")).toEqual([5]);
    expect(mappingOperand("x", target("data.pii.firstname"), "remove")).toBeNull();
    expect(mappingOperand(2, target("stats.counters.orders"), "increment")).toBe(2);
    expect(failure(() => mappingOperand(0.5, target("data.metrics.ltcosc"), "increment"))).toMatch(
      /holds integers/,
    );
    expect(mappingOperand(["shoes", "hats"], target("interests"), "add_interest")).toEqual([
      "shoes",
      "hats",
    ]);
    expect(failure(() => mappingOperand("a.b", target("interests"), "add_interest"))).toMatch(
      /interest name/,
    );
    expect(mappingOperand(0.5, target("interests.shoes"), "add_interest")).toBe(0.5);
    expect(mappingOperand("vip", target("segments"), "add_segment")).toEqual(["vip"]);
    expect(failure(() => mappingOperand("VIP", target("segments"), "remove_segment"))).toMatch(
      /segment id/,
    );
    expect(mappingOperand("marketing", target("consents"), "grant_consent")).toEqual(["marketing"]);
    expect(failure(() => mappingOperand(1, target("consents"), "revoke_consent"))).toMatch(
      /consent type id/,
    );
  });
});

describe("conditions on the event", () => {
  const event = {
    id: "e-1",
    type: "purchase",
    time: "2025-03-01T10:00:00.000000Z",
    session: "s-1",
    properties: { plan: "pro", cart: { total: 120 } },
    context: { tz: "Europe/Warsaw" },
  };
  const profile = Profile.parse({ id: "p-1", traits: { plan: "basic" } });

  it("are refused where there is no event", () => {
    expect(checkCondition({ field: "event.type", op: "eq", value: "x" })).toMatchObject({
      ok: false,
      issues: [{ path: ["field"], message: 'Unknown field "event.type"' }],
    });
    expect(
      checkCondition({ field: "event.type", op: "eq", value: "x" }, { eventFields: true }).ok,
    ).toBe(true);
  });

  it("read the event and the profile together", () => {
    const holds = (condition: MappingRuleInputInput["condition"]) =>
      evaluateCondition(
        MappingRuleInput.parse(rule([{ from: "type", to: "traits.x", op: "set" }], { condition }))
          .condition ?? { and: [] },
        profile,
        { now: "2025-03-02T00:00:00Z", event },
      );
    expect(holds({ field: "event.type", op: "eq", value: "purchase" })).toBe(true);
    expect(holds({ field: "event.properties.cart.total", op: "gte", value: 100 })).toBe(true);
    expect(
      holds({
        and: [
          { field: "event.properties.plan", op: "eq", value: "pro" },
          { field: "traits.plan", op: "eq", value: "basic" },
        ],
      }),
    ).toBe(true);
    expect(holds({ field: "event.time", op: "within_last", value: "1d" })).toBe(true);
    expect(holds({ field: "event.context.tz", op: "starts_with", value: "America/" })).toBe(false);
    expect(holds({ field: "event.properties.missing", op: "empty" })).toBe(true);
    expect(holds({ field: "event.session", op: "eq", value: "s-2" })).toBe(false);
  });

  it("are described with event labels", () => {
    expect(describeCondition({ field: "event.properties.plan", op: "eq", value: "pro" })).toBe(
      'Event property "plan" is "pro"',
    );
  });
});

describe("export files, imports and tests", () => {
  const one = rule([{ from: "type", to: "traits.last_event", op: "set" }]);

  it("round-trip through the export format", () => {
    const file = MappingExport.parse({ format: MAPPING_EXPORT_FORMAT, rules: [one] });
    expect(MappingExport.parse(file)).toEqual(file);
    expect(MappingImport.parse({ ...file, replace: true }).replace).toBe(true);
  });

  it("refuse another format and a rule twice", () => {
    const paths = (input: unknown) => {
      const bad = MappingImport.safeParse(input);
      return bad.success ? [] : bad.error.issues.map((i) => i.path.join("."));
    };
    expect(paths({ format: "other", rules: [one] })).toEqual(["format"]);
    expect(paths({ format: MAPPING_EXPORT_FORMAT, rules: [one, one] })).toEqual(["rules.1.id"]);
  });

  it("take an event without a target and an optional draft", () => {
    const input = MappingTestInput.parse({
      event: { type: "signup", properties: { plan: "pro" } },
      rule: { name: "Draft", eventTypes: ["signup"], mappings: one.mappings },
    });
    expect(input.event).toEqual({ type: "signup", properties: { plan: "pro" }, context: {} });
    expect(input.rule?.id).toBeUndefined();
    expect(MappingTestInput.safeParse({ event: { type: "x", profileId: "p" } }).success).toBe(
      false,
    );
  });
});
