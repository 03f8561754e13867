/**
 * API_WORKERS: the real `src/main.ts` as a cluster of server processes on one port. Which process
 * answered is read from the request log lines (pino stamps each with its pid), as an operator
 * would. PostgreSQL only: the embedded database allows one process, which the last test checks.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfileClient } from "@cdp/client";
import { createServiceToken } from "@cdp/db";
import { createTestDatabase } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import { freePort, testTargets } from "./harness";

const appDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface LogLine {
  pid: number;
  msg: string;
  level: number;
}

/** The API process with its log lines as they arrive. */
function launch(env: Record<string, string>): { child: ChildProcess; lines: LogLine[] } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: appDir,
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      SEGMENT_REFRESH_INTERVAL_MS: "0",
      API_RATE_LIMIT_PER_SECOND: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: LogLine[] = [];
  let rest = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const text = rest + chunk.toString("utf8");
    const parts = text.split("\n");
    rest = parts.pop() ?? "";
    for (const part of parts) {
      if (part.trim() !== "") lines.push(JSON.parse(part) as LogLine);
    }
  });
  return { child, lines };
}

async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await done()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

if (testTargets().includes("postgres"))
  describe("API_WORKERS=2: two server processes on one port", () => {
    let testDb: TestDatabase;
    let api: { child: ChildProcess; lines: LogLine[] };
    let url: string;
    let client: ReturnType<typeof createProfileClient>;
    const pidsOf = (msg: string) =>
      new Set(api.lines.filter((line) => line.msg === msg).map((line) => line.pid));

    beforeAll(async () => {
      testDb = await createTestDatabase("postgres");
      url = `http://127.0.0.1:${await freePort()}`;
      api = launch({
        DATABASE_URL: testDb.url ?? "",
        API_WORKERS: "2",
        PORT: new URL(url).port,
      });
      await until("two listening workers", () => pidsOf("profile API listening").size === 2);
    });

    afterAll(async () => {
      if (api.child.exitCode === null) api.child.kill("SIGKILL");
      await testDb?.close();
    });

    it("shares the calls between both, which see the same data", async () => {
      const { secret } = await createServiceToken(testDb.db, {
        name: "workers",
        scopes: ["profiles:read", "profiles:write"],
        createdBy: "test",
      });
      client = createProfileClient({ url, token: secret, retries: 2 });
      await client.profile.create.mutate({ id: "p-cluster", traits: { plan: "pro" } });
      // Concurrent calls open several connections, which the primary deals out round-robin.
      const reads = await Promise.all(
        Array.from({ length: 40 }, () => client.profile.get.query({ id: "p-cluster" })),
      );
      expect(reads.every((read) => read.profile.traits["plan"] === "pro")).toBe(true);
      expect(pidsOf("request").size).toBe(2);
    });

    it("replaces a worker that dies, and keeps answering meanwhile", async () => {
      const [victim] = [...pidsOf("profile API listening")];
      if (victim === undefined) throw new Error("no worker pid in the log");
      process.kill(victim, "SIGKILL");
      await until("the worker to die", () => !alive(victim));
      // A kept-alive connection to the dead worker breaks; the client's retry of a read lands on
      // the other one.
      const reads = await Promise.all(
        Array.from({ length: 20 }, () => client.profile.get.query({ id: "p-cluster" })),
      );
      expect(reads.every((read) => read.profile.id === "p-cluster")).toBe(true);
      await until("a replacement worker", () => pidsOf("profile API listening").size === 3);
      expect(api.lines.some((line) => line.msg === "worker died; replacing it")).toBe(true);
    });

    it("stops every worker cleanly on SIGTERM", async () => {
      const workers = [...pidsOf("profile API listening")].filter(alive);
      expect(workers).toHaveLength(2);
      const exited = new Promise<number | null>((resolve) => api.child.once("exit", resolve));
      api.child.kill("SIGTERM");
      expect(await exited).toBe(0);
      await until("the workers to exit", () => workers.every((pid) => !alive(pid)));
      expect(pidsOf("stopped")).toEqual(new Set(workers));
    });

    it("refuses to start a cluster on the embedded database, saying why", async () => {
      const refused = launch({ DATABASE_URL: "", API_WORKERS: "2", PORT: "0" });
      const code = await new Promise<number | null>((resolve) =>
        refused.child.once("exit", resolve),
      );
      expect(code).toBe(1);
      const fatal = refused.lines.find((line) => line.level === 60) as
        (LogLine & { err?: { message?: string } }) | undefined;
      expect(fatal?.err?.message).toContain("API_WORKERS=2 needs DATABASE_URL");
    });
  });
