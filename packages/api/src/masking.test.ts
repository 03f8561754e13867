import { describe, expect, it } from "vitest";
import { generateProfiles } from "@cdp/db/seed";
import { piiPaths } from "@cdp/profile-schema";

import { maskProfile } from "./masking";

function valueAt(doc: unknown, path: string): unknown {
  let at: unknown = doc;
  for (const key of path.split(".")) {
    at = typeof at === "object" && at !== null ? (at as Record<string, unknown>)[key] : undefined;
  }
  return at;
}

describe("maskProfile", () => {
  const profiles = generateProfiles({ seed: 5, count: 200, now: new Date("2026-11-01T00:00:00Z") });

  it("replaces every personal value and leaves the caller's profile as it was", () => {
    for (const original of profiles) {
      const before = structuredClone(original);
      const { profile, masked } = maskProfile(original);
      expect(original).toEqual(before);
      for (const path of masked) {
        expect(valueAt(profile, path), path).not.toEqual(valueAt(original, path));
      }
      for (const path of piiPaths) {
        const value = valueAt(original, path);
        if (typeof value === "string" && value !== "") expect(masked).toContain(path);
      }
    }
  });

  it("keeps every field that is not personal", () => {
    const original = profiles.find((p) => maskProfile(p).masked.length > 0)!;
    const { profile } = maskProfile(original);
    expect(profile.id).toBe(original.id);
    expect(profile.stats).toEqual(original.stats);
    expect(profile.traits).toEqual(original.traits);
    expect(profile.metadata).toEqual(original.metadata);
    expect(profile.consents).toEqual(original.consents);
  });
});
