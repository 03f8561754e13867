import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";

import { tstz } from "./columns";

/**
 * A profile import: the uploaded file (kept until the job ends so it can resume after a crash),
 * its progress, and a per-row error report.
 */
export const importJob = pgTable(
  "import_job",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: ["queued", "running", "done", "failed", "cancelled"] })
      .notNull()
      .default("queued"),
    format: text("format", { enum: ["ndjson", "tracardi", "csv"] }).notNull(),
    fileName: text("file_name"),
    /** SHA-256 of the content: the same file imported again is recognised. */
    contentHash: text("content_hash").notNull(),
    content: text("content"),
    /** CSV column → profile path. */
    mapping: jsonb("mapping").$type<Record<string, string>>(),
    totalRows: integer("total_rows").notNull().default(0),
    processedRows: integer("processed_rows").notNull().default(0),
    /** Last line of the file whose row is committed: a resumed job starts after it. */
    lastLine: integer("last_line").notNull().default(0),
    inserted: integer("inserted").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    unchanged: integer("unchanged").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    /** [{ line, path, message }], the first thousand. */
    errors: jsonb("errors")
      .$type<{ line: number; path: string; message: string }[]>()
      .notNull()
      .default([]),
    message: text("message"),
    createdBy: text("created_by").notNull(),
    /** Who submitted the job, as the API knows them: a resumed job writes (and audits) as them. */
    principal: jsonb("principal").$type<Record<string, unknown>>(),
    createdAt: tstz("created_at")
      .notNull()
      .default(sql`now()`),
    startedAt: tstz("started_at"),
    finishedAt: tstz("finished_at"),
  },
  (t) => [
    index("import_job_created_idx").on(t.createdAt),
    // One active job per file: the same content submitted while it runs is refused.
    uniqueIndex("import_job_active_content_idx")
      .on(t.contentHash)
      .where(sql`${t.status} in ('queued', 'running')`),
  ],
);

export type ImportJobRow = typeof importJob.$inferSelect;
