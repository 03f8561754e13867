import type { Database } from "../client";
import { insertProfiles } from "../queries/profile";
import { generateProfiles } from "./generate";

export interface SeedOptions {
  /** How many profiles (indexes `start … start + count - 1`). */
  count: number;
  seed: number;
  /** Profiles per generated batch and insert transaction. */
  batch: number;
  start?: number;
  /** What the demo dates are relative to (default: now). */
  now?: Date;
  /** Called after each batch is stored. */
  onProgress?: (progress: SeedProgress) => void;
  /** Checked between batches; when it returns true the seed stops early (e.g. on Ctrl-C). */
  shouldStop?: () => boolean;
}

export interface SeedProgress {
  done: number;
  inserted: number;
  total: number;
}

export interface SeedResult {
  /** Profiles generated (may be fewer than asked when stopped early). */
  generated: number;
  inserted: number;
  /** Generated profiles whose id was already in the database. */
  skipped: number;
  generateMs: number;
  insertMs: number;
  totalMs: number;
  stopped: boolean;
}

export const DEFAULT_BATCH = 1000;

/**
 * Generates and stores demo profiles batch by batch. Profiles are a pure function of (seed, index),
 * so re-running with the same seed inserts nothing new, and a larger count only adds the rest.
 */
export async function seedProfiles(db: Database, options: SeedOptions): Promise<SeedResult> {
  const { count, seed, batch, start = 0, onProgress, shouldStop } = options;
  if (!Number.isSafeInteger(batch) || batch < 1) throw new RangeError("batch must be a positive integer");
  const now = options.now ?? new Date();
  const result: SeedResult = {
    generated: 0,
    inserted: 0,
    skipped: 0,
    generateMs: 0,
    insertMs: 0,
    totalMs: 0,
    stopped: false,
  };
  const began = performance.now();
  for (let offset = 0; offset < count; offset += batch) {
    if (shouldStop?.()) {
      result.stopped = true;
      break;
    }
    const size = Math.min(batch, count - offset);
    const t0 = performance.now();
    const profiles = generateProfiles({ seed, start: start + offset, count: size, now });
    const t1 = performance.now();
    const ids = await insertProfiles(db, profiles);
    const t2 = performance.now();
    result.generateMs += t1 - t0;
    result.insertMs += t2 - t1;
    result.generated += size;
    result.inserted += ids.length;
    result.skipped += size - ids.length;
    onProgress?.({ done: result.generated, inserted: result.inserted, total: count });
  }
  result.totalMs = performance.now() - began;
  return result;
}
