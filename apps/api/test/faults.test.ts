/**
 * Faults: the API process killed with SIGKILL in the middle of an import and of track batches,
 * then started again on the same database; and the database going away under a running server.
 * The server under test is the real `src/main.ts` in its own process.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { permissions } from "@cdp/api";
import { createProfileClient } from "@cdp/client";
import type { ProfileClient } from "@cdp/client";
import { createServiceToken, openDatabase, rowsOf } from "@cdp/db";
import type { Database } from "@cdp/db";
import { createTestDatabase } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import { startServer } from "../src/server";
import { freePort, testTargets } from "./harness";

const appDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where the API process keeps its data: a PostgreSQL database, or a PGlite folder. */
type Store = { url: string } | { dataDir: string };

/** The API as its own process (`node --import tsx src/main.ts`), one process to SIGKILL. */
class ApiProcess {
  child: ChildProcess | null = null;
  constructor(
    readonly store: Store,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(this.port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      SEGMENT_REFRESH_INTERVAL_MS: "0",
      API_RATE_LIMIT_PER_SECOND: "0",
      DATABASE_URL: "url" in this.store ? this.store.url : "",
      PGLITE_DIR: "dataDir" in this.store ? this.store.dataDir : "",
    };
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: appDir,
      env,
      stdio: ["ignore", "ignore", "inherit"],
    });
    this.child = child;
    for (let i = 0; i < 600; i++) {
      if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
      const ready = await fetch(`${this.url}/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      await sleep(100);
    }
    throw new Error("the API did not become ready in 60 s");
  }

  /** kill -9: no shutdown hook runs, in-flight transactions are cut where they are. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    this.child = null;
  }
}

/** Opens the store in this process (PGlite allows one process per folder: the API is down). */
async function inspect<T>(store: Store, look: (db: Database) => Promise<T>): Promise<T> {
  const handle = await openDatabase(store);
  try {
    return await look(handle.db);
  } finally {
    await handle.close();
  }
}

async function count(db: Database, query: ReturnType<typeof sql>): Promise<number> {
  return Number(rowsOf<{ n: number }>(await db.execute(query))[0]?.n ?? 0);
}

describe.each(testTargets())("the API process killed with SIGKILL, on %s", (target) => {
  let store: Store;
  let testDb: TestDatabase | null = null;
  let dataDir: string | null = null;
  let api: ApiProcess;
  let client: ProfileClient;

  beforeAll(async () => {
    if (target === "postgres") {
      testDb = await createTestDatabase("postgres");
      if (!testDb.url) throw new Error("a PostgreSQL test database has a URL");
      store = { url: testDb.url };
    } else {
      dataDir = await mkdtemp(path.join(tmpdir(), "cdp-faults-"));
      store = { dataDir };
    }
    const secret = await inspect(store, async (db) => {
      const issued = await createServiceToken(db, {
        name: "faults",
        scopes: [...permissions],
        createdBy: "faults-test",
      });
      return issued.secret;
    });
    api = new ApiProcess(store, await freePort());
    // Reads may retry: a kept-alive socket the server closes as idle while the import blocks its
    // event loop resets the next read on it, which is not the fault under test. Writes never
    // retry (the client retries only GETs), so what a killed write left is still what is judged.
    client = createProfileClient({ url: api.url, token: secret, retries: 2 });
    await api.start();
  });
  afterAll(async () => {
    await api?.kill();
    await testDb?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("an import killed mid-file shows only whole batches, then resumes and finishes exactly once", async () => {
    const rows = 4000;
    const content = Array.from({ length: rows }, (_, i) =>
      JSON.stringify({
        id: `imp-${i}`,
        traits: { row: i },
        data: { pii: { firstname: `Row ${i}` } },
      }),
    ).join("\n");
    const { jobId } = await client.profile.import.mutate({
      format: "ndjson",
      content,
      fileName: "big.ndjson",
    });

    // Kill once at least one batch (1,000 rows) is committed and the file is not done.
    let seen = await client.profile.importStatus.query({ jobId });
    while (seen.processedRows < 1000 && seen.status !== "done") {
      await sleep(20);
      seen = await client.profile.importStatus.query({ jobId });
    }
    expect(seen.status, "the kill lands while the job runs").toBe("running");
    await api.kill();

    const atKill = await inspect(store, async (db) => ({
      profiles: await count(db, sql`select count(*)::int as n from profile where id like 'imp-%'`),
      job: rowsOf<{ status: string; processed_rows: number; inserted: number }>(
        await db.execute(
          sql`select status, processed_rows, inserted from import_job where id = ${jobId}`,
        ),
      )[0],
    }));
    expect(atKill.job?.status).toBe("running");
    // Nothing partial: what is stored is exactly the committed batches the job counted.
    expect(atKill.profiles).toBe(atKill.job?.inserted);
    expect(atKill.profiles % 1000).toBe(0);
    expect(atKill.profiles).toBeLessThan(rows);

    await api.start();
    let job = await client.profile.importStatus.query({ jobId });
    while (job.status === "queued" || job.status === "running") {
      await sleep(100);
      job = await client.profile.importStatus.query({ jobId });
    }
    expect(job).toMatchObject({ status: "done", processedRows: rows, inserted: rows, failed: 0 });
    // Every row exactly once: the resumed job started after the last committed batch.
    const stored = await client.profile.list.query({ limit: 1, withTotal: true });
    expect(stored.total).toBe(rows);
    const last = await client.profile.get.query({ id: `imp-${rows - 1}` });
    expect(last.profile.traits).toEqual({ row: rows - 1 });
  });

  it("track batches cut by SIGKILL are all-or-nothing; resending them all leaves exact counters", async () => {
    const senders = 4;
    const batchesPerSender = 8;
    const perBatch = 100;
    const profiles = 8;
    const start = Date.UTC(2026, 0, 1);
    const batch = (k: number) => ({
      events: Array.from({ length: perBatch }, (_, j) => ({
        id: `ev-${k}-${j}`,
        profileId: `trk-${(k * perBatch + j) % profiles}`,
        type: "page-view",
        time: new Date(start + k * 1000 + j).toISOString(),
        session: `s-${k}`,
      })),
    });
    const all = Array.from({ length: senders * batchesPerSender }, (_, k) => k);
    const acknowledged = new Set<number>();
    const refusals: unknown[] = [];
    let killed = false;
    const send = async (sender: number) => {
      for (let i = 0; i < batchesPerSender; i++) {
        const k = sender * batchesPerSender + i;
        try {
          await client.profile.track.mutate(batch(k));
          acknowledged.add(k);
        } catch (error) {
          if (!killed) refusals.push(error);
          return; // the process is gone
        }
      }
    };
    let sent = false;
    const sending = Promise.all(Array.from({ length: senders }, (_, s) => send(s))).finally(() => {
      sent = true;
    });
    while (acknowledged.size < 8 && !sent) await sleep(10);
    killed = true;
    await api.kill();
    await sending;
    expect(refusals, "no batch failed before the kill").toEqual([]);
    expect(acknowledged.size, "the kill lands mid-stream").toBeLessThan(all.length);

    const stored = await inspect(store, async (db) =>
      rowsOf<{ k: string; n: number }>(
        await db.execute(sql`select split_part(id, '-', 2) as k, count(*)::int as n
                              from event where id like 'ev-%' group by 1`),
      ),
    );
    const perBatchStored = new Map(stored.map((r) => [Number(r.k), Number(r.n)]));
    for (const k of all) {
      const n = perBatchStored.get(k) ?? 0;
      expect([0, perBatch], `batch ${k} is all or nothing`).toContain(n);
      if (acknowledged.has(k)) expect(n, `acknowledged batch ${k} is kept`).toBe(perBatch);
    }

    // The senders resend everything: acknowledged batches are recognised as duplicates.
    await api.start();
    let duplicates = 0;
    for (const k of all) {
      const result = await client.profile.track.mutate(batch(k));
      expect(result.failed).toBe(0);
      duplicates += result.duplicates;
    }
    const kept = [...perBatchStored.values()].reduce((a, b) => a + b, 0);
    expect(duplicates).toBe(kept);
    const expectedViews = (all.length * perBatch) / profiles;
    for (let p = 0; p < profiles; p++) {
      const view = await client.profile.get.query({ id: `trk-${p}` });
      expect(view.profile.stats.views, `trk-${p} counted every event once`).toBe(expectedViews);
    }
  });
});

/**
 * A TCP relay between the server and PostgreSQL that can go down: cut every connection (what a
 * database restart does to its clients) and refuse new ones until it comes back.
 */
class Relay {
  private server = net.createServer((socket) => this.accept(socket));
  private sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly host: string,
    private readonly upstreamPort: number,
  ) {}

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private accept(socket: net.Socket): void {
    const upstream = net.connect(this.upstreamPort, this.host);
    for (const s of [socket, upstream]) {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
      s.on("error", () => {
        socket.destroy();
        upstream.destroy();
      });
    }
    socket.pipe(upstream).pipe(socket);
  }

  /** Connections reset, and new ones refused (nothing listens) until restore(). */
  async cut(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  restore(): Promise<void> {
    return this.listen(this.port);
  }

  close(): Promise<void> {
    return this.server.listening ? this.cut() : Promise.resolve();
  }
}

// PGlite runs inside the server's own process: there is no connection to lose.
if (testTargets().includes("postgres"))
  describe("the database going away under a running server", () => {
    let testDb: TestDatabase;
    let relay: Relay;
    let served: { db: Database; close(): Promise<void> };
    let server: { url: string; close(): Promise<void> };
    let client: ProfileClient;

    beforeAll(async () => {
      testDb = await createTestDatabase("postgres");
      const direct = new URL(testDb.url ?? "");
      relay = new Relay(direct.hostname, Number(direct.port || 5432));
      await relay.listen();
      const relayed = new URL(direct);
      relayed.hostname = "127.0.0.1";
      relayed.port = String(relay.port);
      served = await openDatabase({ url: relayed.toString() });
      server = await startServer({ db: served.db, port: 0, logger: quiet, readyTimeoutMs: 1000 });
      const { secret } = await createServiceToken(testDb.db, {
        name: "outage",
        scopes: [...permissions],
        createdBy: "faults-test",
      });
      client = createProfileClient({ url: server.url, token: secret, retries: 0 });
    });
    afterAll(async () => {
      await server?.close();
      await served?.close().catch(() => {});
      await relay?.close();
      await testDb?.close();
    });

    it("answers 503 with a clear message while it is gone, and recovers by itself when it is back", async () => {
      await client.profile.create.mutate({ id: "before-outage" });

      await relay.cut();
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "unavailable", reason: "database" });
      expect((await fetch(`${server.url}/health`)).status, "the process itself is alive").toBe(200);
      for (const call of [
        () => client.profile.get.query({ id: "before-outage" }),
        () => client.profile.create.mutate({ id: "during-outage" }),
      ]) {
        await expect(call()).rejects.toMatchObject({
          data: { code: "SERVICE_UNAVAILABLE", httpStatus: 503 },
          message: "The database is unavailable right now; try again shortly.",
        });
      }

      await relay.restore();
      let back = false;
      for (let i = 0; i < 100 && !back; i++) {
        back = (await fetch(`${server.url}/ready`)).status === 200;
        if (!back) await sleep(100);
      }
      expect(back, "ready again without a restart").toBe(true);
      expect((await client.profile.get.query({ id: "before-outage" })).profile.id).toBe(
        "before-outage",
      );
      await client.profile.create.mutate({ id: "after-outage" });
      await expect(client.profile.get.query({ id: "during-outage" })).rejects.toMatchObject({
        data: { code: "NOT_FOUND" },
      });
    });
  });
