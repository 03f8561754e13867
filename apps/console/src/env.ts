import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

/**
 * Everything the console itself reads from the environment. (The database location —
 * DATABASE_URL or PGLITE_DIR — is read and validated by @cdp/db.)
 */
export const env = createEnv({
  server: {
    /** Rows per page of the profiles table. */
    CONSOLE_PAGE_SIZE: z.coerce.number().int().min(1).max(200).default(50),
    /** Calls per second each service token may make through the console's API; 0 = no limit. */
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    API_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(0).default(500),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});
