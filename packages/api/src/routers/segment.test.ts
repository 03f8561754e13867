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

// Each file migrates its own database (PGlite cold start takes seconds).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const router = createTRPCRouter({
  audit: auditRouter,
  profile: profileRouter,
  segment: segmentRouter,
});
const createCaller = createCallerFactory(router);
const staff = (role: Role): Principal => ({ kind: "staff", id: `u-${role}`, name: role, role });

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/** The paths a refusal names, as the error formatter reports them to clients. */
function fieldPaths(error: TRPCError): string[] {
  if (error.cause instanceof ZodError) return error.cause.issues.map((i) => i.path.join("."));
  const path = (error.cause as { details?: { path?: unknown[] } }).details?.path;
  return path ? [path.join(".")] : [];
}

describe.each(testTargets())("segment router on %s", (target) => {
  let t: TestDatabase;
  const as = (principal: Principal) => createCaller(createTRPCContext({ db: t.db, principal }));
  const editor = () => as(staff("editor"));
  const viewer = () => as(staff("viewer"));

  const PRO = { field: "traits.plan", op: "eq", value: "pro" } as const;

  async function people() {
    for (const [id, plan] of [
      ["ada", "pro"],
      ["bob", "free"],
      ["cy", "pro"],
      ["dee", "pro"],
    ] as const) {
      await editor().profile.create({
        id,
        traits: { plan },
        data: {
          pii: { firstname: id.toUpperCase() },
          contact: { email: { main: `${id}@example.com` } },
        },
      });
    }
  }

  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
  });

  it("creates, lists with sizes, updates at a version and deletes; every change audited", async () => {
    await people();
    const created = await editor().segment.create({ id: "pro", name: "Pro", condition: PRO });
    expect(created).toMatchObject({
      id: "pro",
      size: 3,
      version: 1,
      purpose: null,
      createdBy: "staff:u-editor",
    });
    expect(await viewer().segment.list()).toEqual([
      expect.objectContaining({ id: "pro", size: 3 }),
    ]);

    const updated = await editor().segment.update({
      id: "pro",
      version: 1,
      patch: { name: "Pro customers", description: "Paying" },
    });
    expect(updated).toMatchObject({ version: 2, name: "Pro customers", size: 3 });
    const stale = await failure(
      editor().segment.update({ id: "pro", version: 1, patch: { name: "Again" } }),
    );
    expect(stale.code).toBe("CONFLICT");
    expect(fieldPaths(stale)).toEqual(["version"]);

    expect(await editor().segment.delete({ id: "pro", version: 2 })).toEqual({
      id: "pro",
      exited: 3,
    });
    expect((await failure(viewer().segment.get({ id: "pro" }))).code).toBe("NOT_FOUND");
    const audit = await viewer().audit.list({ entity: "segment", entityId: "pro" });
    expect(audit.items.map((a) => a.action)).toEqual([
      "segment.delete",
      "segment.update",
      "segment.create",
    ]);
  });

  it("refuses bad input with field errors naming the path, and changes nothing", async () => {
    const bad = await failure(
      editor().segment.create({
        id: "Not A Slug",
        name: "",
        condition: { and: [PRO, { field: "data.pii.nickname", op: "eq", value: "x" }] },
        purpose: "spam" as "marketing",
        extra: true,
      } as never),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(fieldPaths(bad).sort()).toEqual(
      ["condition.and.1.field", "extra", "id", "name", "purpose"].sort(),
    );
    const unknown = await failure(
      editor().segment.create({ id: "x", name: "X", condition: { segment: { id: "ghost" } } }),
    );
    expect(unknown.message).toBe('Segment "ghost" does not exist.');
    expect(fieldPaths(unknown)).toEqual(["condition.segment.id"]);
    const strict = await failure(viewer().segment.get({ id: "x", include: "all" } as never));
    expect(fieldPaths(strict)).toEqual([""]);
    expect(await viewer().segment.list()).toEqual([]);
  });

  it("lets viewers read and preview but not change; tokens need the segment scopes", async () => {
    await people();
    const refused = await failure(
      viewer().segment.create({ id: "pro", name: "Pro", condition: PRO }),
    );
    expect(refused.code).toBe("FORBIDDEN");
    await editor().segment.create({ id: "pro", name: "Pro", condition: PRO });
    expect((await failure(viewer().segment.refresh())).code).toBe("FORBIDDEN");
    expect((await failure(viewer().segment.delete({ id: "pro" }))).code).toBe("FORBIDDEN");

    const reader = as({ kind: "service", id: "t1", name: "crm", scopes: ["profiles:read"] });
    expect((await failure(reader.segment.list())).code).toBe("FORBIDDEN");
    const segmentsOnly = as({ kind: "service", id: "t2", name: "ads", scopes: ["segments:read"] });
    const preview = await segmentsOnly.segment.preview({ condition: PRO });
    expect(preview).toMatchObject({ count: 3, consentedCount: 3, explanation: null });
    expect(preview.sample.map((v) => v.profile.id)).toEqual(["dee", "cy", "ada"]);
    expect(preview.sample[0]?.profile.data.contact.email.main).toBe("d•••@e•••");
  });

  it("pages members (masked) and history with cursors, and exports members", async () => {
    await people();
    await editor().segment.create({ id: "pro", name: "Pro", condition: PRO });

    const first = await viewer().segment.members({
      id: "pro",
      limit: 2,
      sort: "email",
      order: "asc",
      withTotal: true,
    });
    expect(first.total).toBe(3);
    expect(first.items.map((v) => v.profile.id)).toEqual(["ada", "cy"]);
    expect(first.items[0]?.masked).toContain("data.contact.email.main");
    const second = await viewer().segment.members({
      id: "pro",
      limit: 2,
      sort: "email",
      order: "asc",
      cursor: first.nextCursor,
    });
    expect(second.items.map((v) => v.profile.id)).toEqual(["dee"]);
    expect(second.nextCursor).toBeNull();

    await editor().profile.update({
      id: "email:cy@example.com",
      version: 1,
      patch: { traits: { plan: "free" } },
    });
    const byProfile = await viewer().segment.history({ profileId: "email:cy@example.com" });
    expect(byProfile.items.map((e) => `${e.kind} ${e.segmentId}`)).toEqual([
      "exited pro",
      "entered pro",
    ]);
    expect(byProfile.items[0]?.source).toBe("staff:u-editor");

    const page1 = await viewer().segment.history({ segmentId: "pro", limit: 3 });
    const page2 = await viewer().segment.history({
      segmentId: "pro",
      limit: 3,
      cursor: page1.nextCursor,
    });
    expect(page1.items).toHaveLength(3);
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    expect(new Set([...page1.items, ...page2.items].map((e) => e.id)).size).toBe(4);
    const badCursor = await failure(viewer().segment.history({ segmentId: "pro", cursor: "nope" }));
    expect(fieldPaths(badCursor)).toEqual(["cursor"]);
    expect(fieldPaths(await failure(viewer().segment.history({})))).toEqual(["segmentId"]);

    const csv = await viewer().segment.export({
      id: "pro",
      format: "csv",
      columns: ["id", "data.contact.email.main"],
      withTotal: true,
    });
    expect(csv).toMatchObject({ rows: 2, total: 2, nextCursor: null });
    expect(
      csv.chunk
        .replace(/^\uFEFF/, "")
        .trim()
        .split(/\r?\n/),
    ).toEqual(["id,data.contact.email.main", "dee,d•••@e•••", "ada,a•••@e•••"]);
    expect((await failure(viewer().segment.export({ id: "ghost" }))).code).toBe("NOT_FOUND");
  });

  it("refreshes on demand and audits what each segment gained and lost", async () => {
    await people();
    await editor().segment.create({
      id: "fresh",
      name: "Updated today",
      condition: { field: "metadata.time.update", op: "within_last", value: "1d" },
    });
    const result = await editor().segment.refresh();
    expect(result.segments).toEqual(["fresh"]);
    expect(result.changes).toEqual({ fresh: { entered: 0, exited: 0 } });
    const audit = await viewer().audit.list({ action: "segment.refresh" });
    expect(audit.items[0]?.changes).toEqual([
      { path: "entered", before: null, after: 0 },
      { path: "exited", before: null, after: 0 },
    ]);
    expect((await failure(editor().segment.refresh({ ids: ["ghost"] }))).code).toBe("NOT_FOUND");
  });
});
