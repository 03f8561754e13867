import { openDatabase } from "../client";
import { env } from "../env";

/** `pnpm db:migrate`: applies the committed migrations to DATABASE_URL or the embedded database. */
async function main() {
  const started = Date.now();
  const handle = await openDatabase();
  await handle.close();
  const target = env.DATABASE_URL ? new URL(env.DATABASE_URL).host : "embedded PGlite";
  console.log(`migrations applied to ${target} in ${Date.now() - started} ms`);
}

main().catch((error: unknown) => {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
