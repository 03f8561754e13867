import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedProfiles } from "@cdp/db/seed";
import { createTestDatabase } from "@cdp/db/testing";

import { startServer } from "../src/server";
import { startHarness, testTargets } from "./harness";
import type { Harness } from "./harness";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe.each(testTargets())("the API server on %s", (target) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ target });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("streams a many-page export over the socket, and survives a client hanging up mid-way", async () => {
    await h.reset();
    await seedProfiles(h.db, { count: 650, seed: 3, batch: 650 });
    const token = h.tokens["profiles:read"].secret;
    const whole = await h.fetch("/api/export?format=ndjson", { token });
    expect(whole.status).toBe(200);
    const lines = (await whole.text()).split("\n").filter((line) => line !== "");
    // More than three pages of the export, each its own chunk on the wire.
    expect(lines).toHaveLength(650);
    expect(new Set(lines.map((line) => (JSON.parse(line) as { id: string }).id)).size).toBe(650);

    const aborted = new AbortController();
    const partial = await h.fetch("/api/export?format=ndjson", { token, signal: aborted.signal });
    const reader = partial.body?.getReader();
    expect((await reader?.read())?.done).toBe(false);
    aborted.abort();
    await reader?.cancel().catch(() => {});
    // The server is still whole: the next download is complete.
    const again = await h.fetch("/api/export?format=ndjson", { token });
    expect((await again.text()).split("\n").filter((line) => line !== "")).toHaveLength(650);
    expect((await h.fetch("/ready")).status).toBe(200);
    await h.reset();
  });

  it("answers /health without a token", async () => {
    const res = await h.fetch("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("answers /ready after a round trip to the database", async () => {
    const res = await h.fetch("/ready");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready" });
  });

  it("serves an OpenAPI document listing the profile routes", async () => {
    const res = await h.fetch("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<string, Record<string, { operationId: string }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "/api/v1" }]);
    expect(Object.keys(doc.paths["/profiles"] ?? {}).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/profiles/{id}"] ?? {}).sort()).toEqual([
      "delete",
      "get",
      "patch",
    ]);
    expect(doc.paths["/profiles/{id}"]?.["get"]?.operationId).toBe("profile-get");
    expect(doc.components.securitySchemes).toHaveProperty("Authorization");
    // The request body documents the contract, unknown keys refused.
    expect(JSON.stringify(doc.paths["/profiles"]?.["post"])).toContain("firstname");
  });

  it("echoes a valid x-request-id and replaces an unsafe one", async () => {
    const given = await h.fetch("/health", { headers: { "x-request-id": "billing-sync.42_a" } });
    expect(given.headers.get("x-request-id")).toBe("billing-sync.42_a");

    const unsafe = await h.fetch("/api/trpc/profile.list", {
      headers: { "x-request-id": "evil\tid; drop" },
    });
    expect(unsafe.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const tooLong = await h.fetch("/health", { headers: { "x-request-id": "a".repeat(101) } });
    expect(tooLong.headers.get("x-request-id")).not.toBe("a".repeat(101));

    const none = await h.fetch("/health");
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses a body over 10 MB with 413 on tRPC and REST, and keeps serving", async () => {
    const big = JSON.stringify({ id: "p-big", traits: { blob: "x".repeat(10 * 1024 * 1024) } });
    for (const path of ["/api/trpc/profile.create", "/api/v1/profiles"]) {
      const res = await h.fetch(path, {
        method: "POST",
        token: h.tokens.all.secret,
        headers: { "content-type": "application/json" },
        body: big,
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
    }
    const ok = await h.admin.profile.list.query({ withTotal: true });
    expect(ok.total).toBe(0);
  });

  it("answers what Node's HTTP parser refuses in JSON too: a URL over 16 KB, malformed HTTP", async () => {
    const long = await h.fetch(`/api/v1/profiles/${"x".repeat(20_000)}`, {
      token: h.tokens.all.secret,
    });
    expect(long.status).toBe(431);
    expect(await long.json()).toMatchObject({ error: { code: "REQUEST_HEADER_FIELDS_TOO_LARGE" } });

    const { hostname, port } = new URL(h.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write("NOT HTTP\r\n\r\n"));
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4))).toMatchObject({
      error: { code: "BAD_REQUEST", message: "The request is not valid HTTP." },
    });
    expect((await h.fetch("/health")).status).toBe(200);
  });

  it("answers 404 with JSON for an unknown route", async () => {
    const res = await h.fetch("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it("reports 503 on /ready once the database is gone, while /health stays 200", async () => {
    const database = await createTestDatabase(target);
    const server = await startServer({ db: database.db, port: 0, logger: quiet });
    try {
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
      await database.close();
      const res = await fetch(`${server.url}/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: "unavailable", reason: "database" });
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("stops accepting connections on close, even with idle keep-alive ones open", async () => {
    // A second server on the same database: close() leaves the database to its owner.
    const server = await startServer({ db: h.db, port: 0, logger: quiet });
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    try {
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(`GET /health HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
      await new Promise((resolve) => socket.once("data", resolve));
      const started = Date.now();
      await server.close();
      expect(Date.now() - started).toBeLessThan(5_000);
      await expect(fetch(`${server.url}/health`)).rejects.toThrow();
      expect((await h.fetch("/ready")).status).toBe(200);
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  it("lets an in-flight request finish on close, and cuts one that outlives the deadline", async () => {
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const slow = await startServer({
      db: h.db,
      port: 0,
      logger: quiet,
      resolvePrincipal: async () => {
        arrived();
        await new Promise((resolve) => setTimeout(resolve, 300));
        return null;
      },
    });
    const pending = fetch(`${slow.url}/api/trpc/profile.list`);
    await inFlight;
    await slow.close();
    expect((await pending).status).toBe(401);

    let stuckArrived!: () => void;
    const stuckInFlight = new Promise<void>((resolve) => (stuckArrived = resolve));
    const hung = await startServer({
      db: h.db,
      port: 0,
      logger: quiet,
      shutdownTimeoutMs: 200,
      resolvePrincipal: () => {
        stuckArrived();
        return new Promise(() => {});
      },
    });
    const stuck = fetch(`${hung.url}/api/trpc/profile.list`);
    const outcome = stuck.then(
      () => "answered",
      () => "cut",
    );
    await stuckInFlight;
    const started = Date.now();
    await hung.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await outcome).toBe("cut");
  });
});
