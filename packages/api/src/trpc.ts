/**
 * 1. CONTEXT — who is calling, on which database, under which request id.
 * 2. INITIALISATION — tRPC with an error formatter that exposes zod issues as field errors and
 *    domain error details.
 * 3. PROCEDURES — every procedure declares the permission it needs; none is public.
 */
import { randomUUID } from "node:crypto";
import { initTRPC, TRPCError } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import { z, ZodError, ZodRealError } from "zod";
import type { Auth } from "@cdp/auth";
import type { Database } from "@cdp/db";
import { DomainError } from "@cdp/db";
import { unstorableJson } from "@cdp/profile-schema";

import { can } from "./authz";
import type { Permission, Principal } from "./authz";
import { toTRPCError } from "./errors";
import { OverCallLimit } from "./rate-limit";
import type { CallLimiter } from "./rate-limit";
import { audit } from "./services/audit";

// 1. CONTEXT ------------------------------------------------------------------------------------

export interface Context {
  db: Database;
  principal: Principal | null;
  requestId: string;
  /** Staff authentication, where the host serves staff (the console); user management needs it. */
  auth: Auth | null;
  /** Per-token call limits, where the host sets them (apps/api, the console); null = unlimited. */
  limitCalls: CallLimiter | null;
}

export function createTRPCContext(opts: {
  db: Database;
  principal: Principal | null;
  requestId?: string;
  auth?: Auth | null;
  limitCalls?: CallLimiter | null;
}): Context {
  return {
    db: opts.db,
    principal: opts.principal,
    requestId: opts.requestId ?? randomUUID(),
    auth: opts.auth ?? null,
    limitCalls: opts.limitCalls ?? null,
  };
}

// 2. INITIALISATION -----------------------------------------------------------------------------

export interface FieldError {
  path: string;
  message: string;
}

const t = initTRPC.context<Context>().meta<OpenApiMeta>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const domainPath = cause instanceof DomainError ? cause.details.path : undefined;
    const fieldErrors: FieldError[] | null =
      cause instanceof ZodError
        ? cause.issues.map((issue) => ({
            path: issue.path.map(String).join("."),
            message: issue.message,
          }))
        : Array.isArray(domainPath)
          ? [{ path: domainPath.map(String).join("."), message: error.message }]
          : null;
    // Unexpected faults keep their details in the server log: driver text may hold values.
    const message =
      error.code === "INTERNAL_SERVER_ERROR"
        ? "Something went wrong on the server."
        : cause instanceof ZodError && fieldErrors
          ? inputErrorMessage(fieldErrors)
          : shape.message;
    return {
      ...shape,
      message,
      data: {
        ...shape.data,
        fieldErrors,
        details: cause instanceof DomainError ? cause.details : null,
        // Stack traces stay in the server logs.
        stack: undefined,
      },
    };
  },
});

/** One sentence for people: zod's own message is a JSON dump of every issue. */
function inputErrorMessage(errors: FieldError[]): string {
  const [first] = errors;
  if (!first) return "The input is not valid.";
  const where = first.path === "" ? "" : `${first.path}: `;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return `${where}${first.message}${more}`;
}

export const createCallerFactory = t.createCallerFactory;
export const createTRPCRouter = t.router;

// 3. PROCEDURES ---------------------------------------------------------------------------------

const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = toTRPCError(result.error.cause);
    if (mapped instanceof TRPCError) throw mapped;
  }
  return result;
});

/**
 * Refuses, before any schema runs, input no store can keep: text with NUL or unpaired surrogates
 * (PostgreSQL text and jsonb hold neither) and nesting deep enough to overflow the schemas'
 * recursion. One check for every procedure, so no input schema can forget it.
 */
const storableInput = t.middleware(async ({ getRawInput, next }) => {
  const issues = unstorableJson(await getRawInput());
  if (issues.length > 0) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: "The input holds what cannot be stored.",
      // The Error subclass, as parse() throws: tRPC keeps only Errors as causes.
      cause: new ZodRealError(
        issues.map((issue) => ({ code: "custom" as const, input: undefined, ...issue })),
      ),
    });
  }
  return next();
});

const baseProcedure = t.procedure.use(domainErrors).use(storableInput);

/** Health and auth only: no principal needed. */
export const publicProcedure = baseProcedure;

/**
 * A procedure open to principals holding `permission`; the context's principal is non-null.
 * Service tokens over their call limit are refused first (so a flood of refused calls cannot flood
 * the audit log); a principal without the permission is refused and the refusal is audited.
 */
export function authorizedProcedure(permission: Permission) {
  return baseProcedure.use(async ({ ctx, next, path }) => {
    const principal = ctx.principal;
    if (!principal) {
      throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in or send a service token." });
    }
    const admitted = ctx.limitCalls ? await ctx.limitCalls(principal) : { ok: true as const };
    if (!admitted.ok) {
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `This token is over its call limit; try again in ${admitted.retryAfterSeconds} s.`,
        cause: new OverCallLimit(admitted.retryAfterSeconds),
      });
    }
    if (!can(principal, permission)) {
      await audit(
        ctx.db,
        { principal, requestId: ctx.requestId, reason: `needs the "${permission}" permission` },
        { action: ACCESS_DENIED, entity: "procedure", entityId: path },
      );
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `This needs the "${permission}" permission.`,
      });
    }
    return next({ ctx: { ...ctx, principal } });
  });
}

/** The audit action of a call refused for a missing permission. */
export const ACCESS_DENIED = "access.denied";

export { z };
