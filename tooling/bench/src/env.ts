import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

export const env = createEnv({
  server: {
    /** The PostgreSQL server to benchmark on (a new database is created there); else PGlite. */
    DATABASE_URL: z.url().optional(),
    /** The PostgreSQL server of the integration suites: the smoke test runs there too. */
    TEST_DATABASE_URL: z.url().optional(),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});
