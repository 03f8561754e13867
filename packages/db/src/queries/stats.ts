import { sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import { conditionNow } from "@cdp/profile-schema";
import type { Condition } from "@cdp/profile-schema";

import type { Database } from "../client";
import { DomainError } from "../errors";
import { rowsOf } from "../sql";
import { compileCondition } from "./condition";

/*
 * Aggregates for the console's dashboard. Each figure is a count over `profile` (or the segment
 * and consent tables); "identified", "active" and "granted" are conditions compiled by
 * compileCondition, so they mean exactly what the same condition means in a segment or a list.
 */

/** Longest series the dashboard asks for, in days. */
export const STATS_MAX_DAYS = 366;
/** Most consent types the grant-rate figure covers (the catalogue is small). */
const MAX_CONSENT_TYPES = 100;

/** A profile is active when a visit of it started this recently (a condition duration). */
export const ACTIVE_WITHIN = "30d";

/** Identified: has contact data (`data.anonymous` is derived from it). */
export const IDENTIFIED: Condition = { field: "data.anonymous", op: "eq", value: false };
/** Active: a visit started within {@link ACTIVE_WITHIN}. */
export const ACTIVE: Condition = {
  field: "metadata.time.visit.current",
  op: "within_last",
  value: ACTIVE_WITHIN,
};

export interface StatsOverviewParams {
  /** The instant the figures are taken at (series end on its UTC day). */
  now: string | Date;
  /** Days in each series, ending with today (UTC): 1–366. */
  days: number;
  /** How many segments to list, largest first. */
  segmentLimit?: number;
}

/** A count for one UTC day (`YYYY-MM-DD`). */
export interface DayCount {
  day: string;
  count: number;
}

export interface StatsOverview {
  /** The instant the figures were taken at (canonical UTC). */
  at: string;
  totals: {
    profiles: number;
    identified: number;
    anonymous: number;
    /** Profiles with a visit started within {@link ACTIVE_WITHIN}. */
    active: number;
  };
  /** Profiles first stored (`metadata.time.insert`) per day, oldest day first, zeros included. */
  profilesCreated: DayCount[];
  /**
   * Visits started per day, from each profile's current and previous visit start (the visit
   * columns): older visits survive only in `stats.visits`, so recent days are exact and the
   * count undercounts days long past.
   */
  visits: DayCount[];
  /** The largest segments by current members, largest first (ties by id). */
  segments: { id: string; name: string; size: number }[];
  /**
   * Per consent type (the catalogue's live types and any type a profile holds): profiles holding
   * it granted now, and holding an expired grant. Most granted first, ties by id.
   */
  consents: { typeId: string; name: string | null; granted: number; expired: number }[];
}

/**
 * The dashboard's figures at `now`: totals, daily series over `days` UTC days ending today, the
 * largest segments and per-type consent counts.
 */
export async function statsOverview(
  db: Database,
  params: StatsOverviewParams,
): Promise<StatsOverview> {
  if (!Number.isInteger(params.days) || params.days < 1 || params.days > STATS_MAX_DAYS) {
    throw new DomainError(
      "BAD_REQUEST",
      `Days must be a whole number from 1 to ${STATS_MAX_DAYS}`,
      {
        path: ["days"],
      },
    );
  }
  const now = conditionNow(params.now);
  const where = (condition: Condition) => compileCondition(condition, { now });

  const [totals] = rowsOf<{ profiles: number; identified: number; active: number }>(
    await db.execute(sql`
      select count(*)::int as profiles,
             (count(*) filter (where ${where(IDENTIFIED)}))::int as identified,
             (count(*) filter (where ${where(ACTIVE)}))::int as active
      from profile`),
  );
  const profiles = Number(totals?.profiles ?? 0);
  const identified = Number(totals?.identified ?? 0);

  return {
    at: now,
    totals: {
      profiles,
      identified,
      anonymous: profiles - identified,
      active: Number(totals?.active ?? 0),
    },
    profilesCreated: await daySeries(db, now, params.days, [sql`inserted_at`]),
    visits: await daySeries(db, now, params.days, [sql`visit_current`, sql`visit_last`]),
    segments: await largestSegments(db, params.segmentLimit ?? 8),
    consents: await consentCounts(db, now),
  };
}

/**
 * Per UTC day from `days - 1` days before `now`'s day up to `now`: how many of the given
 * timestamp columns of `profile` fall on it (each column counted separately).
 */
async function daySeries(
  db: Database,
  now: string,
  days: number,
  columns: SQL[],
): Promise<DayCount[]> {
  const end = sql`${now}::text::timestamptz`;
  const firstDay = sql`((${end} at time zone 'UTC')::date - ${days - 1}::int)`;
  const start = sql`(${firstDay}::timestamp at time zone 'UTC')`;
  // One range scan per column, so each can use its own index.
  const stamps = sql.join(
    columns.map(
      (column) =>
        sql`select (${column} at time zone 'UTC')::date as day from profile where ${column} >= ${start} and ${column} <= ${end}`,
    ),
    sql` union all `,
  );
  const rows = rowsOf<{ day: string; count: number }>(
    await db.execute(sql`
      with counted as (select day, count(*) as n from (${stamps}) as stamped group by day)
      select to_char(d.day, 'YYYY-MM-DD') as day, coalesce(counted.n, 0)::int as count
      from generate_series(${firstDay}, (${end} at time zone 'UTC')::date, interval '1 day') as d(day)
      left join counted on counted.day = d.day::date
      order by d.day`),
  );
  return rows.map((r) => ({ day: r.day, count: Number(r.count) }));
}

async function largestSegments(db: Database, limit: number): Promise<StatsOverview["segments"]> {
  const rows = rowsOf<{ id: string; name: string; size: number }>(
    await db.execute(sql`
      select s.id, s.name, count(m.profile_id)::int as size
      from segment s left join segment_membership m on m.segment_id = s.id
      group by s.id, s.name
      order by size desc, s.id collate "C"
      limit ${Math.max(1, Math.min(limit, 50))}::int`),
  );
  return rows.map((r) => ({ id: r.id, name: r.name, size: Number(r.size) }));
}

async function consentCounts(db: Database, now: string): Promise<StatsOverview["consents"]> {
  const types = rowsOf<{ id: string; name: string | null }>(
    await db.execute(sql`
      select coalesce(t.id, held.id) as id, t.name
      from (select id, name from consent_type where archived_at is null) as t
      full join (select distinct jsonb_object_keys(consents) as id from profile) as held
        on held.id = t.id
      order by coalesce(t.id, held.id) collate "C"
      limit ${MAX_CONSENT_TYPES}::int`),
  );
  const counted = types.flatMap((type) => {
    try {
      return [
        {
          ...type,
          granted: compileCondition({ consent: { type: type.id, granted: true } }, { now }),
        },
      ];
    } catch (error) {
      // A key no condition may name (a reserved word) cannot be a consent type: leave it out.
      if (error instanceof DomainError) return [];
      throw error;
    }
  });
  if (counted.length === 0) return [];
  const columns = counted.map(({ id, granted }, i) => {
    return sql`(count(*) filter (where ${granted}))::int as ${sql.identifier(`g${i}`)}, (count(*) filter (where profile.consents ? ${id}::text and not ${granted}))::int as ${sql.identifier(`e${i}`)}`;
  });
  const [counts] = rowsOf<Record<string, number>>(
    await db.execute(sql`select ${sql.join(columns, sql`, `)} from profile`),
  );
  return counted
    .map((type, i) => ({
      typeId: type.id,
      name: type.name,
      granted: Number(counts?.[`g${i}`] ?? 0),
      expired: Number(counts?.[`e${i}`] ?? 0),
    }))
    .sort((a, b) => b.granted - a.granted || (a.typeId < b.typeId ? -1 : 1));
}
