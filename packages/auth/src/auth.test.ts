import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { schema } from "@cdp/db";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import { createAuth } from "./auth";
import type { Auth } from "./auth";
import {
  createStaffUser,
  DEMO_ADMIN,
  ensureDemoAdmin,
  listStaffUsers,
  setStaffBanned,
  setStaffRole,
  staffFromHeaders,
} from "./staff";

const BASE = "http://localhost:3999";

async function signIn(auth: Auth, email: string, password: string, ip = "10.0.0.1") {
  return auth.handler(
    new Request(`${BASE}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: BASE, "x-forwarded-for": ip },
      body: JSON.stringify({ email, password }),
    }),
  );
}

function cookieOf(response: Response): Headers {
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return new Headers({ cookie });
}

describe.each(testTargets())("staff auth on %s", (target) => {
  let t: TestDatabase;
  let auth: Auth;
  beforeAll(async () => {
    t = await createTestDatabase(target);
    auth = createAuth({ db: t.db, baseURL: BASE, signInPerMinute: 3, failuresPerAccount: 4 });
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
  });

  it("signs a staff member in with email and password and resolves their role", async () => {
    await createStaffUser(auth, {
      email: "Eve@Example.com",
      password: "correct horse battery",
      name: "Eve",
      role: "editor",
    });
    const response = await signIn(auth, "eve@example.com", "correct horse battery");
    expect(response.status).toBe(200);
    const staff = await staffFromHeaders(auth, cookieOf(response));
    expect(staff).toMatchObject({ email: "eve@example.com", role: "editor" });
  });

  it("sets the session cookie HttpOnly and SameSite=Lax, and Secure with the __Secure- prefix behind https", async () => {
    await createStaffUser(auth, {
      email: "c@example.com",
      password: "correct horse battery",
      name: "C",
      role: "viewer",
    });
    const flags = (response: Response) => {
      const session = response.headers.getSetCookie().find((c) => c.includes("session_token="));
      return session?.split(";").map((part) => part.trim()) ?? [];
    };
    const plain = flags(await signIn(auth, "c@example.com", "correct horse battery"));
    expect(plain[0]).toMatch(/^better-auth\.session_token=/);
    expect(plain).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Lax", "Path=/"]));
    expect(plain).not.toContain("Secure");

    const HTTPS = "https://console.example.com";
    const secureAuth = createAuth({ db: t.db, baseURL: HTTPS });
    const response = await secureAuth.handler(
      new Request(`${HTTPS}/api/auth/sign-in/email`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          origin: HTTPS,
          "x-forwarded-for": "10.0.0.9",
        },
        body: JSON.stringify({ email: "c@example.com", password: "correct horse battery" }),
      }),
    );
    expect(response.status).toBe(200);
    const secure = flags(response);
    expect(secure[0]).toMatch(/^__Secure-better-auth\.session_token=/);
    expect(secure).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Lax", "Secure"]));
  });

  it("refuses a sign-in posted from another origin", async () => {
    await createStaffUser(auth, {
      email: "d@example.com",
      password: "correct horse battery",
      name: "D",
      role: "viewer",
    });
    const response = await auth.handler(
      new Request(`${BASE}/api/auth/sign-in/email`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          origin: "http://attacker.test",
          cookie: "better-auth.session_token=anything",
          "x-forwarded-for": "10.0.0.8",
        },
        body: JSON.stringify({ email: "d@example.com", password: "correct horse battery" }),
      }),
    );
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("refuses a wrong password without saying which part was wrong", async () => {
    await createStaffUser(auth, {
      email: "a@example.com",
      password: "correct horse battery",
      name: "A",
      role: "viewer",
    });
    const response = await signIn(auth, "a@example.com", "wrong password!!", "10.0.0.2");
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain("correct horse");
  });

  it("throttles repeated sign-in attempts from one address", async () => {
    await createStaffUser(auth, {
      email: "b@example.com",
      password: "correct horse battery",
      name: "B",
      role: "viewer",
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await signIn(auth, "b@example.com", "guess-number-" + i, "10.0.0.3")).status);
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    // Another address is not affected.
    expect((await signIn(auth, "b@example.com", "correct horse battery", "10.0.0.4")).status).toBe(
      200,
    );
  });

  it("pauses an account after repeated failures, whatever address each attempt claims", async () => {
    await createStaffUser(auth, {
      email: "c@example.com",
      password: "correct horse battery",
      name: "C",
      role: "viewer",
    });
    await createStaffUser(auth, {
      email: "d@example.com",
      password: "correct horse battery",
      name: "D",
      role: "viewer",
    });
    // A new X-Forwarded-For every time keeps each address under its own limit.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await signIn(auth, "C@Example.com", "guess-number-" + i, `10.1.0.${i}`)).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    // Even the right password waits, and says for how long.
    const paused = await signIn(auth, "c@example.com", "correct horse battery", "10.1.1.1");
    expect(paused.status).toBe(429);
    expect(Number(paused.headers.get("x-retry-after"))).toBeGreaterThan(800);
    // Other accounts are not affected.
    expect((await signIn(auth, "d@example.com", "correct horse battery", "10.1.1.2")).status).toBe(
      200,
    );
    // The table keeps a hash of the account, not its address.
    const keys = await t.db.select({ key: schema.rateLimit.key }).from(schema.rateLimit);
    expect(keys.map((k) => k.key).join(" ")).not.toContain("example.com");
  });

  it("forgets an account's failures once it signs in", async () => {
    await createStaffUser(auth, {
      email: "e@example.com",
      password: "correct horse battery",
      name: "E",
      role: "viewer",
    });
    for (let i = 0; i < 3; i++) {
      expect((await signIn(auth, "e@example.com", "guess-" + i, `10.2.0.${i}`)).status).toBe(401);
    }
    expect((await signIn(auth, "e@example.com", "correct horse battery", "10.2.1.0")).status).toBe(
      200,
    );
    for (let i = 0; i < 3; i++) {
      expect((await signIn(auth, "e@example.com", "guess-again-" + i, `10.2.2.${i}`)).status).toBe(
        401,
      );
    }
  });

  it("has no public sign-up", async () => {
    const response = await auth.handler(
      new Request(`${BASE}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: BASE },
        body: JSON.stringify({ email: "x@example.com", password: "long enough pw", name: "X" }),
      }),
    );
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(await listStaffUsers(t.db)).toHaveLength(0);
  });

  it("creates the demo admin only on an empty install", async () => {
    expect(await ensureDemoAdmin(auth, t.db)).toMatchObject({
      email: DEMO_ADMIN.email,
      role: "admin",
    });
    expect(await ensureDemoAdmin(auth, t.db)).toBeNull();
    expect(await listStaffUsers(t.db)).toHaveLength(1);
  });

  it("changes roles and disables accounts, ending their sessions", async () => {
    const u = await createStaffUser(auth, {
      email: "c@example.com",
      password: "correct horse battery",
      name: "C",
      role: "viewer",
    });
    const cookie = cookieOf(
      await signIn(auth, "c@example.com", "correct horse battery", "10.0.0.5"),
    );
    await setStaffRole(t.db, u.id, "privacy");
    expect(await staffFromHeaders(auth, cookie)).toMatchObject({ role: "privacy" });
    await setStaffBanned(t.db, u.id, true);
    expect(await staffFromHeaders(auth, cookie)).toBeNull();
    expect(
      (await signIn(auth, "c@example.com", "correct horse battery", "10.0.0.6")).status,
    ).not.toBe(200);
  });

  it("refuses a duplicate account with a conflict on the email field", async () => {
    await createStaffUser(auth, {
      email: "d@example.com",
      password: "correct horse battery",
      name: "D",
      role: "viewer",
    });
    await expect(
      createStaffUser(auth, {
        email: "D@example.com",
        password: "correct horse battery",
        name: "D2",
        role: "viewer",
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });
});
