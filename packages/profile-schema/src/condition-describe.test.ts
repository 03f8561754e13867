import { describe, expect, it } from "vitest";

import type { Condition } from "./condition";
import { describeCondition, describeConditionDuration } from "./condition-describe";

const f = (field: string, op: string, value?: unknown) =>
  (value === undefined ? { field, op } : { field, op, value }) as Condition;

describe("describeCondition", () => {
  it("reads as a sentence with field labels", () => {
    expect(
      describeCondition({
        and: [
          f("data.contact.email.main", "contains", "@acme.com"),
          f("stats.visits", "gt", 10),
          { consent: { type: "marketing", granted: true } },
        ],
      }),
    ).toBe(
      'E-mail contains "@acme.com" and Visits is greater than 10 and has granted marketing consent',
    );
  });

  it("describes every operator", () => {
    const cases: [Condition, string][] = [
      [f("data.pii.firstname", "eq", "Ada"), 'First name is "Ada"'],
      [f("data.pii.firstname", "neq", "Ada"), 'First name is not "Ada"'],
      [f("stats.visits", "gte", 3), "Visits is at least 3"],
      [f("stats.visits", "lt", 3), "Visits is less than 3"],
      [f("stats.visits", "lte", 3), "Visits is at most 3"],
      [f("stats.visits", "between", [1, 5]), "Visits is between 1 and 5"],
      [
        f("data.contact.address.country", "in", ["PL", "DE", "CZ"]),
        'Country is one of "PL", "DE" or "CZ"',
      ],
      [f("data.contact.address.country", "in", ["PL"]), 'Country is "PL"'],
      [f("data.pii.lastname", "starts_with", "Ko"), 'Last name starts with "Ko"'],
      [f("data.pii.lastname", "ends_with", "ski"), 'Last name ends with "ski"'],
      [f("data.contact.email.main", "exists"), "E-mail is set"],
      [f("data.pii.lastname", "empty"), "Last name is empty"],
      [
        f("metadata.time.visit.last", "within_last", "7d"),
        "Previous visit is within the last 7 days",
      ],
      [f("metadata.time.visit.last", "before", "1w"), "Previous visit is more than 1 week ago"],
      [
        f("metadata.time.insert", "gt", "2024-01-01T00:00:00.000000Z"),
        "Inserted is after 2024-01-01",
      ],
      [
        f("metadata.time.insert", "lte", "2024-01-01T10:30:00.000000Z"),
        "Inserted is at or before 2024-01-01 10:30 UTC",
      ],
      [
        f("metadata.time.insert", "lt", "2024-01-01T10:30:05.250000Z"),
        "Inserted is before 2024-01-01 10:30:05 UTC",
      ],
      [f("active", "eq", true), "Active is true"],
      [f("segments", "contains", "vip"), 'Segments contains "vip"'],
      [f("traits.plan", "eq", "pro"), 'Trait "plan" is "pro"'],
      [f("traits.a.b", "gt", 1), 'Trait "a.b" is greater than 1'],
      [f("interests.sport", "gte", 0.5), 'Interest "sport" is at least 0.5'],
      [f("stats.counters.orders", "eq", 2), 'Counter "orders" is 2'],
      [{ consent: { type: "marketing", granted: false } }, "has not granted marketing consent"],
      [{ segment: { id: "vip" } }, 'is in segment "vip"'],
      [
        { event: { type: "purchase", count: { gte: 3 }, within: "30d" } },
        'had "purchase" events at least 3 times in the last 30 days',
      ],
      [
        { event: { type: "login", count: { gte: 1 }, within: "12h" } },
        'had "login" events at least once in the last 12 hours',
      ],
      [
        { event: { type: "login", count: { gte: 1, lte: 4 }, within: "2w" } },
        'had "login" events between 1 and 4 times in the last 2 weeks',
      ],
      [
        { event: { type: "login", count: { gte: 2, lte: 2 }, within: "30m" } },
        'had "login" events exactly 2 times in the last 30 minutes',
      ],
      [
        { event: { type: "refund", count: { lte: 0 }, within: "1d" } },
        'had no "refund" events in the last 1 day',
      ],
      [
        { event: { type: "refund", count: { lte: 2 }, within: "1d" } },
        'had "refund" events at most 2 times in the last 1 day',
      ],
    ];
    for (const [condition, sentence] of cases) expect(describeCondition(condition)).toBe(sentence);
  });

  it("brackets nested groups and negations", () => {
    expect(
      describeCondition({
        or: [
          { and: [f("stats.visits", "gt", 1), f("stats.views", "gt", 2)] },
          { not: f("active", "eq", true) },
          { not: { or: [{ segment: { id: "a" } }, { segment: { id: "b" } }] } },
        ],
      }),
    ).toBe(
      '(Visits is greater than 1 and Views is greater than 2) or not (Active is true) or not (is in segment "a" or is in segment "b")',
    );
  });

  it("keeps hostile text quoted", () => {
    expect(describeCondition(f("data.pii.firstname", "eq", 'a"b\\c'))).toBe(
      'First name is "a\\"b\\\\c"',
    );
  });
});

describe("describeConditionDuration", () => {
  it("spells units", () => {
    expect(describeConditionDuration("1d")).toBe("1 day");
    expect(describeConditionDuration("2w")).toBe("2 weeks");
    expect(describeConditionDuration("30m")).toBe("30 minutes");
    expect(describeConditionDuration("1h")).toBe("1 hour");
  });
});
