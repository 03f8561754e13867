import { createHash, randomBytes, randomUUID } from "node:crypto";
import { and, desc, eq, gt, isNull, or, sql } from "drizzle-orm";

import type { Database } from "../client";
import { NotFoundError } from "../errors";
import { serviceToken } from "../schema";
import type { ServiceTokenRow } from "../schema";

export type ServiceTokenInfo = Omit<ServiceTokenRow, "secretHash">;

const hashSecret = (secret: string) => createHash("sha256").update(secret).digest("hex");

const infoColumns = {
  id: serviceToken.id,
  name: serviceToken.name,
  prefix: serviceToken.prefix,
  scopes: serviceToken.scopes,
  createdBy: serviceToken.createdBy,
  createdAt: serviceToken.createdAt,
  lastUsedAt: serviceToken.lastUsedAt,
  expiresAt: serviceToken.expiresAt,
  revokedAt: serviceToken.revokedAt,
};

/** Creates a token; the returned `secret` exists nowhere else afterwards. */
export async function createServiceToken(
  db: Database,
  params: { name: string; scopes: string[]; createdBy: string; expiresAt?: string | null },
): Promise<{ token: ServiceTokenInfo; secret: string }> {
  const secret = `cdp_${randomBytes(32).toString("base64url")}`;
  const [token] = await db
    .insert(serviceToken)
    .values({
      id: randomUUID(),
      name: params.name,
      prefix: secret.slice(0, 12),
      secretHash: hashSecret(secret),
      scopes: params.scopes,
      createdBy: params.createdBy,
      expiresAt: params.expiresAt ?? null,
    })
    .returning(infoColumns);
  if (!token) throw new Error("token insert returned nothing");
  return { token, secret };
}

/**
 * How long a token lookup is answered from this process's memory. Every API call starts with
 * one, and on this machine a round trip costs more than the rest of a profile read; at a few
 * hundred calls per second a second of reuse removes nearly all of them. A revoke in this process
 * takes effect at once (it empties the cache); in another process of a deployment, within this
 * time. Expiry is checked on every use.
 */
export const TOKEN_CACHE_MS = 1_000;

/**
 * By secret hash, for the whole process rather than per handle: a revoke runs in a transaction,
 * whose handle is not the one lookups use. Secrets are random, so two databases cannot share one.
 */
const tokenCache = new Map<string, { token: ServiceTokenInfo; at: number }>();

/** The live (not revoked, not expired) token with this secret, or null. */
export async function findServiceTokenBySecret(
  db: Database,
  secret: string,
): Promise<ServiceTokenInfo | null> {
  const hash = hashSecret(secret);
  const cache = tokenCache;
  const now = Date.now();
  const hit = cache.get(hash);
  if (hit && now - hit.at < TOKEN_CACHE_MS) {
    const expiry = hit.token.expiresAt;
    return expiry !== null && new Date(expiry).getTime() <= now ? null : hit.token;
  }
  const found = await lookUpServiceToken(db, hash);
  // Unknown secrets are not kept: guessing must not fill memory.
  if (found) cache.set(hash, { token: found, at: now });
  else cache.delete(hash);
  if (cache.size > 10_000) {
    for (const [key, entry] of cache) if (now - entry.at >= TOKEN_CACHE_MS) cache.delete(key);
  }
  return found;
}

async function lookUpServiceToken(db: Database, hash: string): Promise<ServiceTokenInfo | null> {
  const rows = await db
    .select(infoColumns)
    .from(serviceToken)
    .where(
      and(
        eq(serviceToken.secretHash, hash),
        isNull(serviceToken.revokedAt),
        or(isNull(serviceToken.expiresAt), gt(serviceToken.expiresAt, sql`now()`)),
      ),
    )
    .limit(1);
  return rows[0] ?? null;
}

/** Records use at most once a minute, so a busy service does not write on every call. */
export async function touchServiceToken(db: Database, id: string): Promise<void> {
  const now = new Date().toISOString();
  // The cached copy learns of the use too, or every call within its lifetime would touch again.
  for (const entry of tokenCache.values()) {
    if (entry.token.id === id) entry.token = { ...entry.token, lastUsedAt: now };
  }
  await db
    .update(serviceToken)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(serviceToken.id, id),
        or(
          isNull(serviceToken.lastUsedAt),
          sql`${serviceToken.lastUsedAt} < now() - interval '1 minute'`,
        ),
      ),
    );
}

export async function listServiceTokens(db: Database): Promise<ServiceTokenInfo[]> {
  return db.select(infoColumns).from(serviceToken).orderBy(desc(serviceToken.createdAt));
}

export async function revokeServiceToken(db: Database, id: string): Promise<ServiceTokenInfo> {
  const [row] = await db
    .update(serviceToken)
    .set({ revokedAt: sql`coalesce(${serviceToken.revokedAt}, now())` })
    .where(eq(serviceToken.id, id))
    .returning(infoColumns);
  tokenCache.clear();
  if (!row) throw new NotFoundError("Service token", id);
  return row;
}
