import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { openDatabase } from "@cdp/db";
import type { DatabaseHandle } from "@cdp/db";

export interface BenchDatabase extends DatabaseHandle {
  /** `postgres` or `pglite`, for the report. */
  engine: "postgres" | "pglite";
  /** Where it lives (the URL without credentials, or the PGlite folder). */
  location: string;
  /** Closes it and removes what the bench created. */
  dispose(): Promise<void>;
}

/**
 * A fresh, migrated database for one run: a new database on the server `url` names (dropped at
 * the end unless `keep`), or PGlite in a temporary folder. Never the app's own data.
 */
export async function freshDatabase(options: {
  url?: string;
  keep?: boolean;
  /** Connections in the postgres.js pool (the API and the raw queries share it). */
  connections?: number;
}): Promise<BenchDatabase> {
  if (options.url) {
    const name = `cdp_bench_${Date.now()}`;
    const admin = postgres(options.url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE "${name}"`);
    const url = new URL(options.url);
    url.pathname = `/${name}`;
    const handle = await openDatabase({ url: url.toString(), max: options.connections ?? 16 });
    url.password = "";
    return {
      ...handle,
      engine: "postgres",
      location: url.toString(),
      dispose: async () => {
        await handle.close();
        if (!options.keep) await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end({ timeout: 5 });
      },
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), "cdp-bench-"));
  const handle = await openDatabase({ dataDir: dir });
  return {
    ...handle,
    engine: "pglite",
    location: dir,
    dispose: async () => {
      // The load run hands the folder to the API process and closes this handle early.
      await handle.close().catch(() => {});
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}
