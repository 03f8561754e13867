/**
 * The standalone API server for internal services: tRPC at /api/trpc, REST at /api/v1 with its
 * OpenAPI document, liveness and readiness probes. Stateless: any number can run behind a load
 * balancer on one PostgreSQL.
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { sql } from "drizzle-orm";
import {
  consoleLogger,
  createCallLimiter,
  createExportHandler,
  createRequestHandler,
  DEFAULT_MAX_BODY_BYTES,
  jsonResponse,
  requestIdOf,
  serviceTokenPrincipal,
  TRPC_ENDPOINT,
} from "@cdp/api";
import type { PrincipalResolver, RateLimitOptions, RequestLogger } from "@cdp/api";
import type { Database } from "@cdp/db";

import { createRestHandler, openApiDocument, REST_BASE } from "./openapi";

export interface AppOptions {
  db: Database;
  logger?: RequestLogger;
  resolvePrincipal?: PrincipalResolver;
  maxBodyBytes?: number;
  /** How long `/ready` waits for `select 1` before answering 503. */
  readyTimeoutMs?: number;
  /** Calls per second each service token may make (tRPC and REST together); unlimited if absent. */
  rateLimit?: RateLimitOptions | null;
}

/** Resolves with the promise's value, or rejects after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Every route of the server as one fetch-style handler. */
export function createApp(options: AppOptions): (req: Request) => Promise<Response> {
  const { db, logger = consoleLogger, readyTimeoutMs = 2000 } = options;
  const limitCalls = options.rateLimit ? createCallLimiter(options.rateLimit) : null;
  const trpc = createRequestHandler({ ...options, logger, limitCalls });
  const rest = createRestHandler({ ...options, logger, limitCalls });
  const resolvePrincipal = options.resolvePrincipal ?? serviceTokenPrincipal;
  const exportHandler = createExportHandler({ db, resolvePrincipal: (req) => resolvePrincipal(req, db) });
  return async (req) => {
    const { pathname } = new URL(req.url);
    if (pathname === "/health") return jsonResponse(200, { status: "ok" });
    if (pathname === "/ready") {
      try {
        await within(db.execute(sql`select 1`), readyTimeoutMs);
        return jsonResponse(200, { status: "ready" });
      } catch (cause) {
        const err = cause instanceof Error ? cause : new Error(String(cause));
        logger.warn({ err: { name: err.name, message: err.message } }, "not ready");
        return jsonResponse(503, { status: "unavailable", reason: "database" });
      }
    }
    if (pathname === "/openapi.json") return jsonResponse(200, openApiDocument());
    if (pathname === "/api/export") return exportHandler(req);
    if (pathname.startsWith(`${TRPC_ENDPOINT}/`)) return trpc(req);
    if (pathname.startsWith(`${REST_BASE}/`)) return rest(req);
    return jsonResponse(404, { error: { code: "NOT_FOUND", message: "No such route." } });
  };
}

/** Route shapes for the access log: REST path parameters can be `email:…` keys. */
function loggedPath(pathname: string): string {
  if (!pathname.startsWith(`${REST_BASE}/`)) return pathname;
  const [collection, ...rest] = pathname.slice(REST_BASE.length + 1).split("/");
  return [REST_BASE, collection, ...rest.map(() => ":param")].join("/");
}

/**
 * Every answer is JSON or NDJSON for programs: nothing may be framed, sniffed into HTML, cached by
 * a shared proxy (answers hold personal data) or run as a page.
 */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["content-security-policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"],
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["referrer-policy", "no-referrer"],
  ["cache-control", "no-store"],
  ["cross-origin-resource-policy", "same-origin"],
];

const TOO_LARGE = Symbol("too large");

/**
 * Buffers the request body up to `maxBytes` (every route reads whole JSON bodies anyway). Past
 * the limit it stops keeping data but lets the upload drain, so the client reads the 413.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | typeof TOO_LARGE> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.resolve(TOO_LARGE);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        chunks.length = 0;
        resolve(TOO_LARGE);
      } else {
        chunks.push(chunk);
      }
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function toRequest(
  req: IncomingMessage,
  body: Buffer | undefined,
  requestId: string,
  signal: AbortSignal,
): Request {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else if (value !== undefined) headers.set(key, value);
  }
  headers.set("x-request-id", requestId);
  return new Request(new URL(req.url ?? "/", "http://localhost"), {
    method: req.method ?? "GET",
    headers,
    signal,
    body,
  });
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  for (const [key, value] of response.headers) {
    if (key !== "set-cookie") res.setHeader(key, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (!response.body) {
    res.end();
    return;
  }
  // Most answers are one JSON chunk: written in one call, without a stream pipeline per request
  // (whose setup and abort-on-finish cost more than the profile read on a small reply).
  const reader = (response.body as WebReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  const second = first.done ? first : await reader.read();
  if (second.done) {
    res.end(first.done ? undefined : first.value);
    return;
  }
  async function* rest() {
    yield first.value as Uint8Array;
    yield second.value as Uint8Array;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      yield chunk.value;
    }
  }
  try {
    await pipeline(Readable.from(rest()), res);
  } finally {
    // A client gone mid-download stops the producer (the export's database cursor) too.
    await reader.cancel().catch(() => {});
  }
}

export interface ServerOptions extends AppOptions {
  /** 0 picks a free port (tests). */
  port?: number;
  host?: string;
  /** How long close() waits for in-flight requests before cutting their connections. */
  shutdownTimeoutMs?: number;
}

export interface RunningServer {
  /** `http://host:port`, without a trailing slash. */
  url: string;
  /**
   * Stops accepting connections, lets in-flight requests finish (cutting them after the
   * shutdown timeout), and resolves when every connection is closed. The database stays open:
   * its owner closes it.
   */
  close(): Promise<void>;
}

/** Starts the server on `port` (0 = any free port) and resolves once it is listening. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const {
    port = 4000,
    host = "127.0.0.1",
    shutdownTimeoutMs = 10_000,
    logger = consoleLogger,
  } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const app = createApp({ ...options, logger, maxBodyBytes });
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;

  const server = createServer((req, res) => {
    const started = performance.now();
    const requestId = requestIdOf(req.headers["x-request-id"]);
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    inFlight += 1;
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
      inFlight -= 1;
      logger.info(
        {
          requestId,
          method: req.method,
          path: loggedPath(pathname),
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        "request",
      );
      if (inFlight === 0) drained?.();
    });
    res.setHeader("x-request-id", requestId);
    for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    if (closing) res.setHeader("connection", "close");

    const handle = async () => {
      const method = req.method ?? "GET";
      const body =
        method === "GET" || method === "HEAD" ? undefined : await readBody(req, maxBodyBytes);
      if (body === TOO_LARGE) {
        res.setHeader("connection", "close");
        return writeResponse(
          res,
          jsonResponse(413, {
            error: {
              code: "PAYLOAD_TOO_LARGE",
              message: `The request body is larger than ${maxBodyBytes} bytes.`,
            },
          }),
        );
      }
      await writeResponse(res, await app(toRequest(req, body, requestId, controller.signal)));
    };
    handle().catch((cause: unknown) => {
      const err = cause instanceof Error ? cause : new Error(String(cause));
      if (controller.signal.aborted) return;
      logger.error({ requestId, err: { name: err.name, stack: err.stack } }, "request failed");
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({ error: { code: "INTERNAL_SERVER_ERROR", message: "Internal error" } }),
        );
      } else {
        res.destroy();
      }
    });
  });

  // Requests Node's HTTP parser refuses (a URL or headers over its 16 KB, malformed HTTP) never
  // reach the app, and Node answers them without a body: answer in JSON like every refusal.
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
    const body = JSON.stringify({
      error: tooLarge
        ? { code: "REQUEST_HEADER_FIELDS_TOO_LARGE", message: "The URL and headers are too large." }
        : { code: "BAD_REQUEST", message: "The request is not valid HTTP." },
    });
    socket.end(
      `HTTP/1.1 ${tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request"}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}\r\n`).join("") +
        `connection: close\r\n\r\n${body}`,
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      closing = true;
      server.close(() => resolve());
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), shutdownTimeoutMs);
      cut.unref();
      const finish = () => {
        server.closeIdleConnections();
      };
      if (inFlight === 0) finish();
      else drained = finish;
    });
    return closed;
  };
  return { url, close };
}
