/**
 * Transactions that survive contention: PostgreSQL may abort a transaction that did nothing wrong
 * — a deadlock victim (SQLSTATE 40P01) or, above READ COMMITTED, a serialization failure (40001)
 * — and expects the client to run it again. {@link retryingTransaction} does that for the
 * outermost transaction of a unit of work; when retries run out, or when a unique key was taken
 * by a concurrent writer (23505), the caller gets a CONFLICT that says to try again, never a
 * driver error.
 *
 * The driver errors arrive wrapped: Drizzle throws DrizzleQueryError with the driver's error as
 * `cause` (postgres.js PostgresError, PGlite DatabaseError, both with `code` and `severity`); a
 * failed COMMIT comes from the driver unwrapped. {@link sqlStateOf} looks through both.
 */
import { PgTransaction } from "drizzle-orm/pg-core";
import type { PgTransactionConfig } from "drizzle-orm/pg-core";

import type { Database } from "./client";
import { DomainError } from "./errors";

/** The SQLSTATEs this module knows by name. */
export const SqlState = {
  serializationFailure: "40001",
  deadlockDetected: "40P01",
  uniqueViolation: "23505",
} as const;

/** Aborts PostgreSQL asks the client to retry: the transaction itself was fine. */
const TRANSIENT: ReadonlySet<string> = new Set([
  SqlState.serializationFailure,
  SqlState.deadlockDetected,
]);

/** How deep to follow `cause` (Drizzle wraps once; a service may wrap again). */
const MAX_CAUSE_DEPTH = 5;

/** A property of an unknown value, without trusting its type. */
function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * The error PostgreSQL reported, found in `error` or its chain of causes: the first with a string
 * `code` and `severity` (both drivers set these on server errors; Node's network errors such as
 * EPIPE have a `code` but no `severity`). Null for anything else.
 */
function serverErrorOf(error: unknown): unknown {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && current != null; depth++) {
    if (
      typeof field(current, "code") === "string" &&
      typeof field(current, "severity") === "string"
    ) {
      return current;
    }
    current = field(current, "cause");
  }
  return null;
}

/** The SQLSTATE of a database error (through Drizzle's wrapping), or null when there is none. */
export function sqlStateOf(error: unknown): string | null {
  const server = serverErrorOf(error);
  return server === null ? null : (field(server, "code") as string);
}

/** A deadlock or serialization failure: rolled back by the server, safe to run again whole. */
export function isTransientTransactionError(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== null && TRANSIENT.has(state);
}

/** A transaction that kept losing to concurrent writers: nothing of it was kept. */
export class TransactionContentionError extends DomainError {
  constructor(
    readonly sqlState: string,
    readonly attempts: number,
  ) {
    super(
      "CONFLICT",
      `The change collided with concurrent changes to the same data ${attempts} times (${sqlState === SqlState.deadlockDetected ? "deadlock" : "serialization failure"}); nothing was kept. Try again.`,
      { reason: "contention", sqlState, attempts, retryable: true },
    );
    this.name = "TransactionContentionError";
  }
}

/**
 * The domain error a contention failure that reached the caller stands for: a deadlock or
 * serialization failure outside {@link retryingTransaction}, or a unique key (an identifier, an
 * id) that a concurrent writer claimed between our check and our insert. Null for anything else.
 * The message names no values (the server's `detail` would).
 */
export function contentionError(error: unknown): DomainError | null {
  if (error instanceof DomainError) return null;
  const state = sqlStateOf(error);
  if (state === null) return null;
  if (TRANSIENT.has(state)) return new TransactionContentionError(state, 1);
  if (state === SqlState.uniqueViolation) {
    const server = serverErrorOf(error);
    const constraint = field(server, "constraint_name") ?? field(server, "constraint");
    return new DomainError(
      "CONFLICT",
      "Another request just claimed the same key (an id or identifier) at the same moment; nothing was kept. Try again.",
      {
        reason: "unique_violation",
        sqlState: state,
        constraint: typeof constraint === "string" ? constraint : null,
        retryable: true,
      },
    );
  }
  return null;
}

export interface RetryOptions {
  /** Runs in all, the first included (default 5). */
  attempts?: number;
  /** The first backoff step in ms; it doubles each retry (default 10). */
  baseDelayMs?: number;
  /** The cap of one backoff in ms (default 500). */
  maxDelayMs?: number;
  /** Isolation level and access mode of the transaction (default: the server's, READ COMMITTED). */
  config?: PgTransactionConfig;
  /** Told before each retry (logs, tests). */
  onRetry?: (info: { attempt: number; sqlState: string; delayMs: number }) => void;
}

export const DEFAULT_TRANSACTION_ATTEMPTS = 5;

// A boolean rather than a type guard: narrowing would lose the schema type of `db`.
const isTransaction = (db: Database): boolean => db instanceof PgTransaction;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with equal jitter: half the step, plus a random part of the other half. */
export function retryDelay(retry: number, baseMs: number, maxMs: number): number {
  const step = Math.min(maxMs, baseMs * 2 ** (retry - 1));
  return step / 2 + Math.random() * (step / 2);
}

/**
 * Runs `work` in a transaction; when PostgreSQL aborts it as a deadlock victim or a serialization
 * failure, rolls it back and runs it again after a jittered exponential backoff, up to
 * `attempts` runs in all, then throws {@link TransactionContentionError} (CONFLICT, "try again").
 * A unique key taken by a concurrent writer comes out as CONFLICT too ({@link contentionError});
 * any other error passes through on the first occurrence.
 *
 * Only the whole unit of work may be retried, so `work` must keep every effect inside the
 * transaction (no messages sent, no outer state changed before it commits). Called with a
 * transaction (`db` is already one), it runs `work` in a savepoint without retrying: an aborted
 * inner part is the outer transaction's to retry, since it holds locks of its own.
 */
export async function retryingTransaction<T>(
  db: Database,
  work: (tx: Database) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  if (isTransaction(db)) return db.transaction(work);
  const attempts = Math.max(1, options.attempts ?? DEFAULT_TRANSACTION_ATTEMPTS);
  const baseDelayMs = options.baseDelayMs ?? 10;
  const maxDelayMs = options.maxDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work, options.config);
    } catch (error) {
      const state = sqlStateOf(error);
      if (state === null) throw error;
      if (!TRANSIENT.has(state)) throw contentionError(error) ?? error;
      if (attempt >= attempts) throw new TransactionContentionError(state, attempts);
      const delayMs = retryDelay(attempt, baseDelayMs, maxDelayMs);
      options.onRetry?.({ attempt, sqlState: state, delayMs });
      await sleep(delayMs);
    }
  }
}
