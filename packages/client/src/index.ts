/**
 * The typed client internal services use to call the profile API (apps/api or the console):
 * `createProfileClient({ url, token })` gives `client.profile.get.query({ id })` and friends,
 * typed by the server's router. Plain Node (18+ fetch); no React.
 */
import { randomUUID } from "node:crypto";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { TRPCClient } from "@trpc/client";
import type { AppRouter, FieldError } from "@cdp/api";

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface ProfileClientOptions {
  /** The server's origin, e.g. `http://127.0.0.1:4000` (the client adds `/api/trpc`). */
  url: string;
  /** A service token (`cdp_…`); omit only to test refusals. */
  token?: string | null;
  /** Per attempt, in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Extra attempts for queries after a connection failure or a 502/503/504 (default 2). */
  retries?: number;
  /** First backoff step in milliseconds; doubles each retry, with full jitter (default 100). */
  retryDelayMs?: number;
  /** A fetch to use instead of the global one (proxies, tests). */
  fetch?: Fetch;
}

export type ProfileClient = TRPCClient<AppRouter>;
export type ProfileClientError = TRPCClientError<AppRouter>;

/** Thrown (as the cause of the client error) when an attempt outlives `timeoutMs`. */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`The profile API did not answer within ${timeoutMs} ms.`);
    this.name = "RequestTimeoutError";
  }
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);
const MAX_DELAY_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter; a server's Retry-After (seconds) wins when shorter. */
function backoff(attempt: number, baseMs: number, retryAfter: string | null): number {
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0 && seconds * 1000 <= MAX_DELAY_MS) {
    return seconds * 1000;
  }
  return Math.random() * Math.min(MAX_DELAY_MS, baseMs * 2 ** attempt);
}

/**
 * A fetch that gives every attempt its own timeout and retries only GETs — tRPC sends queries as
 * GET and mutations as POST, so a mutation is never sent twice.
 */
function resilientFetch(
  options: Required<Pick<ProfileClientOptions, "timeoutMs" | "retries" | "retryDelayMs">> & {
    fetch: Fetch;
  },
): Fetch {
  const { timeoutMs, retries, retryDelayMs, fetch } = options;
  return async (input, init = {}) => {
    const idempotent = (init.method ?? "GET").toUpperCase() === "GET";
    for (let attempt = 0; ; attempt += 1) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      const last = !idempotent || attempt >= retries;
      let response: Response;
      try {
        response = await fetch(input, { ...init, signal });
      } catch (cause) {
        if (timeout.aborted && !init.signal?.aborted) throw new RequestTimeoutError(timeoutMs);
        // The caller cancelled, or this was the last try: let tRPC report it.
        if (last || init.signal?.aborted) throw cause;
        await sleep(backoff(attempt, retryDelayMs, null));
        continue;
      }
      if (last || !RETRYABLE_STATUS.has(response.status)) return response;
      await response.body?.cancel().catch(() => {});
      await sleep(backoff(attempt, retryDelayMs, response.headers.get("retry-after")));
    }
  };
}

/**
 * A tRPC client for the profile API. Each call is one HTTP request carrying
 * `Authorization: Bearer <token>` and its own `x-request-id` (kept across its retries, so server
 * logs tie them together).
 */
export function createProfileClient(options: ProfileClientOptions): ProfileClient {
  const base = options.url.replace(/\/+$/, "");
  const fetch = resilientFetch({
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: options.retries ?? 2,
    retryDelayMs: options.retryDelayMs ?? 100,
    fetch: options.fetch ?? globalThis.fetch,
  });
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${base}/api/trpc`,
        fetch,
        headers: () => ({
          "x-request-id": randomUUID(),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        }),
      }),
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Error helpers
// ---------------------------------------------------------------------------------------------

/** The tRPC error code of a failed call (`CONFLICT`, `NOT_FOUND`, …), or null. */
export function errorCode(err: unknown): string | null {
  return err instanceof TRPCClientError ? ((err as ProfileClientError).data?.code ?? null) : null;
}

/** True when an update named a stale version: reload, re-apply, retry. */
export function isConflict(err: unknown): err is ProfileClientError {
  return errorCode(err) === "CONFLICT";
}

/** The version the profile is at now, from a version conflict (null for other errors). */
export function currentVersion(err: unknown): number | null {
  if (!isConflict(err)) return null;
  const version = err.data?.details?.["currentVersion"];
  return typeof version === "number" ? version : null;
}

/** Validation failures by field path (`data.pii.birthday`); empty for other errors. */
export function fieldErrors(err: unknown): FieldError[] {
  return err instanceof TRPCClientError
    ? ((err as ProfileClientError).data?.fieldErrors ?? [])
    : [];
}

/** True when the call failed because an attempt outlived `timeoutMs`. */
export function isTimeout(err: unknown): boolean {
  return err instanceof TRPCClientError && err.cause instanceof RequestTimeoutError;
}

export { TRPCClientError };
export type { AppRouter, FieldError };
