import { and, asc, desc, eq, getTableColumns, inArray, or, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { ImportRowError } from "@cdp/profile-schema";
import { IMPORT_MAX_ERRORS } from "@cdp/profile-schema";

import type { Database } from "../client";
import { DomainError, NotFoundError } from "../errors";
import { importJob, profile, profileIdentifier } from "../schema";
import type { IdentifierType, ImportJobRow } from "../schema";
import { pgTimestampToIso } from "../sql";
import { rowToProfile } from "./profile";
import type { Identifier, StoredProfile } from "./profile";

/** An import job as callers see it: everything but the file and the submitter's snapshot. */
export type ImportJob = Omit<ImportJobRow, "content" | "principal">;
/** A job in a list: without its error report either. */
export type ImportJobSummary = Omit<ImportJob, "errors">;

/** What the worker needs to run a job: the job with its file and submitter. */
export type ImportJobRun = ImportJobRow;

export interface NewImportJob {
  id: string;
  format: ImportJobRow["format"];
  fileName: string | null;
  contentHash: string;
  content: string;
  mapping: Record<string, string> | null;
  createdBy: string;
  principal: Record<string, unknown>;
}

const { content: _content, principal: _principal, ...jobColumns } = getTableColumns(importJob);
const { errors: _errors, ...summaryColumns } = jobColumns;

const ACTIVE = ["queued", "running"] as const;

function withIsoTimes<T extends Pick<ImportJobRow, "createdAt" | "startedAt" | "finishedAt">>(
  row: T,
): T {
  return {
    ...row,
    createdAt: pgTimestampToIso(row.createdAt) ?? row.createdAt,
    startedAt: pgTimestampToIso(row.startedAt),
    finishedAt: pgTimestampToIso(row.finishedAt),
  };
}

/**
 * Stores a queued job. The same content while a job for it is queued or running is a CONFLICT
 * naming that job (a partial unique index decides, so two simultaneous submissions cannot both
 * pass).
 */
export async function createImportJob(db: Database, job: NewImportJob): Promise<ImportJob> {
  const inserted = await db
    .insert(importJob)
    .values({ ...job, status: "queued" })
    .onConflictDoNothing()
    .returning(jobColumns);
  const row = inserted[0];
  if (row) return withIsoTimes(row);
  const active = await db
    .select({ id: importJob.id, status: importJob.status })
    .from(importJob)
    .where(and(eq(importJob.contentHash, job.contentHash), inArray(importJob.status, ACTIVE)))
    .limit(1);
  const other = active[0];
  throw new DomainError(
    "CONFLICT",
    other
      ? `This file is already being imported (job ${other.id}, ${other.status}); wait for it to finish or cancel it.`
      : `Import job ${job.id} already exists.`,
    other ? { jobId: other.id } : { jobId: job.id },
  );
}

/** A job without its file, or null. */
export async function getImportJob(db: Database, id: string): Promise<ImportJob | null> {
  const rows = await db.select(jobColumns).from(importJob).where(eq(importJob.id, id));
  const row = rows[0];
  return row ? withIsoTimes(row) : null;
}

/** Like getImportJob, but a missing job is NOT_FOUND. */
export async function requireImportJob(db: Database, id: string): Promise<ImportJob> {
  const job = await getImportJob(db, id);
  if (!job) throw new NotFoundError("Import job", id);
  return job;
}

/** The newest jobs first, without files or error reports. */
export async function listImportJobs(
  db: Database,
  params: { limit?: number } = {},
): Promise<ImportJobSummary[]> {
  const limit = Math.min(Math.max(params.limit ?? 50, 1), 200);
  const rows = await db
    .select(summaryColumns)
    .from(importJob)
    .orderBy(desc(importJob.createdAt), desc(importJob.id))
    .limit(limit);
  return rows.map(withIsoTimes);
}

/** Ids of jobs not finished (queued or left running by a stopped process), oldest first. */
export async function unfinishedImportJobIds(db: Database): Promise<string[]> {
  const rows = await db
    .select({ id: importJob.id })
    .from(importJob)
    .where(inArray(importJob.status, ACTIVE))
    .orderBy(asc(importJob.createdAt), asc(importJob.id));
  return rows.map((r) => r.id);
}

/** The whole job, file included, for the worker; null when gone. */
export async function loadImportJobRun(db: Database, id: string): Promise<ImportJobRun | null> {
  const rows = await db.select().from(importJob).where(eq(importJob.id, id));
  const row = rows[0];
  return row ? withIsoTimes(row) : null;
}

/** Marks a queued job running with its row count; false when it is no longer queued. */
export async function startImportJob(
  db: Database,
  params: { id: string; totalRows: number },
): Promise<boolean> {
  const rows = await db
    .update(importJob)
    .set({ status: "running", totalRows: params.totalRows, startedAt: sql`now()` })
    .where(and(eq(importJob.id, params.id), eq(importJob.status, "queued")))
    .returning({ id: importJob.id });
  return rows.length > 0;
}

/**
 * Locks a running job for one batch (call inside the batch's transaction) and returns its
 * position; null when it stopped running (cancelled, finished) so the batch must not run.
 */
export async function lockRunningImportJob(
  db: Database,
  id: string,
): Promise<Pick<ImportJobRow, "lastLine" | "errors"> | null> {
  const rows = await db
    .select({ status: importJob.status, lastLine: importJob.lastLine, errors: importJob.errors })
    .from(importJob)
    .where(eq(importJob.id, id))
    .for("update");
  const row = rows[0];
  return row?.status === "running" ? { lastLine: row.lastLine, errors: row.errors } : null;
}

/** Counts of one committed batch. */
export interface ImportBatchProgress {
  /** Line of the batch's last row: a resumed job starts after it. */
  lastLine: number;
  processed: number;
  inserted: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** The batch's row errors (kept up to IMPORT_MAX_ERRORS per job). */
  errors: ImportRowError[];
}

/** Adds a batch's counts and errors and moves the job's position (inside the batch's transaction). */
export async function advanceImportJob(
  db: Database,
  params: { id: string; keptErrors: ImportRowError[]; batch: ImportBatchProgress },
): Promise<void> {
  const { batch } = params;
  const room = IMPORT_MAX_ERRORS - params.keptErrors.length;
  const errors =
    room > 0 && batch.errors.length > 0
      ? [...params.keptErrors, ...batch.errors.slice(0, room)]
      : undefined;
  await db
    .update(importJob)
    .set({
      lastLine: batch.lastLine,
      processedRows: sql`${importJob.processedRows} + ${batch.processed}`,
      inserted: sql`${importJob.inserted} + ${batch.inserted}`,
      updated: sql`${importJob.updated} + ${batch.updated}`,
      unchanged: sql`${importJob.unchanged} + ${batch.unchanged}`,
      failed: sql`${importJob.failed} + ${batch.failed}`,
      ...(errors ? { errors } : {}),
    })
    .where(eq(importJob.id, params.id));
}

/**
 * Ends a job that is still queued or running: `done`, `failed` (with a message) or `cancelled`.
 * The file is dropped. Returns the job, or null when it had already ended.
 */
export async function finishImportJob(
  db: Database,
  params: { id: string; status: "done" | "failed" | "cancelled"; message?: string | null },
): Promise<ImportJob | null> {
  const rows = await db
    .update(importJob)
    .set({
      status: params.status,
      message: params.message ?? null,
      content: null,
      finishedAt: sql`now()`,
    })
    .where(and(eq(importJob.id, params.id), inArray(importJob.status, ACTIVE)))
    .returning(jobColumns);
  const row = rows[0];
  return row ? withIsoTimes(row) : null;
}

/**
 * Profiles holding any of `identifiers`, keyed `type\0value` (the first claimer of an e-mail or
 * phone holds it). One query for the identifiers and one for the profiles: an import batch
 * resolves its rows' matches at once.
 */
export async function profilesByIdentifiers(
  db: Database,
  identifiers: readonly Identifier[],
): Promise<Map<string, StoredProfile>> {
  const found = new Map<string, StoredProfile>();
  if (identifiers.length === 0) return found;
  const byType = new Map<IdentifierType, Set<string>>();
  for (const { type, value } of identifiers) {
    const values = byType.get(type) ?? new Set<string>();
    values.add(value);
    byType.set(type, values);
  }
  const filters: SQL[] = [];
  for (const [type, values] of byType) {
    const filter = and(
      eq(profileIdentifier.type, type),
      inArray(profileIdentifier.value, [...values]),
    );
    if (filter) filters.push(filter);
  }
  const claims = await db
    .select({
      type: profileIdentifier.type,
      value: profileIdentifier.value,
      profileId: profileIdentifier.profileId,
    })
    .from(profileIdentifier)
    .where(or(...filters));
  if (claims.length === 0) return found;
  const ids = [...new Set(claims.map((c) => c.profileId))];
  const rows = await db.select().from(profile).where(inArray(profile.id, ids));
  const byId = new Map(
    rows.map((row) => [row.id, { profile: rowToProfile(row), version: row.version }]),
  );
  for (const claim of claims) {
    const stored = byId.get(claim.profileId);
    if (stored) found.set(identifierKey(claim), stored);
  }
  return found;
}

/** The map key of an identifier in {@link profilesByIdentifiers}. */
export function identifierKey(identifier: Identifier): string {
  return `${identifier.type}\u0000${identifier.value}`;
}
