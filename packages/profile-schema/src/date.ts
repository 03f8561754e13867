import { z } from "zod";

/** Options of {@link normalizeDate}. */
export type DateOptions = {
  /** Accept `YYYY-MM-DD` (read as midnight UTC). Only `data.pii.birthday` allows it. */
  allowDateOnly?: boolean;
  /** Read a date-time without an offset as UTC (what Tracardi does with naive datetimes). */
  assumeUtc?: boolean;
};

/** Result of {@link parseDate}. */
export type DateParseResult = { ok: true; value: string } | { ok: false; message: string };

// Date, optional time with `T`, `t` or a space (Python's str(datetime)), optional fraction,
// optional offset `Z`, `+HH:MM`, `+HHMM` or `+HH`.
const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const CANONICAL_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}\.\d{6})Z$/;

const MINUTES_PER_DAY = 1440;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm). Done on
// integers because JS Date keeps milliseconds only and maps years 0–99 to 1900–1999.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): [number, number, number] {
  const z0 = days + 719468;
  const era = Math.floor(z0 / 146097);
  const doe = z0 - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/**
 * Parses an ISO 8601 / Tracardi date-time and returns it in our canonical UTC form
 * `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always six fraction digits, so strings sort chronologically),
 * or a message saying why it is not a valid date.
 */
export function parseDate(input: string, options: DateOptions = {}): DateParseResult {
  const m = DATE_RE.exec(input.trim());
  if (!m) {
    return {
      ok: false,
      message: `Invalid date: expected ISO 8601, e.g. 2024-05-30T07:44:23.246262Z`,
    };
  }
  const [, ys, mos, ds, hs, mis, ss, frac, offset] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  if (hs === undefined && !options.allowDateOnly) {
    return {
      ok: false,
      message: `Invalid date: a time and a time zone offset are required`,
    };
  }
  if (hs !== undefined && offset === undefined && !options.assumeUtc) {
    return {
      ok: false,
      message: `Invalid date: a time zone offset (Z or ±HH:MM) is required`,
    };
  }
  if (month < 1 || month > 12)
    return { ok: false, message: `Invalid date: month out of range` };
  if (day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, message: `Invalid date: day out of range for the month` };
  }
  const hour = Number(hs ?? 0);
  const minute = Number(mis ?? 0);
  const second = Number(ss ?? 0);
  if (hour > 23 || minute > 59 || second > 59) {
    return { ok: false, message: `Invalid date: time out of range` };
  }
  let offsetMinutes = 0;
  if (offset !== undefined && offset !== "Z" && offset !== "z") {
    const digits = offset.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || "0");
    if (oh > 23 || om > 59)
      return { ok: false, message: `Invalid date: offset out of range` };
    offsetMinutes = (offset.startsWith("-") ? -1 : 1) * (oh * 60 + om);
  }
  const total =
    daysFromCivil(year, month, day) * MINUTES_PER_DAY + hour * 60 + minute - offsetMinutes;
  const utcDays = Math.floor(total / MINUTES_PER_DAY);
  const minuteOfDay = total - utcDays * MINUTES_PER_DAY;
  const [uy, um, ud] = civilFromDays(utcDays);
  if (uy < 1 || uy > 9999) {
    return {
      ok: false,
      message: `Invalid date: year must be between 0001 and 9999 in UTC`,
    };
  }
  // Digits beyond microseconds cannot be kept by Python or Postgres either; truncate.
  const micros = (frac ?? "").slice(0, 6).padEnd(6, "0");
  const value =
    `${pad(uy, 4)}-${pad(um, 2)}-${pad(ud, 2)}T` +
    `${pad(Math.floor(minuteOfDay / 60), 2)}:${pad(minuteOfDay % 60, 2)}:${pad(second, 2)}.${micros}Z`;
  return { ok: true, value };
}

/**
 * Normalises a date string to canonical UTC `YYYY-MM-DDTHH:MM:SS.ffffffZ`, keeping microseconds.
 * Accepts ISO 8601 with any offset and Tracardi's `2024-05-30 07:44:23.246262+00:00`.
 * @throws RangeError when the string is not a valid date in years 0001–9999.
 */
export function normalizeDate(input: string, options: DateOptions = {}): string {
  const result = parseDate(input, options);
  if (!result.ok) throw new RangeError(result.message);
  return result.value;
}

/** Writes a canonical date in Tracardi's form `YYYY-MM-DD HH:MM:SS.ffffff+00:00`. */
export function toTracardiDate(date: string): string {
  const m = CANONICAL_RE.exec(date) ?? CANONICAL_RE.exec(normalizeDate(date));
  if (!m) throw new RangeError(`Invalid date "${date}"`);
  return `${m[1]} ${m[2]}+00:00`;
}

function dateSchema(options: DateOptions) {
  return z
    .string()
    .transform((input, ctx) => {
      const result = parseDate(input, options);
      if (result.ok) return result.value;
      ctx.addIssue({ code: "custom", message: result.message });
      return z.NEVER;
    })
    .meta({ fieldType: "date" });
}

/** A date-time string, normalised to canonical UTC with microseconds. */
export const IsoDateTime = dateSchema({});

/** Like {@link IsoDateTime}, but a bare `YYYY-MM-DD` is also accepted (birthdays). */
export const IsoDateOrDateTime = dateSchema({ allowDateOnly: true });
