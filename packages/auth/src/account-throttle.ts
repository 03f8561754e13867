import { createHash, randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { schema } from "@cdp/db";
import type { Database } from "@cdp/db";

/**
 * Failed sign-ins counted per account, beside better-auth's per-address limit: an address is
 * whatever `X-Forwarded-For` says, which a client can change on every attempt, while guessing one
 * account's password always names that account.
 */
export interface AccountThrottle {
  /** Failed attempts allowed within the window before the account's sign-in pauses. */
  maxFailures: number;
  windowMs: number;
}

// The key holds a hash, not the address: the rate-limit table is not a place for personal data.
const keyOf = (email: string) =>
  `sign-in-failures:${createHash("sha256").update(email.trim().toLowerCase()).digest("hex")}`;

/** Seconds until the account may try again, or 0 when it may now. */
export async function accountPausedFor(
  db: Database,
  email: string,
  policy: AccountThrottle,
  now = Date.now(),
): Promise<number> {
  const [row] = await db
    .select({ count: schema.rateLimit.count, lastRequest: schema.rateLimit.lastRequest })
    .from(schema.rateLimit)
    .where(eq(schema.rateLimit.key, keyOf(email)))
    .limit(1);
  if (!row || row.count < policy.maxFailures) return 0;
  const left = row.lastRequest + policy.windowMs - now;
  return left > 0 ? Math.ceil(left / 1000) : 0;
}

/** Counts a failed attempt; a window that has passed starts again from one. */
export async function recordFailedSignIn(
  db: Database,
  email: string,
  policy: AccountThrottle,
  now = Date.now(),
): Promise<void> {
  const table = schema.rateLimit;
  await db
    .insert(table)
    .values({ id: randomUUID(), key: keyOf(email), count: 1, lastRequest: now })
    .onConflictDoUpdate({
      target: table.key,
      set: {
        count: sql`case when ${table.lastRequest} < ${now - policy.windowMs} then 1
                        else ${table.count} + 1 end`,
        lastRequest: now,
      },
    });
}

/** A successful sign-in forgets the account's failures. */
export async function clearFailedSignIns(db: Database, email: string): Promise<void> {
  await db.delete(schema.rateLimit).where(eq(schema.rateLimit.key, keyOf(email)));
}
