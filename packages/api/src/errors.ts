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
 * The one mapping from domain errors to tRPC codes; contention that reached here (a deadlock or
 * serialization abort outside retryingTransaction, a unique key taken concurrently) is the store's
 * CONFLICT "try again". Anything else passes through untouched.
 */
export function toTRPCError(error: unknown): unknown {
  const domain = error instanceof DomainError ? error : contentionError(error);
  if (domain) {
    return new TRPCError({ code: codeOf[domain.code], message: domain.message, cause: domain });
  }
  return error;
}
