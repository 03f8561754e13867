/**
 * Per-token call limits: a runaway or compromised service cannot take the database from the
 * others. Counters live in each API process (no database write per call); with N instances behind
 * a balancer a token gets up to N times the limit, which docs/reliability.md states.
 */
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

import type { Principal } from "./authz";

export interface RateLimitOptions {
  /** Calls each service token may make per window (a batch counts each call)... */
  calls: number;
  /** ...of this many seconds (fixed windows). */
  perSeconds: number;
}

/** Admits or refuses one call; refused calls say how long to wait. */
export type CallLimiter = (
  principal: Principal,
) => Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }>;

/**
 * Limits service tokens only: staff act through the console at human speed, and system jobs are
 * ours.
 */
export function createCallLimiter(options: RateLimitOptions): CallLimiter {
  const limiter = new RateLimiterMemory({ points: options.calls, duration: options.perSeconds });
  return async (principal) => {
    if (principal.kind !== "service") return { ok: true };
    try {
      await limiter.consume(principal.id, 1);
      return { ok: true };
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
    }
  };
}

/** The cause of a TOO_MANY_REQUESTS refusal, read back when the answer's headers are written. */
export class OverCallLimit extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`over the call limit for ${retryAfterSeconds} s`);
    this.name = "OverCallLimit";
  }
}

/** The Retry-After header for an answer holding these errors, if one was a call-limit refusal. */
export function retryAfterHeader(errors: readonly { cause?: unknown }[]): Record<string, string> {
  const seconds = errors
    .map((e) => (e.cause instanceof OverCallLimit ? e.cause.retryAfterSeconds : 0))
    .reduce((a, b) => Math.max(a, b), 0);
  return seconds > 0 ? { "retry-after": String(seconds) } : {};
}
