import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import { createServiceToken, findServiceTokenBySecret, revokeServiceToken } from "./service-token";

describe.each(testTargets())("service token lookups on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t?.close();
  });

  const issue = (expiresAt: string | null = null) =>
    createServiceToken(t.db, {
      name: "svc",
      scopes: ["profiles:read"],
      createdBy: "test",
      expiresAt,
    });

  it("refuses a remembered token as soon as it is revoked", async () => {
    const { token, secret } = await issue();
    expect((await findServiceTokenBySecret(t.db, secret))?.id).toBe(token.id);
    // Revoked inside a transaction, as the API does: its handle is not the lookups' handle.
    await t.db.transaction((tx) => revokeServiceToken(tx, token.id));
    expect(await findServiceTokenBySecret(t.db, secret)).toBeNull();
  });

  it("refuses a remembered token once it expires", async () => {
    const { token, secret } = await issue(new Date(Date.now() + 300).toISOString());
    expect((await findServiceTokenBySecret(t.db, secret))?.id).toBe(token.id);
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Still within the memory's lifetime (TOKEN_CACHE_MS): the expiry is checked on use too.
    expect(await findServiceTokenBySecret(t.db, secret)).toBeNull();
  });
});
