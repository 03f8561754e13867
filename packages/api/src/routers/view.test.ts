import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ZodError } from "zod";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import type { Principal, Role } from "../authz";
import { createCallerFactory, createTRPCContext, createTRPCRouter } from "../trpc";
import { auditRouter } from "./audit";
import { profileRouter } from "./profile";
import { segmentRouter } from "./segment";
import { viewRouter } from "./view";

// Each file migrates its own database (PGlite cold start takes seconds).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const router = createTRPCRouter({
  audit: auditRouter,
  profile: profileRouter,
  segment: segmentRouter,
  view: viewRouter,
});
const createCaller = createCallerFactory(router);
const person = (id: string, role: Role): Principal => ({ kind: "staff", id, name: id, role });

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

function fieldPaths(error: TRPCError): string[] {
  if (error.cause instanceof ZodError) return error.cause.issues.map((i) => i.path.join("."));
  const path = (error.cause as { details?: { path?: unknown[] } }).details?.path;
  return path ? [path.join(".")] : [];
}

describe.each(testTargets())("view router on %s", (target) => {
  let t: TestDatabase;
  const as = (principal: Principal) => createCaller(createTRPCContext({ db: t.db, principal }));
  const ann = () => as(person("ann", "editor"));
  const ben = () => as(person("ben", "viewer"));
  const root = () => as(person("root", "admin"));

  const GOLD = { field: "traits.tier", op: "eq", value: "gold" } as const;

  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
  });

  it("keeps views private unless shared; only the owner (or an admin) changes one", async () => {
    const mine = await ann().view.create({
      name: "Gold customers",
      query: { condition: GOLD, sort: "email", order: "asc" },
      columns: ["id", "traits.tier", "data.contact.email.main"],
    });
    expect(mine).toMatchObject({
      ownerId: "staff:ann",
      shared: false,
      query: { condition: GOLD, sort: "email", order: "asc", limit: 50 },
    });
    expect(await ben().view.list()).toEqual([]);
    expect((await failure(ben().view.get({ id: mine.id }))).code).toBe("NOT_FOUND");

    await ann().view.update({ id: mine.id, patch: { shared: true } });
    expect((await ben().view.list()).map((v) => v.name)).toEqual(["Gold customers"]);
    const notOwner = await failure(ben().view.update({ id: mine.id, patch: { name: "Mine now" } }));
    expect(notOwner.code).toBe("FORBIDDEN");
    expect((await failure(ben().view.delete({ id: mine.id }))).code).toBe("FORBIDDEN");
    await root().view.update({ id: mine.id, patch: { name: "Gold (curated)" } });

    const own = await ben().view.create({ name: "Gold (curated)" });
    expect(own.query).toEqual({ sort: "inserted_at", order: "desc", limit: 50 });
    const taken = await failure(ben().view.create({ name: "Gold (curated)" }));
    expect(taken.code).toBe("CONFLICT");
    expect(fieldPaths(taken)).toEqual(["name"]);
    expect((await ben().view.list()).map((v) => v.ownerId).sort()).toEqual([
      "staff:ann",
      "staff:ben",
    ]);

    expect(await ann().view.delete({ id: mine.id })).toEqual({ id: mine.id, deleted: true });
    const audit = await root().audit.list({ entity: "saved_view", entityId: mine.id });
    expect(audit.items.map((a) => a.action)).toEqual([
      "view.delete",
      "view.update",
      "view.update",
      "view.create",
    ]);
  });

  it("refuses unknown fields, paging state and bad columns with their paths", async () => {
    const bad = await failure(
      ann().view.create({
        name: " ",
        query: { cursor: "abc", condition: { field: "traits.x", op: "nope" } },
        columns: ["not.a.field"],
        color: "red",
      } as never),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(fieldPaths(bad).sort()).toEqual(
      ["color", "columns.0", "name", "query.condition.op", "query.cursor"].sort(),
    );
  });

  it("promotes a view's condition to a segment with its members; search text cannot be promoted", async () => {
    for (const [id, tier] of [
      ["p1", "gold"],
      ["p2", "silver"],
      ["p3", "gold"],
    ] as const) {
      await ann().profile.create({ id, traits: { tier } });
    }
    const view = await ann().view.create({
      name: "Gold",
      query: { condition: GOLD },
      shared: true,
    });
    expect((await failure(ben().view.promote({ id: view.id, segmentId: "gold" }))).code).toBe(
      "FORBIDDEN",
    );
    const segment = await ann().view.promote({ id: view.id, segmentId: "gold" });
    expect(segment).toMatchObject({ id: "gold", name: "Gold", condition: GOLD, size: 2 });
    const again = await failure(ann().view.promote({ id: view.id, segmentId: "gold" }));
    expect(again.code).toBe("CONFLICT");
    expect(fieldPaths(again)).toEqual(["segmentId"]);

    const searching = await ann().view.create({
      name: "Kowalski",
      query: { search: "kowalski", condition: GOLD },
    });
    const refused = await failure(ann().view.promote({ id: searching.id, segmentId: "kowalski" }));
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toContain('search text "kowalski"');
    const empty = await ann().view.create({ name: "All" });
    expect((await failure(ann().view.promote({ id: empty.id, segmentId: "all" }))).message).toBe(
      'View "All" has no condition to make a segment of.',
    );
  });
});
