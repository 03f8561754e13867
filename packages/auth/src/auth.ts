import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { admin } from "better-auth/plugins";
import type { Database } from "@cdp/db";
import { schema } from "@cdp/db";

import { env } from "./env";
import { ac, authRoles } from "./roles";

const DEV_SECRET = "development-only-secret-change-me-in-production-0123456789";

export interface CreateAuthOptions {
  db: Database;
  baseURL?: string;
  /** Sign-ins allowed per IP per minute; tests that sign in often raise it. */
  signInPerMinute?: number;
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
    },
    telemetry: { enabled: false },
    plugins: [admin({ ac, roles: authRoles, defaultRole: "viewer", adminRoles: ["admin"] })],
  });
}

export type Auth = ReturnType<typeof createAuth>;
