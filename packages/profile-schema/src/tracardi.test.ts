import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { profileTree, type ShapeNode } from "./field-metadata";
import {
  anonymousVisitor,
  anonymousVisitorInTracardiForm,
  identifiedCustomer,
  isoDatedCustomer,
  isoDatedCustomerInTracardiForm,
} from "./fixtures/tracardi-profiles";
import { FORBIDDEN_KEYS, type JsonValue } from "./json";
import { Profile } from "./profile";
import { fromTracardi, toTracardi, TRACARDI_AUX_KEY, TracardiProfile } from "./tracardi";

describe("fromTracardi / toTracardi on Tracardi documents", () => {
  it.each([
    ["an identified customer (Tracardi dates)", identifiedCustomer, identifiedCustomer],
    [
      "an older export (ISO dates, operation, _id)",
      isoDatedCustomer,
      isoDatedCustomerInTracardiForm,
    ],
    ["an anonymous visitor (naive dates)", anonymousVisitor, anonymousVisitorInTracardiForm],
  ])("round-trips %s", (_name, doc, expected) => {
    const profile = fromTracardi(doc);
    expect(toTracardi(profile)).toEqual(expected);
    expect(fromTracardi(toTracardi(profile))).toEqual(profile);
  });

  it("reads the identified customer into our shape", () => {
    const profile = fromTracardi(identifiedCustomer);
    expect(profile.metadata.time.insert).toBe("2024-05-30T07:44:23.246262Z");
    expect(profile.metadata.time.visit).toEqual({
      last: "2024-06-01T09:12:44.120000Z",
      current: "2024-06-02T18:00:58.871203Z",
      count: 7,
      tz: "Europe/Warsaw",
    });
    expect(profile.metadata.fields["data.pii.firstname"]).toEqual([
      "2024-05-31T11:02:00.500000Z",
      null,
    ]);
    expect(profile.consents).toEqual({
      marketing: { revoke: "2025-05-30T00:00:00.000000Z" },
      analytics: { revoke: null },
    });
    expect(profile.data.pii.birthday).toBe("1988-04-12T00:00:00.000000Z");
    expect(profile.data.devices.last.geo.latitude).toBe(50.0614);
    expect(profile.data.anonymous).toBe(false);
    expect(profile.aux).toEqual({ source: "webshop", [TRACARDI_AUX_KEY]: { trash: null } });
  });

  it("converts offsets to UTC", () => {
    const profile = fromTracardi(isoDatedCustomer);
    expect(profile.metadata.time.create).toBe("2023-11-05T22:30:00.123456Z");
    expect(profile.consents["newsletter"]).toEqual({ revoke: "2024-11-06T05:00:00.000000Z" });
  });

  it("keeps what it does not model in aux.tracardi, mirroring its position", () => {
    const profile = fromTracardi({
      ...isoDatedCustomer,
      stats: { ...isoDatedCustomer.stats, scores: { a: 1 } },
      data: { ...isoDatedCustomer.data, pii: { ...isoDatedCustomer.data.pii, name: "Jonas M." } },
    });
    expect(profile.aux[TRACARDI_AUX_KEY]).toEqual({
      _id: isoDatedCustomer._id,
      operation: isoDatedCustomer.operation,
      stats: { scores: { a: 1 } },
      data: { pii: { name: "Jonas M." } },
    });
    const doc = toTracardi(profile);
    expect(doc["operation"]).toEqual(isoDatedCustomer.operation);
    expect(doc.data.pii).toMatchObject({ name: "Jonas M.", firstname: "Jonas" });
    expect(doc.aux).toEqual({});
  });

  it("keeps a document's own aux.tracardi", () => {
    const doc = { ...identifiedCustomer, aux: { source: "webshop", tracardi: { version: "0.8" } } };
    const profile = fromTracardi(doc);
    expect(profile.aux[TRACARDI_AUX_KEY]).toEqual({
      trash: null,
      aux: { tracardi: { version: "0.8" } },
    });
    expect(toTracardi(profile)).toEqual(doc);
  });

  it("accepts Tracardi's lenient forms: partial documents, null groups, lone strings for lists", () => {
    const profile = fromTracardi({
      id: "legacy-1",
      metadata: { time: { insert: "2021-01-02T03:04:05.678901" } },
      stats: null,
      traits: { private: { a: 1 }, public: {} },
      data: {
        pii: { firstname: "Old", name: "Old Name" },
        contact: { email: { main: "old@example.com" } },
        identifier: { coupons: "WELCOME" },
        preferences: { colors: "red" },
        devices: { names: ["iphone"] },
        metrics: { ltv: null },
        loyalty: null,
      },
    });
    expect(profile.metadata.time.insert).toBe("2021-01-02T03:04:05.678901Z");
    expect(profile.stats).toEqual({ visits: 0, views: 0, counters: {} });
    expect(profile.data.identifier.coupons).toEqual(["WELCOME"]);
    expect(profile.data.preferences.colors).toEqual(["red"]);
    expect(profile.data.metrics.ltv).toBe(0);
    expect(profile.data.loyalty).toEqual(Profile.parse({}).data.loyalty);
    expect(profile.data.anonymous).toBe(false);
    expect(profile.aux[TRACARDI_AUX_KEY]).toEqual({
      data: { pii: { name: "Old Name" }, devices: { names: ["iphone"] } },
    });
  });

  it("rejects documents that do not fit, with paths into the document", () => {
    const result = (doc: unknown) => {
      try {
        fromTracardi(doc);
      } catch (error) {
        return (error as { issues: { path: PropertyKey[] }[] }).issues.map((issue) => issue.path);
      }
      return [];
    };
    expect(result({ ...identifiedCustomer, stats: { visits: "7" } })).toEqual([
      ["stats", "visits"],
    ]);
    expect(result({ metadata: { time: { update: "2024-02-30 00:00:00+00:00" } } })).toEqual([
      ["metadata", "time", "update"],
    ]);
    expect(result(JSON.parse('{"traits": {"__proto__": {"x": 1}}}'))).toEqual([
      ["traits", "__proto__"],
    ]);
    expect(result(JSON.parse('{"operation": {"constructor": 1}}'))).toEqual([
      ["aux", TRACARDI_AUX_KEY, "operation", "constructor"],
    ]);
    expect(result("profile")).toEqual([[]]);
  });

  it("writes documents that fit TracardiProfile, with dates in Tracardi's form", () => {
    const doc = toTracardi(fromTracardi(isoDatedCustomer));
    expect(TracardiProfile.safeParse(doc).success).toBe(true);
    expect(doc.metadata.time.update).toBe("2023-11-06 08:15:30.000000+00:00");
    expect(
      TracardiProfile.safeParse({
        ...doc,
        metadata: {
          ...doc.metadata,
          time: { ...doc.metadata.time, update: "2023-11-06T08:15:30Z" },
        },
      }).success,
    ).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: fromTracardi(toTracardi(p)) equals p for generated profiles
// ---------------------------------------------------------------------------------------------

const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !FORBIDDEN_KEYS.has(k));

const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.string({ maxLength: 8 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(key, tie("value"), { maxKeys: 3 }),
  ),
})).value;

const isoDate = fc
  .tuple(
    fc.date({
      min: new Date("0001-01-01T00:00:00Z"),
      max: new Date("9999-12-31T23:59:59Z"),
      noInvalidDate: true,
    }),
    fc.integer({ min: 0, max: 999 }),
  )
  .map(([date, micros]) => `${date.toISOString().slice(0, 23)}${String(micros).padStart(3, "0")}Z`);

function leafArbitrary(node: Extract<ShapeNode, { kind: "leaf" }>): fc.Arbitrary<unknown> {
  const { path, type } = node.field;
  if (path === "consents") {
    return fc.dictionary(key, fc.record({ revoke: fc.option(isoDate) }), { maxKeys: 3 });
  }
  if (path === "metadata.fields") {
    return fc.dictionary(key, fc.tuple(isoDate, fc.option(fc.string())), { maxKeys: 3 });
  }
  if (path === "data.anonymous") return fc.boolean();
  const value: fc.Arbitrary<unknown> = {
    string:
      path === "id"
        ? fc.string({ minLength: 1, maxLength: 40 }).filter((id) => id.trim() === id)
        : path === "primary_id"
          ? fc.string({ minLength: 1, maxLength: 40 })
          : fc.string(),
    number: fc.double({ noNaN: true, noDefaultInfinity: true }),
    integer: fc.nat(),
    date: isoDate,
    bool: fc.boolean(),
    list: fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }),
    // aux.tracardi is where fromTracardi keeps what it does not model; a profile of ours may
    // only hold there what a Tracardi document could have carried, so it is left out here.
    map: fc.dictionary(
      key.filter((k) => path !== "aux" || k !== TRACARDI_AUX_KEY),
      json,
      { maxKeys: 3 },
    ),
  }[type];
  return node.nullable ? fc.option(value) : value;
}

function inputArbitrary(node: ShapeNode): fc.Arbitrary<unknown> {
  if (node.kind === "leaf") return leafArbitrary(node);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, child] of node.children) shape[name] = inputArbitrary(child);
  return fc.record(shape, { requiredKeys: [] });
}

const profiles = inputArbitrary(profileTree).map((input) => Profile.parse(input));

describe("Tracardi round trip (property)", () => {
  it("fromTracardi(toTracardi(p)) equals p", () => {
    fc.assert(
      fc.property(profiles, (profile) => {
        const doc = toTracardi(profile);
        expect(TracardiProfile.safeParse(doc).success).toBe(true);
        expect(fromTracardi(doc)).toEqual(profile);
        expect(fromTracardi(JSON.parse(JSON.stringify(doc)))).toEqual(
          JSON.parse(JSON.stringify(profile)),
        );
      }),
      { numRuns: 200 },
    );
  });
});
