import { describe, expect, it } from "vitest";

import type { Condition } from "./condition";
import { Profile } from "./profile";
import { SavedViewInput, SavedViewPromotion } from "./saved-view";
import {
  dependentSegments,
  evaluateSegments,
  eventReferences,
  isTimeRelative,
  orderSegments,
  profileSegmentsAfter,
  SegmentInput,
  SegmentPatch,
  SegmentPreviewInput,
  segmentReferences,
} from "./segment";
import type { SegmentRule } from "./segment";

const NOW = "2025-06-15T12:00:00.000000Z";
const PRO: Condition = { field: "traits.plan", op: "eq", value: "pro" };
const paths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  (result.error?.issues ?? []).map((i) => i.path.join("."));

describe("segment inputs", () => {
  it("takes a slug id, a name and a condition, defaulting description and purpose", () => {
    expect(SegmentInput.parse({ id: " vip-2 ", name: " VIP ", condition: PRO })).toEqual({
      id: "vip-2",
      name: "VIP",
      description: null,
      condition: PRO,
      purpose: null,
    });
  });

  it("names every bad or unknown field at its path", () => {
    const result = SegmentInput.safeParse({
      id: "VIP!",
      name: "",
      condition: { or: [PRO, { field: "traits.plan", op: "gt" }] },
      purpose: "spam",
      owner: "me",
    });
    expect(paths(result).sort()).toEqual([
      "condition.or.1.value",
      "id",
      "name",
      "owner",
      "purpose",
    ]);
    expect(result.error?.issues.find((i) => i.path[0] === "id")?.message).toBe(
      "A segment id uses lowercase letters, digits and hyphens, and starts with a letter or digit",
    );
  });

  it("patches any field but the id; the purpose can be cleared", () => {
    expect(SegmentPatch.parse({ purpose: null })).toEqual({ purpose: null });
    expect(paths(SegmentPatch.safeParse({ id: "other" }))).toEqual(["id"]);
    expect(paths(SegmentPreviewInput.safeParse({ condition: PRO, profileId: "" }))).toEqual([
      "profileId",
    ]);
  });
});

describe("reading conditions", () => {
  const condition: Condition = {
    and: [
      { segment: { id: "a" } },
      {
        not: {
          or: [
            { segment: { id: "b" } },
            { event: { type: "buy", count: { gte: 1 }, within: "7d" } },
          ],
        },
      },
    ],
  };

  it("finds segment references with their paths and event windows", () => {
    expect(segmentReferences(condition)).toEqual([
      { id: "a", path: ["and", 0, "segment", "id"] },
      { id: "b", path: ["and", 1, "not", "or", 0, "segment", "id"] },
    ]);
    expect(eventReferences(condition)).toEqual([{ type: "buy", within: "7d" }]);
  });

  it("tells conditions that move with the clock from those that move only with writes", () => {
    expect(isTimeRelative(PRO)).toBe(false);
    expect(isTimeRelative({ segment: { id: "a" } })).toBe(false);
    expect(isTimeRelative(condition)).toBe(true);
    expect(isTimeRelative({ not: { consent: { type: "marketing", granted: true } } })).toBe(true);
    expect(isTimeRelative({ field: "metadata.time.visit.last", op: "before", value: "30d" })).toBe(
      true,
    );
    expect(isTimeRelative({ field: "metadata.time.visit.last", op: "gt", value: NOW })).toBe(false);
  });
});

describe("dependencies", () => {
  const seg = (id: string, condition: Condition) => ({ id, condition });

  it("orders dependencies first, stably, ignoring labels that are not segments", () => {
    const order = orderSegments([
      seg("c", { and: [{ segment: { id: "b" } }, { segment: { id: "imported" } }] }),
      seg("b", { segment: { id: "a" } }),
      seg("a", PRO),
      seg("d", PRO),
    ]);
    expect(order.ok && order.order.map((s) => s.id)).toEqual(["a", "b", "c", "d"]);
  });

  it("reports a circle with its members in order", () => {
    const order = orderSegments([
      seg("a", { segment: { id: "c" } }),
      seg("b", { segment: { id: "a" } }),
      seg("c", { or: [PRO, { segment: { id: "b" } }] }),
    ]);
    expect(order).toEqual({ ok: false, cycle: ["a", "c", "b", "a"] });
  });

  it("finds every segment that depends on a changed one, transitively", () => {
    const all = [
      seg("a", PRO),
      seg("b", { segment: { id: "a" } }),
      seg("c", { not: { segment: { id: "b" } } }),
      seg("d", PRO),
    ];
    expect([...dependentSegments(all, ["a"])].sort()).toEqual(["a", "b", "c"]);
    expect([...dependentSegments(all, ["d"])]).toEqual(["d"]);
  });
});

describe("evaluating a profile's segments", () => {
  const rules: SegmentRule[] = [
    { id: "pro", condition: PRO, purpose: null },
    { id: "not-pro", condition: { not: { segment: { id: "pro" } } }, purpose: null },
    { id: "pro-mail", condition: { segment: { id: "pro" } }, purpose: "marketing" },
  ];

  it("computes dependencies in the same pass, ignoring the stale memberships stored", () => {
    const profile = Profile.parse({
      id: "p",
      traits: { plan: "pro" },
      segments: ["not-pro", "crm-vip"],
    });
    const members = evaluateSegments(rules, profile, { now: NOW, purposeGranted: () => false });
    expect(members).toEqual(["pro"]);
    expect(
      profileSegmentsAfter(profile.segments, new Set(rules.map((r) => r.id)), members),
    ).toEqual(["crm-vip", "pro"]);
  });

  it("admits to a purpose's segment only with a consent for that purpose", () => {
    const profile = Profile.parse({ id: "p", traits: { plan: "pro" } });
    const asked: string[] = [];
    const members = evaluateSegments(rules, profile, {
      now: NOW,
      purposeGranted: (purpose) => {
        asked.push(purpose);
        return true;
      },
    });
    expect(members).toEqual(["pro", "pro-mail"]);
    expect(asked).toEqual(["marketing"]);
  });
});

describe("saved views", () => {
  it("keeps a list query without paging state, and its columns", () => {
    expect(
      SavedViewInput.parse({
        name: "Gold",
        query: { condition: PRO },
        columns: ["id", "traits.plan"],
      }),
    ).toEqual({
      name: "Gold",
      shared: false,
      query: { condition: PRO, sort: "inserted_at", order: "desc", limit: 50 },
      columns: ["id", "traits.plan"],
    });
    expect(
      paths(
        SavedViewInput.safeParse({
          name: "x",
          query: { cursor: "c", withTotal: true },
          columns: ["nope"],
        }),
      ).sort(),
    ).toEqual(["columns.0", "query.cursor", "query.withTotal"]);
    expect(paths(SavedViewPromotion.safeParse({ id: "v1", segmentId: "Bad Id" }))).toEqual([
      "segmentId",
    ]);
  });
});
