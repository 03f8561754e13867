import { createCaller, createTRPCContext } from "@cdp/api";
import type { Principal } from "@cdp/api";

import { getDatabase } from "./db";

/**
 * Who the console is when it calls the API.
 *
 * Staff sign-in arrives in a later issue: then each request is made as the signed-in staff
 * member (their session's principal), and this system principal goes away. Until then it can
 * only read profiles.
 */
export const consolePrincipal: Principal = {
  kind: "system",
  id: "console",
  name: "Console (no sign-in yet)",
  permissions: ["profiles:read"],
};

/** A server-side caller of the API (no HTTP), for server components and server actions. */
export function serverApi() {
  return createCaller(async () =>
    createTRPCContext({ db: (await getDatabase()).db, principal: consolePrincipal }),
  );
}

/** True when `error` is an API (tRPC) error with this code, e.g. "NOT_FOUND". */
export function isApiError(error: unknown, code: string): boolean {
  return (
    error instanceof Error &&
    error.name === "TRPCError" &&
    (error as Error & { code?: unknown }).code === code
  );
}
