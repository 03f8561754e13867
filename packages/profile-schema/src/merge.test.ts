import { describe, expect, it } from "vitest";

import { MergeInput, mergeProfiles } from "./merge";
import type { MergeDecision } from "./merge";
import { MAX_COUNTER, Profile } from "./profile";
import type { ProfileInput } from "./profile";

const T1 = "2024-01-01T00:00:00.000000Z";
const T2 = "2024-02-01T00:00:00.000000Z";
const T3 = "2024-03-01T00:00:00.000000Z";

const profile = (id: string, input: ProfileInput = {}): Profile => Profile.parse({ ...input, id });

const stamped = (fields: Record<string, string>): Record<string, [string, string]> =>
  Object.fromEntries(Object.entries(fields).map(([path, at]) => [path, [at, "test"]]));

const decisionAt = (decisions: MergeDecision[], path: string) =>
  decisions.find((d) => d.path === path);

describe("mergeProfiles: scalars (latest change wins)", () => {
  it("takes the value whose metadata.fields stamp is newest", () => {
    const a = profile("a", {
      data: { pii: { firstname: "Ann" } },
      metadata: { fields: stamped({ "data.pii.firstname": T1 }) },
    });
    const b = profile("b", {
      data: { pii: { firstname: "Anna" } },
      metadata: { fields: stamped({ "data.pii.firstname": T2 }) },
    });
    const { merged, decisions } = mergeProfiles(a, [b]);
    expect(merged.data.pii.firstname).toBe("Anna");
    expect(merged.metadata.fields["data.pii.firstname"]).toEqual([T2, "test"]);
    expect(decisionAt(decisions, "data.pii.firstname")).toEqual({
      path: "data.pii.firstname",
      strategy: "latest-change",
      winner: "b",
      value: "Anna",
      values: [
        { profileId: "a", value: "Ann", at: T1 },
        { profileId: "b", value: "Anna", at: T2 },
      ],
    });
  });

  it("keeps into's value on a tie, and among sources the first named", () => {
    const a = profile("a", {
      data: { pii: { lastname: "A" } },
      metadata: { fields: stamped({ "data.pii.lastname": T2 }) },
    });
    const b = profile("b", {
      data: { pii: { lastname: "B", gender: "f" } },
      metadata: { fields: stamped({ "data.pii.lastname": T2, "data.pii.gender": T1 }) },
    });
    const c = profile("c", {
      data: { pii: { gender: "x" } },
      metadata: { fields: stamped({ "data.pii.gender": T1 }) },
    });
    const { merged, decisions } = mergeProfiles(a, [b, c]);
    expect(merged.data.pii.lastname).toBe("A");
    expect(decisionAt(decisions, "data.pii.lastname")?.winner).toBe("a");
    expect(merged.data.pii.gender).toBe("f");
    expect(decisionAt(decisions, "data.pii.gender")?.winner).toBe("b");
  });

  it("keeps into's value when neither is stamped", () => {
    const { merged, decisions } = mergeProfiles(profile("a", { primary_id: "x" }), [
      profile("b", { primary_id: "y" }),
    ]);
    expect(merged.primary_id).toBe("x");
    expect(decisionAt(decisions, "primary_id")?.winner).toBe("a");
  });

  it("lets a stamped value beat an unstamped one, even into's", () => {
    const a = profile("a", { data: { job: { position: "dev" } } });
    const b = profile("b", {
      data: { job: { position: "cto" } },
      metadata: { fields: stamped({ "data.job.position": T1 }) },
    });
    expect(mergeProfiles(a, [b]).merged.data.job.position).toBe("cto");
  });

  it("never lets null overwrite a value, however late it was stamped", () => {
    const a = profile("a", {
      data: { contact: { email: { main: "ann@example.com" } } },
      metadata: { fields: stamped({ "data.contact.email.main": T1 }) },
    });
    const b = profile("b", {
      metadata: { fields: stamped({ "data.contact.email.main": T3 }) },
    });
    const { merged, decisions } = mergeProfiles(b, [a]);
    expect(merged.data.contact.email.main).toBe("ann@example.com");
    expect(merged.data.anonymous).toBe(false);
    expect(decisionAt(decisions, "data.contact.email.main")?.winner).toBe("a");
    // The stamp is the winner's, not the newest one.
    expect(merged.metadata.fields["data.contact.email.main"]).toEqual([T1, "test"]);
  });

  it("records no decision where every profile agrees", () => {
    const a = profile("a", { data: { pii: { firstname: "Ann" } } });
    const b = profile("b", { data: { pii: { firstname: "Ann" } } });
    const paths = mergeProfiles(a, [b]).decisions.map((d) => d.path);
    expect(paths).not.toContain("data.pii.firstname");
    expect(paths).toEqual(["ids"]);
  });
});

describe("mergeProfiles: lists, ids and segments (union)", () => {
  it("joins lists in order without repeats", () => {
    const a = profile("a", {
      segments: ["vip", "eu"],
      data: { preferences: { colors: ["red", "blue"] }, pii: { language: { spoken: null } } },
    });
    const b = profile("b", {
      segments: ["eu", "new"],
      data: { preferences: { colors: ["blue", "green"] }, pii: { language: { spoken: ["pl"] } } },
    });
    const { merged, decisions } = mergeProfiles(a, [b]);
    expect(merged.segments).toEqual(["vip", "eu", "new"]);
    expect(merged.data.preferences.colors).toEqual(["red", "blue", "green"]);
    expect(merged.data.pii.language.spoken).toEqual(["pl"]);
    expect(decisionAt(decisions, "segments")).toMatchObject({ strategy: "union", winner: "a" });
  });

  it("keeps a nullable list null when every profile has null", () => {
    const { merged } = mergeProfiles(profile("a"), [profile("b")]);
    expect(merged.data.identifier.coupons).toBeNull();
  });

  it("adds the merged profiles' id and ids to the survivor's ids", () => {
    const a = profile("a", { ids: ["a-old", "shared"] });
    const b = profile("b", { ids: ["shared", "b-old", "a"] });
    const c = profile("c");
    const { merged } = mergeProfiles(a, [b, c]);
    expect(merged.id).toBe("a");
    expect(merged.ids).toEqual(["a-old", "shared", "b", "b-old", "c"]);
  });
});

describe("mergeProfiles: sums", () => {
  it("adds visits, views, counters, numeric interests and the visit count", () => {
    const a = profile("a", {
      stats: { visits: 2, views: 10, counters: { orders: 1, note: "x" } },
      interests: { running: 2, topic: "ski" },
      metadata: { time: { visit: { count: 2 } } },
    });
    const b = profile("b", {
      stats: { visits: 3, views: 5, counters: { orders: 4, refunds: 1, note: "y" } },
      interests: { running: 0.5, cycling: 1, topic: "golf" },
      metadata: {
        time: { visit: { count: 3 } },
        fields: stamped({ "stats.counters.note": T2, "interests.topic": T1 }),
      },
    });
    const { merged, decisions } = mergeProfiles(a, [b]);
    expect(merged.stats).toEqual({
      visits: 5,
      views: 15,
      counters: { orders: 5, note: "y", refunds: 1 },
    });
    expect(merged.interests).toEqual({ running: 2.5, topic: "golf", cycling: 1 });
    expect(merged.metadata.time.visit.count).toBe(5);
    expect(decisionAt(decisions, "stats.views")).toMatchObject({ strategy: "sum", value: 15 });
    expect(decisionAt(decisions, "interests.topic")).toMatchObject({
      strategy: "latest-change",
      winner: "b",
    });
  });
});

describe("mergeProfiles: sums at the limit", () => {
  it("stop at what the store holds instead of failing the merge", () => {
    const near = (id: string) =>
      profile(id, {
        stats: { visits: MAX_COUNTER - 1, views: MAX_COUNTER, counters: { big: Number.MAX_VALUE } },
        interests: { deep: -Number.MAX_VALUE },
        metadata: { time: { visit: { count: MAX_COUNTER } } },
      });
    const { merged } = mergeProfiles(near("a"), [near("b")]);
    expect(merged.stats).toEqual({
      visits: MAX_COUNTER,
      views: MAX_COUNTER,
      counters: { big: Number.MAX_VALUE },
    });
    expect(merged.interests).toEqual({ deep: -Number.MAX_VALUE });
    expect(merged.metadata.time.visit.count).toBe(MAX_COUNTER);
  });
});

describe("mergeProfiles: times", () => {
  it("takes the earliest insert and create, the latest visits", () => {
    const a = profile("a", {
      metadata: {
        time: {
          insert: T2,
          create: null,
          visit: { last: T1, current: T2, tz: "Europe/Warsaw" },
        },
      },
    });
    const b = profile("b", {
      metadata: {
        time: { insert: T1, create: T2, visit: { last: T2, current: T3, tz: "Europe/Paris" } },
      },
    });
    const { merged, decisions } = mergeProfiles(a, [b]);
    expect(merged.metadata.time.insert).toBe(T1);
    expect(merged.metadata.time.create).toBe(T2);
    expect(merged.metadata.time.visit).toMatchObject({ last: T2, current: T3, tz: "Europe/Paris" });
    expect(decisionAt(decisions, "metadata.time.insert")).toMatchObject({
      strategy: "earliest",
      winner: "b",
    });
    expect(decisionAt(decisions, "metadata.time.visit.tz")?.strategy).toBe("follows-visit");
  });

  it("keeps a time zone when the latest visit has none", () => {
    const a = profile("a", { metadata: { time: { visit: { current: T1, tz: "UTC" } } } });
    const b = profile("b", { metadata: { time: { visit: { current: T2 } } } });
    expect(mergeProfiles(a, [b]).merged.metadata.time.visit.tz).toBe("UTC");
  });
});

describe("mergeProfiles: maps", () => {
  it("merges traits and aux key by key, latest change winning per key", () => {
    const a = profile("a", {
      traits: { plan: "free", color: "red" },
      aux: { src: "a" },
      metadata: { fields: stamped({ "traits.plan": T1, "traits.color": T3 }) },
    });
    const b = profile("b", {
      traits: { plan: "pro", color: "blue", size: "m" },
      aux: { src: "b", extra: 1 },
      metadata: { fields: stamped({ "traits.plan": T2, "traits.color": T2 }) },
    });
    const { merged, decisions } = mergeProfiles(a, [b]);
    expect(merged.traits).toEqual({ plan: "pro", color: "red", size: "m" });
    expect(merged.aux).toEqual({ src: "a", extra: 1 });
    expect(decisionAt(decisions, "traits.plan")?.winner).toBe("b");
    expect(decisionAt(decisions, "traits.color")?.winner).toBe("a");
    expect(merged.metadata.fields).toMatchObject({
      "traits.plan": [T2, "test"],
      "traits.color": [T3, "test"],
    });
  });

  it("does not let a null trait overwrite a value", () => {
    const a = profile("a", {
      traits: { plan: null },
      metadata: { fields: stamped({ "traits.plan": T3 }) },
    });
    const b = profile("b", { traits: { plan: "pro" } });
    expect(mergeProfiles(a, [b]).merged.traits).toEqual({ plan: "pro" });
  });

  it("keeps per consent type the latest change", () => {
    const a = profile("a", {
      consents: { marketing: { revoke: T3 }, analytics: { revoke: null } },
      metadata: { fields: stamped({ "consents.marketing": T1 }) },
    });
    const b = profile("b", {
      consents: { marketing: { revoke: T1 }, profiling: { revoke: null } },
      metadata: { fields: stamped({ "consents.marketing": T2 }) },
    });
    const { merged } = mergeProfiles(a, [b]);
    expect(merged.consents).toEqual({
      marketing: { revoke: T1 },
      analytics: { revoke: null },
      profiling: { revoke: null },
    });
  });
});

describe("mergeProfiles: metadata.fields", () => {
  it("keeps the newest stamp where several profiles contributed, and never mutates inputs", () => {
    const a = profile("a", {
      segments: ["x"],
      metadata: { fields: stamped({ segments: T1, "data.pii.firstname": T1 }) },
    });
    const b = profile("b", { segments: ["y"], metadata: { fields: stamped({ segments: T2 }) } });
    const before = structuredClone([a, b]);
    const { merged } = mergeProfiles(a, [b]);
    expect(merged.metadata.fields).toEqual({
      segments: [T2, "test"],
      "data.pii.firstname": [T1, "test"],
    });
    expect([a, b]).toEqual(before);
  });

  it("gives a document that parses as a Profile", () => {
    const { merged } = mergeProfiles(profile("a"), [profile("b"), profile("c")]);
    expect(Profile.parse(merged)).toEqual(merged);
  });
});

describe("MergeInput", () => {
  it("refuses merging a profile into itself and naming one twice, at their positions", () => {
    const result = MergeInput.safeParse({ into: "a", from: ["b", "a", "b"] });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path, i.message])).toEqual([
      [["from", 1], "A profile cannot be merged into itself"],
      [["from", 2], "Profile b is named twice"],
    ]);
  });

  it("accepts 1 to 50 sources", () => {
    expect(MergeInput.safeParse({ into: "a", from: [] }).success).toBe(false);
    const many = Array.from({ length: 51 }, (_, i) => `p${i}`);
    expect(MergeInput.safeParse({ into: "a", from: many }).success).toBe(false);
    expect(MergeInput.parse({ into: "a", from: ["b"] })).toEqual({
      into: "a",
      from: ["b"],
      dryRun: false,
    });
  });
});
