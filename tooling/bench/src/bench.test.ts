import { describe, expect, it } from "vitest";

import { env } from "./env";
import { formatTable, ratioChart } from "./report";
import { runBench } from "./run";

// A smoke run so the benchmark cannot rot: every operation runs end to end on a small database.
// It checks what the benchmark reports, never how fast anything was.
describe("pnpm bench (smoke)", () => {
  it("measures every operation beside raw SQL and loses no tracked event", async () => {
    const report = await runBench({
      count: 2_000,
      ...(env.TEST_DATABASE_URL ? { url: env.TEST_DATABASE_URL } : {}),
      calls: 200,
      clients: 8,
      trackEvents: 2_000,
      trackBatch: 500,
      senders: 4,
      importCount: 500,
      // Parts of 64 KB: the 500 profiles go up in parts, as a big file would.
      importPartBytes: 64 * 1024,
    });
    expect(report.seed.profiles).toBe(2_000);
    expect(report.rows.map((r) => r.op)).toEqual([
      "get by id (HTTP tRPC)",
      "get by email (HTTP tRPC)",
      "list page: filter + sort, first",
      "list page: filter + sort, middle",
      'text search "smith"',
      "segment preview: count + 20 sample (3 conditions)",
      "segment create: membership of every profile",
      "segment refresh (time-relative, every profile)",
      "track ingest (4 senders × 500/batch)",
      "import 500 NDJSON profiles",
      expect.stringMatching(/^export 2,[0-9]{3} profiles \(NDJSON\)$/),
    ]);
    for (const row of report.rows) expect(row.ratio).toBeGreaterThan(0);
    expect(report.rows.at(-2)?.note).toMatch(/^HTTP upload in ([2-9]|\d{2,}) parts/);
    expect(report.track).toEqual({ sent: 2_000, stored: 2_000 });
    // Every stored profile is exported (imported rows matching a seeded e-mail update it).
    const [, exported, stored] =
      /^(\d+) of (\d+) profiles$/.exec(report.rows.at(-1)?.note ?? "") ?? [];
    expect(Number(exported)).toBeGreaterThan(2_000);
    expect(exported).toBe(stored);
    expect(formatTable(report).split("\n")).toHaveLength(report.rows.length + 2);
    expect(ratioChart(report)).toContain("<svg");
  });
});
