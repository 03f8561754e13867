/**
 * `pnpm --filter @cdp/api-server start`: migrates the database, serves, and shuts down cleanly on
 * SIGTERM/SIGINT (stop accepting, finish in-flight requests up to a deadline, close the database).
 */
import { createLogger, resumeImportJobs, startSegmentRefresh, stopImportWorker } from "@cdp/api";
import { openDatabase } from "@cdp/db";

import { apiPgliteDir, env } from "./env";
import { startServer } from "./server";

const logger = createLogger({ level: env.LOG_LEVEL });

async function main(): Promise<void> {
  const handle = await openDatabase(
    env.DATABASE_URL ? { url: env.DATABASE_URL } : { dataDir: apiPgliteDir() },
  );
  logger.info({ driver: handle.driver }, "database migrated");
  const resumed = await resumeImportJobs(handle.db);
  if (resumed.length > 0) logger.info({ jobs: resumed }, "resumed unfinished imports");
  const server = await startServer({
    db: handle.db,
    port: env.PORT,
    host: env.HOST,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    rateLimit:
      env.API_RATE_LIMIT_PER_SECOND > 0
        ? { calls: env.API_RATE_LIMIT_PER_SECOND, perSeconds: 1 }
        : null,
    logger,
  });
  logger.info({ url: server.url }, "profile API listening");
  const refresh =
    env.SEGMENT_REFRESH_INTERVAL_MS > 0
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

main().catch((cause: unknown) => {
  logger.fatal({ err: cause }, "failed to start");
  process.exit(1);
});
