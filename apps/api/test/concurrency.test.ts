/**
 * 100 concurrent writers over real HTTP — profile updates, track batches, merges and consent
 * changes interleaved — on one profile and on many. What must hold whatever the interleaving:
 * - no answer is a 5xx (deadlocks and serialization failures are retried by the server; what it
 *   cannot settle is a 409 the writer may retry);
 * - no acknowledged write is lost: every update lands (its writer re-reads and retries on 409)
 *   with its own trait key; every merge acknowledged shows on the survivor;
 * - counters are exact: views, a counter and stored events equal the page views acknowledged
 *   (plus those the merged profiles brought);
 * - the consent ledger holds exactly the acknowledged changes, and `consents` says what its last
 *   entry says;
 * - every profile's stored memberships (table and `profile.segments`) equal a fresh evaluation
 *   of the segments on its document, events and consents;
 * - writes naming a profile while it is merged away land on the survivor (or get a 409 and do on
 *   the next try), and an erase or delete racing track batches leaves none of their events behind.
 * PostgreSQL runs the writers in parallel on its pool; PGlite has one connection and runs them
 * one after the other, which still interleaves requests.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TRPCClientError } from "@cdp/client";
import type { ProfileClient, ProfileClientError } from "@cdp/client";
import {
  countEvents,
  listConsentTypes,
  lockSegmentCatalog,
  listEvents,
  listSegments,
  membershipsOf,
  requireProfile,
  rowsOf,
} from "@cdp/db";
import {
  compareCodePoints,
  evaluateSegments,
  isConsentGranted,
  orderSegments,
} from "@cdp/profile-schema";
import type { SegmentInputInput } from "@cdp/profile-schema";
import { sql } from "drizzle-orm";

import { startHarness, testTargets } from "./harness";
import type { Harness } from "./harness";

/** Generous: on PGlite all 100 writers queue for one connection. */
const TEST_TIMEOUT_MS = 180_000;
/** Tries of one writer before the test calls it starvation. */
const MAX_TRIES = 400;
const CONSENT = "marketing";

const pad = (n: number) => String(n).padStart(2, "0");

const SEGMENTS: SegmentInputInput[] = [
  { id: "engaged", name: "Engaged", condition: { field: "stats.views", op: "gte", value: 6 } },
  {
    id: "reachable",
    name: "Reachable",
    condition: { field: "stats.views", op: "gte", value: 1 },
    purpose: "marketing",
  },
  {
    id: "clicky",
    name: "Clicky",
    condition: { event: { type: "page-view", count: { gte: 5 }, within: "7d" } },
  },
  {
    id: "engaged-fans",
    name: "Engaged fans",
    condition: {
      and: [{ segment: { id: "engaged" } }, { consent: { type: CONSENT, granted: true } }],
    },
  },
];

type Outcome<T> =
  { ok: true; value: T } | { ok: false; status: number; code: string; message: string };

interface Failure {
  what: string;
  status: number;
  code: string;
  message: string;
}

/** Every call made and every answer that was not a success. */
class Answers {
  calls = 0;
  readonly failures: Failure[] = [];

  async call<T>(what: string, run: () => Promise<T>): Promise<Outcome<T>> {
    this.calls++;
    try {
      return { ok: true, value: await run() };
    } catch (error) {
      // Anything but an HTTP answer (a dropped connection, a timeout) fails the test outright.
      if (!(error instanceof TRPCClientError)) throw error;
      const data = (error as ProfileClientError).data;
      const failure = {
        what,
        status: data?.httpStatus ?? 0,
        code: data?.code ?? "UNKNOWN",
        message: error.message,
      };
      this.failures.push(failure);
      return { ok: false, ...failure };
    }
  }

  /** Answers that were server errors (or carried no status at all). */
  serverErrors(): Failure[] {
    return this.failures.filter((f) => f.status >= 500 || f.status === 0);
  }

  /** How many answers had each status, for the failure message. */
  statuses(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const f of this.failures)
      out[`${f.status} ${f.code}`] = (out[`${f.status} ${f.code}`] ?? 0) + 1;
    return out;
  }
}

/** A short, jittered, growing pause before a writer tries again after a 409. */
const backoff = (attempt: number) =>
  sleep(Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6)));

/** Writes that were acknowledged, by the profile they named or the answer named. */
interface Ledger {
  /** Trait key → value each update writer set (all of them must land). */
  traits: Map<string, Map<string, number>>;
  /** Page-view event ids acknowledged, by the profile each result names. */
  views: Map<string, Set<string>>;
  /** Consent changes acknowledged, by the profile each answer names. */
  consents: Map<string, number>;
  /** Merged profile → the profile it was merged into. */
  mergedInto: Map<string, string>;
  /** Page views given to profiles before the writers started. */
  seeded: Map<string, number>;
}

const newLedger = (): Ledger => ({
  traits: new Map(),
  views: new Map(),
  consents: new Map(),
  mergedInto: new Map(),
  seeded: new Map(),
});

function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

interface Writers {
  answers: Answers;
  ledger: Ledger;
  /** A fresh client (its own token use, like an independent service). */
  client(): ProfileClient;
}

/** Adds `traits[key] = value` at the version it read; on 409 reads again, until it lands. */
async function updateTrait(w: Writers, profileId: string, key: string, value: number) {
  const client = w.client();
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const read = await w.answers.call("profile.get", () =>
      client.profile.get.query({ id: profileId }),
    );
    if (!read.ok) throw new Error(`reading ${profileId}: ${read.status} ${read.message}`);
    const written = await w.answers.call("profile.update", () =>
      client.profile.update.mutate({
        id: profileId,
        version: read.value.version,
        patch: { traits: { [key]: value }, interests: { [key]: 1 } },
      }),
    );
    if (written.ok) {
      entry(w.ledger.traits, profileId, () => new Map()).set(key, value);
      return;
    }
    if (written.code !== "CONFLICT") {
      throw new Error(`update ${key}: ${written.status} ${written.message}`);
    }
    await backoff(attempt);
  }
  throw new Error(`update ${key} of ${profileId} never landed`);
}

/**
 * Sends one batch of page views (each `counters.clicks + 1`) to the profiles named; on 409 sends
 * the same batch again (event ids make that safe). Records every event acknowledged.
 */
async function trackViews(
  w: Writers,
  batchId: string,
  profileIds: readonly string[],
  perProfile: number,
) {
  const client = w.client();
  const base = Date.now() - 60_000;
  const events = profileIds.flatMap((profileId, p) =>
    Array.from({ length: perProfile }, (_, j) => ({
      id: `${batchId}-${p}-${j}`,
      profileId,
      type: "page-view",
      time: new Date(base + Math.floor(Math.random() * 50_000)).toISOString(),
      properties: { counters: { clicks: 1 } },
    })),
  );
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const sent = await w.answers.call("profile.track", () =>
      client.profile.track.mutate({ events }),
    );
    if (sent.ok) {
      for (const result of sent.value.results) {
        if (!result.ok) throw new Error(`event ${result.index} refused: ${result.error.message}`);
        entry(w.ledger.views, result.profileId, () => new Set()).add(result.eventId);
      }
      return;
    }
    if (sent.code !== "CONFLICT")
      throw new Error(`track ${batchId}: ${sent.status} ${sent.message}`);
    await backoff(attempt);
  }
  throw new Error(`track ${batchId} never landed`);
}

/**
 * Grants or revokes the consent, once each in `actions` order. A refusal of what the ledger does
 * not allow at that moment (revoking what is not granted) is an answer, not an acknowledgement.
 */
async function changeConsent(
  w: Writers,
  profileId: string,
  actions: readonly ("grant" | "revoke")[],
) {
  const client = w.client();
  for (const action of actions) {
    for (let attempt = 0; ; attempt++) {
      const input = { profileId, typeId: CONSENT };
      const changed = await w.answers.call(`consent.${action}`, () =>
        action === "grant"
          ? client.consent.grant.mutate({ ...input, legalBasis: "consent" })
          : client.consent.revoke.mutate(input),
      );
      if (changed.ok) {
        const id = changed.value.profile.profile.id;
        w.ledger.consents.set(id, (w.ledger.consents.get(id) ?? 0) + 1);
        break;
      }
      if (changed.code === "BAD_REQUEST") break;
      if (changed.code !== "CONFLICT" || attempt >= MAX_TRIES) {
        throw new Error(`consent ${action}: ${changed.status} ${changed.message}`);
      }
      await backoff(attempt);
    }
  }
}

/** Merges `from` into `into`; on 409 tries again. */
async function merge(w: Writers, into: string, from: string) {
  const client = w.client();
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const merged = await w.answers.call("profile.merge", () =>
      client.profile.merge.mutate({ into, from: [from] }),
    );
    if (merged.ok) {
      w.ledger.mergedInto.set(from, into);
      return;
    }
    if (merged.code !== "CONFLICT")
      throw new Error(`merge ${from}: ${merged.status} ${merged.message}`);
    await backoff(attempt);
  }
  throw new Error(`merge of ${from} into ${into} never landed`);
}

describe.each(testTargets())("100 concurrent writers over HTTP on %s", (target) => {
  let h: Harness;
  let answers: Answers;
  let ledger: Ledger;
  let writers: Writers;

  beforeAll(async () => {
    h = await startHarness({ target });
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    await h.reset();
    answers = new Answers();
    ledger = newLedger();
    // No client-side timeout worth the name: a mutation is never resent by the client, so a
    // timeout would leave its outcome unknown.
    writers = {
      answers,
      ledger,
      client: () => h.clientWithToken(h.tokens.all.secret, { timeoutMs: TEST_TIMEOUT_MS }),
    };
    await h.admin.consent.types.create.mutate({
      id: CONSENT,
      name: "Marketing",
      purpose: "marketing",
    });
    for (const segment of SEGMENTS) await h.admin.segment.create.mutate(segment);
  });

  /** Profiles to be merged: each with a trait of its own and `views` page views. */
  async function createSources(ids: readonly string[], views: number) {
    for (const id of ids) {
      await h.admin.profile.create.mutate({ id, traits: { [`from_${id}`]: 1 } });
      ledger.seeded.set(id, views);
    }
    await h.admin.profile.track.mutate({
      events: ids.flatMap((id) =>
        Array.from({ length: views }, (_, j) => ({
          id: `seed-${id}-${j}`,
          profileId: id,
          type: "page-view",
          time: new Date(Date.now() - 120_000 + j * 1000).toISOString(),
          properties: { counters: { clicks: 1 } },
        })),
      ),
    });
  }

  /** What every acknowledged write promised, checked on what is stored under `survivors`. */
  async function expectNothingLost(survivors: readonly string[]) {
    expect(answers.serverErrors(), JSON.stringify(answers.statuses())).toEqual([]);
    const finalOf = (id: string): string => {
      const into = ledger.mergedInto.get(id);
      return into === undefined ? id : finalOf(into);
    };
    const named = new Set([
      ...ledger.traits.keys(),
      ...ledger.views.keys(),
      ...ledger.consents.keys(),
      ...ledger.mergedInto.keys(),
      ...ledger.seeded.keys(),
    ]);
    // Everything acknowledged belongs to one of the survivors.
    expect([...new Set([...named].map(finalOf))].sort()).toEqual([...survivors].sort());
    const reader = h.client("profiles:read");
    for (const id of survivors) {
      const { profile } = await reader.profile.get.query({ id });
      const mine = [...named].filter((n) => finalOf(n) === id);
      let views = 0;
      let consents = 0;
      for (const n of mine) {
        // Every update landed, none overwrote another.
        for (const [key, value] of ledger.traits.get(n) ?? []) {
          expect(profile.traits[key], `${id}.traits.${key} (written to ${n})`).toBe(value);
          expect(profile.interests[key], `${id}.interests.${key} (written to ${n})`).toBe(1);
        }
        // Every merge shows: the merged profile's trait is here and its id resolves here.
        if (n !== id) {
          expect(profile.traits[`from_${n}`], `${id} has ${n}'s trait`).toBe(1);
          expect((await reader.profile.get.query({ id: n })).profile.id).toBe(id);
        }
        views += (ledger.views.get(n)?.size ?? 0) + (ledger.seeded.get(n) ?? 0);
        consents += ledger.consents.get(n) ?? 0;
      }
      // Exact counters: the acknowledged page views, its own and those merged in.
      expect(profile.stats.views, `${id}.stats.views`).toBe(views);
      expect(profile.stats.counters["clicks"] ?? 0, `${id}.stats.counters.clicks`).toBe(views);
      expect(await countEvents(h.db, { profileId: id }), `events of ${id}`).toBe(views);
      // The ledger holds the acknowledged changes; consents say what its last entry says.
      const history = await reader.consent.history.query({ profileId: id });
      expect(history.items.length, `consent ledger of ${id}`).toBe(consents);
      const last = history.items.at(-1);
      expect(isConsentGranted(profile.consents, CONSENT, new Date()), `${id} consent`).toBe(
        last?.action === "granted",
      );
      const state = await reader.consent.state.query({ profileId: id });
      expect(state.items.find((i) => i.typeId === CONSENT)?.lastAction ?? null).toBe(
        last?.action ?? null,
      );
    }
    // Nothing acknowledged went to a profile that is gone.
    const stray = rowsOf<{ profile_id: string }>(
      await h.db.execute(
        sql`select distinct profile_id from consent_event where profile_id not in (select id from profile)
            union select distinct profile_id from event where profile_id not in (select id from profile)`,
      ),
    );
    expect(stray).toEqual([]);
    await expectFreshMemberships();
  }

  /** Every profile's stored memberships equal the segments evaluated afresh, as segment tests do. */
  async function expectFreshMemberships() {
    const segments = await listSegments(h.db);
    const order = orderSegments(segments);
    if (!order.ok) throw new Error(`circle ${order.cycle.join(" → ")}`);
    const types = await listConsentTypes(h.db, { includeArchived: true });
    const ids = rowsOf<{ id: string }>(await h.db.execute(sql`select id from profile order by id`));
    const now = new Date();
    let members = 0;
    for (const { id } of ids) {
      const { profile } = await requireProfile(h.db, id);
      const events = await listEvents(h.db, { profileId: id, limit: 1000 });
      const expected = evaluateSegments(order.order, profile, {
        now,
        eventCount: (type, since) =>
          events.filter((e) => e.type === type && e.time >= since).length,
        purposeGranted: (purpose) =>
          types.some((c) => c.purpose === purpose && isConsentGranted(profile.consents, c.id, now)),
      }).sort(compareCodePoints);
      expect(await membershipsOf(h.db, id), `memberships of ${id}`).toEqual(expected);
      expect([...profile.segments].sort(compareCodePoints), `${id}.segments`).toEqual(expected);
      members += expected.length;
    }
    // The segments must have had something to decide.
    expect(members).toBeGreaterThan(0);
  }

  it(
    "on one profile: updates, track batches, merges into it and consent changes interleaved",
    async () => {
      const hot = "hot";
      await h.admin.profile.create.mutate({ id: hot });
      const sources = Array.from({ length: 20 }, (_, i) => `hot-src-${pad(i)}`);
      await createSources(sources, 2);

      const jobs: Promise<void>[] = [];
      for (let i = 0; i < 100; i++) {
        const n = Math.floor(i / 4);
        const source = sources[n];
        if (i % 4 === 0) jobs.push(updateTrait(writers, hot, `w${pad(i)}`, i));
        else if (i % 4 === 2 && source !== undefined) jobs.push(merge(writers, hot, source));
        else if (i % 4 === 3) {
          jobs.push(changeConsent(writers, hot, n % 2 === 0 ? ["grant", "revoke"] : ["grant"]));
        } else jobs.push(trackViews(writers, `t${i}`, [hot], 4));
      }
      await Promise.all(jobs);

      expect(ledger.traits.get(hot)?.size).toBe(25);
      expect(ledger.mergedInto.size).toBe(20);
      expect(ledger.views.get(hot)?.size).toBe(30 * 4);
      expect(ledger.consents.get(hot)).toBeGreaterThanOrEqual(25);
      await expectNothingLost([hot]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "on many profiles: merges racing writes to the merged profiles, batches spanning three, a segment redefined",
    async () => {
      const targets = Array.from({ length: 10 }, (_, k) => `m${k}`);
      const sources = targets.map((_, k) => `s${k}`);
      for (const id of targets) await h.admin.profile.create.mutate({ id });
      await createSources(sources, 3);
      const target = (k: number) => targets[k % 10] as string;
      const source = (k: number) => sources[k % 10] as string;

      const jobs: Promise<void>[] = [];
      for (let i = 0; i < 100; i++) {
        const k = i % 10;
        switch (Math.floor(i / 10)) {
          case 0:
            // A little later, so the merge lands among the writes to the profile it removes.
            jobs.push(sleep(20 * k).then(() => merge(writers, target(k), source(k))));
            break;
          // Writers naming the profile being merged away: before the merge they land on it and
          // the merge carries them over; after it, its id leads to the survivor.
          case 1:
            jobs.push(updateTrait(writers, source(k), `w${pad(i)}`, i));
            break;
          case 2:
            jobs.push(
              changeConsent(writers, source(k), ["grant", "revoke", "grant", "revoke", "grant"]),
            );
            break;
          case 3:
            jobs.push(trackViews(writers, `t${i}`, [source(k), target(k + 3), source(k + 7)], 2));
            break;
          case 4:
          case 5:
            jobs.push(updateTrait(writers, target(k), `w${pad(i)}`, i));
            break;
          case 6:
          case 7:
            jobs.push(
              changeConsent(
                writers,
                target(k),
                i % 2 === 0 ? ["grant", "revoke", "grant"] : ["revoke", "grant"],
              ),
            );
            break;
          default:
            jobs.push(trackViews(writers, `t${i}`, [target(k), target(k + 3), target(k + 7)], 2));
        }
      }
      // Meanwhile a segment's threshold moves twice: its membership is recomputed over every
      // profile while they are being written.
      jobs.push(
        (async () => {
          const admin = writers.client();
          for (const value of [3, 9]) {
            await sleep(50);
            for (let attempt = 0; ; attempt++) {
              const { version } = await admin.segment.get.query({ id: "engaged" });
              const updated = await answers.call("segment.update", () =>
                admin.segment.update.mutate({
                  id: "engaged",
                  version,
                  patch: { condition: { field: "stats.views", op: "gte", value } },
                }),
              );
              if (updated.ok) break;
              if (updated.code !== "CONFLICT" || attempt >= MAX_TRIES) {
                throw new Error(`segment.update: ${updated.status} ${updated.message}`);
              }
              await backoff(attempt);
            }
          }
        })(),
      );
      await Promise.all(jobs);

      expect([...ledger.traits.values()].reduce((n, m) => n + m.size, 0)).toBe(30);
      expect(ledger.mergedInto.size).toBe(10);
      expect([...ledger.views.values()].reduce((n, v) => n + v.size, 0)).toBe(30 * 3 * 2);
      await expectNothingLost(targets);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "erase and delete racing track batches leave no event behind and counters exact",
    async () => {
      const erased = "gone-erased";
      const deleted = "gone-deleted";
      for (const id of [erased, deleted]) await h.admin.profile.create.mutate({ id });
      const jobs: Promise<void>[] = [];
      for (let i = 0; i < 40; i++) {
        jobs.push(trackViews(writers, `t${i}`, [i % 2 === 0 ? erased : deleted], 3));
      }
      // Mid-stream, the person is erased and the other profile deleted. Batches after that find
      // no profile and start a new one under the same id (ids are not personal data).
      const privacy = writers.client();
      jobs.push(
        sleep(30).then(async () => {
          const done = await answers.call("privacy.erase", () =>
            privacy.privacy.erase.mutate({ profileId: erased, reason: "data subject request" }),
          );
          if (!done.ok) throw new Error(`erase: ${done.status} ${done.message}`);
        }),
        sleep(30).then(async () => {
          const done = await answers.call("profile.delete", () =>
            privacy.profile.delete.mutate({ id: deleted }),
          );
          if (!done.ok) throw new Error(`delete: ${done.status} ${done.message}`);
        }),
      );
      await Promise.all(jobs);

      expect(answers.serverErrors(), JSON.stringify(answers.statuses())).toEqual([]);
      // No event outlives its profile: what was there at the erase went with it.
      const stray = rowsOf<{ profile_id: string; n: number }>(
        await h.db.execute(
          sql`select profile_id, count(*)::int as n from event
              where profile_id not in (select id from profile) group by profile_id`,
        ),
      );
      expect(stray).toEqual([]);
      // A profile started again after the erase counts exactly the events it holds.
      for (const id of [erased, deleted]) {
        const again = await h.admin.profile.get.query({ id }).catch(() => null);
        const events = await countEvents(h.db, { profileId: id });
        expect(again?.profile.stats.views ?? 0, `${id} views`).toBe(events);
      }
    },
    TEST_TIMEOUT_MS,
  );
});

/** Polls `check` until it holds (a bounded wait for another connection to reach a state). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`gave up waiting until ${what}`);
}

// Two transactions at once need two connections: PGlite has one and runs them one after the other.
describe.each(testTargets().filter((target) => target === "postgres"))(
  "a deadlock over HTTP on %s",
  (target) => {
    let h: Harness;

    beforeAll(async () => {
      h = await startHarness({ target });
      await h.admin.segment.create.mutate(SEGMENTS[0] as SegmentInputInput);
    });
    afterAll(async () => {
      await h?.close();
    });

    it("is retried by the server: the write it aborted lands, and no one sees a 5xx", async () => {
      await h.admin.profile.create.mutate({ id: "x" });
      const { version } = await h.admin.profile.get.query({ id: "x" });
      const answers = new Answers();
      const deadlocks = async () => {
        await h.db.execute(sql`select pg_stat_clear_snapshot()`);
        const rows = rowsOf<{ n: number }>(
          await h.db.execute(
            sql`select deadlocks::int as n from pg_stat_database where datname = current_database()`,
          ),
        );
        return Number(rows[0]?.n ?? 0);
      };
      const before = await deadlocks();
      const client = h.clientWithToken(h.tokens.all.secret, { timeoutMs: TEST_TIMEOUT_MS });
      let write: Promise<Outcome<unknown>> | undefined;
      await h.db.transaction(async (tx) => {
        // A writer holding the profile's row…
        await tx.execute(sql`select id from profile where id = 'x' for update`);
        // …while an update, holding the segment catalogue shared (every profile write reads the
        // definitions under it), comes to wait for that row…
        write = answers.call("profile.update", () =>
          client.profile.update.mutate({ id: "x", version, patch: { traits: { landed: true } } }),
        );
        await until(async () => {
          const waiting = rowsOf<{ n: number }>(
            await h.db.execute(
              sql`select count(*)::int as n from pg_stat_activity
                  where datname = current_database() and wait_event_type = 'Lock'`,
            ),
          );
          return Number(waiting[0]?.n ?? 0) > 0;
        }, "the update waits for the row");
        // …and the writer now wants the catalogue exclusively, as saving a segment does. Each
        // waits for the other: PostgreSQL aborts the update (it waited first), which frees the
        // catalogue, so this goes through; the server runs the update again once we commit.
        await lockSegmentCatalog(tx);
      });
      const out = await (write as Promise<Outcome<unknown>>);
      expect(out).toMatchObject({ ok: true });
      expect(answers.failures).toEqual([]);
      expect((await h.admin.profile.get.query({ id: "x" })).profile.traits).toEqual({
        landed: true,
      });
      // The server did see a deadlock (its statistics arrive shortly after).
      await until(async () => (await deadlocks()) > before, "the deadlock is counted");
    });
  },
);
