import { describe, expect, it } from "vitest";

import { createCallLimiter } from "./rate-limit";
import type { Principal } from "./authz";

const service = (id: string): Principal => ({ kind: "service", id, name: id, scopes: [] });
const staff: Principal = { kind: "staff", id: "u1", name: "Staff", role: "admin" };

describe("per-token call limits", () => {
  it("admits a token's calls up to the limit, refuses the next with a wait, and admits again after the window", async () => {
    const limit = createCallLimiter({ calls: 3, perSeconds: 1 });
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push(await limit(service("t1")));
    expect(verdicts.slice(0, 3)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(verdicts[3]).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(await limit(service("t2")), "another token has its own count").toEqual({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 1050));
    expect(await limit(service("t1"))).toEqual({ ok: true });
  });

  it("never limits staff sessions", async () => {
    const limit = createCallLimiter({ calls: 1, perSeconds: 60 });
    for (let i = 0; i < 5; i++) expect(await limit(staff)).toEqual({ ok: true });
  });
});
