import { Writable } from "node:stream";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACCESS_DENIED, createLogger } from "@cdp/api";
import { schema } from "@cdp/db";

import { startHarness, testTargets } from "./harness";
import type { Harness } from "./harness";

/** Every line the server logged, as written (pino JSON). */
class CapturedLog extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join("\n");
  }
}

// A minute-long window: the test's flood lands in one window however slow the machine is.
const LIMIT = 20;

describe.each(testTargets())("API security on %s", (target) => {
  let h: Harness;
  const log = new CapturedLog();

  beforeAll(async () => {
    h = await startHarness({
      target,
      server: {
        logger: createLogger({ level: "info", destination: log }),
        rateLimit: { calls: LIMIT, perSeconds: 60 },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    await h.reset();
  });

  it("limits calls per token, tRPC and REST together, with 429 and Retry-After; other tokens go on", async () => {
    const { token } = await h.clientFor(["profiles:read"]);
    const list = () =>
      h.fetch(`/api/trpc/profile.list?input=${encodeURIComponent(JSON.stringify({ limit: 1 }))}`, {
        token: token.secret,
      });
    const rest = () => h.fetch("/api/v1/profiles?limit=1", { token: token.secret });
    const answers = await Promise.all(
      Array.from({ length: LIMIT * 2 }, (_, i) => (i % 2 === 0 ? list() : rest())),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    const limited = answers.filter((r) => r.status === 429);
    expect(limited).toHaveLength(LIMIT);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    const body = (await limited[0]?.json()) as { error?: { message?: string }; message?: string };
    expect(JSON.stringify(body)).toMatch(/over its call limit; try again in \d+ s/);
    for (const r of limited) expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);

    // Another token is not slowed by the first one's flood.
    const other = await h.fetch(
      `/api/trpc/profile.list?input=${encodeURIComponent(JSON.stringify({ limit: 1 }))}`,
      { token: h.tokens["profiles:read"].secret },
    );
    expect(other.status).toBe(200);
  });

  it("audits a call refused for a missing permission, naming the caller and the procedure", async () => {
    const { client, token } = await h.clientFor(["profiles:read"]);
    await expect(client.profile.create.mutate({ id: "p-refused" })).rejects.toMatchObject({
      data: { code: "FORBIDDEN" },
    });
    const rows = await h.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.action, ACCESS_DENIED));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorType: "service",
      actorId: token.id,
      entity: "procedure",
      entityId: "profile.create",
      reason: 'needs the "profiles:write" permission',
    });
    expect(rows[0]?.requestId).toBeTruthy();
    // Nothing else was written: the profile does not exist.
    expect(await h.db.select().from(schema.profile)).toHaveLength(0);
  });

  it("never logs a token, a password-like secret or a person's data, while logging every request by id", async () => {
    log.lines.length = 0;
    const email = "very.private.person@example.org";
    const phone = "+44 7700 900 123";
    const created = await h.admin.profile.create.mutate({
      id: "p-private",
      data: {
        pii: { firstname: "Ada Private" },
        contact: { email: { main: email }, phone: { main: phone } },
      },
    });
    expect(created.profile.id).toBe("p-private");
    const issued = await h.admin.token.create.mutate({
      name: "log check",
      scopes: ["profiles:read"],
      expiresInDays: 1,
    });
    // Refusals of every kind, each carrying personal data or a secret in what it sent.
    const bogus = "cdp_this-is-not-a-real-token-but-looks-like-one";
    const requestIds = ["req-bad-token", "req-bad-input", "req-unknown-key", "req-forbidden"];
    await h.fetch(
      "/api/trpc/profile.get?input=" + encodeURIComponent(JSON.stringify({ id: "p-private" })),
      {
        token: bogus,
        headers: { "x-request-id": requestIds[0] ?? "" },
      },
    );
    await h.fetch("/api/trpc/profile.create", {
      method: "POST",
      token: h.tokens.all.secret,
      headers: { "content-type": "application/json", "x-request-id": requestIds[1] ?? "" },
      body: JSON.stringify({ id: "p-bad", data: { pii: { birthday: `not a date ${email}` } } }),
    });
    await h.fetch(`/api/v1/profiles/${encodeURIComponent(`email:${email}`)}/nope`, {
      token: h.tokens.all.secret,
      headers: { "x-request-id": requestIds[2] ?? "" },
    });
    await h.fetch("/api/trpc/token.create", {
      method: "POST",
      token: issued.secret,
      headers: { "content-type": "application/json", "x-request-id": requestIds[3] ?? "" },
      body: JSON.stringify({ name: "escalate", scopes: ["admin"], expiresInDays: 1 }),
    });

    const text = log.text;
    for (const secret of [h.tokens.all.secret, issued.secret, bogus])
      expect(text).not.toContain(secret);
    for (const value of [email, phone, "Ada Private", "Bearer"]) expect(text).not.toContain(value);
    // The log is there and useful: one JSON entry per request, findable by its id.
    const entries = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const id of requestIds) {
      expect(entries.some((e) => e.requestId === id && e.msg === "request")).toBe(true);
    }
    expect(entries.some((e) => e.requestId === requestIds[3] && e.code === "FORBIDDEN")).toBe(true);
  });

  it("sends security headers on every answer", async () => {
    for (const path of ["/health", "/api/trpc/profile.list", "/nope"]) {
      const res = await h.fetch(path, { token: h.tokens.all.secret });
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("content-security-policy"), path).toContain("default-src 'none'");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("cache-control"), path).toBe("no-store");
    }
  });
});
