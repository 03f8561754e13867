import { ZodError } from "zod";
import { createCaller, createTRPCContext } from "@cdp/api";
import type { FieldError, Principal } from "@cdp/api";

import { getAuth, requireStaff, staffPrincipal } from "./auth";
import { getDatabase } from "./db";

/** The signed-in staff member's API principal (redirects to sign-in without a session). */
export async function currentPrincipal(): Promise<Principal> {
  return staffPrincipal(await requireStaff());
}

/**
 * A server-side caller of the API (no HTTP), for server components and server actions, acting as
 * the signed-in staff member: the API decides what their role may read, change and see unmasked.
 * Without a session the request is sent to the sign-in page.
 */
export async function serverApi() {
  const principal = await currentPrincipal();
  const [{ db }, auth] = await Promise.all([getDatabase(), getAuth()]);
  return createCaller(createTRPCContext({ db, auth, principal }));
}

/** True when `error` is an API (tRPC) error with this code, e.g. "NOT_FOUND". */
export function isApiError(error: unknown, code: string): boolean {
  return apiErrorCode(error) === code;
}

function apiErrorCode(error: unknown): string | null {
  if (!(error instanceof Error) || error.name !== "TRPCError") return null;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === "string" ? code : null;
}

/**
 * The field errors of a refused API call, as the HTTP API reports them (`fieldErrors`): zod issues
 * of the input, or the path a domain error names. Empty for any other error.
 */
export function fieldErrorsOf(error: unknown): FieldError[] {
  if (apiErrorCode(error) === null) return [];
  const cause = (error as Error).cause;
  if (cause instanceof ZodError) {
    return cause.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    }));
  }
  const path = (cause as { details?: { path?: unknown } } | undefined)?.details?.path;
  return Array.isArray(path)
    ? [{ path: path.map(String).join("."), message: (error as Error).message }]
    : [];
}

/** An API refusal a person can act on (bad input, missing permission, unknown id), or null. */
export function apiRefusal(
  error: unknown,
): { code: string; message: string; fieldErrors: FieldError[] } | null {
  const code = apiErrorCode(error);
  if (code === null || code === "INTERNAL_SERVER_ERROR") return null;
  return { code, message: (error as Error).message, fieldErrors: fieldErrorsOf(error) };
}
