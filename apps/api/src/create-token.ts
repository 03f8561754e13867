/**
 * `pnpm --filter @cdp/api-server token:create --name billing --scopes profiles:read,profiles:write`
 * Issues a service token on the server's database and prints its secret (the only time it is
 * shown). The bootstrap path for a fresh database; afterwards admins use `token.create`. On the
 * embedded database, stop the server first: PGlite allows one process per data directory.
 */
import { parseArgs } from "node:util";
import { permissions } from "@cdp/api";
import type { Permission } from "@cdp/api";
import { createServiceToken, openDatabase } from "@cdp/db";

import { apiPgliteDir, env } from "./env";

const { values } = parseArgs({
  options: {
    name: { type: "string" },
    scopes: { type: "string", default: "profiles:read" },
    "expires-in-days": { type: "string" },
  },
});

const isPermission = (s: string): s is Permission => (permissions as readonly string[]).includes(s);
const scopes = (values.scopes ?? "").split(",").map((s) => s.trim());
const unknown = scopes.filter((s) => !isPermission(s));
if (!values.name || unknown.length > 0 || scopes.length === 0) {
  console.error(
    `usage: token:create --name <name> --scopes <a,b> [--expires-in-days N]\n` +
      (unknown.length > 0 ? `unknown scopes: ${unknown.join(", ")}\n` : "") +
      `scopes: ${permissions.join(", ")}`,
  );
  process.exit(2);
}
const days = values["expires-in-days"] ? Number(values["expires-in-days"]) : null;

const handle = await openDatabase(
  env.DATABASE_URL ? { url: env.DATABASE_URL } : { dataDir: apiPgliteDir() },
);
try {
  const { token, secret } = await createServiceToken(handle.db, {
    name: values.name,
    scopes: scopes.filter(isPermission),
    createdBy: "cli",
    expiresAt: days ? new Date(Date.now() + days * 86_400_000).toISOString() : null,
  });
  console.log(`token ${token.id} (${token.scopes.join(", ")})`);
  console.log(secret);
} finally {
  await handle.close();
}
