import { createHash } from "node:crypto";
import type { Randomizer } from "@faker-js/faker";

/**
 * A small, fast PRNG (sfc32, 128-bit state) that Faker also draws from, so one profile is one
 * stream. Faker's own Mersenne Twister takes ~30 µs to seed; re-seeding this one per profile
 * costs a hash. `save`/`restore` let a profile look at another profile's stream (duplicates).
 */
export class Rng implements Randomizer {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 1;

  /** Starts the stream from four 32-bit words and discards the first outputs. */
  setState(words: readonly [number, number, number, number]): void {
    this.a = words[0] | 0;
    this.b = words[1] | 0;
    this.c = words[2] | 0;
    this.d = words[3] | 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  save(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  restore(state: readonly [number, number, number, number]): void {
    [this.a, this.b, this.c, this.d] = state;
  }

  /** Faker's seeding entry point; the generator seeds through {@link setState} instead. */
  // Arrow properties: Faker calls `next` and `seed` detached from the object.
  seed = (seed: number | number[]): void => {
    const digest = createHash("sha256")
      .update((Array.isArray(seed) ? seed : [seed]).join(":"))
      .digest();
    this.setState([
      digest.readUInt32BE(0),
      digest.readUInt32BE(4),
      digest.readUInt32BE(8),
      digest.readUInt32BE(12),
    ]);
  };

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next = (): number => this.nextUint32() / 4294967296;

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks from `[value, weight]` pairs. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.next() * total;
    for (const [value, w] of items) {
      x -= w;
      if (x < 0) return value;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }

  /** `k` distinct items, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = items.slice();
    const n = Math.min(k, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      const tmp = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = tmp;
    }
    return copy.slice(0, n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Log-normal: a long right tail, for visits, order values and the like. */
  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  digits(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += String(Math.floor(this.next() * 10));
    return s;
  }

  hex(n: number): string {
    let s = "";
    while (s.length < n) s += this.nextUint32().toString(16).padStart(8, "0");
    return s.slice(0, n);
  }

  /** A version-4-shaped UUID from this stream. */
  uuid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const FEISTEL_KEYS = [0x9e3779b9, 0x7f4a7c15, 0xf39cc060, 0x5ced1a4f];
const hex8 = (x: number) => (x >>> 0).toString(16).padStart(8, "0");

/** The root of one profile's randomness: its id and the state its stream starts from. */
export interface ProfileRoot {
  /** A UUID (version-4 layout), distinct for every (seed, index). */
  id: string;
  state: [number, number, number, number];
}

/**
 * Derives a profile's id and stream from (seed, index), both integers in [0, 2^32). A 4-round
 * Feistel network is a bijection on the 64 bits of (seed, index), and all 64 output bits go into
 * the id, so ids never collide; it costs a fraction of a SHA-256 call.
 */
export function profileRoot(seed: number, index: number): ProfileRoot {
  let l = seed >>> 0;
  let r = index >>> 0;
  for (const key of FEISTEL_KEYS) {
    const next = (l ^ fmix32((r + key) >>> 0)) >>> 0;
    l = r;
    r = next;
  }
  const x = fmix32((l ^ 0x3c6ef372) >>> 0);
  const y = fmix32((r + 0xa54ff53a) >>> 0);
  const hl = hex8(l);
  const hr = hex8(r);
  const hx = hex8(x);
  const variant = (8 | (y >>> 30)).toString(16);
  const id = `${hl}-${hr.slice(0, 4)}-4${hx.slice(0, 3)}-${variant}${hx.slice(3, 6)}-${hr.slice(4)}${hex8(y).slice(0, 8)}`;
  return { id, state: [l, r, x, y] };
}
