import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Profile } from "@cdp/profile-schema";

import { DomainError } from "../errors";
import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import {
  advanceImportJob,
  createImportJob,
  finishImportJob,
  getImportJob,
  identifierKey,
  listImportJobs,
  loadImportJobRun,
  lockRunningImportJob,
  profilesByIdentifiers,
  startImportJob,
  unfinishedImportJobIds,
} from "./import-job";
import type { NewImportJob } from "./import-job";
import { insertProfile } from "./profile";

const job = (id: string, contentHash = `hash-${id}`): NewImportJob => ({
  id,
  format: "ndjson",
  fileName: `${id}.ndjson`,
  contentHash,
  content: '{"id":"p-1"}\n',
  mapping: null,
  createdBy: "staff:u-1",
  principal: { kind: "staff", id: "u-1", name: "Ann", role: "editor" },
});

const batch = (lastLine: number, errors = 0) => ({
  lastLine,
  processed: 10,
  inserted: 5,
  updated: 2,
  unchanged: 3,
  failed: errors,
  errors: Array.from({ length: errors }, (_, i) => ({ line: i + 1, path: "", message: "bad" })),
});

describe.each(testTargets())("import job queries on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
  });

  it("stores a queued job and shows it without its file", async () => {
    const created = await createImportJob(t.db, job("j-1"));
    expect(created).toMatchObject({ id: "j-1", status: "queued", lastLine: 0, errors: [] });
    expect(created).not.toHaveProperty("content");
    expect(created).not.toHaveProperty("principal");
    expect(created.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect((await loadImportJobRun(t.db, "j-1"))?.content).toBe('{"id":"p-1"}\n');
  });

  it("refuses the same content while a job for it is active, and allows it after", async () => {
    await createImportJob(t.db, job("j-1", "same"));
    const refused = await createImportJob(t.db, job("j-2", "same")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: "CONFLICT", details: { jobId: "j-1" } });
    await finishImportJob(t.db, { id: "j-1", status: "done" });
    await expect(createImportJob(t.db, job("j-3", "same"))).resolves.toMatchObject({ id: "j-3" });
  });

  it("runs a job: start, lock, advance with errors capped at 1,000, finish dropping the file", async () => {
    await createImportJob(t.db, job("j-1"));
    expect(await lockRunningImportJob(t.db, "j-1")).toBeNull();
    expect(await startImportJob(t.db, { id: "j-1", totalRows: 2000 })).toBe(true);
    expect(await startImportJob(t.db, { id: "j-1", totalRows: 2000 })).toBe(false);
    for (const lastLine of [10, 20]) {
      await t.db.transaction(async (tx) => {
        const locked = await lockRunningImportJob(tx, "j-1");
        expect(locked?.lastLine).toBe(lastLine - 10);
        await advanceImportJob(tx, {
          id: "j-1",
          keptErrors: locked?.errors ?? [],
          batch: batch(lastLine, 600),
        });
      });
    }
    const running = await getImportJob(t.db, "j-1");
    expect(running).toMatchObject({
      status: "running",
      totalRows: 2000,
      processedRows: 20,
      lastLine: 20,
      inserted: 10,
      updated: 4,
      unchanged: 6,
      failed: 1200,
    });
    expect(running?.errors).toHaveLength(1000);
    expect(running?.startedAt).not.toBeNull();
    expect(await unfinishedImportJobIds(t.db)).toEqual(["j-1"]);

    const done = await finishImportJob(t.db, { id: "j-1", status: "done" });
    expect(done).toMatchObject({ status: "done", message: null });
    expect(done?.finishedAt).not.toBeNull();
    expect((await loadImportJobRun(t.db, "j-1"))?.content).toBeNull();
    // An ended job stays ended.
    expect(await finishImportJob(t.db, { id: "j-1", status: "cancelled" })).toBeNull();
    expect(await unfinishedImportJobIds(t.db)).toEqual([]);
  });

  it("lists the newest jobs first, without files or errors", async () => {
    for (const id of ["j-1", "j-2", "j-3"]) await createImportJob(t.db, job(id));
    const list = await listImportJobs(t.db, { limit: 2 });
    expect(list.map((j) => j.id)).toEqual(["j-3", "j-2"]);
    expect(list[0]).not.toHaveProperty("errors");
    expect(list[0]).not.toHaveProperty("content");
  });

  it("finds profiles by any of many identifiers in one go", async () => {
    await insertProfile(
      t.db,
      Profile.parse({
        id: "p-1",
        ids: ["alias-1"],
        data: { contact: { email: { main: "ann@example.com" } }, identifier: { id: "crm-1" } },
      }),
    );
    await insertProfile(
      t.db,
      Profile.parse({ id: "p-2", data: { contact: { phone: { main: "+1 555 0100" } } } }),
    );
    const found = await profilesByIdentifiers(t.db, [
      { type: "id", value: "alias-1" },
      { type: "email", value: "ann@example.com" },
      { type: "ext", value: "crm-1" },
      { type: "phone", value: "+15550100" },
      { type: "email", value: "nobody@example.com" },
      // Types are matched with their values, not across.
      { type: "ext", value: "ann@example.com" },
    ]);
    expect(
      [...found].map(([key, stored]) => [key, stored.profile.id, stored.version]).sort(),
    ).toEqual(
      [
        [identifierKey({ type: "id", value: "alias-1" }), "p-1", 1],
        [identifierKey({ type: "email", value: "ann@example.com" }), "p-1", 1],
        [identifierKey({ type: "ext", value: "crm-1" }), "p-1", 1],
        [identifierKey({ type: "phone", value: "+15550100" }), "p-2", 1],
      ].sort(),
    );
    expect(
      found.get(identifierKey({ type: "ext", value: "crm-1" }))?.profile.data.identifier.id,
    ).toBe("crm-1");
  });
});
