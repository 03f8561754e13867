import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { admin } from "better-auth/plugins";
import type { Database } from "@cdp/db";
import { schema } from "@cdp/db";

import { accountPausedFor, clearFailedSignIns, recordFailedSignIn } from "./account-throttle";
import type { AccountThrottle } from "./account-throttle";
import { env } from "./env";
import { ac, authRoles } from "./roles";

const DEV_SECRET = "development-only-secret-change-me-in-production-0123456789";

export interface CreateAuthOptions {
  db: Database;
  baseURL?: string;
  /** Sign-ins allowed per IP per minute; tests that sign in often raise it. */
  signInPerMinute?: number;
  /** Failed sign-ins allowed per account in 15 minutes (default 10, or AUTH_FAILURES_PER_ACCOUNT). */
  failuresPerAccount?: number;
}

const SIGN_IN = "/sign-in/email";

function emailOf(body: unknown): string | null {
  const email = (body as { email?: unknown } | undefined)?.email;
  return typeof email === "string" && email.trim() !== "" ? email : null;
}

/**
 * Staff authentication: email and password, sessions in Postgres through the Drizzle adapter,
 * roles through the admin plugin, and throttled sign-in (on in every environment, not only in
 * production as better-auth's default).
 */
export function createAuth(options: CreateAuthOptions) {
  const secret = env.BETTER_AUTH_SECRET ?? DEV_SECRET;
  const baseURL = options.baseURL ?? env.BETTER_AUTH_URL ?? "http://localhost:3000";
  if (env.NODE_ENV === "production" && secret === DEV_SECRET && !baseURL.includes("localhost")) {
    console.warn("BETTER_AUTH_SECRET is not set: using the development secret");
  }
  const perMinute = options.signInPerMinute ?? env.AUTH_SIGNIN_PER_MINUTE ?? 5;
  const accountThrottle: AccountThrottle = {
    maxFailures: options.failuresPerAccount ?? env.AUTH_FAILURES_PER_ACCOUNT ?? 10,
    windowMs: 15 * 60_000,
  };
  return betterAuth({
    appName: "Profiles console",
    secret,
    baseURL,
    database: drizzleAdapter(options.db, {
      provider: "pg",
      schema: {
        user: schema.user,
        session: schema.session,
        account: schema.account,
        verification: schema.verification,
        rateLimit: schema.rateLimit,
      },
    }),
    emailAndPassword: { enabled: true, minPasswordLength: 10, disableSignUp: true },
    session: { expiresIn: 60 * 60 * 12, updateAge: 60 * 60 },
    rateLimit: {
      enabled: true,
      storage: "database",
      window: 60,
      max: 300,
      customRules: {
        "/sign-in/email": { window: 60, max: perMinute },
      },
    },
    advanced: {
      // Secure cookies exactly when the console is served over https: a browser drops a Secure
      // cookie set over plain http on any host but localhost.
      useSecureCookies: baseURL.startsWith("https://"),
      defaultCookieAttributes: { sameSite: "lax", httpOnly: true },
      // better-auth skips its origin (CSRF) check when NODE_ENV is "test": keep it on everywhere,
      // so the tests check what ships.
      disableOriginCheck: false,
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        const email = ctx.path === SIGN_IN ? emailOf(ctx.body) : null;
        if (!email) return;
        const seconds = await accountPausedFor(options.db, email, accountThrottle);
        if (seconds > 0) {
          throw new APIError(
            "TOO_MANY_REQUESTS",
            { message: "Too many failed sign-ins for this account.", code: "ACCOUNT_PAUSED" },
            { "X-Retry-After": String(seconds) },
          );
        }
      }),
      after: createAuthMiddleware(async (ctx) => {
        const email = ctx.path === SIGN_IN ? emailOf(ctx.body) : null;
        if (!email) return;
        const returned: unknown = ctx.context.returned;
        if (returned instanceof APIError) {
          if (returned.statusCode === 401) {
            await recordFailedSignIn(options.db, email, accountThrottle);
          }
        } else {
          await clearFailedSignIns(options.db, email);
        }
      }),
    },
    telemetry: { enabled: false },
    plugins: [admin({ ac, roles: authRoles, defaultRole: "viewer", adminRoles: ["admin"] })],
  });
}

export type Auth = ReturnType<typeof createAuth>;
