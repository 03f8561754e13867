import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ZodError } from "zod";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import type { Principal, Role } from "../authz";
import { createCallerFactory, createTRPCContext, createTRPCRouter } from "../trpc";
import { consentRouter } from "./consent";
import { profileRouter } from "./profile";
import { statsRouter } from "./stats";

// Each file migrates its own database (PGlite cold start takes seconds).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const router = createTRPCRouter({
  consent: consentRouter,
  profile: profileRouter,
  stats: statsRouter,
});
const createCaller = createCallerFactory(router);

const staff = (role: Role): Principal => ({ kind: "staff", id: `u-${role}`, name: role, role });
const today = () => new Date().toISOString().slice(0, 10);

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

describe.each(testTargets())("stats router on %s", (target) => {
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
  });

  it("gives a viewer the totals, today's new profiles and each type's grant rate", async () => {
    const editor = as(staff("editor"));
    await as(staff("admin")).consent.types.create({
      id: "newsletter",
      name: "Newsletter",
      purpose: "marketing",
    });
    for (const id of ["p-1", "p-2", "p-3"]) {
      await editor.profile.create({
        id,
        data: id === "p-3" ? {} : { contact: { email: { main: `${id}@example.com` } } },
      });
    }
    await editor.consent.grant({ profileId: "p-1", typeId: "newsletter", legalBasis: "consent" });

    const stats = await as(staff("viewer")).stats.overview({ days: 7 });
    expect(stats.totals).toMatchObject({ profiles: 3, identified: 2, anonymous: 1 });
    expect(stats.profilesCreated).toHaveLength(7);
    expect(stats.profilesCreated.at(-1)).toEqual({ day: today(), count: 3 });
    expect(stats.consents).toEqual([
      { typeId: "newsletter", name: "Newsletter", granted: 1, expired: 0, grantRate: 1 / 3 },
    ]);
  });

  it("defaults to 30 days and gives a rate of 0 when there are no profiles", async () => {
    await as(staff("admin")).consent.types.create({ id: "sms", name: "SMS", purpose: "marketing" });
    const stats = await as(staff("viewer")).stats.overview();
    expect(stats.profilesCreated).toHaveLength(30);
    expect(stats.visits).toHaveLength(30);
    expect(stats.consents).toEqual([
      { typeId: "sms", name: "SMS", granted: 0, expired: 0, grantRate: 0 },
    ]);
  });

  it("refuses a day count out of range with a field error, and a caller without a principal", async () => {
    const bad = await failure(as(staff("viewer")).stats.overview({ days: 400 }));
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.cause).toBeInstanceOf(ZodError);
    expect((bad.cause as ZodError).issues).toEqual([
      expect.objectContaining({ path: ["days"], message: "Show at most 366 days" }),
    ]);

    expect((await failure(as(null).stats.overview())).code).toBe("UNAUTHORIZED");
  });
});
