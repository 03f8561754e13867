import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { contentionError, DomainError } from "@cdp/db";

const codeOf: Record<DomainError["code"], TRPC_ERROR_CODE_KEY> = {
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  BAD_REQUEST: "BAD_REQUEST",
  FORBIDDEN: "FORBIDDEN",
};

/**
 * Driver and server codes meaning "the database cannot be reached right now" (postgres.js socket
 * codes, SQLSTATE class 08 connection exceptions, 57P01-57P03 shutdown / crash / starting up).
 */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01",
  "57P02",
  "57P03",
]);

/** Whether an error (or one of its causes) says the database is unreachable, not that we failed. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let node: unknown = error;
  for (let depth = 0; depth < 6 && typeof node === "object" && node !== null; depth++) {
    const code = (node as { code?: unknown }).code;
    if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) {
      return true;
    }
    node = (node as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The one mapping from domain errors to tRPC codes; contention that reached here (a deadlock or
 * serialization abort outside retryingTransaction, a unique key taken concurrently) is the store's
 * CONFLICT "try again". Anything else passes through untouched.
 */
export function toTRPCError(error: unknown): unknown {
  const domain = error instanceof DomainError ? error : contentionError(error);
  if (domain) {
    return new TRPCError({ code: codeOf[domain.code], message: domain.message, cause: domain });
  }
  if (isDatabaseUnavailable(error)) {
    return new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: "The database is unavailable right now; try again shortly.",
      cause: error instanceof Error ? error : undefined,
    });
  }
  return error;
}

/** Runs `work` (e.g. resolving the caller), turning an unreachable database into a clear 503. */
export async function orUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toTRPCError(error);
  }
}
