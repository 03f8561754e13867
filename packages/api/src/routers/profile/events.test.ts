import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import type { Principal, Role } from "../../authz";
import { createCallerFactory, createTRPCContext, createTRPCRouter } from "../../trpc";
import { consentRouter } from "../consent";
import { profileRouter } from "../profile";

// Each file migrates its own database (PGlite cold start takes seconds).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const router = createTRPCRouter({ profile: profileRouter, consent: consentRouter });
const createCaller = createCallerFactory(router);

const staff = (role: Role): Principal => ({ kind: "staff", id: `u-${role}`, name: role, role });
const tracker: Principal = {
  kind: "service",
  id: "t-web",
  name: "web tracker",
  scopes: ["profiles:write"],
};
/** A service acting on personal data (a CRM sync): it reads events in the clear. */
const piiService: Principal = {
  kind: "service",
  id: "t-crm",
  name: "crm sync",
  scopes: ["profiles:read", "profiles:pii"],
};

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

describe.each(testTargets())("profile.events on %s", (target) => {
  let t: TestDatabase;
  const as = (principal: Principal | null) =>
    createCaller(createTRPCContext({ db: t.db, principal }));

  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
    await as(staff("admin")).consent.types.create({
      id: "newsletter",
      name: "Newsletter",
      purpose: "marketing",
    });
    await as(staff("editor")).profile.create({ id: "p-ada" });
    // Five events a minute apart, sent out of order: the timeline orders them by time.
    const at = (minute: number) => `2025-03-01T10:0${minute}:00Z`;
    await as(tracker).profile.track({
      events: [
        {
          id: "e-3",
          profileId: "p-ada",
          type: "page-view",
          time: at(3),
          properties: { url: "/b" },
        },
        {
          id: "e-1",
          profileId: "p-ada",
          type: "identify",
          time: at(1),
          session: "s-1",
          properties: { email: "ada.lovelace@example.com", firstname: "Ada", plan: "gold" },
        },
        {
          id: "e-2",
          profileId: "p-ada",
          type: "page-view",
          time: at(2),
          properties: { url: "/a" },
        },
        {
          id: "e-4",
          profileId: "p-ada",
          type: "consent-update",
          time: at(4),
          properties: {
            typeId: "newsletter",
            action: "granted",
            legalBasis: "consent",
            proof: { ip: "203.0.113.9" },
          },
        },
        { id: "e-5", profileId: "p-ada", type: "purchase", time: at(5), source: "shop" },
      ],
    });
  });

  it("lists a profile's events newest first, a keyset page at a time, by any of its keys", async () => {
    const viewer = as(staff("viewer"));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof viewer.profile.events>> = await viewer.profile.events({
        profileId: "email:ada.lovelace@example.com",
        cursor,
        limit: 2,
      });
      expect(page.profileId).toBe("p-ada");
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(["e-5", "e-4", "e-3", "e-2", "e-1"]);
    expect(pages).toBe(3);

    const purchases = await viewer.profile.events({ profileId: "p-ada", type: "purchase" });
    expect(purchases.items).toMatchObject([
      { id: "e-5", type: "purchase", source: "shop", time: "2025-03-01T10:05:00.000000Z" },
    ]);
    expect(purchases.nextCursor).toBeNull();
  });

  it("masks identification properties and consent proofs for staff; a PII service reads them", async () => {
    const shown = await as(staff("admin")).profile.events({ profileId: "p-ada" });
    const identify = shown.items.find((e) => e.id === "e-1");
    expect(identify?.properties).toEqual({ email: "a•••@e•••", firstname: "A•••", plan: "gold" });
    expect(identify?.masked.sort()).toEqual(["email", "firstname"]);
    expect(identify?.sessionId).toBe("s-1");
    const consent = shown.items.find((e) => e.id === "e-4");
    expect(consent?.properties).toMatchObject({ typeId: "newsletter", proof: null });
    expect(consent?.masked).toEqual(["proof"]);
    expect(JSON.stringify(shown)).not.toContain("lovelace");
    expect(JSON.stringify(shown)).not.toContain("203.0.113.9");
    // Undeclared properties pass as sent.
    expect(shown.items.find((e) => e.id === "e-2")).toMatchObject({
      properties: { url: "/a" },
      masked: [],
    });

    const clear = await as(piiService).profile.events({ profileId: "p-ada" });
    expect(clear.items.find((e) => e.id === "e-1")).toMatchObject({
      properties: { email: "ada.lovelace@example.com", firstname: "Ada" },
      masked: [],
    });
    expect(clear.items.find((e) => e.id === "e-4")?.properties).toMatchObject({
      proof: { ip: "203.0.113.9" },
    });
  });

  it("refuses an unknown profile, a foreign cursor and callers without profiles:read", async () => {
    const viewer = as(staff("viewer"));
    const missing = await failure(viewer.profile.events({ profileId: "nobody" }));
    expect(missing.code).toBe("NOT_FOUND");

    const foreign = await failure(
      viewer.profile.events({ profileId: "p-ada", cursor: "bm90LWEtY3Vyc29y" }),
    );
    expect(foreign.code).toBe("BAD_REQUEST");
    expect(foreign.message).toBe("The cursor is not one this timeline produced.");

    const tooMany = await failure(viewer.profile.events({ profileId: "p-ada", limit: 500 }));
    expect(tooMany.code).toBe("BAD_REQUEST");

    expect((await failure(as(null).profile.events({ profileId: "p-ada" }))).code).toBe(
      "UNAUTHORIZED",
    );
    expect((await failure(as(tracker).profile.events({ profileId: "p-ada" }))).code).toBe(
      "FORBIDDEN",
    );
  });

  it("follows a merge: the merged profile's events join the survivor's timeline", async () => {
    await as(staff("editor")).profile.create({ id: "p-twin" });
    await as(tracker).profile.track({
      events: [{ id: "t-1", profileId: "p-twin", type: "signup", time: "2025-03-01T09:00:00Z" }],
    });
    await as(staff("editor")).profile.merge({ into: "p-ada", from: ["p-twin"] });
    const timeline = await as(staff("viewer")).profile.events({ profileId: "p-twin" });
    expect(timeline.profileId).toBe("p-ada");
    expect(timeline.items.map((e) => e.id)).toEqual(["e-5", "e-4", "e-3", "e-2", "e-1", "t-1"]);
  });
});
