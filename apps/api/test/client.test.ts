import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProfileClient, errorCode, isConflict, isTimeout } from "@cdp/client";

import { jane } from "./fixtures";
import { startHarness, testTargets } from "./harness";
import type { Harness } from "./harness";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A proxy in front of the API that answers 503 to the first `failures` requests, recording what
 * reached it.
 */
async function flakyProxy(target: string, failures: number) {
  const seen: { method: string; path: string; requestId: string | undefined }[] = [];
  const proxy = await listen((req, res) => {
    seen.push({
      method: req.method ?? "",
      path: req.url ?? "",
      requestId: req.headers["x-request-id"] as string | undefined,
    });
    if (seen.length <= failures) {
      req.resume();
      res.writeHead(503, { "content-type": "text/plain" }).end("upstream restarting");
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string" && k !== "host" && k !== "connection") headers.set(k, v);
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${req.url}`, { method: req.method, headers, body })
        .then(async (upstream) => {
          res.writeHead(upstream.status, { "content-type": "application/json" });
          res.end(Buffer.from(await upstream.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  return { ...proxy, seen };
}

describe.each(testTargets())("the typed client on %s", (target) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ target });
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    await h.reset();
    await h.admin.profile.create.mutate(jane);
  });

  it("retries a query after 503s, keeping its request id", async () => {
    const proxy = await flakyProxy(h.url, 2);
    try {
      const client = createProfileClient({
        url: proxy.url,
        token: h.tokens.all.secret,
        retries: 2,
        retryDelayMs: 10,
      });
      const view = await client.profile.get.query({ id: "p-jane" });
      expect(view.profile.id).toBe("p-jane");
      expect(proxy.seen).toHaveLength(3);
      const ids = new Set(proxy.seen.map((s) => s.requestId));
      expect(ids.size).toBe(1);
      expect([...ids][0]).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await stop(proxy.server);
    }
  });

  it("gives up on a query after its retries", async () => {
    const proxy = await flakyProxy(h.url, 10);
    try {
      const client = createProfileClient({
        url: proxy.url,
        token: h.tokens.all.secret,
        retries: 1,
        retryDelayMs: 10,
      });
      await expect(client.profile.get.query({ id: "p-jane" })).rejects.toThrow();
      expect(proxy.seen).toHaveLength(2);
    } finally {
      await stop(proxy.server);
    }
  });

  it("never retries a mutation", async () => {
    const proxy = await flakyProxy(h.url, 1);
    try {
      const client = createProfileClient({
        url: proxy.url,
        token: h.tokens.all.secret,
        retries: 3,
        retryDelayMs: 10,
      });
      await expect(
        client.profile.update.mutate({ id: "p-jane", version: 1, patch: { traits: { a: 1 } } }),
      ).rejects.toThrow();
      expect(proxy.seen.map((s) => s.method)).toEqual(["POST"]);
      expect((await h.admin.profile.get.query({ id: "p-jane" })).version).toBe(1);
    } finally {
      await stop(proxy.server);
    }
  });

  it("retries a query when the connection fails, through a custom fetch", async () => {
    let calls = 0;
    const client = createProfileClient({
      url: h.url,
      token: h.tokens.all.secret,
      retries: 2,
      retryDelayMs: 10,
      fetch: (input, init) => {
        calls += 1;
        if (calls === 1) return Promise.reject(new TypeError("fetch failed"));
        return fetch(input, init);
      },
    });
    expect((await client.profile.get.query({ id: "p-jane" })).profile.id).toBe("p-jane");
    expect(calls).toBe(2);
  });

  it("times out on a server that never answers", async () => {
    const hanging = await listen(() => {});
    try {
      const client = createProfileClient({
        url: hanging.url,
        token: h.tokens.all.secret,
        timeoutMs: 300,
        retries: 0,
      });
      const started = Date.now();
      const err = await client.profile.get.query({ id: "p-jane" }).catch((e: unknown) => e);
      expect(isTimeout(err)).toBe(true);
      expect((err as Error).message).toMatch(/did not answer within 300 ms/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await stop(hanging.server);
    }
  });

  it("sends a fresh request id with every call", async () => {
    const proxy = await flakyProxy(h.url, 0);
    try {
      const client = createProfileClient({ url: proxy.url, token: h.tokens.all.secret });
      await client.profile.get.query({ id: "p-jane" });
      await client.profile.get.query({ id: "p-jane" });
      expect(new Set(proxy.seen.map((s) => s.requestId)).size).toBe(2);
    } finally {
      await stop(proxy.server);
    }
  });

  it("tells conflicts and other errors apart", async () => {
    const client = h.client("profiles:write");
    const reader = h.client("profiles:read");
    const stale = await client.profile.update
      .mutate({ id: "p-jane", version: 7, patch: { traits: { a: 1 } } })
      .catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    const forbidden = await reader.profile.delete.mutate({ id: "p-jane" }).catch((e: unknown) => e);
    expect(isConflict(forbidden)).toBe(false);
    expect(errorCode(forbidden)).toBe("FORBIDDEN");
    expect(isConflict(new Error("CONFLICT"))).toBe(false);
  });
});
