import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { fromTracardi, Profile, TRACARDI_AUX_KEY } from "@cdp/profile-schema";
import { countProfiles, getProfile, importJobParts, insertProfile, listProfiles } from "@cdp/db";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import type { Principal } from "../authz";
import { importProcedures } from "../routers/profile/import";
import { createCallerFactory, createTRPCContext, createTRPCRouter } from "../trpc";
import {
  configureImportWorker,
  importWorkerIdle,
  resumeImportJobs,
  runImportJob,
  stopImportWorker,
  commitImport,
  submitImport,
} from "./import";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const router = createTRPCRouter({ profile: createTRPCRouter(importProcedures) });
const createCaller = createCallerFactory(router);

const editor: Principal = { kind: "staff", id: "u-editor", name: "Edna", role: "editor" };
const viewer: Principal = { kind: "staff", id: "u-viewer", name: "Vic", role: "viewer" };

const ndjson = (...lines: (object | string)[]) =>
  lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n") + "\n";

/** Tracardi documents as Tracardi keeps them: `str(datetime)` dates, ids, unmodelled keys. */
const annaDoc = {
  _id: "7d1b0c2e-0000-4a1b-9c2d-111111111111",
  id: "7d1b0c2e-0000-4a1b-9c2d-111111111111",
  primary_id: null,
  ids: ["7d1b0c2e-0000-4a1b-9c2d-111111111111", "emm-5f3c"],
  metadata: {
    time: {
      insert: "2024-05-30 07:44:23.246262+00:00",
      create: "2024-05-30 07:44:23.246262+00:00",
      update: "2024-06-02 18:01:09.004512+00:00",
      segmentation: null,
      visit: {
        last: "2024-06-01 09:12:44.120000+00:00",
        current: null,
        count: 4,
        tz: "Europe/Warsaw",
      },
    },
    aux: {},
    status: null,
    fields: { "data.contact.email.main": ["2024-05-30 07:44:23.246262+00:00", "event-1"] },
    system: { integrations: {}, aux: {} },
  },
  operation: { new: false, update: false, segment: false },
  stats: { visits: 4, views: 11, counters: { "page-view": 11 } },
  traits: { plan: "pro", private: { score: 3 } },
  segments: ["returning"],
  interests: { running: 2 },
  consents: { marketing: { revoke: "2025-05-30 00:00:00.000000+00:00" } },
  active: true,
  aux: {},
  data: {
    anonymous: false,
    pii: {
      firstname: "Anna",
      lastname: "Kowalska",
      birthday: "1988-04-12 00:00:00.000000+00:00",
      language: { native: "pl", spoken: "pl" },
    },
    contact: { email: { main: "anna.kowalska@example.com" }, phone: { mobile: "+48 600 100 200" } },
    identifier: { id: "crm-100", coupons: "SPRING" },
    devices: { last: { geo: { country: { name: "Poland", code: "PL" }, city: "Kraków" } } },
  },
};
const oldDoc = {
  id: "7d1b0c2e-0000-4a1b-9c2d-222222222222",
  ids: ["7d1b0c2e-0000-4a1b-9c2d-222222222222"],
  metadata: { time: { insert: "2022-03-14T15:09:26.535897", visit: { count: 1 } } },
  stats: { visits: null, views: 1 },
  traits: { public: { source: "ad" } },
  data: { anonymous: true, devices: { names: ["old-field"] } },
};
const tracardiDocs = [annaDoc, oldDoc];

describe.each(testTargets())("profile import on %s", (target) => {
  let t: TestDatabase;
  const as = (principal: Principal) => createCaller(createTRPCContext({ db: t.db, principal }));

  /** Waits for the background worker and returns the job's status. */
  async function finished(jobId: string) {
    await importWorkerIdle(t.db);
    return as(editor).profile.importStatus({ jobId });
  }

  async function importFile(input: Parameters<ReturnType<typeof as>["profile"]["import"]>[0]) {
    const { jobId } = await as(editor).profile.import(input);
    return finished(jobId);
  }

  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await importWorkerIdle(t.db);
    await t.close();
  });
  beforeEach(async () => {
    await importWorkerIdle(t.db);
    configureImportWorker(t.db, {});
    await t.truncate();
  });

  it("reports each bad row with its line, path and message, stores every good row, and a re-run changes nothing", async () => {
    const content = ndjson(
      {
        id: "p-1",
        data: { pii: { firstname: "Ada" }, contact: { email: { main: "ada@example.com" } } },
      },
      "",
      "{this is not json",
      { id: "p-2", data: { pii: { nick: "Bobby" } } },
      { id: "p-3", data: { pii: { birthday: "1990-13-45" } } },
      { data: { pii: { firstname: "Cleo" }, contact: { email: { main: "cleo@example.com" } } } },
      "   ",
      { traits: { note: "no id, no identifier" } },
      {
        id: "p-5",
        data: { contact: { phone: { main: "+44 20 7946 0000" } } },
        stats: { visits: 2 },
      },
    );
    const first = await importFile({ format: "ndjson", content, fileName: "people.ndjson" });
    expect(first).toMatchObject({
      status: "done",
      fileName: "people.ndjson",
      totalRows: 7,
      processedRows: 7,
      lastLine: 9,
      inserted: 4,
      updated: 0,
      unchanged: 0,
      failed: 3,
      message: null,
    });
    expect(first.errors).toEqual([
      { line: 3, path: "", message: expect.stringMatching(/^Not valid JSON/) },
      { line: 4, path: "data.pii.nick", message: "Unknown field" },
      {
        line: 5,
        path: "data.pii.birthday",
        message: expect.stringContaining("Invalid date: month out of range"),
      },
    ]);
    expect(await countProfiles(t.db)).toBe(4);
    expect((await getProfile(t.db, "p-1"))?.profile.data.pii.firstname).toBe("Ada");
    expect((await getProfile(t.db, "email:cleo@example.com"))?.profile.data.pii.firstname).toBe(
      "Cleo",
    );
    expect(await getProfile(t.db, "p-2")).toBeNull();
    // Every import write is stamped with the job as its source.
    const p5 = await getProfile(t.db, "phone:+442079460000");
    expect(p5?.profile.metadata.fields["stats.visits"]?.[1]).toBe(`import:${first.id}`);

    const again = await importFile({ format: "ndjson", content });
    expect(again).toMatchObject({
      status: "done",
      inserted: 0,
      updated: 0,
      unchanged: 4,
      failed: 3,
    });
    expect(await countProfiles(t.db)).toBe(4);
    expect((await getProfile(t.db, "p-1"))?.version).toBe(1);
  });

  it("merges rows into the profile they match by id, e-mail, phone or external id", async () => {
    await insertProfile(
      t.db,
      Profile.parse({
        id: "known",
        traits: { plan: "free", seen: true },
        data: {
          pii: { lastname: "Old" },
          contact: { email: { main: "Known@Example.com" } },
          identifier: { id: "crm-9" },
        },
      }),
    );
    const job = await importFile({
      format: "ndjson",
      content: ndjson(
        { data: { contact: { email: { main: "known@example.com" } }, pii: { firstname: "Kim" } } },
        { id: "other-id", data: { identifier: { id: "crm-9" } }, traits: { plan: "pro" } },
      ),
    });
    expect(job).toMatchObject({ inserted: 0, updated: 2, unchanged: 0, failed: 0 });
    const known = await getProfile(t.db, "known");
    // Both rows fold into one write of the profile (one batch, one new version, one audit row).
    expect(known?.version).toBe(2);
    expect(known?.profile.data.pii).toMatchObject({ firstname: "Kim", lastname: "Old" });
    expect(known?.profile.traits).toEqual({ plan: "pro", seen: true });
    expect(await countProfiles(t.db)).toBe(1);
  });

  it("imports Tracardi documents with their history, and merges a re-export into them", async () => {
    const content = ndjson(...tracardiDocs);
    const job = await importFile({ format: "tracardi", content });
    expect(job).toMatchObject({ status: "done", inserted: 2, failed: 0, errors: [] });

    const anna = (await getProfile(t.db, "email:anna.kowalska@example.com"))?.profile;
    const expected = fromTracardi(annaDoc);
    expect(anna?.id).toBe(expected.id);
    expect(anna?.data).toEqual(expected.data);
    expect(anna?.traits).toEqual(expected.traits);
    expect(anna?.consents).toEqual({ marketing: { revoke: "2025-05-30T00:00:00.000000Z" } });
    expect(anna?.segments).toEqual(["returning"]);
    expect(anna?.metadata.time.create).toBe("2024-05-30T07:44:23.246262Z");
    expect(anna?.data.identifier.coupons).toEqual(["SPRING"]);
    expect(anna?.aux[TRACARDI_AUX_KEY]).toMatchObject({ operation: { new: false } });
    expect(await getProfile(t.db, "ext:crm-100")).not.toBeNull();
    const old = (await getProfile(t.db, "7d1b0c2e-0000-4a1b-9c2d-222222222222"))?.profile;
    expect(old?.metadata.time.insert).toBe("2022-03-14T15:09:26.535897Z");
    expect(old?.aux[TRACARDI_AUX_KEY]).toEqual({ data: { devices: { names: ["old-field"] } } });

    // The same documents again: nothing to do. A changed one: only it is updated.
    expect(await importFile({ format: "tracardi", content })).toMatchObject({
      inserted: 0,
      updated: 0,
      unchanged: 2,
    });
    const changed = structuredClone(annaDoc);
    changed.data.pii.lastname = "Nowak";
    expect(
      await importFile({ format: "tracardi", content: ndjson(changed, oldDoc) }),
    ).toMatchObject({
      inserted: 0,
      updated: 1,
      unchanged: 1,
    });
    expect((await getProfile(t.db, "ext:crm-100"))?.profile.data.pii.lastname).toBe("Nowak");
  });

  it("imports CSV through a mapping: quoted commas and line breaks, typed cells, clear cell errors", async () => {
    await insertProfile(
      t.db,
      Profile.parse({
        id: "cleo",
        data: { pii: { lastname: "Old" }, contact: { email: { main: "cleo@example.com" } } },
      }),
    );
    // CRLF line ends, as spreadsheet programs write them.
    const content = [
      'Id,Name,"Street, full",E-mail,Height,Notes,Unmapped',
      'c-1,Ann,"1 Main St, Apt 2",ann@example.com,168,"line one',
      'line two",x',
      'c-2,"Lee, Bob",2 Side St,bob@example.com,abc,,y',
      ',Cleo,,cleo@example.com,172.5,"she said ""hi""",',
      "",
    ].join("\r\n");
    const mapping = {
      Id: "id",
      Name: "data.pii.firstname",
      "Street, full": "data.contact.address.street",
      "E-mail": "data.contact.email.main",
      Height: "data.pii.attributes.height",
      Notes: "traits.notes",
    };
    const job = await importFile({ format: "csv", content, mapping, fileName: "people.csv" });
    expect(job).toMatchObject({
      status: "done",
      totalRows: 3,
      processedRows: 3,
      inserted: 1,
      updated: 1,
      failed: 1,
      lastLine: 5,
    });
    expect(job.errors).toEqual([
      {
        line: 4,
        path: "data.pii.attributes.height",
        message: 'Column "Height": expected a number, got "abc"',
      },
    ]);
    const ann = (await getProfile(t.db, "c-1"))?.profile;
    expect(ann?.data.pii.firstname).toBe("Ann");
    expect(ann?.data.pii.attributes.height).toBe(168);
    expect(ann?.data.contact.address.street).toBe("1 Main St, Apt 2");
    expect(ann?.traits).toEqual({ notes: "line one\r\nline two" });
    const cleo = (await getProfile(t.db, "cleo"))?.profile;
    expect(cleo?.data.pii).toMatchObject({ firstname: "Cleo", lastname: "Old" });
    expect(cleo?.data.pii.attributes.height).toBe(172.5);
    expect(cleo?.traits).toEqual({ notes: 'she said "hi"' });
    expect(await getProfile(t.db, "c-2")).toBeNull();

    const again = await importFile({ format: "csv", content, mapping });
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 2, failed: 1 });
    expect(await countProfiles(t.db)).toBe(2);
  });

  it("reports broken CSV records as row errors and reads on from the next line", async () => {
    const content = [
      "Id,Plan",
      "q-1,free",
      'q-2,"pro"x',
      "q-3,gold",
      "q-4,gold,extra",
      'q-5,"never closed',
      "q-6,silver",
      "",
    ].join("\n");
    const job = await importFile({
      format: "csv",
      content,
      mapping: { Id: "id", Plan: "traits.plan" },
    });
    expect(job).toMatchObject({ status: "done", totalRows: 6, inserted: 3, failed: 3 });
    expect(job.errors).toEqual([
      { line: 3, path: "", message: expect.stringMatching(/^Unreadable CSV record/) },
      { line: 5, path: "", message: "Expected 2 cells like the header, got 3" },
      { line: 6, path: "", message: expect.stringMatching(/^Unreadable CSV record/) },
    ]);
    for (const id of ["q-1", "q-3", "q-6"]) expect(await getProfile(t.db, id)).not.toBeNull();
  });

  it("refuses a mapping whose column is not in the header, before any job exists", async () => {
    const error = await as(editor)
      .profile.import({
        format: "csv",
        content: "Email,Name\na@b.c,A\n",
        mapping: { Mail: "data.contact.email.main" },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe("BAD_REQUEST");
    expect((error as TRPCError).message).toBe(
      'The header has no column "Mail" (it has "Email", "Name")',
    );
    expect(await as(editor).profile.importList()).toEqual([]);
  });

  it("refuses a file over 50 MB and callers without profiles:write", async () => {
    const big = "x".repeat(50 * 1024 * 1024 + 1);
    const error = (await as(editor)
      .profile.import({ format: "ndjson", content: big })
      .catch((e: unknown) => e)) as TRPCError;
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toContain("larger than 50 MB");
    const refused = (await as(viewer)
      .profile.import({ format: "ndjson", content: "{}" })
      .catch((e: unknown) => e)) as TRPCError;
    expect(refused.code).toBe("FORBIDDEN");
  });

  it("refuses the same file while its job is active; cancel ends it and drops it", async () => {
    const content = ndjson({ id: "p-1" }, { id: "p-2" });
    const { jobId } = await submitImport(
      t.db,
      editor,
      { format: "ndjson", content },
      { start: false },
    );
    const conflict = (await as(editor)
      .profile.import({ format: "ndjson", content })
      .catch((e: unknown) => e)) as TRPCError;
    expect(conflict.code).toBe("CONFLICT");
    expect(conflict.message).toContain(jobId);

    const cancelled = await as(editor).profile.importCancel({ jobId });
    expect(cancelled).toMatchObject({ id: jobId, status: "cancelled", processedRows: 0 });
    // A cancelled job is not resumed, and cancelling again changes nothing.
    expect(await resumeImportJobs(t.db)).toEqual([]);
    expect(await as(editor).profile.importCancel({ jobId })).toMatchObject({ status: "cancelled" });
    expect(await countProfiles(t.db)).toBe(0);

    const second = await importFile({ format: "ndjson", content });
    expect(second).toMatchObject({ status: "done", inserted: 2 });
    const list = await as(editor).profile.importList();
    expect(list.map((j) => [j.id, j.status])).toEqual([
      [second.id, "done"],
      [jobId, "cancelled"],
    ]);
    expect(list[0]).not.toHaveProperty("content");
    expect(list[0]).not.toHaveProperty("errors");
    const missing = (await as(editor)
      .profile.importStatus({ jobId: "nope" })
      .catch((e: unknown) => e)) as TRPCError;
    expect(missing.code).toBe("NOT_FOUND");
  });

  it("resumes a job from its last committed line after a crash, without duplicates", async () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({
      id: `r-${i}`,
      data: { contact: { email: { main: `r${i}@example.com` } } },
    }));
    const { jobId } = await submitImport(
      t.db,
      editor,
      { format: "ndjson", content: ndjson(...rows) },
      { start: false },
    );
    // The process "dies" after its first batch: the job stays running at line 10.
    const crashed = await runImportJob(t.db, jobId, { batchSize: 10, maxBatches: 1 });
    expect(crashed).toMatchObject({
      status: "running",
      processedRows: 10,
      lastLine: 10,
      inserted: 10,
    });
    expect(await countProfiles(t.db)).toBe(10);

    // Two workers pick it up at once (two servers starting): each batch runs once.
    configureImportWorker(t.db, { batchSize: 5 });
    await Promise.all([runImportJob(t.db, jobId, { batchSize: 5 }), resumeImportJobs(t.db)]);
    const done = await finished(jobId);
    expect(done).toMatchObject({
      status: "done",
      totalRows: 25,
      processedRows: 25,
      lastLine: 25,
      inserted: 25,
      updated: 0,
      unchanged: 0,
      failed: 0,
    });
    const page = await listProfiles(t.db, { limit: 200 });
    expect(page.items.map((s) => s.profile.id).sort()).toEqual(rows.map((r) => r.id).sort());
  });

  it("stops at a batch boundary on shutdown and finishes at the next start", async () => {
    configureImportWorker(t.db, { batchSize: 10 });
    const content = ndjson(...Array.from({ length: 30 }, (_, i) => ({ id: `s-${i}` })));
    const { jobId } = await as(editor).profile.import({ format: "ndjson", content });
    await stopImportWorker(t.db);
    const stopped = await as(editor).profile.importStatus({ jobId });
    expect(stopped.status).toBe("running");
    expect(stopped.processedRows).toBeLessThan(30);
    expect(await countProfiles(t.db)).toBe(stopped.processedRows);

    expect(await resumeImportJobs(t.db)).toEqual([jobId]);
    expect(await finished(jobId)).toMatchObject({
      status: "done",
      processedRows: 30,
      inserted: 30,
    });
  });

  it("advances the progress fields batch by batch and ends done", async () => {
    const content = ndjson(
      ...Array.from({ length: 250 }, (_, i) => ({ id: `b-${i}`, traits: { n: i } })),
    );
    const { jobId } = await submitImport(
      t.db,
      editor,
      { format: "ndjson", content },
      { start: false },
    );
    const seen = [];
    for (let step = 0; step < 3; step++) {
      const job = await runImportJob(t.db, jobId, { batchSize: 100, maxBatches: 1 });
      seen.push([job?.status, job?.processedRows, job?.inserted]);
    }
    expect(seen).toEqual([
      ["running", 100, 100],
      ["running", 200, 200],
      ["done", 250, 250],
    ]);
    const done = await as(editor).profile.importStatus({ jobId });
    expect(done.totalRows).toBe(250);
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();

    // Through the API, a status poll sees the same numbers grow while the worker runs.
    configureImportWorker(t.db, { batchSize: 50 });
    const next = ndjson(...Array.from({ length: 200 }, (_, i) => ({ id: `c-${i}` })));
    const { jobId: running } = await as(editor).profile.import({ format: "ndjson", content: next });
    const polled: number[] = [];
    for (;;) {
      const job = await as(editor).profile.importStatus({ jobId: running });
      polled.push(job.processedRows);
      if (job.status === "done") break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(polled).toEqual([...polled].sort((a, b) => a - b));
    expect(polled[polled.length - 1]).toBe(200);
  });

  describe("chunked upload", () => {
    /** Uploads `parts` through the procedures and commits; returns the job id. */
    async function upload(
      begin: Parameters<ReturnType<typeof as>["profile"]["importBegin"]>[0],
      parts: string[],
    ) {
      const api = as(editor).profile;
      const { jobId } = await api.importBegin(begin);
      for (const [part, content] of parts.entries()) {
        await api.importPart({ jobId, part, content });
      }
      return jobId;
    }

    it("numbers lines on across parts and counts rows at upload", async () => {
      const api = as(editor).profile;
      const jobId = await upload({ format: "ndjson", fileName: "big.ndjson" }, [
        ndjson({ id: "a-1" }, { id: "a-2" }),
        "\n" + ndjson({ id: "a-3" }, "not json"),
        JSON.stringify({ id: "a-4" }),
      ]);
      expect(await api.importStatus({ jobId })).toMatchObject({
        status: "uploading",
        totalRows: 5,
      });
      await api.importCommit({ jobId, parts: 3 });
      const done = await finished(jobId);
      expect(done).toMatchObject({
        status: "done",
        totalRows: 5,
        processedRows: 5,
        inserted: 4,
        failed: 1,
        lastLine: 6,
      });
      // Line 5 of the file: part 1 starts at line 3 with a blank line.
      expect(done.errors).toEqual([
        { line: 5, path: "", message: expect.stringContaining("Not valid JSON") as unknown },
      ]);
    });

    it("resumes across a part boundary after a crash, skipping parts already done", async () => {
      const rows = (from: number, n: number) =>
        ndjson(...Array.from({ length: n }, (_, i) => ({ id: `r-${from + i}` })));
      const jobId = await upload({ format: "ndjson" }, [rows(0, 7), rows(7, 7), rows(14, 7)]);
      await commitImport(t.db, { jobId, parts: 3 }, { start: false });
      const crashed = await runImportJob(t.db, jobId, { batchSize: 10, maxBatches: 1 });
      expect(crashed).toMatchObject({ status: "running", lastLine: 10, processedRows: 10 });
      const again = await runImportJob(t.db, jobId, { batchSize: 5, maxBatches: 1 });
      // Part 0 (lines 1–7) is not read again; the batch starts at line 11 in part 1.
      expect(again).toMatchObject({ status: "running", lastLine: 15, processedRows: 15 });
      const done = await runImportJob(t.db, jobId, { batchSize: 5 });
      expect(done).toMatchObject({
        status: "done",
        totalRows: 21,
        processedRows: 21,
        inserted: 21,
        lastLine: 21,
      });
      expect(await countProfiles(t.db)).toBe(21);
    });

    it("reads CSV in parts with the header only in part 0, a quoted line break kept whole", async () => {
      const jobId = await upload(
        {
          format: "csv",
          mapping: { Email: "data.contact.email.main", Name: "data.pii.firstname" },
        },
        [
          "Email,Name\nann@example.com,Ann\n",
          'bob@example.com,"Bob\nby the sea"\n',
          "cy@example.com,Cy",
        ],
      );
      await as(editor).profile.importCommit({ jobId, parts: 3 });
      const done = await finished(jobId);
      expect(done).toMatchObject({ status: "done", totalRows: 3, inserted: 3, failed: 0 });
      const names = (await listProfiles(t.db, { limit: 10 })).items
        .map((s) => s.profile.data.pii.firstname)
        .sort();
      expect(names).toEqual(["Ann", "Bob\nby the sea", "Cy"]);
    });

    it("refuses a CSV part cut inside a quoted cell, naming the part", async () => {
      const api = as(editor).profile;
      const { jobId } = await api.importBegin({
        format: "csv",
        mapping: { Email: "data.contact.email.main", Name: "data.pii.firstname" },
      });
      await api.importPart({ jobId, part: 0, content: "Email,Name\n" });
      await expect(
        api.importPart({ jobId, part: 1, content: 'bob@example.com,"Bob\n' }),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringContaining("Part 1: it ends inside a quoted cell") as unknown,
      });
    });

    it("checks the CSV mapping against part 0's header when it arrives", async () => {
      const api = as(editor).profile;
      const { jobId } = await api.importBegin({
        format: "csv",
        mapping: { Mail: "data.contact.email.main" },
      });
      await expect(
        api.importPart({ jobId, part: 0, content: "Email,Name\na@b.c,A\n" }),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringContaining('The header has no column "Mail"') as unknown,
      });
    });

    it("refuses a part out of order, a changed repeat and a commit missing a part", async () => {
      const api = as(editor).profile;
      const { jobId } = await api.importBegin({ format: "ndjson" });
      await expect(
        api.importPart({ jobId, part: 1, content: ndjson({ id: "x" }) }),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: "Part 1 is out of order: the next part of this upload is part 0.",
      });
      expect(await api.importPart({ jobId, part: 0, content: ndjson({ id: "x" }) })).toEqual({
        parts: 1,
        rows: 1,
        bytes: 11,
      });
      // A retried part is harmless; other text for it is not.
      expect(await api.importPart({ jobId, part: 0, content: ndjson({ id: "x" }) })).toEqual({
        parts: 1,
        rows: 1,
        bytes: 11,
      });
      await expect(
        api.importPart({ jobId, part: 0, content: ndjson({ id: "y" }) }),
      ).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(api.importCommit({ jobId, parts: 2 })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringContaining("part 1 is missing") as unknown,
      });
      expect((await api.importStatus({ jobId })).status).toBe("uploading");
    });

    it("refuses an empty file and a part bigger than 8 MB", async () => {
      const api = as(editor).profile;
      const { jobId } = await api.importBegin({ format: "ndjson" });
      await api.importPart({ jobId, part: 0, content: "\n  \n" });
      await expect(api.importCommit({ jobId, parts: 1 })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringContaining("The file is empty") as unknown,
      });
      await expect(
        api.importPart({ jobId, part: 1, content: "x".repeat(8 * 1024 * 1024 + 1) }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    });

    it("cancelling while uploading drops the parts; only uploading jobs take parts", async () => {
      const api = as(editor).profile;
      const { jobId } = await api.importBegin({ format: "ndjson" });
      await api.importPart({ jobId, part: 0, content: ndjson({ id: "x" }) });
      expect((await api.importCancel({ jobId })).status).toBe("cancelled");
      expect(await importJobParts(t.db, jobId)).toEqual([]);
      await expect(
        api.importPart({ jobId, part: 1, content: ndjson({ id: "y" }) }),
      ).rejects.toMatchObject({
        code: "CONFLICT",
        message: expect.stringContaining("is cancelled") as unknown,
      });
    });

    it("recognises the same file split the same way while it runs; a one-request import is one part", async () => {
      const content = ndjson({ id: "s-1" }, { id: "s-2" });
      const api = as(editor).profile;
      const { jobId: single } = await submitImport(
        t.db,
        editor,
        { format: "ndjson", content },
        { start: false },
      );
      expect(await importJobParts(t.db, single)).toEqual([
        { part: 0, rows: 2, lines: 2, firstLine: 1, bytes: content.length },
      ]);
      // The same text as one part has the same (chained) hash: refused while the first runs.
      const twin = await upload({ format: "ndjson" }, [content]);
      await expect(api.importCommit({ jobId: twin, parts: 1 })).rejects.toMatchObject({
        code: "CONFLICT",
        message: expect.stringContaining(single) as unknown,
      });
      // Split differently, it is another file as far as the rule goes.
      const split = await upload({ format: "ndjson" }, content.split(/(?<=\n)/));
      await expect(api.importCommit({ jobId: split, parts: 2 })).resolves.toEqual({
        jobId: split,
      });
      await importWorkerIdle(t.db);
      await runImportJob(t.db, single);
      expect((await api.importStatus({ jobId: single })).status).toBe("done");
    });
  });
});
