import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importWorkerIdle } from "@cdp/api";
import { fieldErrors } from "@cdp/client";
import { countProfiles, getProfile } from "@cdp/db";
import { IMPORT_PART_MAX_BYTES, splitImportText } from "@cdp/profile-schema";
import type { Profile } from "@cdp/profile-schema";

import { startHarness, testTargets } from "./harness";
import type { Harness } from "./harness";

const csv = [
  "Email,First name,Last name,Plan",
  "ann@example.com,Ann,Smith,pro",
  'bob@example.com,"Bob, Jr.",Smith,free',
  "not-a-number,Cleo,Jones,",
].join("\n");
const mapping = {
  Email: "data.contact.email.main",
  "First name": "data.pii.firstname",
  "Last name": "data.pii.lastname",
  Plan: "traits.plan",
};

describe.each(testTargets())("profile import and export over HTTP on %s", (target) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ target });
  });
  afterAll(async () => {
    await importWorkerIdle(h.db);
    await h.close();
  });

  it("runs an import job a service submits, then exports what it stored, masked for a reader", async () => {
    const writer = h.client("profiles:write");
    const { jobId } = await writer.profile.import.mutate({
      format: "csv",
      content: csv,
      mapping,
      fileName: "crm.csv",
    });
    let job = await writer.profile.importStatus.query({ jobId });
    while (job.status === "queued" || job.status === "running") {
      await new Promise((resolve) => setTimeout(resolve, 25));
      job = await writer.profile.importStatus.query({ jobId });
    }
    expect(job).toMatchObject({ status: "done", fileName: "crm.csv", inserted: 3, failed: 0 });
    expect((await getProfile(h.db, "email:bob@example.com"))?.profile.data.pii.firstname).toBe(
      "Bob, Jr.",
    );
    const list = await writer.profile.importList.query();
    expect(list.map((j) => j.id)).toContain(jobId);

    const page = await h.client("profiles:read").profile.exportPage.query({
      format: "ndjson",
      query: { search: "smith", sort: "email", order: "asc" },
    });
    expect(page.total).toBe(2);
    expect(page.nextCursor).toBeNull();
    const docs = page.chunk
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Profile);
    expect(docs.map((d) => d.data.contact.email.main)).toEqual(["a•••@e•••", "b•••@e•••"]);
    expect(docs.map((d) => d.traits)).toEqual([{ plan: "pro" }, { plan: "free" }]);
  });

  it("refuses imports from a reader", async () => {
    const refused = await h
      .client("profiles:read")
      .profile.import.mutate({ format: "ndjson", content: "{}" })
      .then(
        () => null,
        (error: unknown) => error as { data?: { code?: string } },
      );
    expect(refused?.data?.code).toBe("FORBIDDEN");
  });

  it("uploads a file part by part and imports it as one job, lines numbered across parts", async () => {
    const writer = h.client("profiles:write");
    const lines = Array.from({ length: 300 }, (_, i) =>
      i === 150 ? "not json" : JSON.stringify({ id: `chunk-${i}`, traits: { n: i } }),
    );
    const parts = [...splitImportText(lines.join("\n") + "\n", "ndjson", 2048)];
    expect(parts.length).toBeGreaterThan(3);
    const { jobId } = await writer.profile.importBegin.mutate({
      format: "ndjson",
      fileName: "chunked.ndjson",
    });
    expect((await writer.profile.importStatus.query({ jobId })).status).toBe("uploading");
    let progress = { parts: 0, rows: 0, bytes: 0 };
    for (const [part, content] of parts.entries()) {
      progress = await writer.profile.importPart.mutate({ jobId, part, content });
    }
    expect(progress).toEqual({
      parts: parts.length,
      rows: 300,
      bytes: Buffer.byteLength(parts.join("")),
    });
    await writer.profile.importCommit.mutate({ jobId, parts: parts.length });
    let job = await writer.profile.importStatus.query({ jobId });
    while (job.status === "queued" || job.status === "running") {
      await new Promise((resolve) => setTimeout(resolve, 25));
      job = await writer.profile.importStatus.query({ jobId });
    }
    expect(job).toMatchObject({ status: "done", totalRows: 300, inserted: 299, failed: 1 });
    expect(job.errors.map((e) => e.line)).toEqual([151]);
    expect(await getProfile(h.db, "chunk-299")).not.toBeNull();
  });

  it("refuses a bad part with a field error naming it, and takes an 8 MB part in one request", async () => {
    const writer = h.client("profiles:write");
    const csvJob = await writer.profile.importBegin.mutate({ format: "csv", mapping });
    await writer.profile.importPart.mutate({
      jobId: csvJob.jobId,
      part: 0,
      content: "Email,First name,Last name,Plan\n",
    });
    const cut = await writer.profile.importPart
      .mutate({ jobId: csvJob.jobId, part: 1, content: 'ann@example.com,"Ann\n' })
      .catch((error: unknown) => error);
    expect(fieldErrors(cut)).toEqual([
      {
        path: "content",
        message: expect.stringContaining("Part 1: it ends inside a quoted cell") as unknown,
      },
    ]);
    const outOfOrder = await writer.profile.importPart
      .mutate({ jobId: csvJob.jobId, part: 3, content: "a,b,c,d\n" })
      .catch((error: unknown) => error);
    expect(fieldErrors(outOfOrder)).toEqual([
      {
        path: "part",
        message: expect.stringContaining("the next part of this upload is part 1") as unknown,
      },
    ]);
    const missing = await writer.profile.importCommit
      .mutate({ jobId: csvJob.jobId, parts: 2 })
      .catch((error: unknown) => error);
    expect(fieldErrors(missing)).toEqual([
      { path: "parts", message: expect.stringContaining("part 1 is missing") as unknown },
    ]);
    const cancelled = await writer.profile.importCancel.mutate({ jobId: csvJob.jobId });
    expect(cancelled.status).toBe("cancelled");

    // The largest part fits under the 10 MB request limit (text without quotes to escape).
    const { jobId } = await writer.profile.importBegin.mutate({ format: "ndjson" });
    const before = await countProfiles(h.db);
    const line = JSON.stringify({ id: "big-part" });
    const content = line + " ".repeat(IMPORT_PART_MAX_BYTES - line.length - 1) + "\n";
    expect(await writer.profile.importPart.mutate({ jobId, part: 0, content })).toEqual({
      parts: 1,
      rows: 1,
      bytes: IMPORT_PART_MAX_BYTES,
    });
    await writer.profile.importCommit.mutate({ jobId, parts: 1 });
    await importWorkerIdle(h.db);
    expect(await countProfiles(h.db)).toBe(before + 1);
  });
});
