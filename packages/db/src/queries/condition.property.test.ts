import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkCondition,
  evaluateCondition,
  formatCondition,
  instantBefore,
  opsByFieldType,
  Profile,
} from "@cdp/profile-schema";
import type {
  Condition,
  ConditionFieldType,
  ConditionOp,
  ConditionScalar,
  ProfileInput,
} from "@cdp/profile-schema";
import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";

import { event, profile, profileIdentifier } from "../schema";
import { rowsOf } from "../sql";
import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import { compileCondition } from "./condition";
import { insertProfiles } from "./profile";

// The SQL back-end and the in-process evaluator must agree on every profile and condition. Pools
// of values are small on purpose, so generated conditions often hit generated profiles exactly
// (equal strings, equal instants, thresholds to the microsecond), and mixed with unicode, empty
// strings, negatives and decimals where the two engines could part ways.

const NOW = "2025-06-15T12:00:00.123456Z";
const DURATIONS = ["30m", "12h", "1d", "7d", "2w", "30d", "365d"];

function toMicros(iso: string): bigint {
  return BigInt(Date.parse(`${iso.slice(0, 23)}Z`)) * 1000n + BigInt(Number(iso.slice(23, 26)));
}
function fromMicros(us: bigint): string {
  const ms = us / 1000n;
  const rest = us % 1000n;
  return `${new Date(Number(ms)).toISOString().slice(0, 23)}${String(rest).padStart(3, "0")}Z`;
}
const shift = (iso: string, us: bigint) => fromMicros(toMicros(iso) + us);

const boundaryDates = [NOW, shift(NOW, 1n), shift(NOW, -1n)].concat(
  DURATIONS.flatMap((d) => {
    const at = instantBefore(NOW, d);
    return [at, shift(at, 1n), shift(at, -1n)];
  }),
);
const dateArb = fc.oneof(
  fc.constantFrom(...boundaryDates),
  fc
    .tuple(fc.integer({ min: -400 * 86400, max: 40 * 86400 }), fc.integer({ min: 0, max: 999_999 }))
    .map(([seconds, micros]) => shift(NOW, BigInt(seconds) * 1_000_000n + BigInt(micros))),
);
const dateOrNull = fc.option(dateArb, { nil: null, freq: 4 });

const noNul = (s: string) => !s.includes("\u0000") && !/\p{Cs}/u.test(s);
const STRINGS = [
  "",
  "Ada",
  "ada",
  "ADA",
  "Ådam",
  "Żaneta",
  "Zoë",
  "O'Brien",
  'quo"te',
  "back\\slash",
  "50%",
  "a_b",
  "😀smile",
  "\uE000x",
  "\uFFFDz",
  "日本",
  "Kowalski",
  "Kowal",
  "ski",
  " Ada",
  "x",
];
const stringArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }).filter(noNul) },
);
const EMAILS = [
  "ada@acme.com",
  "Ada@Acme.com",
  "ADA@ACME.COM",
  "bob@example.org",
  "zoë@exämple.de",
  "ÅSA@x.se",
  "",
];
const COUNTRIES = ["PL", "DE", "pl", "US", "", "Ö"];
const NUMBERS = [
  -1.5, -1, 0, 0.1, 0.3, 0.30000000000000004, 1, 2, 2.5, 3, 10, 11, 1e21, -1e-7, 123456789.125,
];
const numberArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NUMBERS) },
  {
    weight: 1,
    arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  },
);
const intArb = fc.constantFrom(0, 1, 2, 3, 10, 11, 250);
const COLORS = ["red", "blue", "", "Red", "grün"];
const SEGMENTS = ["vip", "churn", "new", "a b"];
const CONSENTS = ["marketing", "analytics", "email"];
const EVENT_TYPES = ["purchase", "visit", "page-view"];

const scalarArb: fc.Arbitrary<ConditionScalar> = fc.oneof(stringArb, numberArb, fc.boolean());
const jsonArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalarArb },
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 2,
    arbitrary: fc.array(
      fc.oneof(scalarArb, fc.constant(null), fc.array(scalarArb, { maxLength: 2 })),
      { maxLength: 4 },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      { a: fc.oneof(scalarArb, fc.constant(null)), b: fc.array(scalarArb, { maxLength: 3 }) },
      { requiredKeys: [] },
    ),
  },
);

const profileArb = (id: string): fc.Arbitrary<Profile> =>
  fc
    .record({
      firstname: fc.option(stringArb, { nil: null }),
      lastname: fc.option(stringArb, { nil: null }),
      display_name: fc.option(stringArb, { nil: null }),
      email: fc.option(fc.constantFrom(...EMAILS), { nil: null }),
      phone: fc.option(fc.constantFrom("+48600100200", "600", ""), { nil: null }),
      country: fc.option(fc.constantFrom(...COUNTRIES), { nil: null }),
      birthday: fc.option(
        fc.oneof(fc.constantFrom("1990-05-01", "2000-01-01", "2025-06-08"), dateArb),
        { nil: null },
      ),
      height: fc.option(numberArb, { nil: null }),
      companySize: fc.option(intArb, { nil: null }),
      colors: fc.subarray(COLORS),
      spoken: fc.option(fc.subarray(["pl", "en", "de"]), { nil: null }),
      active: fc.boolean(),
      primaryId: fc.option(fc.constantFrom("p-1", "P-1", "x"), { nil: null }),
      tz: fc.option(fc.constantFrom("Europe/Warsaw", "UTC", ""), { nil: null }),
      insert: dateArb,
      update: dateOrNull,
      visitLast: dateOrNull,
      visitCount: intArb,
      visits: intArb,
      views: intArb,
      traits: fc.record(
        { plan: jsonArb, score: jsonArb, tags: jsonArb, flag: jsonArb, nested: jsonArb },
        { requiredKeys: [] },
      ),
      interests: fc.record({ sport: jsonArb, music: jsonArb }, { requiredKeys: [] }),
      counters: fc.record({ purchases: jsonArb }, { requiredKeys: [] }),
      consents: fc.dictionary(
        fc.constantFrom(...CONSENTS),
        fc.record({ revoke: fc.oneof(fc.constant(null), dateArb) }),
        { maxKeys: 3 },
      ),
      segments: fc.subarray(SEGMENTS),
      nextMetrics: dateOrNull,
    })
    .map((g) => {
      const input: ProfileInput = {
        id,
        primary_id: g.primaryId,
        active: g.active,
        metadata: {
          time: {
            insert: g.insert,
            update: g.update,
            visit: { last: g.visitLast, count: g.visitCount, tz: g.tz },
          },
        },
        stats: { visits: g.visits, views: g.views, counters: g.counters as Record<string, never> },
        traits: g.traits as Record<string, never>,
        interests: g.interests as Record<string, never>,
        consents: g.consents,
        segments: g.segments,
        data: {
          pii: {
            firstname: g.firstname,
            lastname: g.lastname,
            display_name: g.display_name,
            birthday: g.birthday,
            attributes: { height: g.height },
            language: { spoken: g.spoken },
          },
          contact: {
            email: { main: g.email },
            phone: { main: g.phone },
            address: { country: g.country },
          },
          job: { company: { size: g.companySize } },
          preferences: { colors: g.colors },
          metrics: { next: g.nextMetrics },
        },
      };
      return Profile.parse(input);
    });

type FieldSpec = { path: string; type: ConditionFieldType; values: fc.Arbitrary<ConditionScalar> };
const dateValueArb: fc.Arbitrary<ConditionScalar> = fc.oneof(
  dateArb,
  fc.constantFrom("2025-06-08", "1990-05-01"),
);
const FIELDS: FieldSpec[] = [
  { path: "id", type: "string", values: fc.constantFrom("p0", "p1", "p10", "zz") },
  { path: "primary_id", type: "string", values: fc.constantFrom("p-1", "P-1", "x", "") },
  { path: "active", type: "bool", values: fc.boolean() },
  { path: "metadata.time.insert", type: "date", values: dateValueArb },
  { path: "metadata.time.update", type: "date", values: dateValueArb },
  { path: "metadata.time.visit.last", type: "date", values: dateValueArb },
  { path: "metadata.time.visit.count", type: "integer", values: numberArb },
  {
    path: "metadata.time.visit.tz",
    type: "string",
    values: fc.constantFrom("Europe/Warsaw", "UTC", "", "Europe"),
  },
  { path: "stats.visits", type: "integer", values: fc.oneof(intArb, numberArb) },
  { path: "stats.views", type: "integer", values: fc.oneof(intArb, numberArb) },
  { path: "stats.counters", type: "map", values: scalarArb },
  { path: "traits", type: "map", values: scalarArb },
  { path: "segments", type: "list", values: fc.constantFrom(...SEGMENTS, "nope") },
  { path: "data.anonymous", type: "bool", values: fc.boolean() },
  { path: "data.pii.firstname", type: "string", values: stringArb },
  { path: "data.pii.lastname", type: "string", values: stringArb },
  { path: "data.pii.display_name", type: "string", values: stringArb },
  { path: "data.pii.birthday", type: "date", values: dateValueArb },
  { path: "data.pii.attributes.height", type: "number", values: numberArb },
  { path: "data.pii.language.spoken", type: "list", values: fc.constantFrom("pl", "en", "PL", "") },
  {
    path: "data.contact.email.main",
    type: "string",
    values: fc.oneof(fc.constantFrom(...EMAILS, "acme", "@acme.com", "Acme"), stringArb),
  },
  {
    path: "data.contact.phone.main",
    type: "string",
    values: fc.constantFrom("+48600100200", "600", "", "+48"),
  },
  {
    path: "data.contact.address.country",
    type: "string",
    values: fc.constantFrom(...COUNTRIES, "P", "Z"),
  },
  { path: "data.job.company.size", type: "integer", values: fc.oneof(intArb, numberArb) },
  { path: "data.preferences.colors", type: "list", values: fc.constantFrom(...COLORS, "RED") },
  { path: "data.metrics.next", type: "date", values: dateValueArb },
  ...["plan", "score", "tags", "flag", "nested", "nested.a", "nested.b", "missing"].map(
    (key): FieldSpec => ({ path: `traits.${key}`, type: "json", values: scalarArb }),
  ),
  { path: "interests.sport", type: "json", values: scalarArb },
  { path: "interests.music", type: "json", values: scalarArb },
  { path: "stats.counters.purchases", type: "json", values: scalarArb },
];

const ordered = (a: ConditionScalar, b: ConditionScalar): [ConditionScalar, ConditionScalar] => {
  if (typeof a === "number" && typeof b === "number") return a <= b ? [a, b] : [b, a];
  const [x, y] = [String(a), String(b)];
  // Code-point order, as the condition requires; dates are canonicalised first.
  const cx = [...x].map((c) => c.codePointAt(0) ?? 0);
  const cy = [...y].map((c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(cx.length, cy.length); i++) {
    if (cx[i] !== cy[i]) return (cx[i] ?? 0) < (cy[i] ?? 0) ? [a, b] : [b, a];
  }
  return cx.length <= cy.length ? [a, b] : [b, a];
};

function leafArb(spec: FieldSpec): fc.Arbitrary<Condition> {
  const ops = opsByFieldType[spec.type];
  return fc.constantFrom(...ops).chain((op: ConditionOp): fc.Arbitrary<Condition> => {
    const field = spec.path;
    const values = spec.type === "json" ? scalarFor(op) : spec.values;
    switch (op) {
      case "exists":
      case "empty":
        return fc.constant({ field, op });
      case "within_last":
      case "before":
        return fc.constantFrom(...DURATIONS).map((value) => ({ field, op, value }));
      case "in":
        return fc
          .array(values, { minLength: 1, maxLength: 4 })
          .map((value) => ({ field, op, value }));
      case "between": {
        const pair =
          spec.type === "json"
            ? fc.oneof(fc.tuple(stringArb, stringArb), fc.tuple(numberArb, numberArb))
            : fc.tuple(values, values);
        return pair.map(([a, b]) => {
          const canon = (v: ConditionScalar) =>
            spec.type === "date" && typeof v === "string" ? canonicalDate(v) : v;
          return { field, op, value: ordered(canon(a), canon(b)) };
        });
      }
      default:
        return values.map((value) => ({ field, op, value }) as Condition);
    }
  });
}

function canonicalDate(v: string): string {
  const result = checkCondition({ field: "metadata.time.insert", op: "eq", value: v });
  return result.ok && "value" in result.condition ? String(result.condition.value) : v;
}

function scalarFor(op: ConditionOp): fc.Arbitrary<ConditionScalar> {
  if (op === "starts_with" || op === "ends_with") return stringArb;
  if (op === "gt" || op === "gte" || op === "lt" || op === "lte")
    return fc.oneof(stringArb, numberArb);
  return scalarArb;
}

const otherLeafArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    consent: fc.record({ type: fc.constantFrom(...CONSENTS, "none"), granted: fc.boolean() }),
  }),
  fc.record({ segment: fc.record({ id: fc.constantFrom(...SEGMENTS, "nope") }) }),
  fc
    .record({
      type: fc.constantFrom(...EVENT_TYPES, "never"),
      a: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
      b: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
      within: fc.constantFrom(...DURATIONS),
    })
    .map(({ type, a, b, within }) => {
      const count =
        a === undefined && b === undefined
          ? { gte: 1 }
          : a !== undefined && b !== undefined
            ? { gte: Math.min(a, b), lte: Math.max(a, b) }
            : a !== undefined
              ? { gte: a }
              : { lte: b };
      return { event: { type, count, within } } as Condition;
    }),
);

const anyLeafArb: fc.Arbitrary<Condition> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FIELDS).chain(leafArb) },
  { weight: 1, arbitrary: otherLeafArb },
);

function conditionArb(depth: number): fc.Arbitrary<Condition> {
  if (depth === 0) return anyLeafArb;
  const child = conditionArb(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: anyLeafArb },
    {
      weight: 1,
      arbitrary: fc.array(child, { minLength: 2, maxLength: 3 }).map((and) => ({ and })),
    },
    { weight: 1, arbitrary: fc.array(child, { minLength: 2, maxLength: 3 }).map((or) => ({ or })) },
    { weight: 1, arbitrary: child.map((not) => ({ not })) },
  );
}

type GeneratedEvent = { profileId: string; id: string; type: string; time: string };

const PROFILES = 24;
const scenarioArb = fc.record({
  profiles: fc.tuple(...Array.from({ length: PROFILES }, (_, i) => profileArb(`p${i}`))),
  events: fc.array(
    fc.record({
      profile: fc.integer({ min: 0, max: PROFILES - 1 }),
      type: fc.constantFrom(...EVENT_TYPES),
      time: dateArb,
    }),
    { maxLength: 60 },
  ),
  conditions: fc.array(conditionArb(3), { minLength: 100, maxLength: 100 }),
});

const RUNS = 25;
const dialect = new PgDialect();

describe.each(testTargets())("compiled conditions agree with evaluateCondition on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t.close();
  });

  it(`holds for ${RUNS} × ${PROFILES} generated profiles × 100 generated conditions`, async () => {
    let checked = 0;
    let matchedSome = 0;
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ profiles, events: rawEvents, conditions }) => {
        // Deleting the few rows is far cheaper than TRUNCATE on PGlite.
        await t.db.delete(event);
        await t.db.delete(profileIdentifier);
        await t.db.delete(profile);
        await insertProfiles(t.db, profiles);
        const events: GeneratedEvent[] = rawEvents.map((e, i) => ({
          profileId: `p${e.profile}`,
          id: `e${i}`,
          type: e.type,
          time: e.time,
        }));
        if (events.length > 0) await t.db.insert(event).values(events);
        const valid = conditions.map((raw) => {
          const result = checkCondition(raw);
          if (!result.ok) {
            throw new Error(
              `generator made an invalid condition ${JSON.stringify(raw)}: ${JSON.stringify(result.issues)}`,
            );
          }
          return result.condition;
        });
        const compiled = valid.map((condition) => compileCondition(condition, { now: NOW }));
        // All conditions in one statement: each compiled predicate as a column of a boolean
        // array, which also shows that no leaf ever yields NULL.
        const rows = rowsOf<{ id: string; matched: unknown[] }>(
          await t.db.execute(
            sql`select ${profile.id} as id, array[${sql.join(compiled, sql`, `)}]::boolean[] as matched from ${profile}`,
          ),
        );
        const sqlMatches = valid.map((_, i) =>
          rows
            .filter((row) => {
              const value = row.matched[i];
              if (typeof value !== "boolean") {
                throw new Error(
                  `condition ${i} yielded ${String(value)} on ${row.id}: ${JSON.stringify(valid[i])}`,
                );
              }
              return value;
            })
            .map((row) => row.id)
            .sort(),
        );
        // A few through WHERE as well, the way listProfiles uses them.
        for (let i = 0; i < 5; i++) {
          const where = await t.db.select({ id: profile.id }).from(profile).where(compiled[i]);
          expect(where.map((r) => r.id).sort()).toEqual(sqlMatches[i]);
        }
        valid.forEach((condition, i) => {
          const fromSql = sqlMatches[i] ?? [];
          const fromJs = profiles
            .filter((p) =>
              evaluateCondition(condition, p, {
                now: NOW,
                eventCount: (type, since) =>
                  events.filter((e) => e.profileId === p.id && e.type === type && e.time >= since)
                    .length,
              }),
            )
            .map((p) => p.id)
            .sort();
          if (JSON.stringify(fromSql) !== JSON.stringify(fromJs)) {
            const query = dialect.sqlToQuery(compiled[i] ?? sql``);
            const differing = profiles.filter(
              (p) => fromSql.includes(p.id) !== fromJs.includes(p.id),
            );
            throw new Error(
              [
                `SQL and evaluator disagree on: ${formatCondition(condition)}`,
                `condition: ${JSON.stringify(condition)}`,
                `sql only: ${fromSql.filter((id) => !fromJs.includes(id)).join(", ")}`,
                `js only: ${fromJs.filter((id) => !fromSql.includes(id)).join(", ")}`,
                `first differing profile: ${JSON.stringify(differing[0])}`,
                `sql: ${query.sql}`,
                `params: ${JSON.stringify(query.params)}`,
              ].join("\n"),
            );
          }
          checked += 1;
          if (fromJs.length > 0 && fromJs.length < profiles.length) matchedSome += 1;
        });
      }),
      // Shrinking would re-run whole batches against the database; the failure message already
      // names the condition, the differing profile and the SQL.
      { numRuns: RUNS, endOnFailure: true },
    );
    // Guards the generator: most conditions should split the profiles, not match all or none.
    expect(checked).toBeGreaterThanOrEqual(RUNS * 100);
    expect(matchedSome / checked).toBeGreaterThan(0.3);
    console.info(
      `[condition property on ${t.label}] ${checked} conditions, ${matchedSome} splitting, ${Math.round(performance.now() - started)} ms`,
    );
  });
});
