import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

export const env = createEnv({
  server: {
    /** Signs sessions; required in production, a fixed development value otherwise. */
    BETTER_AUTH_SECRET: z.string().min(32).optional(),
    /** The console's public URL (cookies and CSRF origin checks). */
    BETTER_AUTH_URL: z.url().optional(),
    NODE_ENV: z.enum(["development", "test", "production"]).optional(),
    /** Sign-in attempts allowed per IP per minute (login throttling). */
    AUTH_SIGNIN_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).optional(),
    /** Failed sign-ins allowed per account in 15 minutes, whatever address they come from. */
    AUTH_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).max(10_000).optional(),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});
