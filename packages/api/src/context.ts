import { findServiceTokenBySecret, touchServiceToken } from "@cdp/db";
import type { Database } from "@cdp/db";

import { isPermission } from "./authz";
import type { Principal } from "./authz";

const TOUCH_EVERY_MS = 60_000;

/**
 * Resolves the caller of an HTTP request: a service token in `Authorization: Bearer …` (staff
 * sessions are resolved by the console before it calls this). An unknown, revoked or expired token
 * resolves to no principal, so the call is refused as UNAUTHORIZED.
 */
export async function principalFromHeaders(
  db: Database,
  headers: Headers,
): Promise<Principal | null> {
  const authorization = headers.get("authorization");
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  if (!match?.[1]) return null;
  const token = await findServiceTokenBySecret(db, match[1]);
  if (!token) return null;
  // Use is recorded at most once a minute; skipping the statement when the row already says so
  // keeps a busy service at one round trip per call for its token.
  const lastUsed = token.lastUsedAt ? new Date(token.lastUsedAt).getTime() : 0;
  if (Date.now() - lastUsed > TOUCH_EVERY_MS) await touchServiceToken(db, token.id);
  return {
    kind: "service",
    id: token.id,
    name: token.name,
    scopes: token.scopes.filter(isPermission),
  };
}
