import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { permissions } from "@cdp/api";
import type { Permission } from "@cdp/api";

import { jane } from "./fixtures";
import { startHarness, testTargets } from "./harness";
import type { Harness } from "./harness";

/**
 * One procedure per permission, with the permission the design gives it and a valid input (the
 * full procedure × caller matrix runs in-process in packages/api/src/access-matrix.test.ts).
 */
const representatives: {
  path: string;
  needs: Permission;
  method: "GET" | "POST";
  input?: unknown;
}[] = [
  { path: "profile.get", needs: "profiles:read", method: "GET", input: { id: jane.id } },
  {
    path: "profile.update",
    needs: "profiles:write",
    method: "POST",
    input: { id: jane.id, version: 1, patch: { traits: { plan: "silver" } } },
  },
  {
    path: "consent.grant",
    needs: "consents:write",
    method: "POST",
    input: { profileId: jane.id, typeId: "marketing", legalBasis: "consent" },
  },
  { path: "privacy.export", needs: "privacy", method: "POST", input: { profileId: jane.id } },
  { path: "segment.list", needs: "segments:read", method: "GET" },
  { path: "token.list", needs: "admin", method: "GET" },
];

describe.each(testTargets())("access over HTTP on %s", (target) => {
  let h: Harness;

  /** Calls a procedure over raw HTTP; returns the status and the tRPC error code, if any. */
  async function call(path: string, method: "GET" | "POST", input: unknown, token: string | null) {
    const query =
      method === "GET" && input !== undefined
        ? `?input=${encodeURIComponent(JSON.stringify(input))}`
        : "";
    const res = await h.fetch(`/api/trpc/${path}${query}`, {
      token,
      method,
      ...(method === "POST"
        ? { headers: { "content-type": "application/json" }, body: JSON.stringify(input ?? null) }
        : {}),
    });
    const body = (await res.json()) as { error?: { data?: { code?: string } } };
    return { status: res.status, code: body.error?.data?.code ?? null };
  }

  beforeAll(async () => {
    h = await startHarness({ target });
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    await h.reset();
    await h.admin.profile.create.mutate(jane);
    await h.admin.consent.types.create.mutate({
      id: "marketing",
      name: "Marketing",
      purpose: "marketing",
    });
  });

  it.each(representatives)(
    "$path: 401 without a token, 403 with every scope but $needs, 200 with $needs alone",
    async ({ path, needs, method, input }) => {
      const { token: lacking } = await h.clientFor(
        permissions.filter((p) => p !== needs && p !== "admin"),
      );
      expect(await call(path, method, input, null)).toEqual({ status: 401, code: "UNAUTHORIZED" });
      expect(await call(path, method, input, lacking.secret)).toEqual({
        status: 403,
        code: "FORBIDDEN",
      });
      expect(await call(path, method, input, h.tokens[needs].secret)).toEqual({
        status: 200,
        code: null,
      });
    },
  );
});
