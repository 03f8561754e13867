import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";

import { openDatabase } from "./client";
import type { DatabaseHandle } from "./client";
import { env } from "./env";
import { rowsOf } from "./sql";

export interface TestDatabase extends DatabaseHandle {
  /** Empties every table (between tests); the schema stays. */
  truncate(): Promise<void>;
  /** Which engine this suite runs on, for test names. */
  label: string;
  /** The throwaway PostgreSQL database's URL (other processes can open it); null on PGlite. */
  url: string | null;
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a throwaway
 * database created on the PostgreSQL server named by TEST_DATABASE_URL (dropped on close), so
 * files can run in parallel without sharing rows.
 */
export async function createTestDatabase(
  target: "pglite" | "postgres" = env.TEST_DATABASE_URL ? "postgres" : "pglite",
): Promise<TestDatabase> {
  if (target === "pglite") {
    const handle = await openDatabase({ dataDir: "memory://" });
    return { ...handle, label: "pglite", url: null, truncate: () => truncateAll(handle) };
  }
  const adminUrl = env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error("TEST_DATABASE_URL is not set");
  const name = `cdp_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString() });
  return {
    ...handle,
    label: "postgres",
    url: url.toString(),
    truncate: () => truncateAll(handle),
    close: async () => {
      await handle.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/** The engines the integration suites run on: PGlite always, PostgreSQL when configured. */
export function testTargets(): ("pglite" | "postgres")[] {
  return env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

async function truncateAll(handle: DatabaseHandle): Promise<void> {
  const rows = await handle.db.execute(
    sql`select tablename from pg_tables where schemaname = 'public'`,
  );
  const tables = rowsOf<{ tablename: string }>(rows).map((r) => `"${r.tablename}"`);
  if (tables.length > 0) {
    await handle.db.execute(sql.raw(`TRUNCATE ${tables.join(", ")} CASCADE`));
  }
}

