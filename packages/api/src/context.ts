import { findServiceTokenBySecret, touchServiceToken } from "@cdp/db";
import type { Database } from "@cdp/db";

import { isPermission } from "./authz";
import type { Principal } from "./authz";

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
  await touchServiceToken(db, token.id);
  return {
    kind: "service",
    id: token.id,
    name: token.name,
    scopes: token.scopes.filter(isPermission),
  };
}
