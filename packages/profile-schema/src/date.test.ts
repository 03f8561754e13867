import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { IsoDateOrDateTime, IsoDateTime, normalizeDate, parseDate, toTracardiDate } from "./date";

describe("normalizeDate", () => {
  it.each([
    ["2024-05-30T07:44:23.246262Z", "2024-05-30T07:44:23.246262Z"],
    ["2024-05-30 07:44:23.246262+00:00", "2024-05-30T07:44:23.246262Z"],
    ["2024-05-30T07:44:23Z", "2024-05-30T07:44:23.000000Z"],
    ["2024-05-30T07:44:23.5Z", "2024-05-30T07:44:23.500000Z"],
    ["2024-05-30T07:44:23.246Z", "2024-05-30T07:44:23.246000Z"],
    ["2024-05-30T07:44Z", "2024-05-30T07:44:00.000000Z"],
    ["2024-05-30t07:44:23z", "2024-05-30T07:44:23.000000Z"],
    ["2024-05-30T09:44:23.246262+02:00", "2024-05-30T07:44:23.246262Z"],
    ["2024-05-30T09:44:23.246262+0200", "2024-05-30T07:44:23.246262Z"],
    ["2024-05-30T09:44:23+02", "2024-05-30T07:44:23.000000Z"],
    ["2024-05-30T02:14:23.000001-05:30", "2024-05-30T07:44:23.000001Z"],
    ["2024-05-30T07:44:23,25Z", "2024-05-30T07:44:23.250000Z"],
    // nanoseconds: truncated, not rounded
    ["2024-05-30T07:44:23.123456789Z", "2024-05-30T07:44:23.123456Z"],
    // offsets that cross day, month, year and leap-day boundaries
    ["2024-01-01T00:30:00+01:00", "2023-12-31T23:30:00.000000Z"],
    ["2023-12-31T23:30:00-01:00", "2024-01-01T00:30:00.000000Z"],
    ["2024-03-01T00:15:00+00:30", "2024-02-29T23:45:00.000000Z"],
    ["2100-03-01T00:15:00+00:30", "2100-02-28T23:45:00.000000Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"],
    ["9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z"],
    ["2000-02-29T12:00:00Z", "2000-02-29T12:00:00.000000Z"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeDate(input)).toBe(expected);
  });

  it.each([
    ["not a date", "expected ISO 8601"],
    ["2024-02-30T00:00:00Z", "day out of range"],
    ["2023-02-29T00:00:00Z", "day out of range"],
    ["1900-02-29T00:00:00Z", "day out of range"],
    ["2024-13-01T00:00:00Z", "month out of range"],
    ["2024-00-01T00:00:00Z", "month out of range"],
    ["2024-05-30T24:00:00Z", "time out of range"],
    ["2024-05-30T23:60:00Z", "time out of range"],
    ["2024-05-30T23:59:60Z", "time out of range"],
    ["2024-05-30T07:44:23+24:00", "offset out of range"],
    ["0000-12-31T00:00:00Z", "year must be between 0001 and 9999"],
    ["0001-01-01T00:30:00+01:00", "year must be between 0001 and 9999"],
    ["9999-12-31T23:30:00-01:00", "year must be between 0001 and 9999"],
    ["10000-01-01T00:00:00Z", "expected ISO 8601"],
    ["-0001-01-01T00:00:00Z", "expected ISO 8601"],
    ["2024-05-30T07:44:23", "time zone offset"],
    ["2024-05-30", "a time and a time zone offset are required"],
    ["2024-5-30T07:44:23Z", "expected ISO 8601"],
  ])("rejects %s (%s)", (input, message) => {
    expect(() => normalizeDate(input)).toThrow(RangeError);
    expect(() => normalizeDate(input)).toThrow(message);
  });

  it("accepts a bare date only when asked, as midnight UTC", () => {
    expect(normalizeDate("1988-04-12", { allowDateOnly: true })).toBe(
      "1988-04-12T00:00:00.000000Z",
    );
    expect(parseDate("1988-02-30", { allowDateOnly: true })).toMatchObject({ ok: false });
  });

  it("reads a naive date-time as UTC only when asked", () => {
    expect(normalizeDate("2022-03-14 15:09:26.535897", { assumeUtc: true })).toBe(
      "2022-03-14T15:09:26.535897Z",
    );
  });

  it("is idempotent", () => {
    const once = normalizeDate("2024-05-30 09:44:23.246262+02:00");
    expect(normalizeDate(once)).toBe(once);
  });

  it("agrees with Date on millisecond instants written at any offset", () => {
    const instant = fc.date({
      min: new Date("0002-01-01T00:00:00Z"),
      max: new Date("9998-12-31T00:00:00Z"),
      noInvalidDate: true,
    });
    const offsetMinutes = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });
    fc.assert(
      fc.property(
        instant,
        offsetMinutes,
        fc.integer({ min: 0, max: 999 }),
        (date, offset, micros) => {
          const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
          const sign = offset < 0 ? "-" : "+";
          const abs = Math.abs(offset);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
          const micro = String(micros).padStart(3, "0");
          const expected = `${date.toISOString().slice(0, 23)}${micro}Z`;
          expect(normalizeDate(`${local}${micro}${zone}`)).toBe(expected);
        },
      ),
    );
  });
});

describe("toTracardiDate", () => {
  it("writes Tracardi's str(datetime) form", () => {
    expect(toTracardiDate("2024-05-30T07:44:23.246262Z")).toBe("2024-05-30 07:44:23.246262+00:00");
    expect(toTracardiDate("2024-05-30T09:44:23+02:00")).toBe("2024-05-30 07:44:23.000000+00:00");
  });

  it("rejects what is not a date", () => {
    expect(() => toTracardiDate("yesterday")).toThrow(RangeError);
  });
});

describe("date schemas", () => {
  it("normalise and report the reason", () => {
    expect(IsoDateTime.parse("2024-05-30 07:44:23.246262+00:00")).toBe(
      "2024-05-30T07:44:23.246262Z",
    );
    const result = IsoDateTime.safeParse("1988-04-12");
    expect(result.error?.issues[0]?.message).toContain(
      "a time and a time zone offset are required",
    );
    expect(IsoDateOrDateTime.parse("1988-04-12")).toBe("1988-04-12T00:00:00.000000Z");
    expect(IsoDateTime.safeParse(1717055063).success).toBe(false);
  });
});
