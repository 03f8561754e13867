/**
 * `pnpm --filter @cdp/api-server start`: migrates the database, serves, and shuts down cleanly on
 * SIGTERM/SIGINT (stop accepting, finish in-flight requests up to a deadline, close the database).
 *
 * With API_WORKERS > 1 this process migrates, then forks that many server processes sharing the
 * port (node:cluster hands out connections round-robin), replaces one that dies, and passes a
 * shutdown signal on to all of them. The server is stateless: only the background work (resuming
 * imports, the segment refresh timer) stays with worker 0, and the per-token call limit is split
 * between the workers.
 */
import cluster from "node:cluster";
import type { Worker } from "node:cluster";
import { createLogger, resumeImportJobs, startSegmentRefresh, stopImportWorker } from "@cdp/api";
import { createDatabase, openDatabase } from "@cdp/db";

import { apiPgliteDir, env } from "./env";
import { startServer } from "./server";

const logger = createLogger({ level: env.LOG_LEVEL });

/** A worker dying this soon after its start is a crash loop, not a one-off. */
const CRASH_LOOP_MS = 10_000;
const CRASH_LOOP_LIMIT = 3;

async function serve(worker: { index: number; of: number } | null): Promise<void> {
  const store = env.DATABASE_URL ? { url: env.DATABASE_URL } : { dataDir: apiPgliteDir() };
  // In a cluster the primary has migrated already; N processes migrating at once would race.
  const handle = worker ? createDatabase(store) : await openDatabase(store);
  if (!worker) logger.info({ driver: handle.driver }, "database migrated");
  const leads = !worker || worker.index === 0;
  if (leads) {
    const resumed = await resumeImportJobs(handle.db);
    if (resumed.length > 0) logger.info({ jobs: resumed }, "resumed unfinished imports");
  }
  const perWorkerLimit = Math.ceil(env.API_RATE_LIMIT_PER_SECOND / (worker?.of ?? 1));
  const server = await startServer({
    db: handle.db,
    port: env.PORT,
    host: env.HOST,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    rateLimit: perWorkerLimit > 0 ? { calls: perWorkerLimit, perSeconds: 1 } : null,
    logger,
  });
  logger.info({ url: server.url, worker: worker?.index ?? null }, "profile API listening");
  const refresh =
    leads && env.SEGMENT_REFRESH_INTERVAL_MS > 0
      ? startSegmentRefresh(handle.db, {
          intervalMs: env.SEGMENT_REFRESH_INTERVAL_MS,
          onRun: (result) => {
            if (result.segments.length > 0) logger.info(result, "segments refreshed");
          },
          onError: (err) => logger.error({ err }, "segment refresh failed"),
        })
      : null;

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    try {
      await server.close();
      await refresh?.stop();
      await stopImportWorker(handle.db);
      await handle.close();
      logger.info("stopped");
      process.exit(0);
    } catch (cause) {
      logger.error({ err: cause }, "shutdown failed");
      process.exit(1);
    }
  };
  process.once("SIGTERM", (s) => void stop(s));
  process.once("SIGINT", (s) => void stop(s));
}

async function supervise(workers: number): Promise<void> {
  if (!env.DATABASE_URL) {
    throw new Error(
      `API_WORKERS=${workers} needs DATABASE_URL: the embedded database allows one process`,
    );
  }
  const handle = await openDatabase({ url: env.DATABASE_URL });
  await handle.close();
  logger.info({ workers }, "database migrated; starting workers");

  const indexOf = new Map<Worker, number>();
  const recentCrashes: number[] = [];
  let stopping = false;
  const fork = (index: number) => {
    const worker = cluster.fork({ API_WORKER_INDEX: String(index) });
    indexOf.set(worker, index);
  };
  cluster.on("exit", (worker, code, signal) => {
    const index = indexOf.get(worker) ?? 0;
    indexOf.delete(worker);
    if (stopping) {
      if (indexOf.size === 0) process.exit(0);
      return;
    }
    const now = Date.now();
    recentCrashes.push(now);
    while ((recentCrashes[0] ?? now) < now - CRASH_LOOP_MS) recentCrashes.shift();
    if (recentCrashes.length > CRASH_LOOP_LIMIT) {
      logger.fatal({ index, code, signal }, "workers keep dying; stopping");
      for (const other of indexOf.keys()) other.kill("SIGTERM");
      process.exitCode = 1;
      stopping = true;
      if (indexOf.size === 0) process.exit(1);
      return;
    }
    logger.error({ index, pid: worker.process.pid, code, signal }, "worker died; replacing it");
    fork(index);
  });
  for (let index = 0; index < workers; index++) fork(index);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down the workers");
    // SIGTERM whatever arrived: a terminal's Ctrl-C has sent the workers SIGINT already, and a
    // second SIGINT would kill them without their shutdown.
    for (const worker of indexOf.keys()) worker.process.kill("SIGTERM");
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

const start =
  env.API_WORKERS > 1 && cluster.isPrimary
    ? supervise(env.API_WORKERS)
    : serve(cluster.isWorker ? { index: env.API_WORKER_INDEX, of: env.API_WORKERS } : null);
start.catch((cause: unknown) => {
  logger.fatal({ err: cause }, "failed to start");
  process.exit(1);
});
