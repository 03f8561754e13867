import { existsSync } from "node:fs";
import path from "node:path";
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

export const env = createEnv({
  server: {
    /** A PostgreSQL server; when unset the embedded PGlite database is used. */
    DATABASE_URL: z.url().optional(),
    /** Where the embedded database keeps its files (default: `<repo>/.data/pglite`). */
    PGLITE_DIR: z.string().min(1).optional(),
    /** A PostgreSQL server for the integration suites (CI sets it). */
    TEST_DATABASE_URL: z.url().optional(),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});

/** The repository root: the nearest folder above `from` holding pnpm-workspace.yaml. */
export function findRepoRoot(from: string = process.cwd()): string {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from);
    dir = parent;
  }
}

export function defaultPgliteDir(): string {
  return env.PGLITE_DIR ?? path.join(findRepoRoot(), ".data", "pglite");
}
