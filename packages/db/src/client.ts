import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";

import { defaultPgliteDir, env, findRepoRoot } from "./env";
import * as schema from "./schema";

export type Schema = typeof schema;
/** A Drizzle handle on either driver; transactions are assignable to it too. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface DatabaseHandle {
  db: Database;
  driver: "pglite" | "postgres";
  /** Applies the committed migrations (idempotent). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateDatabaseOptions {
  /** postgres://… — overrides DATABASE_URL. */
  url?: string;
  /** PGlite data directory, or `memory://` — used when no URL is given. */
  dataDir?: string;
  /** Max connections for postgres.js. */
  max?: number;
}

/** The committed SQL migrations, found from the repository root so bundlers cannot move them. */
export function migrationsFolder(): string {
  return path.join(findRepoRoot(), "packages", "db", "drizzle");
}

/**
 * The one client factory: PostgreSQL through postgres.js when a URL is given (or DATABASE_URL is
 * set), otherwise embedded PGlite in a data directory (file-backed for the app, `memory://` for
 * tests). Both sessions run in UTC so timestamps read back identically.
 */
export function createDatabase(options: CreateDatabaseOptions = {}): DatabaseHandle {
  const url = options.url ?? (options.dataDir ? undefined : env.DATABASE_URL);
  if (url) {
    const sql = postgres(url, {
      max: options.max ?? 10,
      onnotice: () => {},
      connection: { TimeZone: "UTC" },
      // A database that accepts no connection fails the call in seconds (503), not in 30.
      connect_timeout: 10,
    });
    const db = drizzlePostgres(sql, { schema, casing: "snake_case" }) as unknown as Database;
    return {
      db,
      driver: "postgres",
      migrate: () =>
        migratePostgres(drizzlePostgres(sql, { schema }), { migrationsFolder: migrationsFolder() }),
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const dataDir = options.dataDir ?? defaultPgliteDir();
  // PGlite creates its own folder but not the ones above it (a fresh clone has no .data/).
  if (!dataDir.includes("://")) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir, { extensions: { pg_trgm } });
  const db = drizzlePglite(client, { schema, casing: "snake_case" }) as unknown as Database;
  return {
    db,
    driver: "pglite",
    migrate: async () => {
      await client.exec("SET TIME ZONE 'UTC'");
      await migratePglite(drizzlePglite(client, { schema }), {
        migrationsFolder: migrationsFolder(),
      });
    },
    close: () => client.close(),
  };
}

/** Opens the database, applies migrations, and returns the handle. */
export async function openDatabase(options: CreateDatabaseOptions = {}): Promise<DatabaseHandle> {
  const handle = createDatabase(options);
  await handle.migrate();
  return handle;
}

/** True when a postgres URL points at this machine (the seed refuses others without --force). */
export function isLocalDatabaseUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  return ["localhost", "127.0.0.1", "::1", ""].includes(host) || host.startsWith("127.");
}
