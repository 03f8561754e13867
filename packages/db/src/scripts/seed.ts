import path from "node:path";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";

import type { DatabaseHandle } from "../client";
import { MAX_UINT32 } from "../seed/generate";
import { DEFAULT_BATCH } from "../seed/run";
import type { SeedProgress, SeedResult } from "../seed/run";

const USAGE = `Usage: pnpm db:seed [options]

Fills the database with demo profiles. Profiles are a pure function of (seed, index): running
again with the same seed adds nothing, and a larger --count adds only the missing ones.

Options:
  --count N    how many profiles (default 1000)
  --seed S     which demo set, an integer 0–${MAX_UINT32} (default 42)
  --batch B    profiles per insert transaction, 1–3000 (default ${DEFAULT_BATCH})
  --if-empty   seed only when the database has no profiles yet (pnpm start uses it)
  --force      seed even though DATABASE_URL points at another machine
  -h, --help   show this help

Target: DATABASE_URL (PostgreSQL) when set, otherwise the embedded PGlite database in
PGLITE_DIR (default <repo>/.data/pglite).`;

/** Exit codes: 1 the seed failed, 2 bad usage or refused target, 130 interrupted. */
class UsageError extends Error {}

interface Options {
  count: number;
  seed: number;
  batch: number;
  force: boolean;
  ifEmpty: boolean;
}

function integerOption(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
) {
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}

function parseOptions(argv: string[]): Options | "help" {
  // `pnpm db:seed -- --count 5` hands the script a leading "--".
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        count: { type: "string" },
        seed: { type: "string" },
        batch: { type: "string" },
        force: { type: "boolean", default: false },
        "if-empty": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return "help";
  // Ids derive from the 32-bit index, so a count cannot go past it.
  const count = integerOption("count", values.count, 1000, 1, MAX_UINT32);
  const seed = integerOption("seed", values.seed, 42, 0, MAX_UINT32);
  // PostgreSQL binds at most 65,535 parameters per statement; a profile row takes 18.
  const batch = integerOption("batch", values.batch, DEFAULT_BATCH, 1, 3000);
  return { count, seed, batch, force: values.force, ifEmpty: values["if-empty"] };
}

/** The deepest message of an error chain: drivers wrap the useful one, with the query around it. */
function errorMessage(error: unknown): string {
  let current: unknown = error;
  let message = String(error);
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof Error) {
      if (current.message) message = current.message;
      current = current.cause;
    } else {
      message = String(current);
      break;
    }
  }
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const perSecond = (n: number, ms: number) => (ms > 0 ? Math.round((n * 1000) / ms) : 0);

/** Progress: a bar on a terminal, a line every 10% (or 10 s) in logs and CI. */
function progressReporter(total: number): { update(p: SeedProgress): void; stop(): void } {
  const started = performance.now();
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format:
          "Seeding [{bar}] {percentage}% | {value}/{total} profiles | {rate}/s | ETA {eta_formatted}",
        hideCursor: true,
        etaBuffer: 20,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: 0 });
    return {
      update: (p) => bar.update(p.done, { rate: perSecond(p.done, performance.now() - started) }),
      stop: () => bar.stop(),
    };
  }
  let lastLine = started;
  let lastDecile = 0;
  return {
    update: (p) => {
      const now = performance.now();
      const decile = Math.floor((p.done * 10) / p.total);
      if (decile === lastDecile && now - lastLine < 10_000) return;
      lastLine = now;
      lastDecile = decile;
      const elapsed = now - started;
      const rate = perSecond(p.done, elapsed);
      const eta = rate > 0 ? Math.ceil((p.total - p.done) / rate) : 0;
      console.log(
        `seeded ${p.done}/${p.total} (${Math.floor((p.done * 100) / p.total)}%), ${rate}/s, ETA ${eta} s`,
      );
    },
    stop: () => {},
  };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }

  // Loaded here so an invalid DATABASE_URL is reported like any other usage error.
  const { env, defaultPgliteDir } = await import("../env").catch((error: unknown) => {
    throw new UsageError(`Invalid environment: ${errorMessage(error)}`);
  });
  const { isLocalDatabaseUrl, openDatabase } = await import("../client");
  const { countProfiles } = await import("../queries/profile");
  const { seedProfiles } = await import("../seed/run");

  const url = env.DATABASE_URL;
  let target: string;
  if (url) {
    const parsed = new URL(url);
    target = `PostgreSQL ${parsed.host}${parsed.pathname}`;
    if (!isLocalDatabaseUrl(url) && !options.force) {
      throw new UsageError(
        `Refusing to seed ${parsed.hostname}: DATABASE_URL does not point at this machine.\n` +
          `Pass --force to write ${options.count} demo profiles there anyway.`,
      );
    }
  } else {
    const dir = defaultPgliteDir();
    const relative = path.relative(process.cwd(), dir);
    target = `PGlite ${relative && !relative.startsWith("..") ? relative : dir}`;
  }

  const handle: DatabaseHandle = await openDatabase();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error("\nStopping after the current batch (Ctrl-C again to quit now)…");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    if (options.ifEmpty) {
      const existing = await countProfiles(handle.db);
      if (existing > 0) {
        console.log(
          `${target} already holds ${plural(existing, "profile")}; not seeding (--if-empty).`,
        );
        return 0;
      }
    }
    console.log(
      `Seeding ${plural(options.count, "profile")} (seed ${options.seed}) into ${target}…`,
    );
    const progress = progressReporter(options.count);
    let result: SeedResult;
    try {
      result = await seedProfiles(handle.db, {
        count: options.count,
        seed: options.seed,
        batch: options.batch,
        onProgress: (p) => progress.update(p),
        shouldStop: () => interrupted,
      });
    } finally {
      progress.stop();
    }
    const { inserted, skipped, generated, totalMs, generateMs, insertMs } = result;
    console.log(
      `${result.stopped ? "Interrupted" : "Done"}: ${inserted} inserted, ${skipped} skipped (already present)` +
        `${result.stopped ? `, ${options.count - generated} not attempted` : ""} into ${target}\n` +
        `  ${seconds(totalMs)}, ${perSecond(generated, totalMs)} profiles/s` +
        ` (generate ${seconds(generateMs)}, insert ${seconds(insertMs)})`,
    );
    return result.stopped ? 130 : 0;
  } finally {
    await handle.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`db:seed: ${error.message}\nRun with --help for the options.`);
      process.exit(2);
    }
    console.error(`db:seed failed: ${errorMessage(error)}`);
    process.exit(1);
  },
);
