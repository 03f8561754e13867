import { createLogger } from "@cdp/api";

import { env } from "@/env";

/** The console's structured log, configured as apps/api's (JSON lines on stdout). */
export const logger = createLogger({ level: env.LOG_LEVEL });
