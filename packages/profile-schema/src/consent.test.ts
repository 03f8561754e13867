import { describe, expect, it } from "vitest";

import {
  addDuration,
  ConsentChange,
  ConsentGrant,
  ConsentRevocation,
  consentsFromLedger,
  ConsentTypeInput,
  ConsentTypePatch,
  ConsentUpdateProperties,
  isConsentGranted,
  parseIsoDuration,
} from "./consent";

const pathsOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  (result.error?.issues ?? []).map((i) => i.path.join("."));

describe("consent type input", () => {
  it("fills the defaults", () => {
    expect(
      ConsentTypeInput.parse({ id: "marketing", name: "Marketing", purpose: "marketing" }),
    ).toEqual({
      id: "marketing",
      name: "Marketing",
      description: null,
      purpose: "marketing",
      revokable: true,
      defaultValue: "deny",
      enabled: true,
      required: false,
      tags: [],
      autoRevoke: null,
    });
  });

  it.each([
    ["Marketing", "lowercase"],
    ["news letter", "lowercase"],
    ["-news", "starts with a letter or digit"],
    ["news.letter", "lowercase"],
    ["a".repeat(65), "at most 64"],
    ["", "Give a consent type id"],
  ])("refuses the id %j with a message on the id field", (id, message) => {
    const result = ConsentTypeInput.safeParse({ id, name: "x", purpose: "marketing" });
    expect(result.success).toBe(false);
    expect(pathsOf(result)).toEqual(["id"]);
    expect(result.error?.issues[0]?.message).toContain(message);
  });

  it("accepts a 64-character slug with digits and hyphens", () => {
    const id = `3rd-party-${"x".repeat(54)}`;
    expect(ConsentTypeInput.parse({ id, name: "x", purpose: "third-party" }).id).toBe(id);
  });

  it("reports each bad field at its own path", () => {
    const result = ConsentTypeInput.safeParse({
      id: "ok",
      name: " ",
      purpose: "spam",
      defaultValue: "maybe",
      autoRevoke: "1 year",
      tags: [""],
      colour: "red",
    });
    expect(pathsOf(result).sort()).toEqual(
      ["autoRevoke", "colour", "defaultValue", "name", "purpose", "tags.0"].sort(),
    );
  });

  it("patches only what is given and never the id", () => {
    expect(ConsentTypePatch.parse({ enabled: false })).toEqual({ enabled: false });
    expect(pathsOf(ConsentTypePatch.safeParse({ id: "other" }))).toEqual(["id"]);
    expect(ConsentTypePatch.parse({ autoRevoke: null })).toEqual({ autoRevoke: null });
  });
});

describe("durations", () => {
  it.each([
    ["P1Y", { years: 1 }],
    ["P6M", { months: 6 }],
    ["P30D", { days: 30 }],
    ["P2W", { weeks: 2 }],
    ["PT12H", { hours: 12 }],
    ["P1Y2M3DT4H5M6S", { years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6 }],
  ])("parses %s", (text, parts) => {
    expect(parseIsoDuration(text)).toMatchObject(parts);
  });

  it.each(["", "P", "PT", "P0D", "1Y", "P1.5Y", "P-1D", "P1DT", "P1H"])("refuses %j", (text) => {
    expect(parseIsoDuration(text)).toBeNull();
  });

  it.each([
    ["2025-01-15T10:00:00.123456Z", "P30D", "2025-02-14T10:00:00.123456Z"],
    ["2025-01-31T00:00:00.000000Z", "P1M", "2025-02-28T00:00:00.000000Z"],
    ["2024-01-31T00:00:00.000000Z", "P1M", "2024-02-29T00:00:00.000000Z"],
    ["2024-02-29T12:00:00.000001Z", "P1Y", "2025-02-28T12:00:00.000001Z"],
    ["2025-08-31T23:30:00.000000Z", "P6M", "2026-02-28T23:30:00.000000Z"],
    ["2025-12-31T23:00:00.000000Z", "PT2H", "2026-01-01T01:00:00.000000Z"],
    ["2025-01-01T00:00:00+02:00", "P1W", "2025-01-07T22:00:00.000000Z"],
    ["0050-01-01T00:00:00.000000Z", "P1Y", "0051-01-01T00:00:00.000000Z"],
  ])("%s + %s = %s (calendar months, clamped like PostgreSQL)", (at, duration, expected) => {
    expect(addDuration(at, duration)).toBe(expected);
  });

  it("refuses a result past the year 9999", () => {
    expect(() => addDuration("9999-06-01T00:00:00Z", "P1Y")).toThrow(RangeError);
  });
});

describe("consent changes", () => {
  const grant = { profileId: "p-1", typeId: "marketing", legalBasis: "consent" };

  it("normalises the moment and keeps the proof as JSON", () => {
    expect(
      ConsentGrant.parse({
        ...grant,
        at: "2025-05-30 07:44:23.246262+00:00",
        proof: { form: "signup", ip_hash: "abc" },
      }),
    ).toMatchObject({
      at: "2025-05-30T07:44:23.246262Z",
      proof: { form: "signup", ip_hash: "abc" },
    });
  });

  it("refuses a bad legal basis, naming the bases", () => {
    const result = ConsentGrant.safeParse({ ...grant, legalBasis: "because" });
    expect(pathsOf(result)).toEqual(["legalBasis"]);
    expect(result.error?.issues[0]?.message).toContain("legitimate_interests");
  });

  it("needs a legal basis for a grant, not for a revocation", () => {
    expect(
      pathsOf(ConsentChange.safeParse({ ...grant, legalBasis: undefined, action: "granted" })),
    ).toEqual(["legalBasis"]);
    expect(
      ConsentChange.safeParse({ profileId: "p", typeId: "m", action: "revoked" }).success,
    ).toBe(true);
    expect(pathsOf(ConsentChange.safeParse({ ...grant, action: "accepted" }))).toEqual(["action"]);
  });

  it("refuses proof that is not a JSON object or is too large", () => {
    expect(pathsOf(ConsentGrant.safeParse({ ...grant, proof: "yes" }))).toEqual(["proof"]);
    expect(pathsOf(ConsentGrant.safeParse({ ...grant, proof: { t: "x".repeat(20_000) } }))).toEqual(
      ["proof"],
    );
  });

  it("takes a reason on revocation", () => {
    expect(
      ConsentRevocation.parse({ profileId: "p", typeId: "m", reason: " asked " }),
    ).toMatchObject({ reason: "asked" });
  });
});

describe("consent-update event properties", () => {
  it("read one change and ignore other properties", () => {
    expect(
      ConsentUpdateProperties.parse({
        typeId: "marketing",
        action: "granted",
        legalBasis: "consent",
        page: "/signup",
      }),
    ).toEqual({ typeId: "marketing", action: "granted", legalBasis: "consent" });
    expect(
      pathsOf(ConsentUpdateProperties.safeParse({ typeId: "Marketing", action: "yes" })),
    ).toEqual(["typeId", "action"]);
  });
});

describe("consents from the ledger", () => {
  const at = (day: number) => `2025-01-${String(day).padStart(2, "0")}T00:00:00.000000Z`;

  it("keeps only types whose latest entry is a grant, with its expiry", () => {
    expect(
      consentsFromLedger([
        { id: 1, typeId: "marketing", action: "granted", at: at(1), expiresAt: null },
        { id: 2, typeId: "marketing", action: "revoked", at: at(2), expiresAt: null },
        { id: 3, typeId: "analytics", action: "granted", at: at(3), expiresAt: at(30) },
        { id: 4, typeId: "profiling", action: "denied", at: at(3), expiresAt: null },
        // Back-dated: recorded later, happened earlier; the revocation above still wins.
        { id: 5, typeId: "marketing", action: "granted", at: at(1), expiresAt: null },
      ]),
    ).toEqual({ analytics: { revoke: at(30) } });
  });

  it("breaks ties at the same moment by insertion order", () => {
    expect(
      consentsFromLedger([
        { id: 2, typeId: "m", action: "granted", at: at(1), expiresAt: null },
        { id: 1, typeId: "m", action: "denied", at: at(1), expiresAt: null },
      ]),
    ).toEqual({ m: { revoke: null } });
  });
});

describe("isConsentGranted", () => {
  const T = "2025-01-01T00:00:00.000000Z";
  const expiry = addDuration(T, "P30D");
  const consents = { marketing: { revoke: expiry }, analytics: { revoke: null } };

  it("counts a grant until its expiry and not from that moment, without any write", () => {
    expect(isConsentGranted(consents, "marketing", addDuration(T, "P29D"))).toBe(true);
    expect(isConsentGranted(consents, "marketing", addDuration(T, "P30D"))).toBe(false);
    expect(isConsentGranted(consents, "marketing", addDuration(T, "P30DT1S"))).toBe(false);
    expect(isConsentGranted(consents, "marketing", new Date("2025-01-30T23:59:59.999Z"))).toBe(
      true,
    );
  });

  it("counts a grant without expiry forever, and an absent type never", () => {
    expect(isConsentGranted(consents, "analytics", "9999-12-31T23:59:59Z")).toBe(true);
    expect(isConsentGranted(consents, "profiling", T)).toBe(false);
    expect(isConsentGranted(consents, "constructor", T)).toBe(false);
    expect(isConsentGranted(undefined, "marketing", T)).toBe(false);
  });

  it("reads non-canonical dates", () => {
    expect(
      isConsentGranted(
        { m: { revoke: "2025-01-31 00:00:00+00:00" } },
        "m",
        "2025-01-31T00:59:59+01:00",
      ),
    ).toBe(true);
  });
});
