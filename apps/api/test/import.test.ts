import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importWorkerIdle } from "@cdp/api";
import { getProfile } from "@cdp/db";
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
});
