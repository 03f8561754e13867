import { sql } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { Database } from "./client";
import { DomainError, VersionConflictError } from "./errors";
import {
  contentionError,
  isTransientTransactionError,
  retryDelay,
  retryingTransaction,
  sqlStateOf,
  TransactionContentionError,
} from "./retry";
import { rowsOf } from "./sql";
import { createTestDatabase, testTargets } from "./testing";
import type { TestDatabase } from "./testing";

/** A server error as both drivers shape it: a `code` and a `severity`. */
const serverError = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`server said ${code}`), { code, severity: "ERROR", ...extra });

describe("classifying driver errors", () => {
  it("finds the SQLSTATE on the error or through Drizzle's wrapping", () => {
    expect(sqlStateOf(serverError("40P01"))).toBe("40P01");
    const wrapped = new DrizzleQueryError("update profile …", [], serverError("40001"));
    expect(sqlStateOf(wrapped)).toBe("40001");
    expect(sqlStateOf(new Error("outer", { cause: wrapped }))).toBe("40001");
    expect(isTransientTransactionError(wrapped)).toBe(true);
    expect(isTransientTransactionError(serverError("40P01"))).toBe(true);
  });

  it("ignores what the server did not report: plain errors, network codes, domain errors", () => {
    expect(sqlStateOf(new Error("boom"))).toBeNull();
    expect(sqlStateOf(null)).toBeNull();
    expect(sqlStateOf("40001")).toBeNull();
    // Node's socket errors carry a code but no severity.
    expect(sqlStateOf(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }))).toBeNull();
    expect(isTransientTransactionError(serverError("23505"))).toBe(false);
    expect(isTransientTransactionError(new VersionConflictError("p", 1, 2))).toBe(false);
    expect(contentionError(new VersionConflictError("p", 1, 2))).toBeNull();
    expect(contentionError(serverError("22P02"))).toBeNull();
  });

  it("turns a unique violation or an unretried abort into a CONFLICT that says to try again", () => {
    const taken = contentionError(
      new DrizzleQueryError(
        "insert …",
        [],
        serverError("23505", {
          constraint_name: "profile_identifier_pkey",
          detail: "Key (type, value)=(email, kim@example.com) already exists.",
        }),
      ),
    );
    expect(taken).toBeInstanceOf(DomainError);
    expect(taken?.code).toBe("CONFLICT");
    expect(taken?.message).toMatch(/Try again/);
    // The server's detail holds the value: it stays out of what the caller sees.
    expect(taken?.message).not.toMatch(/kim/);
    expect(taken?.details).toMatchObject({
      reason: "unique_violation",
      constraint: "profile_identifier_pkey",
      retryable: true,
    });
    const deadlock = contentionError(serverError("40P01"));
    expect(deadlock).toBeInstanceOf(TransactionContentionError);
    expect(deadlock?.code).toBe("CONFLICT");
  });

  it("backs off exponentially with jitter, within the cap", () => {
    for (let i = 0; i < 50; i++) {
      const first = retryDelay(1, 10, 500);
      expect(first).toBeGreaterThanOrEqual(5);
      expect(first).toBeLessThanOrEqual(10);
      const third = retryDelay(3, 10, 500);
      expect(third).toBeGreaterThanOrEqual(20);
      expect(third).toBeLessThanOrEqual(40);
      expect(retryDelay(20, 10, 500)).toBeLessThanOrEqual(500);
    }
  });
});

/** Makes the server abort the statement with `state`, as it would a deadlock victim. */
const raise = (db: Database, state: string) =>
  db.execute(sql.raw(`do $$ begin raise exception 'provoked' using errcode = '${state}'; end $$`));

const countOf = async (db: Database) =>
  Number(
    rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from retry_probe`))[0]?.n,
  );

describe.each(testTargets())("retryingTransaction on %s", (target) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase(target);
    await t.db.execute(sql`create table retry_probe (id integer primary key, n integer not null)`);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.db.execute(sql`truncate retry_probe`);
  });

  it("reads the SQLSTATE of this driver's real errors", async () => {
    const aborted = await raise(t.db, "40P01").catch((error: unknown) => error);
    expect(sqlStateOf(aborted)).toBe("40P01");
    await t.db.execute(sql`insert into retry_probe values (1, 0)`);
    const taken = await t.db
      .execute(sql`insert into retry_probe values (1, 0)`)
      .catch((error: unknown) => error);
    expect(sqlStateOf(taken)).toBe("23505");
    expect(contentionError(taken)?.details).toMatchObject({ constraint: "retry_probe_pkey" });
  });

  it("runs an aborted transaction again, keeping only the run that committed", async () => {
    let runs = 0;
    const retries: string[] = [];
    const out = await retryingTransaction(
      t.db,
      async (tx) => {
        runs++;
        await tx.execute(sql`insert into retry_probe values (${runs}, ${runs})`);
        if (runs < 3) await raise(tx, runs === 1 ? "40P01" : "40001");
        return runs;
      },
      { onRetry: (r) => retries.push(r.sqlState) },
    );
    expect(out).toBe(3);
    expect(retries).toEqual(["40P01", "40001"]);
    expect(rowsOf(await t.db.execute(sql`select id from retry_probe`))).toEqual([{ id: 3 }]);
  });

  it("gives up after the attempts with a CONFLICT, keeping nothing", async () => {
    let runs = 0;
    const error = await retryingTransaction(
      t.db,
      async (tx) => {
        runs++;
        await tx.execute(sql`insert into retry_probe values (${runs}, 0)`);
        await raise(tx, "40001");
      },
      { attempts: 3, baseDelayMs: 1 },
    ).catch((e: unknown) => e);
    expect(runs).toBe(3);
    expect(error).toBeInstanceOf(TransactionContentionError);
    expect(error).toMatchObject({ code: "CONFLICT", details: { sqlState: "40001", attempts: 3 } });
    expect(await countOf(t.db)).toBe(0);
  });

  it("does not retry other errors (a taken key comes out as CONFLICT), nor inside a transaction", async () => {
    let runs = 0;
    const unique = await retryingTransaction(t.db, async (tx) => {
      runs++;
      await tx.execute(sql`insert into retry_probe values (1, 0), (1, 0)`);
    }).catch((e: unknown) => e);
    expect(runs).toBe(1);
    expect(unique).toBeInstanceOf(DomainError);
    expect(unique).toMatchObject({
      code: "CONFLICT",
      details: { reason: "unique_violation", constraint: "retry_probe_pkey" },
    });
    const plain = await retryingTransaction(t.db, () => Promise.reject(new Error("bug"))).catch(
      (e: unknown) => e,
    );
    expect(plain).toEqual(new Error("bug"));

    let inner = 0;
    let outer = 0;
    await retryingTransaction(t.db, async (tx) => {
      outer++;
      const nested = await retryingTransaction(tx, async (sp) => {
        inner++;
        await sp.execute(sql`insert into retry_probe values (7, 0)`);
        if (outer === 1) await raise(sp, "40P01");
      }).catch((e: unknown) => e);
      // The savepoint was rolled back and the abort handed up: the outer run decides.
      if (nested !== undefined) throw nested;
    });
    expect({ inner, outer }).toEqual({ inner: 2, outer: 2 });
    expect(await countOf(t.db)).toBe(1);
  });
});

/** Resolves for everyone once `parties` have arrived. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    arrived++;
    if (arrived >= parties) open();
    return opened;
  };
}

// Two transactions at once need two connections: PGlite has one, and runs them one after the other.
describe.each(testTargets().filter((target) => target === "postgres"))(
  "real contention on %s (two connections)",
  (target) => {
    let t: TestDatabase;

    beforeAll(async () => {
      t = await createTestDatabase(target);
      await t.db.execute(
        sql`create table retry_probe (id integer primary key, n integer not null)`,
      );
    });
    afterAll(async () => {
      await t?.close();
    });
    beforeEach(async () => {
      await t.db.execute(sql`truncate retry_probe`);
      await t.db.execute(sql`insert into retry_probe values (1, 0), (2, 0)`);
    });

    const values = async () =>
      rowsOf<{ id: number; n: number }>(
        await t.db.execute(sql`select id, n from retry_probe order by id`),
      );

    it("retries the deadlock victim: both transactions land, each once", async () => {
      const bothHoldOne = barrier(2);
      const retries: string[] = [];
      const runs = { up: 0, down: 0 };
      const bump = (name: "up" | "down", first: number, second: number) =>
        retryingTransaction(
          t.db,
          async (tx) => {
            runs[name]++;
            await tx.execute(sql`update retry_probe set n = n + 1 where id = ${first}`);
            await bothHoldOne();
            await tx.execute(sql`update retry_probe set n = n + 1 where id = ${second}`);
          },
          { onRetry: (r) => retries.push(r.sqlState) },
        );
      await Promise.all([bump("up", 1, 2), bump("down", 2, 1)]);
      expect(retries).toEqual(["40P01"]);
      expect(runs.up + runs.down).toBe(3);
      expect(await values()).toEqual([
        { id: 1, n: 2 },
        { id: 2, n: 2 },
      ]);
    });

    it("retries a serialization failure: no update is lost", async () => {
      const bothRead = barrier(2);
      const retries: string[] = [];
      const increment = () =>
        retryingTransaction(
          t.db,
          async (tx) => {
            const [row] = rowsOf<{ n: number }>(
              await tx.execute(sql`select n from retry_probe where id = 1`),
            );
            await bothRead();
            await tx.execute(sql`update retry_probe set n = ${(row?.n ?? 0) + 1} where id = 1`);
          },
          {
            config: { isolationLevel: "repeatable read" },
            onRetry: (r) => retries.push(r.sqlState),
          },
        );
      await Promise.all([increment(), increment()]);
      expect(retries).toEqual(["40001"]);
      expect((await values())[0]).toEqual({ id: 1, n: 2 });
    });
  },
);
