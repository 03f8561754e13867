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

  /** Sets the state from 16 bytes (e.g. part of a digest) and discards the first outputs. */
  setState(bytes: Uint8Array, offset = 0): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 16);
    this.a = view.getUint32(0) | 0;
    this.b = view.getUint32(4) | 0;
    this.c = view.getUint32(8) | 0;
    this.d = view.getUint32(12) | 1;
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
    const values = Array.isArray(seed) ? seed : [seed];
    this.setState(createHash("sha256").update(values.join(":")).digest());
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

/** 32 bytes that depend only on (seed, index, salt): the root of one profile's randomness. */
export function profileDigest(seed: number, index: number, salt = "profile"): Buffer {
  return createHash("sha256").update(`cdp-seed:${salt}:${seed}:${index}`).digest();
}

/** A UUID (version-4 layout) from the first 16 bytes of a digest. */
export function uuidFromDigest(digest: Uint8Array): string {
  const b = Buffer.from(digest.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
