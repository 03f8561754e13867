import { and, asc, count, desc, eq, getTableColumns, inArray, or, sql, sum } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { ImportRowError } from "@cdp/profile-schema";
import { IMPORT_MAX_ERRORS } from "@cdp/profile-schema";

import type { Database } from "../client";
import { DomainError, NotFoundError } from "../errors";
import { SqlState, sqlStateOf } from "../retry";
import { importJob, importJobPart, profile, profileIdentifier } from "../schema";
import type { IdentifierType, ImportJobPartRow, ImportJobRow } from "../schema";
import { pgTimestampToIso } from "../sql";
import { rowToProfile } from "./profile";
import type { Identifier, StoredProfile } from "./profile";

/** An import job as callers see it: everything but the submitter's snapshot. */
export type ImportJob = Omit<ImportJobRow, "principal">;
/** A job in a list: without its error report either. */
export type ImportJobSummary = Omit<ImportJob, "errors">;

/** What the worker needs to run a job: the job with its submitter (its file is in parts). */
export type ImportJobRun = ImportJobRow;

export interface NewImportJob {
  id: string;
  format: ImportJobRow["format"];
  fileName: string | null;
  mapping: Record<string, string> | null;
  createdBy: string;
  principal: Record<string, unknown>;
}

/** A part of a job's file as the worker plans its reading: everything but the text. */
export type ImportJobPartInfo = Omit<ImportJobPartRow, "jobId" | "content" | "hash">;

/** A part being stored, with what the server counted in it. */
export type NewImportJobPart = Omit<ImportJobPartRow, "firstLine">;

/** What a job's upload holds so far. */
export interface ImportUploadProgress {
  parts: number;
  rows: number;
  bytes: number;
}

const { principal: _principal, ...jobColumns } = getTableColumns(importJob);
const { errors: _errors, ...summaryColumns } = jobColumns;

/** Jobs the worker owns: the same file cannot be in two of them. */
const ACTIVE = ["queued", "running"] as const;
/** Jobs that have not ended: they can still be cancelled. */
const OPEN = ["uploading", "queued", "running"] as const;

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

/** Stores a job in `uploading`: its file follows part by part ({@link addImportJobPart}). */
export async function createImportJob(db: Database, job: NewImportJob): Promise<ImportJob> {
  const inserted = await db
    .insert(importJob)
    // The hash is chained over the parts as they arrive; no part, no hash yet.
    .values({ ...job, contentHash: "", status: "uploading" })
    .onConflictDoNothing()
    .returning(jobColumns);
  const row = inserted[0];
  if (!row)
    throw new DomainError("CONFLICT", `Import job ${job.id} already exists.`, { jobId: job.id });
  return withIsoTimes(row);
}

async function lockJob(
  db: Database,
  id: string,
): Promise<Pick<ImportJobRow, "status" | "format" | "contentHash">> {
  const rows = await db
    .select({
      status: importJob.status,
      format: importJob.format,
      contentHash: importJob.contentHash,
    })
    .from(importJob)
    .where(eq(importJob.id, id))
    .for("update");
  const row = rows[0];
  if (!row) throw new NotFoundError("Import job", id);
  return row;
}

/** What a job's stored parts add up to. */
export async function importUploadProgress(
  db: Database,
  id: string,
): Promise<ImportUploadProgress> {
  const rows = await db
    .select({
      parts: count(),
      rows: sum(importJobPart.rows).mapWith(Number),
      bytes: sum(importJobPart.bytes).mapWith(Number),
    })
    .from(importJobPart)
    .where(eq(importJobPart.jobId, id));
  const row = rows[0];
  return { parts: row?.parts ?? 0, rows: row?.rows ?? 0, bytes: row?.bytes ?? 0 };
}

/**
 * Stores the next part of an uploading job and chains its hash into the job's
 * (`chain(previous, part)`, previous null for part 0). Parts come in order: a part already
 * stored with the same text is a repeat (nothing changes), with another text a CONFLICT; a part
 * after the next one is refused, and so is a part following one that did not end with a line
 * break. Returns what the upload holds now.
 */
export async function addImportJobPart(
  db: Database,
  part: NewImportJobPart,
  chain: (previous: string | null) => string,
): Promise<ImportUploadProgress> {
  return db.transaction(async (tx) => {
    const job = await lockJob(tx, part.jobId);
    if (job.status !== "uploading") {
      throw new DomainError(
        "CONFLICT",
        `Import job ${part.jobId} is ${job.status}: only a job being uploaded takes parts.`,
        { jobId: part.jobId },
      );
    }
    const last = (
      await tx
        .select({
          part: importJobPart.part,
          hash: importJobPart.hash,
          firstLine: importJobPart.firstLine,
          lines: importJobPart.lines,
          endsWithBreak: sql<boolean>`right(${importJobPart.content}, 1) = E'\n'`,
        })
        .from(importJobPart)
        .where(eq(importJobPart.jobId, part.jobId))
        .orderBy(desc(importJobPart.part))
        .limit(1)
    )[0];
    const next = last ? last.part + 1 : 0;
    if (part.part < next) {
      const stored = await tx
        .select({ hash: importJobPart.hash })
        .from(importJobPart)
        .where(and(eq(importJobPart.jobId, part.jobId), eq(importJobPart.part, part.part)));
      if (stored[0]?.hash !== part.hash) {
        throw new DomainError(
          "CONFLICT",
          `Part ${part.part} was already uploaded with other content: parts cannot be replaced (cancel the import and start again).`,
          { jobId: part.jobId, part: part.part, path: ["part"] },
        );
      }
      return importUploadProgress(tx, part.jobId);
    }
    if (part.part > next) {
      throw new DomainError(
        "BAD_REQUEST",
        `Part ${part.part} is out of order: the next part of this upload is part ${next}.`,
        { path: ["part"], next },
      );
    }
    if (last && !last.endsWithBreak) {
      throw new DomainError(
        "BAD_REQUEST",
        `Part ${last.part} does not end with a line break, so no part can follow it: every part but the last must end with a line break.`,
        { path: ["part"], next },
      );
    }
    await tx.insert(importJobPart).values({
      ...part,
      firstLine: last ? last.firstLine + last.lines : 1,
    });
    const progress = await importUploadProgress(tx, part.jobId);
    await tx
      .update(importJob)
      .set({
        contentHash: chain(part.part === 0 ? null : job.contentHash),
        totalRows: progress.rows,
      })
      .where(eq(importJob.id, part.jobId));
    return progress;
  });
}

/**
 * Ends an upload: checks the job holds exactly `parts` parts and queues it with the parts' rows as
 * its total. The same file (chained hash) while another job for it is queued or running is a
 * CONFLICT naming that job (a partial unique index decides, so two simultaneous commits cannot
 * both pass). Committing a job already queued, running or done returns it unchanged.
 */
export async function commitImportJob(
  db: Database,
  params: { id: string; parts: number; allowEmpty?: boolean },
): Promise<ImportJob> {
  return db.transaction(async (tx) => {
    const job = await lockJob(tx, params.id);
    if (job.status === "queued" || job.status === "running" || job.status === "done") {
      return requireImportJob(tx, params.id);
    }
    if (job.status !== "uploading") {
      throw new DomainError("CONFLICT", `Import job ${params.id} is ${job.status}.`, {
        jobId: params.id,
      });
    }
    const progress = await importUploadProgress(tx, params.id);
    if (progress.parts !== params.parts) {
      const message =
        progress.parts < params.parts
          ? `The upload has ${progress.parts} parts but the commit says ${params.parts}: part ${progress.parts} is missing.`
          : `The upload has ${progress.parts} parts but the commit says ${params.parts}.`;
      throw new DomainError("BAD_REQUEST", message, { path: ["parts"], stored: progress.parts });
    }
    if (progress.rows === 0 && !params.allowEmpty) {
      throw new DomainError("BAD_REQUEST", "The file is empty: it has no rows to import.", {
        path: ["parts"],
      });
    }
    try {
      // A savepoint: a refused update leaves the transaction usable for naming the other job.
      const rows = await tx.transaction((sp) =>
        sp
          .update(importJob)
          .set({ status: "queued", totalRows: progress.rows })
          .where(and(eq(importJob.id, params.id), eq(importJob.status, "uploading")))
          .returning(jobColumns),
      );
      const row = rows[0];
      if (!row) throw new NotFoundError("Import job", params.id);
      return withIsoTimes(row);
    } catch (error) {
      if (sqlStateOf(error) !== SqlState.uniqueViolation) throw error;
      const active = await tx
        .select({ id: importJob.id, status: importJob.status })
        .from(importJob)
        .where(and(eq(importJob.contentHash, job.contentHash), inArray(importJob.status, ACTIVE)))
        .limit(1);
      const other = active[0];
      throw new DomainError(
        "CONFLICT",
        `This file is already being imported (job ${other?.id ?? "?"}, ${other?.status ?? "active"}); wait for it to finish or cancel it.`,
        { jobId: other?.id ?? params.id },
      );
    }
  });
}

/** The parts of a job's file in order, without their text. */
export async function importJobParts(db: Database, id: string): Promise<ImportJobPartInfo[]> {
  return db
    .select({
      part: importJobPart.part,
      rows: importJobPart.rows,
      lines: importJobPart.lines,
      firstLine: importJobPart.firstLine,
      bytes: importJobPart.bytes,
    })
    .from(importJobPart)
    .where(eq(importJobPart.jobId, id))
    .orderBy(asc(importJobPart.part));
}

/** The text of one part, or null when it is gone (the job ended). */
export async function importJobPartContent(
  db: Database,
  id: string,
  part: number,
): Promise<string | null> {
  const rows = await db
    .select({ content: importJobPart.content })
    .from(importJobPart)
    .where(and(eq(importJobPart.jobId, id), eq(importJobPart.part, part)));
  return rows[0]?.content ?? null;
}

/** A job, or null. */
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

/** The whole job, submitter included, for the worker; null when gone. */
export async function loadImportJobRun(db: Database, id: string): Promise<ImportJobRun | null> {
  const rows = await db.select().from(importJob).where(eq(importJob.id, id));
  const row = rows[0];
  return row ? withIsoTimes(row) : null;
}

/** Marks a queued job running; false when it is no longer queued. */
export async function startImportJob(db: Database, params: { id: string }): Promise<boolean> {
  const rows = await db
    .update(importJob)
    .set({ status: "running", startedAt: sql`now()` })
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
 * Ends a job that is still uploading, queued or running: `done`, `failed` (with a message) or
 * `cancelled`. Its parts are dropped. Returns the job, or null when it had already ended.
 */
export async function finishImportJob(
  db: Database,
  params: { id: string; status: "done" | "failed" | "cancelled"; message?: string | null },
): Promise<ImportJob | null> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(importJob)
      .set({ status: params.status, message: params.message ?? null, finishedAt: sql`now()` })
      .where(and(eq(importJob.id, params.id), inArray(importJob.status, OPEN)))
      .returning(jobColumns);
    const row = rows[0];
    if (!row) return null;
    await tx.delete(importJobPart).where(eq(importJobPart.jobId, params.id));
    return withIsoTimes(row);
  });
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
