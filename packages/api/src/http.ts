/**
 * The API over HTTP as a fetch-style handler (`Request → Response`), shared by apps/api and the
 * console: request ids, a body size limit, the caller's principal, and error logs without PII.
 */
import { randomUUID } from "node:crypto";
import type { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Database } from "@cdp/db";

import type { Principal } from "./authz";
import { principalFromHeaders } from "./context";
import { orUnavailable } from "./errors";
import { retryAfterHeader } from "./rate-limit";
import type { CallLimiter } from "./rate-limit";
import { appRouter } from "./root";
import { createTRPCContext } from "./trpc";
import type { Context } from "./trpc";

/** Where the tRPC endpoint is mounted. */
export const TRPC_ENDPOINT = "/api/trpc";
/** Largest request body accepted (a bulk create of 200 full profiles fits comfortably). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The subset of a pino logger the handlers use, so any structured logger fits. */
export interface RequestLogger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** Writes one JSON line per entry to stderr; used when no logger is given. */
export const consoleLogger: RequestLogger = {
  info: (obj, msg) => console.info(JSON.stringify({ level: "info", ...obj, msg })),
  warn: (obj, msg) => console.warn(JSON.stringify({ level: "warn", ...obj, msg })),
  error: (obj, msg) => console.error(JSON.stringify({ level: "error", ...obj, msg })),
};

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The caller's `x-request-id` when it is safe to echo and log (≤ 100 of `[A-Za-z0-9._-]`),
 * otherwise a fresh UUID. Takes the headers or the raw header value.
 */
export function requestIdOf(source: Headers | string | string[] | null | undefined): string {
  const given = source instanceof Headers ? source.get("x-request-id") : source;
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}

/** A JSON response (health checks, 413s, 404s). */
export function jsonResponse(
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json");
  return new Response(JSON.stringify(body), { status, headers: h });
}

/** The same response with `x-request-id` set (fetch responses may have immutable headers). */
export function withRequestId(res: Response, requestId: string): Response {
  const headers = new Headers(res.headers);
  headers.set("x-request-id", requestId);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

function tooLarge(maxBytes: number): Response {
  return jsonResponse(413, {
    error: {
      code: "PAYLOAD_TOO_LARGE",
      message: `The request body is larger than ${maxBytes} bytes.`,
    },
  });
}

/**
 * Reads the body once, refusing it as soon as it passes `maxBytes` (whatever Content-Length
 * claims), and returns the request re-made around the buffered body — or a 413 response.
 */
export async function limitBody(req: Request, maxBytes: number): Promise<Request | Response> {
  if (!req.body) return req;
  const declared = Number(req.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await req.body.cancel().catch(() => {});
    return tooLarge(maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body: Buffer.concat(chunks),
    signal: req.signal,
  });
}

/** Resolves who is calling; the default reads a service token from `Authorization: Bearer`. */
export type PrincipalResolver = (req: Request, db: Database) => Promise<Principal | null>;

export const serviceTokenPrincipal: PrincipalResolver = (req, db) =>
  principalFromHeaders(db, req.headers);

/**
 * Logs a failed call without its input, headers or message text (a key such as `email:…` can be
 * in the message): the code and procedure, the paths of field errors, and for server faults the
 * cause's stack.
 */
export function logCallError(
  logger: RequestLogger,
  entry: { requestId: string; path: string | undefined; error: TRPCError },
): void {
  const { requestId, path, error } = entry;
  if (error.code === "INTERNAL_SERVER_ERROR") {
    const cause = error.cause ?? error;
    logger.error(
      {
        requestId,
        procedure: path,
        code: error.code,
        err: { name: cause.name, stack: cause.stack },
      },
      "procedure failed",
    );
    return;
  }
  const issues = (error.cause as { issues?: { path: PropertyKey[] }[] } | undefined)?.issues;
  logger.info(
    {
      requestId,
      procedure: path,
      code: error.code,
      fields: Array.isArray(issues) ? issues.map((i) => i.path.map(String).join(".")) : undefined,
    },
    "procedure refused",
  );
}

export interface RequestHandlerOptions {
  db: Database;
  /** Who is calling; the console passes its staff-session resolver. */
  resolvePrincipal?: PrincipalResolver;
  /** Defaults to {@link TRPC_ENDPOINT}. */
  endpoint?: string;
  maxBodyBytes?: number;
  logger?: RequestLogger;
  /** Staff authentication, for hosts that serve staff (the console); null elsewhere. */
  auth?: Context["auth"];
  /** Per-token call limits (one limiter per process, shared by every route); none when absent. */
  limitCalls?: CallLimiter | null;
}

/**
 * The tRPC endpoint as `(Request) => Promise<Response>`: honours or assigns `x-request-id` (and
 * echoes it), refuses bodies over the limit with 413, resolves the principal, runs `appRouter`.
 */
export function createRequestHandler(
  options: RequestHandlerOptions,
): (req: Request) => Promise<Response> {
  const {
    db,
    resolvePrincipal = serviceTokenPrincipal,
    endpoint = TRPC_ENDPOINT,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    logger = consoleLogger,
  } = options;
  const limitCalls = options.limitCalls ?? null;
  return async (incoming) => {
    const requestId = requestIdOf(incoming.headers);
    const req = await limitBody(incoming, maxBodyBytes);
    if (req instanceof Response) return withRequestId(req, requestId);
    const res = await fetchRequestHandler({
      endpoint,
      req,
      router: appRouter,
      createContext: async () =>
        createTRPCContext({
          db,
          principal: await orUnavailable(() => resolvePrincipal(req, db)),
          requestId,
          auth: options.auth ?? null,
          limitCalls,
        }),
      onError: ({ error, path }) => logCallError(logger, { requestId, path, error }),
      responseMeta: ({ errors }) => ({ headers: retryAfterHeader(errors) }),
    });
    return withRequestId(res, requestId);
  };
}
