import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";

import { tstz } from "./columns";

/**
 * A profile import: its progress and a per-row error report. The file is in its parts
 * ({@link importJobPart}), kept until the job ends so it can resume after a crash.
 */
export const importJob = pgTable(
  "import_job",
  {
    id: text("id").primaryKey(),
    status: text("status", {
      enum: ["uploading", "queued", "running", "done", "failed", "cancelled"],
    })
      .notNull()
      .default("queued"),
    format: text("format", { enum: ["ndjson", "tracardi", "csv"] }).notNull(),
    fileName: text("file_name"),
    /**
     * SHA-256 chained over the parts (part 0's hash, then sha256(previous hex + part)): the same
     * file split the same way is recognised; a one-part file's is the SHA-256 of its text.
     */
    contentHash: text("content_hash").notNull(),
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

/**
 * One part of an import file, in upload order, with what the server counted when it arrived:
 * the worker reads one part at a time and numbers lines on from `firstLine`.
 */
export const importJobPart = pgTable(
  "import_job_part",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => importJob.id, { onDelete: "cascade" }),
    part: integer("part").notNull(),
    content: text("content").notNull(),
    /** SHA-256 of the content: a part sent again with the same text is accepted as a repeat. */
    hash: text("hash").notNull(),
    /** Rows (non-blank lines; CSV records, the header aside). */
    rows: integer("rows").notNull(),
    /** Lines of the text (a final line break does not start another). */
    lines: integer("lines").notNull(),
    /** Line number, in the whole file, of the part's first line. */
    firstLine: integer("first_line").notNull(),
    /** UTF-8 bytes. */
    bytes: integer("bytes").notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.part] })],
);

export type ImportJobPartRow = typeof importJobPart.$inferSelect;
