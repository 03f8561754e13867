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

/** The live (not revoked, not expired) token with this secret, or null. */
export async function findServiceTokenBySecret(
  db: Database,
  secret: string,
): Promise<ServiceTokenInfo | null> {
  const rows = await db
    .select(infoColumns)
    .from(serviceToken)
    .where(
      and(
        eq(serviceToken.secretHash, hashSecret(secret)),
        isNull(serviceToken.revokedAt),
        or(isNull(serviceToken.expiresAt), gt(serviceToken.expiresAt, sql`now()`)),
      ),
    )
    .limit(1);
  return rows[0] ?? null;
}

/** Records use at most once a minute, so a busy service does not write on every call. */
export async function touchServiceToken(db: Database, id: string): Promise<void> {
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
  if (!row) throw new NotFoundError("Service token", id);
  return row;
}
