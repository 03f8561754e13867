import type { DatabaseHandle } from "@cdp/db";
import { openDatabase } from "@cdp/db";

/**
 * One database handle per server process, kept on globalThis: dev reloads re-evaluate modules,
 * and an embedded PGlite data directory must never be opened twice by the same process.
 * The promise is stored (not the handle) so concurrent first requests share one open.
 */
const store = globalThis as typeof globalThis & {
  __cdpConsoleDatabase?: Promise<DatabaseHandle>;
};

export function getDatabase(): Promise<DatabaseHandle> {
  store.__cdpConsoleDatabase ??= openDatabase().catch((error: unknown) => {
    // Let the next request (or the error page's retry) try again.
    store.__cdpConsoleDatabase = undefined;
    throw error;
  });
  return store.__cdpConsoleDatabase;
}
