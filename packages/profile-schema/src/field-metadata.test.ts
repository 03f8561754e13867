import { describe, expect, it } from "vitest";

import { fieldByPath, fieldMetadata, piiPaths, type FieldType } from "./field-metadata";
import { Profile } from "./profile";

/** Leaf paths of a parsed document: groups are never empty, maps are `{}` by default. */
function leafPaths(value: unknown, path = ""): string[] {
  if (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0
  ) {
    return Object.entries(value).flatMap(([key, child]) =>
      leafPaths(child, path ? `${path}.${key}` : key),
    );
  }
  return [path];
}

const defaults = Profile.parse({});

describe("fieldMetadata", () => {
  it("covers every leaf path of the profile, in document order", () => {
    expect(Object.keys(fieldMetadata)).toEqual(leafPaths(defaults));
  });

  it("describes each path consistently with its default value", () => {
    const accepts: Record<FieldType, (value: unknown) => boolean> = {
      string: (v) => v === null || typeof v === "string",
      number: (v) => v === null || typeof v === "number",
      integer: (v) => v === null || Number.isInteger(v),
      date: (v) => v === null,
      bool: (v) => typeof v === "boolean",
      list: (v) => v === null || Array.isArray(v),
      map: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
    };
    for (const field of Object.values(fieldMetadata)) {
      const value = field.path
        .split(".")
        .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], defaults);
      expect(accepts[field.type](value), field.path).toBe(true);
      expect(field.label.length, field.path).toBeGreaterThan(0);
    }
  });

  it("types the paths other layers rely on", () => {
    expect(fieldByPath("data.contact.email.main")).toEqual({
      path: "data.contact.email.main",
      type: "string",
      label: "E-mail",
      pii: true,
    });
    expect(fieldByPath("data.pii.birthday")?.type).toBe("date");
    expect(fieldByPath("metadata.time.visit.count")?.type).toBe("integer");
    expect(fieldByPath("data.metrics.ltv")?.type).toBe("number");
    expect(fieldByPath("active")?.type).toBe("bool");
    expect(fieldByPath("segments")?.type).toBe("list");
    expect(fieldByPath("data.identifier.coupons")?.type).toBe("list");
    for (const map of [
      "traits",
      "interests",
      "aux",
      "consents",
      "stats.counters",
      "metadata.aux",
      "metadata.fields",
      "metadata.system.integrations",
      "metadata.system.aux",
      "data.contact.app.other",
      "data.media.social.other",
      "data.metrics.custom",
    ]) {
      expect(fieldByPath(map)?.type, map).toBe("map");
    }
  });

  it("answers undefined for groups, map entries and unknown paths", () => {
    expect(fieldByPath("data.pii")).toBeUndefined();
    expect(fieldByPath("traits.plan")).toBeUndefined();
    expect(fieldByPath("data.pii.nickname")).toBeUndefined();
    expect(fieldByPath("toString")).toBeUndefined();
    expect(fieldByPath("__proto__")).toBeUndefined();
  });

  it("is frozen", () => {
    expect(Object.isFrozen(fieldMetadata)).toBe(true);
    expect(Object.isFrozen(fieldMetadata["id"])).toBe(true);
    expect(Object.isFrozen(piiPaths)).toBe(true);
  });
});

describe("PII", () => {
  const pii = new Set(piiPaths);

  it("lists exactly the flagged paths", () => {
    expect(piiPaths).toEqual(
      Object.values(fieldMetadata)
        .filter((f) => f.pii)
        .map((f) => f.path),
    );
  });

  it("flags all personal, contact, identifier and media data", () => {
    const groups = ["data.pii.", "data.contact.", "data.identifier.", "data.media."];
    const inGroups = Object.keys(fieldMetadata).filter((path) =>
      groups.some((g) => path.startsWith(g)),
    );
    expect(inGroups.length).toBeGreaterThan(50);
    for (const path of inGroups) expect(pii.has(path), path).toBe(true);
  });

  it("flags location, device, loyalty card, loyalty codes and salary", () => {
    for (const path of [
      "data.devices.last.geo.city",
      "data.devices.last.geo.county",
      "data.devices.last.geo.postal",
      "data.devices.last.geo.latitude",
      "data.devices.last.geo.longitude",
      "data.devices.push",
      "data.devices.other",
      "data.loyalty.card.id",
      "data.loyalty.codes",
      "data.job.salary",
    ]) {
      expect(pii.has(path), path).toBe(true);
    }
  });

  it("leaves ids, statistics, free maps, preferences, firmographics and metrics unflagged", () => {
    for (const path of [
      "id",
      "primary_id",
      "ids",
      "metadata.time.insert",
      "metadata.time.visit.tz",
      "metadata.fields",
      "stats.visits",
      "traits",
      "interests",
      "segments",
      "consents",
      "active",
      "aux",
      "data.anonymous",
      "data.devices.last.geo.country.name",
      "data.devices.last.geo.country.code",
      "data.preferences.colors",
      "data.job.position",
      "data.job.company.name",
      "data.metrics.ltv",
      "data.loyalty.card.points",
    ]) {
      expect(pii.has(path), path).toBe(false);
    }
  });
});
