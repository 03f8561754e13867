import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { appRouter } from "@cdp/api";
import { listAudit, requireProfile, revokeServiceToken, rowsOf } from "@cdp/db";

import { jane } from "./fixtures";
import { startHarness, testTargets } from "./harness";
import type { Harness } from "./harness";

/** Every procedure of the router, with how tRPC expects it over HTTP. */
const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
)
  .map(([path, p]) => ({ path, type: p._def.type }))
  .filter((p) => p.type !== "subscription");

/** Calls a procedure over raw HTTP with a throwaway input; returns the status and error code. */
async function call(h: Harness, path: string, type: string, token: string | null) {
  const input = encodeURIComponent(JSON.stringify({ id: "p-jane" }));
  const res =
    type === "query"
      ? await h.fetch(`/api/trpc/${path}?input=${input}`, { token })
      : await h.fetch(`/api/trpc/${path}`, {
          token,
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ id: "p-jane", version: 1, patch: { traits: { x: 1 } } }),
        });
  const body = (await res.json()) as { error?: { data?: { code?: string } } };
  return { status: res.status, code: body.error?.data?.code };
}

async function failure(promise: Promise<unknown>): Promise<{ data?: { code?: string } }> {
  try {
    await promise;
  } catch (err) {
    return err as { data?: { code?: string } };
  }
  throw new Error("expected the call to fail");
}

describe.each(testTargets())("authentication and authorization over HTTP on %s", (target) => {
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

  it("knows the procedures it checks", () => {
    expect(procedures.map((p) => p.path)).toEqual(
      expect.arrayContaining(["profile.get", "profile.update", "token.create"]),
    );
  });

  it("refuses every procedure without a token (401) and with an unknown one", async () => {
    for (const { path, type } of procedures) {
      expect({ path, ...(await call(h, path, type, null)) }).toEqual({
        path,
        status: 401,
        code: "UNAUTHORIZED",
      });
      expect({ path, ...(await call(h, path, type, "cdp_not-a-real-token")) }).toMatchObject({
        status: 401,
      });
    }
  });

  it("refuses every procedure with a revoked or an expired token (401)", async () => {
    const revoked = await h.clientFor(["admin"]);
    await revokeServiceToken(h.db, revoked.token.id);
    const expired = await h.clientFor(["admin"], {
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
    for (const { path, type } of procedures) {
      for (const token of [revoked.token, expired.token]) {
        expect({ path, ...(await call(h, path, type, token.secret)) }).toEqual({
          path,
          status: 401,
          code: "UNAUTHORIZED",
        });
      }
    }
    expect((await failure(revoked.client.profile.get.query({ id: "p-jane" }))).data?.code).toBe(
      "UNAUTHORIZED",
    );
  });

  it("refuses every procedure to a token without the permission it needs (403)", async () => {
    const { token } = await h.clientFor([]);
    for (const { path, type } of procedures) {
      expect({ path, ...(await call(h, path, type, token.secret)) }).toEqual({
        path,
        status: 403,
        code: "FORBIDDEN",
      });
    }
  });

  it("keeps profile writes from read-only tokens and leaves the row unchanged", async () => {
    const before = await requireProfile(h.db, "p-jane");
    const reader = h.client("profiles:read");
    const attempts = [
      reader.profile.update.mutate({ id: "p-jane", version: 1, patch: { traits: { x: 1 } } }),
      reader.profile.delete.mutate({ id: "p-jane" }),
      reader.profile.create.mutate({ id: "p-new" }),
      h.client("profiles:pii").profile.update.mutate({
        id: "p-jane",
        version: 1,
        patch: { traits: { x: 1 } },
      }),
    ];
    // Handlers attach at once: a rejection must never sit unobserved while another is awaited.
    const refusals = await Promise.all(attempts.map((attempt) => failure(attempt)));
    for (const refusal of refusals) expect(refusal.data?.code).toBe("FORBIDDEN");
    expect(
      (await failure(h.client("profiles:write").profile.get.query({ id: "p-jane" }))).data?.code,
    ).toBe("FORBIDDEN");
    expect(await requireProfile(h.db, "p-jane")).toEqual(before);
    expect(await h.admin.profile.list.query({ withTotal: true })).toMatchObject({ total: 1 });
  });

  describe("tokens", () => {
    it("are managed by admins only", async () => {
      const writer = h.client("profiles:write");
      expect((await failure(writer.token.list.query())).data?.code).toBe("FORBIDDEN");
      expect(
        (await failure(writer.token.create.mutate({ name: "x", scopes: ["profiles:read"] }))).data
          ?.code,
      ).toBe("FORBIDDEN");
      expect(
        (await failure(writer.token.revoke.mutate({ id: h.tokens["profiles:read"].id }))).data
          ?.code,
      ).toBe("FORBIDDEN");
      expect(await h.client("profiles:read").profile.get.query({ id: "p-jane" })).toBeTruthy();
    });

    it("show the secret once, store only its hash, and stop working once revoked", async () => {
      const created = await h.client("admin").token.create.mutate({
        name: "billing sync",
        scopes: ["profiles:read", "profiles:read"],
        expiresInDays: 30,
      });
      expect(created.secret).toMatch(/^cdp_/);
      expect(created.token.scopes).toEqual(["profiles:read"]);
      expect(created.token).not.toHaveProperty("secretHash");

      const listed = await h.admin.token.list.query();
      const mine = listed.find((t) => t.id === created.token.id);
      expect(mine).toMatchObject({ name: "billing sync", prefix: created.secret.slice(0, 12) });
      expect(JSON.stringify(listed)).not.toContain(created.secret);

      const rows = rowsOf<{ secret_hash: string }>(
        await h.db.execute(
          sql`select secret_hash from service_token where id = ${created.token.id}`,
        ),
      );
      expect(rows[0]?.secret_hash).toBe(createHash("sha256").update(created.secret).digest("hex"));
      const anywhere = rowsOf<{ n: number }>(
        await h.db.execute(
          sql`select count(*)::int as n from service_token t where t::text like ${`%${created.secret}%`}`,
        ),
      );
      expect(anywhere[0]?.n).toBe(0);

      const service = h.clientWithToken(created.secret);
      expect((await service.profile.get.query({ id: "p-jane" })).profile.id).toBe("p-jane");
      await h.admin.token.revoke.mutate({ id: created.token.id });
      const audited = await listAudit(h.db, { entity: "service_token", entityId: created.token.id });
      expect(audited.items.map((a) => a.action)).toEqual(["token.revoke", "token.create"]);
      expect(JSON.stringify(audited)).not.toContain(created.secret);
      expect((await failure(service.profile.get.query({ id: "p-jane" }))).data?.code).toBe(
        "UNAUTHORIZED",
      );
    });
  });
});
