import { inArray } from "drizzle-orm";

import type { Database } from "../client";
import { insertProfiles } from "../queries/profile";
import { profile } from "../schema";
import { generateProfile, MAX_UINT32 } from "./generate";
import { profileRoot } from "./random";

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
  /** Profiles generated and stored (inserted or already there). */
  done: number;
  inserted: number;
  total: number;
}

export interface SeedResult {
  /** Profiles handled, inserted or skipped (fewer than asked when stopped early). */
  generated: number;
  inserted: number;
  /** Generated profiles whose id was already in the database. */
  skipped: number;
  /** Time spent generating. */
  generateMs: number;
  /** Time spent on the database: looking up existing ids and insertProfiles. */
  insertMs: number;
  totalMs: number;
  stopped: boolean;
}

export const DEFAULT_BATCH = 500;

/**
 * Generates and stores demo profiles batch by batch. Profiles are a pure function of (seed, index),
 * so re-running with the same seed inserts nothing new, and a larger count only adds the rest.
 * Ids are known before generating, so profiles already stored are neither generated nor sent.
 *
 * Batches run one after the other: PGlite executes on this thread, and with postgres.js the
 * client-side work of insertProfiles keeps this thread busy too, so generating the next batch
 * during an insert measured no gain on either.
 */
export async function seedProfiles(db: Database, options: SeedOptions): Promise<SeedResult> {
  const { count, seed, batch, start = 0, onProgress, shouldStop } = options;
  if (!Number.isSafeInteger(batch) || batch < 1)
    throw new RangeError("batch must be a positive integer");
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError("count must be a non-negative integer");
  if (!Number.isSafeInteger(start) || start < 0 || start + count - 1 > MAX_UINT32)
    throw new RangeError(`indexes must stay within 0…${MAX_UINT32}`);
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
  try {
    for (let offset = 0; offset < count; offset += batch) {
      if (shouldStop?.()) {
        result.stopped = true;
        break;
      }
      const size = Math.min(batch, count - offset);
      const t0 = performance.now();
      const indexes = Array.from({ length: size }, (_, i) => start + offset + i);
      const ids = indexes.map((index) => profileRoot(seed, index).id);
      const stored = await db
        .select({ id: profile.id })
        .from(profile)
        .where(inArray(profile.id, ids));
      const existing = new Set(stored.map((row) => row.id));
      const t1 = performance.now();
      const profiles = indexes
        .filter((_, i) => !existing.has(ids[i] ?? ""))
        .map((index) => generateProfile(seed, index, now));
      const t2 = performance.now();
      const inserted = profiles.length > 0 ? (await insertProfiles(db, profiles)).length : 0;
      result.generateMs += t2 - t1;
      result.insertMs += t1 - t0 + (performance.now() - t2);
      result.generated += size;
      result.inserted += inserted;
      result.skipped += size - inserted;
      onProgress?.({ done: result.generated, inserted: result.inserted, total: count });
    }
  } finally {
    result.totalMs = performance.now() - began;
  }
  return result;
}
