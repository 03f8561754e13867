import { fileURLToPath } from "node:url";
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

export const env = createEnv({
  server: {
    PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
    /** Loopback by default: put a proxy or a service mesh in front to expose it. */
    HOST: z.string().min(1).default("127.0.0.1"),
    /** A PostgreSQL server; when unset the server keeps its own embedded PGlite database. */
    DATABASE_URL: z.url().optional(),
    /** The embedded database's folder; never the console's, since PGlite allows one process. */
    PGLITE_DIR: z.string().min(1).optional(),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    /** How long shutdown waits for in-flight requests before cutting connections. */
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    /**
     * Calls per second each service token may make on this instance; 0 turns the limit off. Past
     * it a call answers 429 with Retry-After.
     */
    API_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(0).default(500),
    /**
     * Server processes sharing the port (node:cluster), e.g. one per core. Above 1 it needs
     * DATABASE_URL: the embedded database allows one process.
     */
    API_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
    /** Set by the cluster's primary for each worker it forks; not for people to set. */
    API_WORKER_INDEX: z.coerce.number().int().min(0).default(0),
    /** How often segments with time-relative conditions are re-evaluated; 0 turns it off. */
    SEGMENT_REFRESH_INTERVAL_MS: z.coerce.number().int().min(0).default(300_000),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});

/** `<repo>/.data/api-pglite` (this file is `<repo>/apps/api/src/env.ts`). */
export function apiPgliteDir(): string {
  return env.PGLITE_DIR ?? fileURLToPath(new URL("../../../.data/api-pglite", import.meta.url));
}
