/**
 * The benchmark: each operation of the platform measured beside the equivalent raw SQL, through
 * the same driver, on the same data, in the same run. "Ours" is what a caller gets (tRPC over
 * HTTP for reads by key and track; the server-side procedure for lists, search and segments, as
 * the targets speak of server time; the services for import and export); "raw" is the query a
 * hand-written application would send for the same answer.
 */
import { sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import {
  createCaller,
  createSegment,
  createTRPCContext,
  exportProfiles,
  refreshSegments,
} from "@cdp/api";
import type { Principal } from "@cdp/api";
import { startServer } from "@cdp/api-server";
import { createProfileClient } from "@cdp/client";
import { compileCondition, createServiceToken, encodeProfileCursor, rowsOf } from "@cdp/db";
import type { Database } from "@cdp/db";
import { generateProfiles, seedProfiles } from "@cdp/db/seed";
import { IMPORT_PART_BYTES, parseConditionText, SegmentInput } from "@cdp/profile-schema";
import type { Condition, TrackPropertiesInput } from "@cdp/profile-schema";

import { freshDatabase } from "./database";
import { ratio, timeBulk, timeCalls } from "./measure";
import type { Measurement, Throughput } from "./measure";

export interface BenchOptions {
  /** Profiles seeded before measuring. */
  count: number;
  /** postgres://… for a server (a new database is created on it); otherwise embedded PGlite. */
  url?: string;
  /** Calls per latency measurement. */
  calls: number;
  /** HTTP clients in flight for reads by key. */
  clients: number;
  /** Events sent through track, in batches of `trackBatch`, by `senders` at once. */
  trackEvents: number;
  trackBatch: number;
  senders: number;
  /** Profiles imported (NDJSON, uploaded in parts over HTTP) and exported. */
  importCount: number;
  /** Size of an uploaded part (default IMPORT_PART_BYTES); small in the smoke test. */
  importPartBytes?: number;
  keep?: boolean;
  /** Measure only these operations (default: all); the seed always runs. */
  only?: readonly BenchSection[];
  progress?: ProgressSink;
}

export const BENCH_SECTIONS = [
  "get",
  "list",
  "search",
  "segments",
  "track",
  "import",
  "export",
] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

/** Where progress goes (a progress bar in the CLI, nothing in tests). */
export interface ProgressSink {
  start(label: string, total: number): void;
  update(done: number): void;
  stop(): void;
}

const silent: ProgressSink = { start() {}, update() {}, stop() {} };

export interface BenchRow {
  op: string;
  ours: Measurement;
  raw: Measurement;
  ratio: number;
  /** The target this row is judged by, in words. */
  target: string;
  /** Whether the target was reached (null: no target). */
  met: boolean | null;
  note?: string;
}

export interface BenchReport {
  startedAt: string;
  engine: string;
  location: string;
  options: Omit<BenchOptions, "progress" | "url">;
  seed: { profiles: number; ms: number; perSecond: number };
  rows: BenchRow[];
  /** Events sent through track and events stored: equal when none was lost. */
  track: { sent: number; stored: number };
}

/** Who reads in-process: a service without PII permission, so masking is part of the path. */
const reader: Principal = {
  kind: "service",
  id: "bench-reader",
  name: "bench",
  scopes: ["profiles:read", "segments:read"],
};
const writer: Principal = {
  kind: "service",
  id: "bench-writer",
  name: "bench",
  scopes: ["profiles:read", "profiles:write", "segments:write"],
};

/** The list everyone's console starts from: a filter and a sort on promoted columns. */
const LIST_CONDITION: Condition = { field: "stats.visits", op: "gt", value: 2 };
const SEARCH_TERM = "smith";
/** The three-condition segment of the targets, in the query bar's syntax. */
const SEGMENT_TEXT =
  'traits.plan = "pro" and stats.visits > 3 and data.contact.address.country = "Germany"';

/** A bulk measurement without time spent on something else inside it (generating its input). */
function withoutGenerating(measured: Throughput, generatingMs: number): Throughput {
  const ms = Math.max(measured.ms - generatingMs, 1);
  return { ...measured, ms, perSecond: (measured.items / ms) * 1000 };
}

async function rows<T>(db: Database, query: SQL): Promise<T[]> {
  return rowsOf<T>(await db.execute(query));
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const progress = options.progress ?? silent;
  const runs = (section: BenchSection) => !options.only || options.only.includes(section);
  const listCalls = Math.max(20, Math.floor(options.calls / 10));
  const startedAt = new Date().toISOString();
  const database = await freshDatabase({
    ...(options.url ? { url: options.url } : {}),
    ...(options.keep ? { keep: true } : {}),
  });
  const { db } = database;
  const report: BenchReport = {
    startedAt,
    engine: database.engine,
    location: database.location,
    options: {
      count: options.count,
      calls: options.calls,
      clients: options.clients,
      trackEvents: options.trackEvents,
      trackBatch: options.trackBatch,
      senders: options.senders,
      importCount: options.importCount,
    },
    seed: { profiles: 0, ms: 0, perSecond: 0 },
    rows: [],
    track: { sent: 0, stored: 0 },
  };
  const server = await startServer({
    db,
    port: 0,
    logger: { info() {}, warn() {}, error() {} },
  });
  try {
    // -- Seed -----------------------------------------------------------------------------------
    progress.start("seed profiles", options.count);
    const seeded = await seedProfiles(db, {
      count: options.count,
      seed: 42,
      batch: 1000,
      onProgress: (p) => progress.update(p.done),
    });
    progress.stop();
    await db.execute(sql`analyze`);
    report.seed = {
      profiles: seeded.inserted,
      ms: seeded.totalMs,
      perSecond: (seeded.inserted / seeded.totalMs) * 1000,
    };

    const sample = await rows<{ id: string; email: string }>(
      db,
      sql`select id, email from profile where email is not null
          order by md5(id) limit ${Math.min(options.calls, 5000)}`,
    );
    if (sample.length === 0) throw new Error("The seed produced no profile with an e-mail");
    const pick = (i: number) => sample[i % sample.length] as { id: string; email: string };

    const { secret } = await createServiceToken(db, {
      name: "bench",
      scopes: ["profiles:read", "profiles:write"],
      createdBy: "bench",
      expiresAt: null,
    });
    // No retries and a long timeout: the bench measures slowness, it must not hide or abort it.
    const client = createProfileClient({
      url: server.url,
      token: secret,
      retries: 0,
      timeoutMs: 300_000,
    });
    const caller = createCaller(() => createTRPCContext({ db, principal: reader }));
    const add = (row: Omit<BenchRow, "ratio">) =>
      report.rows.push({ ...row, ratio: ratio(row.ours, row.raw) });
    const measure = (
      label: string,
      count: number,
      concurrency: number,
      call: (i: number) => Promise<unknown>,
    ) => {
      progress.start(label, count);
      return timeCalls(count, concurrency, call, { onProgress: (d) => progress.update(d) }).finally(
        () => progress.stop(),
      );
    };

    if (runs("get")) {
      // -- Get by key over HTTP ------------------------------------------------------------------
      {
        const ours = await measure("get by id (HTTP)", options.calls, options.clients, (i) =>
          client.profile.get.query({ id: pick(i).id }),
        );
        const raw = await measure("get by id (raw)", options.calls, options.clients, (i) =>
          db.execute(sql`select * from profile where id = ${pick(i).id}`),
        );
        add({
          op: "get by id (HTTP tRPC)",
          ours,
          raw,
          target: "≥ 5,000 req/s; ≤ 3× raw",
          met: ours.perSecond >= 5000 && ours.p50 <= 3 * raw.p50,
        });
      }
      {
        const ours = await measure("get by email (HTTP)", options.calls, options.clients, (i) =>
          client.profile.get.query({ id: `email:${pick(i).email}` }),
        );
        const raw = await measure("get by email (raw)", options.calls, options.clients, (i) =>
          db.execute(
            sql`select p.* from profile_identifier i join profile p on p.id = i.profile_id
                where i.type = 'email' and i.value = ${pick(i).email}`,
          ),
        );
        add({
          op: "get by email (HTTP tRPC)",
          ours,
          raw,
          target: "≥ 5,000 req/s; ≤ 3× raw",
          met: ours.perSecond >= 5000 && ours.p50 <= 3 * raw.p50,
        });
      }
    }

    if (runs("list")) {
      // -- List pages ----------------------------------------------------------------------------
      const where = compileCondition(LIST_CONDITION, { now: new Date().toISOString() });
      {
        const input = {
          condition: LIST_CONDITION,
          sort: "lastname",
          order: "asc",
          limit: 50,
        } as const;
        const ours = await measure("list first page", listCalls, 1, () =>
          caller.profile.list(input),
        );
        const raw = await measure("list first page (raw)", listCalls, 1, () =>
          db.execute(sql`select * from profile where ${where}
                         order by lastname asc nulls last, id asc limit 51`),
        );
        add({
          op: "list page: filter + sort, first",
          ours,
          raw,
          target: "≤ 10 ms",
          met: ours.p50 <= 10 && ours.p99 <= 10,
        });

        // A deep page: the row half-way through the matching set, reached by its cursor.
        const [middle] = await rows<{ lastname: string | null; id: string; n: number }>(
          db,
          sql`select lastname, id from profile where ${where}
              order by lastname asc nulls last, id asc
              offset (select count(*) / 2 from profile where ${where}) limit 1`,
        );
        if (middle) {
          const cursor = encodeProfileCursor("lastname", middle.lastname, middle.id);
          const deep = await measure("list deep page", listCalls, 1, () =>
            caller.profile.list({ ...input, cursor }),
          );
          const after =
            middle.lastname === null
              ? sql`(lastname is null and id > ${middle.id})`
              : sql`(lastname, id) > (${middle.lastname}, ${middle.id})`;
          const rawDeep = await measure("list deep page (raw)", listCalls, 1, () =>
            db.execute(sql`select * from profile where ${where} and ${after}
                           order by lastname asc nulls last, id asc limit 51`),
          );
          add({
            op: "list page: filter + sort, middle",
            ours: deep,
            raw: rawDeep,
            target: "≤ 10 ms",
            met: deep.p50 <= 10 && deep.p99 <= 10,
          });
        }
      }
    }

    if (runs("search")) {
      // -- Search --------------------------------------------------------------------------------
      {
        const ours = await measure("search", listCalls, 1, () =>
          caller.profile.list({ search: SEARCH_TERM, limit: 50 }),
        );
        const raw = await measure("search (raw)", listCalls, 1, () =>
          db.execute(sql`select * from profile where search_text like ${`%${SEARCH_TERM}%`}
                         order by inserted_at desc, id desc limit 51`),
        );
        add({
          op: `text search "${SEARCH_TERM}"`,
          ours,
          raw,
          target: "≤ 2× raw",
          met: ours.p50 <= 2 * raw.p50,
        });
      }
    }

    if (runs("segments")) {
      // -- Segments --------------------------------------------------------------------------------
      {
        const parsed = parseConditionText(SEGMENT_TEXT);
        if (!parsed.ok) throw new Error(`Bad segment condition: ${parsed.error.message}`);
        const condition = parsed.condition;
        const ours = await measure("segment preview", listCalls, 1, () =>
          caller.segment.preview({ condition }),
        );
        // Raw: the count and a 20-row sample, hand-written on the promoted columns, in parallel.
        const where = sql`traits->>'plan' = 'pro' and visits > 3 and country = 'Germany'`;
        const raw = await measure("segment preview (raw)", listCalls, 1, () =>
          Promise.all([
            db.execute(sql`select count(*) from profile where ${where}`),
            db.execute(
              sql`select * from profile where ${where} order by inserted_at desc, id desc limit 21`,
            ),
          ]),
        );
        add({
          op: "segment preview: count + 20 sample (3 conditions)",
          ours,
          raw,
          target: "< 250 ms; ≤ 1.25× raw",
          met: ours.p50 < 250 && ours.p50 <= 1.25 * raw.p50,
          note: SEGMENT_TEXT,
        });

        // A time-relative segment: created (membership computed over every profile), then
        // refreshed a day later (re-evaluated in batches, entries and exits written).
        const recent = {
          id: "bench-recent",
          name: "Visited in the last 30 days",
          condition: { field: "metadata.time.visit.last", op: "within_last", value: "30d" },
        } as const;
        const origin = { principal: writer, requestId: "bench" };
        progress.start("segment create", 1);
        const create = await timeBulk(options.count, () =>
          createSegment(db, origin, SegmentInput.parse(recent)),
        );
        progress.stop();
        const rawWhere = sql`visit_last > now() - interval '30 days'`;
        const rawCreate = await timeBulk(options.count, () =>
          db.execute(
            sql`create unlogged table bench_members as select id from profile where ${rawWhere}`,
          ),
        );
        add({
          op: "segment create: membership of every profile",
          ours: create,
          raw: rawCreate,
          target: "–",
          met: null,
        });
        progress.start("segment refresh", 1);
        const tomorrow = new Date(Date.now() + 86_400_000);
        const refresh = await timeBulk(options.count, () =>
          refreshSegments(db, { ids: [recent.id], now: tomorrow }),
        );
        progress.stop();
        const rawRefresh = await timeBulk(options.count, async () => {
          await db.execute(sql`truncate bench_members`);
          await db.execute(
            sql`insert into bench_members select id from profile where visit_last > now() - interval '29 days'`,
          );
        });
        await db.execute(sql`drop table bench_members`);
        add({
          op: "segment refresh (time-relative, every profile)",
          ours: refresh,
          raw: rawRefresh,
          target: "–",
          met: null,
        });
      }
    }

    if (runs("track")) {
      // -- Track ingest --------------------------------------------------------------------------
      {
        const batches = Math.ceil(options.trackEvents / options.trackBatch);
        const eventsOf = (b: number, prefix: string) =>
          Array.from(
            { length: Math.min(options.trackBatch, options.trackEvents - b * options.trackBatch) },
            (_, k) => {
              const n = b * options.trackBatch + k;
              const properties: TrackPropertiesInput =
                n % 5 === 0 ? { counters: { purchases: 1 } } : { page: `/p/${n % 100}` };
              return {
                id: `${prefix}-${n}`,
                profileId: pick(n * 7919).id,
                type: n % 5 === 0 ? "purchase" : "page-view",
                time: new Date(Date.now() - 60_000 + (n % 1000)).toISOString(),
                properties,
              };
            },
          );
        const before = await rows<{ n: number }>(db, sql`select count(*)::int as n from event`);
        progress.start("track ingest (HTTP)", batches);
        let sentBatches = 0;
        let failed = 0;
        const ours = await timeBulk(options.trackEvents, async () => {
          let next = 0;
          await Promise.all(
            Array.from({ length: options.senders }, async () => {
              for (let b = next++; b < batches; b = next++) {
                const out = await client.profile.track.mutate({ events: eventsOf(b, "bench") });
                failed += out.failed;
                progress.update(++sentBatches);
              }
            }),
          );
        });
        progress.stop();
        const after = await rows<{ n: number }>(db, sql`select count(*)::int as n from event`);
        report.track = {
          sent: options.trackEvents,
          stored: Number(after[0]?.n ?? 0) - Number(before[0]?.n ?? 0),
        };
        // Raw: the same rows appended to the event table, nothing else.
        progress.start("track ingest (raw insert)", batches);
        const raw = await timeBulk(options.trackEvents, async () => {
          let next = 0;
          await Promise.all(
            Array.from({ length: options.senders }, async () => {
              for (let b = next++; b < batches; b = next++) {
                const values = eventsOf(b, "raw").map(
                  (e) =>
                    sql`(${e.profileId}, ${e.id}, ${e.type}, ${e.time}::timestamptz, ${JSON.stringify(e.properties)}::jsonb, '{}'::jsonb, 'bench')`,
                );
                await db.execute(
                  sql`insert into event (profile_id, id, type, time, properties, context, source)
                      values ${sql.join(values, sql`, `)}`,
                );
                progress.update(b + 1);
              }
            }),
          );
        });
        progress.stop();
        add({
          op: `track ingest (${options.senders} senders × ${options.trackBatch}/batch)`,
          ours,
          raw,
          target: "≥ 10,000 events/s, none lost",
          met:
            ours.perSecond >= 10_000 && report.track.stored === report.track.sent && failed === 0,
          note: `${report.track.stored} of ${report.track.sent} events stored, ${failed} refused`,
        });
      }
    }

    if (runs("import")) {
      // -- Import and export ---------------------------------------------------------------------
      {
        const start = options.count + 1_000_000;
        const now = new Date();
        const partBytes = options.importPartBytes ?? IMPORT_PART_BYTES;
        // The file is generated as it is sent, part by part (1M profiles are ~2.5 GB, more than a
        // string holds), and the generating is timed apart and left out of both measurements.
        let generatingMs = 0;
        const batches = function* (): Generator<string[]> {
          for (let i = 0; i < options.importCount; i += 1000) {
            const started = performance.now();
            const profiles = generateProfiles({
              seed: 7,
              start: start + i,
              count: Math.min(1000, options.importCount - i),
              now,
            });
            const lines = profiles.map((p) => JSON.stringify(p));
            generatingMs += performance.now() - started;
            yield lines;
          }
        };
        progress.start("import NDJSON (upload + import)", options.importCount);
        let parts = 0;
        let uploadMs = 0;
        const uploadAndImport = await timeBulk(options.importCount, async () => {
          const uploadStarted = performance.now();
          const { jobId } = await client.profile.importBegin.mutate({
            format: "ndjson",
            fileName: "bench.ndjson",
          });
          let pending: string[] = [];
          let pendingBytes = 0;
          const send = async () => {
            if (pending.length === 0) return;
            const content = pending.join("");
            pending = [];
            pendingBytes = 0;
            await client.profile.importPart.mutate({ jobId, part: parts++, content });
          };
          for (const lines of batches()) {
            for (const line of lines) {
              const bytes = Buffer.byteLength(line) + 1;
              if (pendingBytes + bytes > partBytes) await send();
              pending.push(`${line}\n`);
              pendingBytes += bytes;
            }
          }
          await send();
          await client.profile.importCommit.mutate({ jobId, parts });
          uploadMs = performance.now() - uploadStarted - generatingMs;
          for (;;) {
            const job = await client.profile.importStatus.query({ jobId });
            progress.update(job.processedRows);
            if (job.status === "done" && job.failed === 0) break;
            if (job.status !== "queued" && job.status !== "running") {
              throw new Error(`The import ended ${job.status}: ${JSON.stringify(job)}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        });
        const ours = withoutGenerating(uploadAndImport, generatingMs);
        progress.stop();
        // Raw: the same documents stored by id in a plain table (a bare document store). Not a temporary
        // table: the pool may run the next statement on another connection.
        await db.execute(
          sql`create unlogged table bench_profile_raw (id text primary key, data jsonb not null)`,
        );
        progress.start("import (raw bulk insert)", 1);
        generatingMs = 0;
        const rawWithGenerating = await timeBulk(options.importCount, async () => {
          for (const docs of batches()) {
            await db.execute(
              sql`insert into bench_profile_raw (id, data)
                  select d->>'id', d from jsonb_array_elements(${`[${docs.join(",")}]`}::jsonb) d`,
            );
          }
        });
        const raw = withoutGenerating(rawWithGenerating, generatingMs);
        progress.stop();
        await db.execute(sql`drop table bench_profile_raw`);
        add({
          op: `import ${options.importCount.toLocaleString("en")} NDJSON profiles`,
          ours,
          raw,
          target: "1M < 60 s",
          met: null,
          note: `HTTP upload in ${parts} part${parts === 1 ? "" : "s"} of ≤ ${(partBytes / 1024 / 1024).toFixed(1)} MB (${(uploadMs / 1000).toFixed(1)} s), then the job; generating the file left out`,
        });
      }
    }

    if (runs("export")) {
      {
        const [{ n: total } = { n: 0 }] = await rows<{ n: number }>(
          db,
          sql`select count(*)::int as n from profile`,
        );
        progress.start("export", total);
        let exported = 0;
        const ours = await timeBulk(total, async () => {
          for await (const chunk of exportProfiles(db, reader, { format: "ndjson" })) {
            exported += chunk.split("\n").length - 1;
            progress.update(exported);
          }
        });
        progress.stop();
        progress.start("export (raw)", total);
        const raw = await timeBulk(total, async () => {
          let after = "";
          let done = 0;
          for (;;) {
            const page = await rows<{ id: string; data: string }>(
              db,
              sql`select id, data::text as data from profile where id > ${after} order by id limit 1000`,
            );
            if (page.length === 0) break;
            done += page.length;
            after = (page.at(-1) as { id: string }).id;
            progress.update(done);
          }
        });
        progress.stop();
        add({
          op: `export ${total.toLocaleString("en")} profiles (NDJSON)`,
          ours,
          raw,
          target: "1M < 30 s",
          met: null,
          note: `${exported} of ${total} profiles`,
        });
      }
    }

    return report;
  } finally {
    await server.close();
    await database.dispose();
  }
}
