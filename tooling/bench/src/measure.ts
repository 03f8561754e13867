/** Latency of a set of timed calls, in milliseconds, and the throughput they reached. */
export interface Latency {
  kind: "latency";
  count: number;
  p50: number;
  p99: number;
  mean: number;
  /** Calls per second over the whole run (wall clock, with `concurrency` in flight). */
  perSecond: number;
  concurrency: number;
}

/** A bulk operation: how many items in how long. */
export interface Throughput {
  kind: "throughput";
  items: number;
  ms: number;
  perSecond: number;
}

export type Measurement = Latency | Throughput;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function latencyOf(samples: number[], wallMs: number, concurrency: number): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, v) => sum + v, 0);
  return {
    kind: "latency",
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.length ? total / sorted.length : Number.NaN,
    perSecond: wallMs > 0 ? (sorted.length / wallMs) * 1000 : Number.NaN,
    concurrency,
  };
}

/**
 * Runs `call(i)` for i in 0…count-1 with `concurrency` calls in flight and times each one.
 * The first `warmup` calls (JIT, plan caches, connection set-up) are run but not counted.
 */
export async function timeCalls(
  count: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
  options: { warmup?: number; onProgress?: (done: number) => void } = {},
): Promise<Latency> {
  const warmup = options.warmup ?? Math.min(50, Math.ceil(count / 10));
  for (let i = 0; i < warmup; i++) await call(i);
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const t0 = performance.now();
      await call(i);
      samples.push(performance.now() - t0);
      if (samples.length % 100 === 0) options.onProgress?.(samples.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  options.onProgress?.(samples.length);
  return latencyOf(samples, performance.now() - started, concurrency);
}

/** Times one bulk operation over `items` items. */
export async function timeBulk(items: number, run: () => Promise<unknown>): Promise<Throughput> {
  const started = performance.now();
  await run();
  const ms = performance.now() - started;
  return { kind: "throughput", items, ms, perSecond: ms > 0 ? (items / ms) * 1000 : Number.NaN };
}

/**
 * How many times worse ours is than raw: latency ratio at p50 for timed calls, time ratio for
 * bulk work (so above 1 always means slower).
 */
export function ratio(ours: Measurement, raw: Measurement): number {
  if (ours.kind === "latency" && raw.kind === "latency") return ours.p50 / raw.p50;
  if (ours.kind === "throughput" && raw.kind === "throughput") {
    return raw.perSecond / ours.perSecond;
  }
  throw new Error("ours and raw must be measured the same way");
}
