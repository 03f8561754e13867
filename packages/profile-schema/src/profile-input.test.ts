import { describe, expect, it } from "vitest";

import {
  applyProfilePatch,
  createProfile,
  diffPaths,
  ProfileCreate,
  ProfilePatch,
  type ProfileCreateInput,
} from "./profile-input";
import { Profile } from "./profile";

const NOW = "2024-05-30 09:44:23.246262+02:00";
const NOW_UTC = "2024-05-30T07:44:23.246262Z";

function pathsOf(result: { error?: { issues: { path: PropertyKey[] }[] } }) {
  return result.error?.issues.map((issue) => issue.path);
}

const anna = (): Profile =>
  createProfile(
    {
      id: "p-1",
      ids: ["p-1", "crm-7"],
      traits: { plan: "pro", cart: { items: 2, value: 10 }, tags: ["a", "b"] },
      interests: { running: 2 },
      stats: { visits: 3, counters: { purchase: 1 } },
      data: {
        pii: { firstname: "Anna", lastname: "Kowalska", language: { spoken: ["pl", "en"] } },
        contact: { email: { main: "anna@example.com" }, address: { country: "PL" } },
        identifier: { coupons: ["SPRING"] },
        preferences: { colors: ["blue", "green"] },
      },
    },
    NOW,
  );

describe("ProfileCreate / createProfile", () => {
  it("stamps insert, create and update with now, in UTC", () => {
    const profile = createProfile({}, NOW);
    expect(profile.metadata.time).toEqual({
      insert: NOW_UTC,
      create: NOW_UTC,
      update: NOW_UTC,
      segmentation: null,
      visit: { last: null, current: null, count: 0, tz: null },
    });
    expect(profile.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps the given fields and defaults the rest", () => {
    const profile = anna();
    expect(profile.id).toBe("p-1");
    expect(profile.data.pii.firstname).toBe("Anna");
    expect(profile.data.pii.display_name).toBeNull();
    expect(profile.stats).toEqual({ visits: 3, views: 0, counters: { purchase: 1 } });
    expect(profile.segments).toEqual([]);
    expect(profile.consents).toEqual({});
  });

  it("ignores data.anonymous and derives it", () => {
    expect(createProfile({ data: { anonymous: false } }, NOW).data.anonymous).toBe(true);
    expect(anna().data.anonymous).toBe(false);
  });

  it.each([
    [{ metadata: {} }, ["metadata"]],
    [{ segments: ["vip"] }, ["segments"]],
    [{ consents: { marketing: { revoke: null } } }, ["consents"]],
    [{ data: { pii: { nickname: "A" } } }, ["data", "pii", "nickname"]],
    [{ stats: { visits: "many" } }, ["stats", "visits"]],
  ])("rejects %j at its path", (input, path) => {
    expect(pathsOf(ProfileCreate.safeParse(input))).toEqual([path]);
    expect(() => createProfile(input as ProfileCreateInput, NOW)).toThrow();
  });

  it("rejects an invalid now", () => {
    expect(() => createProfile({}, "2024-02-30T00:00:00Z")).toThrow(/day out of range/);
  });
});

describe("ProfilePatch / applyProfilePatch", () => {
  it("sets scalars, deep inside groups, and leaves the rest alone", () => {
    const before = anna();
    const after = applyProfilePatch(before, {
      primary_id: "crm-7",
      active: false,
      data: { pii: { display_name: "Anna K.", attributes: { height: 168 } } },
    });
    expect(after.primary_id).toBe("crm-7");
    expect(after.active).toBe(false);
    expect(after.data.pii).toMatchObject({ firstname: "Anna", display_name: "Anna K." });
    expect(after.data.pii.attributes).toEqual({ height: 168, weight: null, shoe_number: null });
    expect(diffPaths(before, after)).toEqual([
      "primary_id",
      "active",
      "data.pii.display_name",
      "data.pii.attributes.height",
    ]);
  });

  it("clears a nullable scalar with null", () => {
    const after = applyProfilePatch(anna(), { data: { pii: { lastname: null } } });
    expect(after.data.pii.lastname).toBeNull();
    expect(after.data.pii.firstname).toBe("Anna");
  });

  it("clears a list to [] and a nullable list to null", () => {
    const after = applyProfilePatch(anna(), {
      ids: null,
      data: {
        preferences: { colors: null },
        identifier: { coupons: null },
        pii: { language: { spoken: null } },
      },
    });
    expect(after.ids).toEqual([]);
    expect(after.data.preferences.colors).toEqual([]);
    expect(after.data.identifier.coupons).toBeNull();
    expect(after.data.pii.language.spoken).toBeNull();
  });

  it("removes a map key with null and merges the others key by key (RFC 7396)", () => {
    const after = applyProfilePatch(anna(), {
      traits: { plan: null, cart: { value: 12, items: null }, tier: "gold" },
      stats: { counters: { purchase: null, refund: 1 } },
    });
    expect(after.traits).toEqual({ cart: { value: 12 }, tags: ["a", "b"], tier: "gold" });
    expect(after.stats.counters).toEqual({ refund: 1 });
  });

  it("empties a whole map with null", () => {
    expect(applyProfilePatch(anna(), { traits: null }).traits).toEqual({});
  });

  it("resets a group to its defaults with null", () => {
    const before = anna();
    const after = applyProfilePatch(before, { data: { pii: null }, stats: null });
    expect(after.data.pii).toEqual(Profile.parse({}).data.pii);
    expect(after.stats).toEqual({ visits: 0, views: 0, counters: {} });
    expect(after.data.contact).toEqual(before.data.contact);
  });

  it("resets a field with a non-null default to that default", () => {
    const profile = applyProfilePatch(anna(), { active: false, data: { metrics: { ltv: 5 } } });
    const after = applyProfilePatch(profile, { active: null, data: { metrics: { ltv: null } } });
    expect(after.active).toBe(true);
    expect(after.data.metrics.ltv).toBe(0);
  });

  it("replaces arrays whole, also inside maps", () => {
    const after = applyProfilePatch(anna(), {
      ids: ["p-1"],
      data: { preferences: { colors: ["red"] } },
      traits: { tags: ["c"] },
    });
    expect(after.ids).toEqual(["p-1"]);
    expect(after.data.preferences.colors).toEqual(["red"]);
    expect(after.traits["tags"]).toEqual(["c"]);
  });

  it("re-derives anonymous", () => {
    const before = anna();
    const cleared = applyProfilePatch(before, { data: { contact: { email: null } } });
    expect(cleared.data.anonymous).toBe(true);
    expect(diffPaths(before, cleared)).toEqual(["data.anonymous", "data.contact.email.main"]);
    const messaged = applyProfilePatch(cleared, {
      data: { contact: { app: { signal: "@anna" } } },
    });
    expect(messaged.data.anonymous).toBe(false);
  });

  it("normalises dates in the patch", () => {
    const after = applyProfilePatch(anna(), { data: { pii: { birthday: "1988-04-12" } } });
    expect(after.data.pii.birthday).toBe("1988-04-12T00:00:00.000000Z");
  });

  it("returns a new profile and leaves its input untouched", () => {
    const before = anna();
    const snapshot = structuredClone(before);
    const after = applyProfilePatch(before, {
      traits: { cart: { items: 5 } },
      data: { pii: null },
    });
    expect(before).toEqual(snapshot);
    expect(after).not.toBe(before);
    expect(after.traits).not.toBe(before.traits);
  });

  it("is the identity for an empty patch", () => {
    const before = anna();
    expect(applyProfilePatch(before, {})).toEqual(before);
  });

  it.each([
    [{ nickname: "x" }, ["nickname"]],
    [{ id: "other" }, ["id"]],
    [{ metadata: { status: "x" } }, ["metadata"]],
    [{ segments: [] }, ["segments"]],
    [{ consents: {} }, ["consents"]],
    [{ data: { anonymous: false } }, ["data", "anonymous"]],
    [{ data: { pii: { nickname: "x" } } }, ["data", "pii", "nickname"]],
    [{ stats: { counters: { ok: 1 }, hits: 1 } }, ["stats", "hits"]],
    [
      { data: { devices: { last: { geo: { country: { iso: "PL" } } } } } },
      ["data", "devices", "last", "geo", "country", "iso"],
    ],
  ])("rejects an unknown key at its path: %j", (patch, path) => {
    expect(pathsOf(ProfilePatch.safeParse(patch))).toEqual([path]);
  });

  it.each([
    [{ active: "no" }, ["active"]],
    [{ ids: "p-1" }, ["ids"]],
    [{ stats: { visits: -1 } }, ["stats", "visits"]],
    [{ data: { pii: { birthday: "1990-02-30" } } }, ["data", "pii", "birthday"]],
    [{ data: { contact: "a@example.com" } }, ["data", "contact"]],
    [JSON.parse('{"traits": {"__proto__": {"admin": true}}}'), ["traits", "__proto__"]],
    [JSON.parse('{"aux": {"a": {"constructor": null}}}'), ["aux", "a", "constructor"]],
  ])("rejects an invalid value at its path: %j", (patch, path) => {
    expect(pathsOf(ProfilePatch.safeParse(patch))).toEqual([path]);
    expect(() => applyProfilePatch(anna(), patch)).toThrow();
  });

  it("is typed like the profile", () => {
    const typed: ProfilePatch = { data: { contact: { email: { main: null } } }, traits: { a: 1 } };
    expect(ProfilePatch.parse(typed)).toEqual(typed);
    // @ts-expect-error data.anonymous is derived, not patchable
    const derived: ProfilePatch = { data: { anonymous: true } };
    // @ts-expect-error consents are written by the consent ledger
    const consents: ProfilePatch = { consents: {} };
    expect([derived, consents]).toHaveLength(2);
  });
});

describe("diffPaths", () => {
  it("is empty for equal profiles", () => {
    const profile = anna();
    expect(diffPaths(profile, structuredClone(profile))).toEqual([]);
  });

  it("compares maps per key, sorted, and lists whole", () => {
    const before = anna();
    const after = Profile.parse({
      ...structuredClone(before),
      ids: ["p-1", "crm-7", "crm-8"],
      traits: { cart: { items: 2, value: 11 }, tags: ["a", "b"], zeta: 1 },
      consents: { marketing: { revoke: null } },
      metadata: {
        ...before.metadata,
        fields: { "data.pii.firstname": [NOW_UTC, "console"] },
      },
    });
    expect(diffPaths(before, after)).toEqual([
      "ids",
      "metadata.fields.data.pii.firstname",
      "traits.cart",
      "traits.plan",
      "traits.zeta",
      "consents.marketing",
    ]);
  });

  it("sees nested changes at the leaf", () => {
    const before = anna();
    const after = structuredClone(before);
    after.data.devices.last.geo.country.code = "PL";
    after.metadata.time.visit.count = 1;
    expect(diffPaths(before, after)).toEqual([
      "metadata.time.visit.count",
      "data.devices.last.geo.country.code",
    ]);
  });

  it("finds changes inside groups the two documents share with other documents", () => {
    const before = anna();
    // Derived by spreading, as track derives each event's profile from the last: untouched
    // groups are the same objects on both sides, touched ones are new.
    const after: Profile = {
      ...before,
      stats: { ...before.stats, views: before.stats.views + 1 },
      interests: { ...before.interests, cycling: 1 },
      metadata: {
        ...before.metadata,
        time: { ...before.metadata.time, visit: { ...before.metadata.time.visit, count: 4 } },
      },
    };
    expect(after.data).toBe(before.data);
    expect(diffPaths(before, after)).toEqual([
      "metadata.time.visit.count",
      "stats.views",
      "interests.cycling",
    ]);
    expect(diffPaths(after, before)).toEqual(diffPaths(before, after));
    expect(diffPaths(before, before)).toEqual([]);
  });

  it("reads a missing or non-object group as absent on that side", () => {
    const before = anna();
    const broken = { ...before, data: null } as unknown as Profile;
    const paths = diffPaths(before, broken);
    expect(paths).toContain("data.pii.firstname");
    expect(paths).toContain("data.contact.email.main");
    expect(paths).not.toContain("data.pii.lastname.x");
    expect(paths.every((p) => p.startsWith("data."))).toBe(true);
  });
});
