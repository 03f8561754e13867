/**
 * The mixed load of docs/reliability.md: the API server as its own process (`apps/api`,
 * `src/main.ts`) on a fresh seeded database, and `clients` callers on loopback each sending one
 * request after another — reads by id, list pages, track batches, read-then-update — for
 * `seconds` or until `maxRequests`, whichever comes first. Reports throughput, p50/p99 per
 * operation and every error.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createProfileClient } from "@cdp/client";
import type { ProfileClient } from "@cdp/client";
import { createServiceToken, rowsOf } from "@cdp/db";
import { seedProfiles } from "@cdp/db/seed";
import { sql } from "drizzle-orm";

import { freshDatabase } from "./database";
import { latencyOf } from "./measure";
import type { Latency } from "./measure";

export interface LoadOptions {
  /** Profiles seeded before the run. */
  count: number;
  seconds: number;
  /** Upper bound on requests, so a fast machine cannot run away with the database. */
  maxRequests: number;
  clients: number;
  /** The operations to send, in their usual proportions (default: all of them). */
  only?: readonly Operation[];
  /** API server processes sharing the port (API_WORKERS; PostgreSQL only). */
  workers?: number;
  /** Where the API process writes a V8 CPU profile when it exits (node --cpu-prof). */
  cpuProfileDir?: string;
  url?: string;
  onSecond?: (done: number, errors: number, elapsedS: number) => void;
}

export const OPERATIONS = ["get", "list", "track", "update"] as const;
export type Operation = (typeof OPERATIONS)[number];

/** How often each operation is picked (per thousand). */
const MIX: Record<Operation, number> = { get: 500, list: 150, track: 150, update: 200 };

export interface LoadReport {
  startedAt: string;
  engine: "postgres" | "pglite";
  options: Omit<LoadOptions, "onSecond" | "url">;
  /** Wall time of the measured run. */
  seconds: number;
  requests: number;
  perSecond: number;
  all: Latency;
  byOperation: Record<Operation, Latency>;
  /** Failed requests by operation and status (or error name). */
  errors: Record<string, number>;
  trackEventsAcknowledged: number;
  trackEventsStored: number;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const apiDir = path.dirname(path.dirname(fileURLToPath(import.meta.resolve("@cdp/api-server"))));

async function startApi(
  env: Record<string, string>,
  port: number,
  cpuProfileDir: string | undefined,
): Promise<ChildProcess> {
  const profiling = cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", cpuProfileDir] : [];
  const child = spawn(process.execPath, [...profiling, "--import", "tsx", "src/main.ts"], {
    cwd: apiDir,
    // eslint-disable-next-line no-restricted-properties -- the server inherits this environment (PATH, …) plus the run's settings
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error("the API did not become ready in 60 s");
}

function errorKey(operation: Operation, error: unknown): string {
  const data = (error as { data?: { httpStatus?: number; code?: string } }).data;
  if (data?.httpStatus) return `${operation} ${data.httpStatus} ${data.code ?? ""}`.trim();
  return `${operation} ${error instanceof Error ? error.name : "error"}`;
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const database = await freshDatabase(options.url ? { url: options.url } : {});
  const startedAt = new Date().toISOString();
  let child: ChildProcess | null = null;
  try {
    await seedProfiles(database.db, { count: options.count, seed: 42, batch: 1000 });
    await database.db.execute(sql`analyze`);
    const ids = rowsOf<{ id: string }>(
      await database.db.execute(sql`select id from profile order by id`),
    ).map((r) => r.id);
    const { secret } = await createServiceToken(database.db, {
      name: "load",
      scopes: ["profiles:read", "profiles:write"],
      createdBy: "bench",
      expiresAt: null,
    });

    // PGlite allows one process per folder: hand it over to the server.
    const pgliteDir = database.engine === "pglite" ? database.location : null;
    if (pgliteDir) await database.close();
    const port = await freePort();
    child = await startApi(
      {
        ...(database.engine === "postgres"
          ? { DATABASE_URL: dbUrl(options.url, database.location) }
          : {}),
        ...(pgliteDir ? { PGLITE_DIR: pgliteDir } : {}),
        SEGMENT_REFRESH_INTERVAL_MS: "0",
        // The run measures the server, not the per-token limit.
        API_RATE_LIMIT_PER_SECOND: "0",
        API_WORKERS: String(options.workers ?? 1),
      },
      port,
      options.cpuProfileDir,
    );
    const client: ProfileClient = createProfileClient({
      url: `http://127.0.0.1:${port}`,
      token: secret,
      retries: 0,
      timeoutMs: 30_000,
    });

    const samples: Record<Operation, number[]> = { get: [], list: [], track: [], update: [] };
    const errors: Record<string, number> = {};
    let requests = 0;
    let failures = 0;
    let trackEvents = 0;
    let eventSeq = 0;
    const deadline = performance.now() + options.seconds * 1000;
    const keepGoing = () => performance.now() < deadline && requests < options.maxRequests;

    const chosen = OPERATIONS.filter((op) => !options.only || options.only.includes(op));
    const weight = chosen.reduce((sum, op) => sum + MIX[op], 0);
    const pick = (r: number): Operation => {
      let acc = 0;
      for (const op of chosen) {
        acc += (MIX[op] * 1000) / weight;
        if (r < acc) return op;
      }
      return chosen[0] ?? "get";
    };
    const timed = async (op: Operation, call: () => Promise<unknown>) => {
      requests += 1;
      const t0 = performance.now();
      try {
        await call();
        samples[op].push(performance.now() - t0);
        return true;
      } catch (error) {
        failures += 1;
        const key = errorKey(op, error);
        errors[key] = (errors[key] ?? 0) + 1;
        return false;
      }
    };

    const worker = async (w: number) => {
      // Each caller updates only its own profiles: a version conflict would be the test's own
      // doing, not the server's.
      const own = ids.filter((_, i) => i % options.clients === w);
      let n = w;
      while (keepGoing()) {
        n += 1;
        const op = pick((n * 7919) % 1000);
        const id = own[n % own.length] ?? (ids[0] as string);
        if (op === "get") {
          await timed("get", () => client.profile.get.query({ id }));
        } else if (op === "list") {
          await timed("list", () =>
            client.profile.list.query({ limit: 25, sort: "visits", order: "desc" }),
          );
        } else if (op === "track") {
          const events = Array.from({ length: 10 }, (_, j) => ({
            id: `load-${w}-${(eventSeq += 1)}`,
            profileId: `visitor-${w}-${j}`,
            type: "page-view",
            time: new Date().toISOString(),
          }));
          if (await timed("track", () => client.profile.track.mutate({ events }))) {
            trackEvents += events.length;
          }
        } else {
          const current = await client.profile.get.query({ id }).catch(() => null);
          requests += 1;
          if (!current) {
            failures += 1;
            errors["update-read error"] = (errors["update-read error"] ?? 0) + 1;
            continue;
          }
          await timed("update", () =>
            client.profile.update.mutate({
              id,
              version: current.version,
              patch: { traits: { load: n } },
            }),
          );
        }
      }
    };

    const started = performance.now();
    const ticker = setInterval(
      () => options.onSecond?.(requests, failures, (performance.now() - started) / 1000),
      1000,
    );
    await Promise.all(Array.from({ length: options.clients }, (_, w) => worker(w)));
    clearInterval(ticker);
    const wallMs = performance.now() - started;

    // SIGTERM lets the server shut down gracefully, which is also when V8 writes its profile.
    child.kill("SIGTERM");
    await new Promise((resolve) => child?.once("exit", resolve));
    child = null;
    const stored = await countStoredEvents(database, options.url);

    const all = latencyOf(Object.values(samples).flat(), wallMs, options.clients);
    return {
      startedAt,
      engine: database.engine,
      options: {
        count: options.count,
        seconds: options.seconds,
        maxRequests: options.maxRequests,
        clients: options.clients,
        ...(options.only ? { only: options.only } : {}),
        ...(options.workers ? { workers: options.workers } : {}),
      },
      seconds: wallMs / 1000,
      requests,
      perSecond: (requests / wallMs) * 1000,
      all,
      byOperation: Object.fromEntries(
        OPERATIONS.map((op) => [op, latencyOf(samples[op], wallMs, options.clients)]),
      ) as Record<Operation, Latency>,
      errors,
      trackEventsAcknowledged: trackEvents,
      trackEventsStored: stored,
    };
  } finally {
    child?.kill("SIGKILL");
    await database.dispose().catch(() => {});
  }
}

/** The run's database URL with credentials (freshDatabase reports it without them). */
function dbUrl(serverUrl: string | undefined, location: string): string {
  const full = new URL(location);
  const given = new URL(serverUrl ?? location);
  full.username = given.username;
  full.password = given.password;
  return full.toString();
}

async function countStoredEvents(
  database: Awaited<ReturnType<typeof freshDatabase>>,
  serverUrl: string | undefined,
): Promise<number> {
  const { openDatabase } = await import("@cdp/db");
  const handle =
    database.engine === "postgres"
      ? await openDatabase({ url: dbUrl(serverUrl, database.location), max: 1 })
      : await openDatabase({ dataDir: database.location });
  try {
    const [row] = rowsOf<{ n: number }>(
      await handle.db.execute(sql`select count(*)::int as n from event where id like 'load-%'`),
    );
    return Number(row?.n ?? 0);
  } finally {
    await handle.close();
  }
}
