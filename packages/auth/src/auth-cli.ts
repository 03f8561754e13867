// Only for `pnpm auth:schema` (the better-auth CLI reads this to generate the Drizzle tables).
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { admin } from "better-auth/plugins";

import { ac, authRoles } from "./roles";

export const auth = betterAuth({
  database: drizzleAdapter({}, { provider: "pg" }),
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: true, storage: "database" },
  telemetry: { enabled: false },
  plugins: [admin({ ac, roles: authRoles, defaultRole: "viewer", adminRoles: ["admin"] })],
});
