import { describe, expect, it } from "vitest";

import { fieldByPath } from "./field-metadata";
import {
  IDENTIFICATION_PROPERTIES,
  TRACK_BATCH_LIMIT,
  TrackBatch,
  TrackEvent,
  TrackProperties,
} from "./track";

const event = (overrides: Record<string, unknown> = {}) => ({
  profileId: "cookie-1",
  type: "page-view",
  time: "2025-03-01T10:00:00+01:00",
  ...overrides,
});

const issuesOf = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) =>
  (result.error?.issues ?? []).map((i) => ({
    path: i.path.map(String).join("."),
    message: i.message,
  }));

describe("TrackBatch", () => {
  it("accepts 1 to 1,000 events and refuses 0 or 1,001 at `events`", () => {
    expect(TrackBatch.safeParse({ events: [event()] }).success).toBe(true);
    const full = Array.from({ length: TRACK_BATCH_LIMIT }, () => event());
    expect(TrackBatch.safeParse({ events: full }).success).toBe(true);
    const over = TrackBatch.safeParse({ events: [...full, event()] });
    expect(issuesOf(over)).toEqual([
      { path: "events", message: "Send at most 1000 events per call" },
    ]);
    expect(issuesOf(TrackBatch.safeParse({ events: [] }))).toEqual([
      { path: "events", message: "Send at least one event" },
    ]);
  });

  it("needs exactly one of profileId and identifiers, reported at the event's index", () => {
    const none = TrackBatch.safeParse({ events: [event(), event({ profileId: undefined })] });
    expect(issuesOf(none)).toEqual([
      { path: "events.1.profileId", message: "Give profileId or identifiers" },
    ]);
    const both = TrackBatch.safeParse({
      events: [event({ identifiers: { email: "a@example.com" } })],
    });
    expect(issuesOf(both)).toEqual([
      { path: "events.0.identifiers", message: "Give profileId or identifiers, not both" },
    ]);
    const empty = TrackBatch.safeParse({
      events: [event({ profileId: undefined, identifiers: {} })],
    });
    expect(issuesOf(empty)[0]?.path).toBe("events.0.identifiers");
  });

  it("normalises the time to canonical UTC and gives each event an id", () => {
    const parsed = TrackBatch.parse({ events: [event(), event({ id: " e-2 " })] });
    expect(parsed.events[0]?.time).toBe("2025-03-01T09:00:00.000000Z");
    expect(parsed.events[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(parsed.events[1]?.id).toBe("e-2");
    expect(parsed.events[0]?.properties).toEqual({});
  });

  it("refuses a time without an offset, a bad context.tz and unknown identifier keys", () => {
    const bad = TrackBatch.safeParse({
      events: [
        event({ time: "2025-03-01T10:00:00" }),
        event({ context: { tz: 7 } }),
        event({ profileId: undefined, identifiers: { email: "a@example.com", twitter: "@a" } }),
      ],
    });
    expect(issuesOf(bad).map((i) => i.path)).toEqual([
      "events.0.time",
      "events.1.context.tz",
      "events.2.identifiers.twitter",
    ]);
  });

  it("leaves property values to be checked per event, but refuses non-JSON", () => {
    const loose = TrackBatch.safeParse({
      events: [event({ properties: { counters: { purchases: "many" } } })],
    });
    expect(loose.success).toBe(true);
    const proto = TrackBatch.safeParse({
      events: [event({ properties: JSON.parse('{"__proto__": {"x": 1}}') as unknown })],
    });
    expect(issuesOf(proto)[0]?.path).toBe("events.0.properties.__proto__");
  });
});

describe("TrackProperties", () => {
  it("parses the reserved keys and keeps the rest as sent", () => {
    const parsed = TrackProperties.parse({
      url: "/shoes",
      counters: { purchases: 1, refunds: -1 },
      interests: { shoes: 0.5, hats: -0.2 },
      interestsReset: ["socks"],
      email: "ada@example.com",
      phone: "+48 600-100-200",
      firstname: " Ada ",
      display_name: null,
      nested: { a: [1, { b: null }] },
    });
    expect(parsed).toEqual({
      url: "/shoes",
      counters: { purchases: 1, refunds: -1 },
      interests: { shoes: 0.5, hats: -0.2 },
      interestsReset: ["socks"],
      email: "ada@example.com",
      phone: "+48 600-100-200",
      firstname: "Ada",
      display_name: null,
      nested: { a: [1, { b: null }] },
    });
  });

  it("names the offending property", () => {
    const bad = TrackProperties.safeParse({
      email: "not-an-email",
      phone: "call me",
      counters: { purchases: "1", "a.b": 1 },
      interests: { shoes: Number.POSITIVE_INFINITY },
      interestsReset: "shoes",
      firstname: "",
      lastname: 3,
    });
    expect(
      issuesOf(bad)
        .map((i) => i.path)
        .sort(),
    ).toEqual(
      [
        "email",
        "phone",
        "counters.purchases",
        "counters.a.b",
        "interests.shoes",
        "interestsReset",
        "firstname",
        "lastname",
      ].sort(),
    );
  });

  it("maps every identification property onto a profile field", () => {
    for (const path of Object.values(IDENTIFICATION_PROPERTIES)) {
      expect(fieldByPath(path)?.type, path).toBe("string");
    }
  });
});

describe("TrackEvent", () => {
  it("types the properties in the full contract", () => {
    const bad = TrackEvent.safeParse(event({ properties: { counters: { purchases: "many" } } }));
    expect(issuesOf(bad)).toEqual([
      { path: "properties.counters.purchases", message: "Expected a finite number" },
    ]);
    const ok = TrackEvent.parse(
      event({ profileId: undefined, identifiers: { externalId: "crm-7" }, session: "s-1" }),
    );
    expect(ok.identifiers).toEqual({ externalId: "crm-7" });
    expect(ok.session).toBe("s-1");
  });
});
