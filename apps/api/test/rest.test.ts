import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fieldErrors } from "@cdp/client";

import { jane, janePii, person } from "./fixtures";
import { startHarness, testTargets } from "./harness";
import type { Harness } from "./harness";

interface RestError {
  code: string;
  message: string;
  data: { fieldErrors: { path: string; message: string }[] | null; details: unknown };
}

describe.each(testTargets())("REST routes under /api/v1 on %s", (target) => {
  let h: Harness;

  const rest = async (
    method: string,
    path: string,
    options: { body?: unknown; token?: string | null } = {},
  ) => {
    const { body, token = h.tokens.all.secret } = options;
    const res = await h.fetch(`/api/v1${path}`, {
      method,
      token,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    h = await startHarness({ target });
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    await h.reset();
  });

  it("creates, reads by any identifier, patches and deletes a profile", async () => {
    const created = await rest("POST", "/profiles", { body: jane });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ version: 1, masked: [] });

    for (const key of [
      "p-jane",
      "email:janina.k@example.com",
      encodeURIComponent("email:janina.k@example.com"),
    ]) {
      const got = await rest("GET", `/profiles/${key}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ profile: { id: "p-jane" }, version: 1 });
    }

    const patched = await rest("PATCH", "/profiles/p-jane", {
      body: { version: 1, patch: { traits: { plan: null, vip: true } } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ version: 2, changed: ["traits.plan", "traits.vip"] });
    expect((patched.body["profile"] as { traits: unknown }).traits).toEqual({ vip: true });

    const deleted = await rest("DELETE", "/profiles/p-jane?reason=test");
    expect(deleted).toEqual({ status: 200, body: { id: "p-jane", deleted: true } });
    expect((await rest("GET", "/profiles/p-jane")).status).toBe(404);
  });

  it("lists with search, sort, limit, cursor and total from the query string", async () => {
    for (const p of [
      person("p1", "Anna", "Nowak", 5),
      person("p2", "Olek", "Nowak", 2),
      person("p3", "Ewa", "Lis", 1),
    ]) {
      await rest("POST", "/profiles", { body: p });
    }
    const first = await rest(
      "GET",
      "/profiles?search=nowak&sort=visits&order=asc&limit=1&withTotal=true",
    );
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 2 });
    const items = first.body["items"] as { profile: { id: string } }[];
    expect(items.map((i) => i.profile.id)).toEqual(["p2"]);

    const cursor = encodeURIComponent(first.body["nextCursor"] as string);
    const second = await rest(
      "GET",
      `/profiles?search=nowak&sort=visits&order=asc&limit=1&cursor=${cursor}`,
    );
    expect(
      (second.body["items"] as { profile: { id: string } }[]).map((i) => i.profile.id),
    ).toEqual(["p1"]);
  });

  it("masks PII for a token without profiles:pii", async () => {
    await rest("POST", "/profiles", { body: jane });
    const got = await rest("GET", "/profiles/p-jane", { token: h.tokens["profiles:read"].secret });
    expect(got.status).toBe(200);
    for (const value of janePii) expect(JSON.stringify(got.body)).not.toContain(value);
  });

  it("answers with tRPC's codes as HTTP statuses and field errors in data", async () => {
    expect((await rest("GET", "/profiles/p-jane", { token: null })).status).toBe(401);
    expect(
      (
        await rest("POST", "/profiles", {
          body: { id: "x" },
          token: h.tokens["profiles:read"].secret,
        })
      ).status,
    ).toBe(403);

    const invalid = await rest("POST", "/profiles", {
      body: { id: "p-x", data: { pii: { nick: "JJ", birthday: "soon" } } },
    });
    expect(invalid.status).toBe(400);
    const error = invalid.body as unknown as RestError;
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.data.fieldErrors?.map((e) => e.path).sort()).toEqual([
      "data.pii.birthday",
      "data.pii.nick",
    ]);

    await rest("POST", "/profiles", { body: jane });
    await rest("PATCH", "/profiles/p-jane", { body: { version: 1, patch: { traits: { a: 1 } } } });
    const stale = await rest("PATCH", "/profiles/p-jane", {
      body: { version: 1, patch: { traits: { a: 2 } } },
    });
    expect(stale.status).toBe(409);
    expect((stale.body as unknown as RestError).data.details).toMatchObject({ currentVersion: 2 });

    const res = await h.fetch("/api/v1/profiles", {
      method: "POST",
      token: h.tokens.all.secret,
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
  });

  it("keeps the contract strict for tRPC after REST writes (no coercion leaks)", async () => {
    await rest("POST", "/profiles", { body: person("p1", "Anna", "Nowak", 1) });
    await rest("PATCH", "/profiles/p1", { body: { version: 1, patch: { stats: { views: 2 } } } });
    for (const input of [
      { id: "p2", stats: { visits: "5" } },
      { id: "p2", active: "false" },
      { id: "p2", stats: { visits: null } },
    ]) {
      let err: unknown;
      await h.admin.profile.create.mutate(input as never).catch((e: unknown) => (err = e));
      expect(fieldErrors(err).length).toBeGreaterThan(0);
    }
    // Over REST too: JSON bodies carry types, so a string is not a number there either.
    const res = await rest("POST", "/profiles", { body: { id: "p2", active: "false" } });
    expect(res.status).toBe(400);
  });
});
