import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Profile } from "@cdp/profile-schema";

import { DomainError } from "../errors";
import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import {
  addImportJobPart,
  advanceImportJob,
  commitImportJob,
  createImportJob,
  finishImportJob,
  getImportJob,
  identifierKey,
  importJobPartContent,
  importJobParts,
  listImportJobs,
  lockRunningImportJob,
  profilesByIdentifiers,
  startImportJob,
  unfinishedImportJobIds,
} from "./import-job";
import type { NewImportJob } from "./import-job";
import { insertProfile } from "./profile";

const job = (id: string): NewImportJob => ({
  id,
  format: "ndjson",
  fileName: `${id}.ndjson`,
  mapping: null,
  createdBy: "staff:u-1",
  principal: { kind: "staff", id: "u-1", name: "Ann", role: "editor" },
});

/** A part counted the simple way: one row per line. */
const part = (jobId: string, n: number, content: string, hash = `h-${content}`) => ({
  jobId,
  part: n,
  content,
  hash,
  rows: content.split("\n").filter((l) => l !== "").length,
  lines: content.split("\n").length - (content.endsWith("\n") ? 1 : 0),
  bytes: Buffer.byteLength(content),
});
const chain = (tag: string) => (previous: string | null) => `${previous ?? ""}>${tag}`;

/** A queued one-part job whose file hashes to `hash`. */
async function queuedJob(t: TestDatabase, id: string, hash = `hash-${id}`) {
  await createImportJob(t.db, job(id));
  await addImportJobPart(t.db, part(id, 0, '{"id":"p-1"}\n'), () => hash);
  return commitImportJob(t.db, { id, parts: 1 });
}

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

  it("stores an uploading job, its parts in order with their lines numbered on, and queues it", async () => {
    const created = await createImportJob(t.db, job("j-1"));
    expect(created).toMatchObject({ id: "j-1", status: "uploading", lastLine: 0, errors: [] });
    expect(created).not.toHaveProperty("principal");
    expect(created.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(await addImportJobPart(t.db, part("j-1", 0, "a\nb\n\n"), chain("0"))).toEqual({
      parts: 1,
      rows: 2,
      bytes: 5,
    });
    expect(await addImportJobPart(t.db, part("j-1", 1, "c\nd"), chain("1"))).toEqual({
      parts: 2,
      rows: 4,
      bytes: 8,
    });
    // The same part again is a repeat; other text for it is refused.
    expect(await addImportJobPart(t.db, part("j-1", 1, "c\nd"), chain("x"))).toEqual({
      parts: 2,
      rows: 4,
      bytes: 8,
    });
    await expect(addImportJobPart(t.db, part("j-1", 0, "z\n"), chain("x"))).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("Part 0 was already uploaded") as unknown,
    });
    // Part 1 did not end with a line break: it can only have been the last.
    await expect(addImportJobPart(t.db, part("j-1", 2, "e\n"), chain("2"))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("Part 1 does not end with a line break") as unknown,
    });
    expect(await importJobParts(t.db, "j-1")).toEqual([
      { part: 0, rows: 2, lines: 3, firstLine: 1, bytes: 5 },
      { part: 1, rows: 2, lines: 2, firstLine: 4, bytes: 3 },
    ]);
    expect(await importJobPartContent(t.db, "j-1", 1)).toBe("c\nd");
    expect((await getImportJob(t.db, "j-1"))?.contentHash).toBe(">0>1");

    await expect(commitImportJob(t.db, { id: "j-1", parts: 3 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("part 2 is missing") as unknown,
    });
    const queued = await commitImportJob(t.db, { id: "j-1", parts: 2 });
    expect(queued).toMatchObject({ status: "queued", totalRows: 4 });
    await expect(addImportJobPart(t.db, part("j-1", 2, "e\n"), chain("2"))).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("is queued") as unknown,
    });
    // Committing again (a retried request) returns the job.
    await expect(commitImportJob(t.db, { id: "j-1", parts: 2 })).resolves.toMatchObject({
      status: "queued",
    });
  });

  it("refuses parts out of order and an empty file", async () => {
    await createImportJob(t.db, job("j-1"));
    await expect(addImportJobPart(t.db, part("j-1", 1, "a\n"), chain("1"))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Part 1 is out of order: the next part of this upload is part 0.",
    });
    await addImportJobPart(t.db, { ...part("j-1", 0, "\n\n"), rows: 0 }, chain("0"));
    await expect(commitImportJob(t.db, { id: "j-1", parts: 1 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("The file is empty") as unknown,
    });
  });

  it("refuses the same content while a job for it is active, and allows it after", async () => {
    await queuedJob(t, "j-1", "same");
    const refused = await queuedJob(t, "j-2", "same").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: "CONFLICT", details: { jobId: "j-1" } });
    expect((await getImportJob(t.db, "j-2"))?.status).toBe("uploading");
    await finishImportJob(t.db, { id: "j-1", status: "done" });
    await expect(commitImportJob(t.db, { id: "j-2", parts: 1 })).resolves.toMatchObject({
      id: "j-2",
      status: "queued",
    });
  });

  it("cancelling an uploading job drops its parts", async () => {
    await createImportJob(t.db, job("j-1"));
    await addImportJobPart(t.db, part("j-1", 0, "a\n"), chain("0"));
    expect(await finishImportJob(t.db, { id: "j-1", status: "cancelled" })).toMatchObject({
      status: "cancelled",
    });
    expect(await importJobParts(t.db, "j-1")).toEqual([]);
    await expect(commitImportJob(t.db, { id: "j-1", parts: 1 })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("runs a job: start, lock, advance with errors capped at 1,000, finish dropping the file", async () => {
    await queuedJob(t, "j-1");
    await t.db.execute(sql`update import_job set total_rows = 2000 where id = 'j-1'`);
    expect(await lockRunningImportJob(t.db, "j-1")).toBeNull();
    expect(await startImportJob(t.db, { id: "j-1" })).toBe(true);
    expect(await startImportJob(t.db, { id: "j-1" })).toBe(false);
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
    expect(await importJobParts(t.db, "j-1")).toEqual([]);
    // An ended job stays ended.
    expect(await finishImportJob(t.db, { id: "j-1", status: "cancelled" })).toBeNull();
    expect(await unfinishedImportJobIds(t.db)).toEqual([]);
  });

  it("lists the newest jobs first, without files or errors", async () => {
    for (const id of ["j-1", "j-2", "j-3"]) await createImportJob(t.db, job(id));
    const list = await listImportJobs(t.db, { limit: 2 });
    expect(list.map((j) => j.id)).toEqual(["j-3", "j-2"]);
    expect(list[0]).not.toHaveProperty("errors");
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
