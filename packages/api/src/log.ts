/**
 * The hosts' structured log (apps/api and the console): JSON lines (pino) with the request id of
 * every entry about a request, refusals and faults from the handlers. Nothing logs headers, bodies or inputs;
 * the redaction keeps a future `req` or `headers` field from leaking a token or a cookie.
 */
import { pino } from "pino";
import type { DestinationStream, Level, Logger } from "pino";

export function createLogger(options: {
  level: Level | "silent";
  destination?: DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      redact: [
        "req.headers.authorization",
        "req.headers.cookie",
        "headers.authorization",
        "headers.cookie",
        "authorization",
        "cookie",
      ],
    },
    options.destination,
  );
}
