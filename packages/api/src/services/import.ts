import { createHash, randomUUID } from "node:crypto";
import { parse as parseCsv } from "csv-parse";
import { ZodError } from "zod";
import {
  diffPaths,
  endsInsideCsvQuote,
  lineCount,
  mergeImported,
  parseCsvRow,
  parseDocumentRow,
  resolveCsvColumns,
  utf8Length,
} from "@cdp/profile-schema";
import type {
  CsvColumn,
  Profile,
  ImportBeginInput,
  ImportCommitInput,
  ImportInput,
  ImportPartInput,
  ImportRecord,
  ImportRowError,
  ImportRowResult,
} from "@cdp/profile-schema";
import {
  addImportJobPart,
  advanceImportJob,
  commitImportJob,
  createImportJob,
  DomainError,
  finishImportJob,
  identifierKey,
  identifiersOf,
  importJobPartContent,
  importJobParts,
  listImportJobs,
  loadImportJobRun,
  lockRunningImportJob,
  profilesByIdentifiers,
  requireImportJob,
  requireProfile,
  startImportJob,
  unfinishedImportJobIds,
  VersionConflictError,
} from "@cdp/db";
import type {
  Database,
  Identifier,
  ImportBatchProgress,
  ImportJob,
  ImportJobRun,
  ImportJobSummary,
  ImportUploadProgress,
  StoredProfile,
} from "@cdp/db";

import { isPermission } from "../authz";
import type { Principal } from "../authz";
import { writeProfile, writeProfiles } from "./profile-write";
import type { WriteOrigin, WriteResult } from "./profile-write";

/**
 * Rows per transaction: each batch commits its profiles and the job's position together. The rows
 * of a batch that touch one profile fold into one write of it (one new version, one audit row).
 */
export const IMPORT_BATCH_SIZE = 1000;

export interface ImportRunOptions {
  /** Rows per transaction (default {@link IMPORT_BATCH_SIZE}). */
  batchSize?: number;
  /** Stop after this many batches, leaving the job running (to test resuming). */
  maxBatches?: number;
  /** Stop before the next batch once aborted, leaving the job running (graceful shutdown). */
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------------
// 1. Reading the file: rows with their line numbers
// ---------------------------------------------------------------------------------------------

/** One row of the file: where it starts, the text its placeholder id is derived from, and what it says. */
interface Row {
  line: number;
  /** Stable text of the row: a row without an id gets an id derived from it. */
  key: string;
  result: ImportRowResult;
}

function* ndjsonLines(content: string): Generator<{ line: number; text: string }> {
  let line = 0;
  for (let start = 0; start <= content.length;) {
    const newline = content.indexOf("\n", start);
    const end = newline === -1 ? content.length : newline;
    line++;
    const text = content.slice(start, end).trim();
    if (text !== "") yield { line, text };
    if (newline === -1) break;
    start = newline + 1;
  }
}

type CsvRecord = { line: number; cells: string[] } | { line: number; error: string };

const CSV_CHUNK_BYTES = 256 * 1024;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Line numbers of byte offsets, asked in increasing order (counted once over the file). */
function lineCounter(buffer: Buffer): (offset: number) => number {
  let scanned = 0;
  let newlines = 0;
  return (offset) => {
    for (
      let at = buffer.indexOf(NEWLINE, scanned);
      at !== -1 && at < offset;
      at = buffer.indexOf(NEWLINE, at + 1)
    ) {
      newlines++;
    }
    scanned = Math.max(scanned, offset);
    return 1 + newlines;
  };
}

/**
 * Parses `buffer` from byte `from` until its end or the first broken record; returns where
 * that record starts (null when the end was reached).
 */
async function* csvSegment(
  buffer: Buffer,
  from: number,
  lineOf: (offset: number) => number,
): AsyncGenerator<{ line: number; cells: string[] }, number | null> {
  const pending: { line: number; cells: string[] }[] = [];
  let lastEnd = from;
  let broken = false;
  const parser = parseCsv({
    bom: from === 0,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // Records are taken here, in order, and never buffered by the stream.
    on_record: (cells: string[], context: { bytes: number }) => {
      if (broken) return null;
      const end = from + context.bytes;
      // The line of the record's last character, less the line breaks inside its cells.
      const endLine = lineOf(end) - (buffer[end - 1] === NEWLINE ? 1 : 0);
      const inner = cells.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
      pending.push({ line: endLine - inner, cells });
      lastEnd = end;
      return null;
    },
    on_skip: () => {
      broken = true;
      return undefined;
    },
  });
  let failure: Error | null = null;
  parser.on("error", (error) => {
    failure = error;
  });
  const step = (run: (done: () => void) => void) =>
    new Promise<void>((resolve, reject) => {
      run(() => (failure ? reject(failure) : resolve()));
    });
  for (let offset = from; offset < buffer.length && !broken; offset += CSV_CHUNK_BYTES) {
    const chunk = buffer.subarray(offset, offset + CSV_CHUNK_BYTES);
    await step((done) => parser.write(chunk, () => done()));
    yield* pending.splice(0);
  }
  if (!broken) {
    await step((done) => parser.end(() => done()));
    yield* pending.splice(0);
    if (!broken) return null;
  }
  let start = lastEnd;
  while (buffer[start] === NEWLINE || buffer[start] === CARRIAGE_RETURN) start++;
  return start;
}

/**
 * The records of a CSV file with the line each starts on. The file is fed to the parser in
 * chunks, so only a chunk's records are held at once. A broken record (a stray quote) is an
 * error on its line, and parsing starts again on the next line: csv-parse alone would read the
 * rest of the file as one quoted cell. Lines are counted from the bytes here, as csv-parse
 * counts CRLF inside quoted cells twice.
 */
async function* csvRecords(content: string): AsyncGenerator<CsvRecord> {
  const buffer = Buffer.from(content, "utf8");
  const lineOf = lineCounter(buffer);
  for (let from: number | null = 0; from !== null && from < buffer.length;) {
    const broken: number | null = yield* csvSegment(buffer, from, lineOf);
    if (broken === null) return;
    const line = lineOf(broken);
    const message =
      "Unreadable CSV record: a quote is not closed, or a quoted cell has text after its closing " +
      'quote (write a quote inside a quoted cell as "")';
    yield { line, error: message };
    const next: number = buffer.indexOf(NEWLINE, broken);
    from = next === -1 ? null : next + 1;
  }
}

/** The first record of a CSV file (its header), or null when it has none. */
async function csvHeaderRecord(content: string): Promise<CsvRecord | null> {
  for await (const record of csvRecords(content)) return record;
  return null;
}

function headerError(issues: { path: string; message: string }[]): DomainError {
  return new DomainError("BAD_REQUEST", issues.map((i) => i.message).join("; "), {
    fieldErrors: issues,
  });
}

/** The text of a job's part; a part gone while the job runs means the job ended. */
async function partContent(db: Database, jobId: string, part: number): Promise<string> {
  const content = await importJobPartContent(db, jobId, part);
  if (content === null)
    throw new DomainError("CONFLICT", `Part ${part} of import job ${jobId} is gone`);
  return content;
}

/**
 * The rows of a job's file after `afterLine`, parsed, reading one part at a time from the store
 * (a file can be far larger than memory or a string). Lines are numbered on across parts from
 * each part's stored first line; a part wholly at or before `afterLine` is not read. A CSV file's
 * header is part 0's first record and applies to every part.
 */
async function* rowsOf(db: Database, job: ImportJobRun, afterLine: number): AsyncGenerator<Row> {
  const parts = await importJobParts(db, job.id);
  let columns: CsvColumn[] | null = null;
  let width = 0;
  if (job.format === "csv") {
    const header = await csvHeaderRecord(await partContent(db, job.id, 0));
    if (header === null) return;
    if ("error" in header) throw new DomainError("BAD_REQUEST", `CSV header: ${header.error}`);
    const resolved = resolveCsvColumns(job.mapping ?? {}, header.cells);
    if (!resolved.ok) throw headerError(resolved.issues);
    columns = resolved.columns;
    width = header.cells.length;
  }
  for (const part of parts) {
    if (part.firstLine + part.lines - 1 <= afterLine) continue;
    const content = await partContent(db, job.id, part.part);
    const offset = part.firstLine - 1;
    if (columns === null) {
      if (job.format === "csv") return;
      for (const { line, text } of ndjsonLines(content)) {
        if (line + offset <= afterLine) continue;
        yield {
          line: line + offset,
          key: `${job.format}\n${text}`,
          result: parseDocumentRow(job.format, text),
        };
      }
      continue;
    }
    yield* csvRows(content, {
      columns,
      width,
      offset,
      afterLine,
      skipHeader: part.part === 0,
    });
  }
}

async function* csvRows(
  content: string,
  params: {
    columns: CsvColumn[];
    width: number;
    offset: number;
    afterLine: number;
    skipHeader: boolean;
  },
): AsyncGenerator<Row> {
  const { columns, width, offset, afterLine } = params;
  const broken = (line: number, message: string): Row => ({
    line,
    key: "",
    result: { ok: false, issues: [{ path: "", message }] },
  });
  let skip = params.skipHeader;
  for await (const record of csvRecords(content)) {
    if (skip) {
      skip = false;
      continue;
    }
    const line = record.line + offset;
    if (line <= afterLine) continue;
    if ("error" in record) {
      yield broken(line, record.error);
      continue;
    }
    // A row of another width is misaligned (a lost quote, a stray delimiter): its cells would
    // land in the wrong fields.
    if (record.cells.length !== width) {
      yield broken(line, `Expected ${width} cells like the header, got ${record.cells.length}`);
      continue;
    }
    const cells = record.cells;
    const mapped = columns.map((c) => [c.path, cells[c.index] ?? ""]);
    yield {
      line,
      key: `csv\n${JSON.stringify(mapped)}`,
      result: parseCsvRow(columns, cells),
    };
  }
}

/** Rows a part holds (blank lines and, in part 0 of a CSV file, the header aside). */
async function countPartRows(
  format: ImportJobRun["format"],
  content: string,
  part: number,
): Promise<number> {
  if (format !== "csv") {
    let rows = 0;
    for (const _ of ndjsonLines(content)) rows++;
    return rows;
  }
  let records = 0;
  for await (const _ of csvRecords(content)) records++;
  return part === 0 ? Math.max(records - 1, 0) : records;
}

async function* batchesOf(rows: AsyncIterable<Row>, size: number): AsyncGenerator<Row[]> {
  let batch: Row[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

// ---------------------------------------------------------------------------------------------
// 2. Writing a batch
// ---------------------------------------------------------------------------------------------

/**
 * The id a row without one gets: derived from its content, so importing the same file again
 * finds the profile it created instead of adding another.
 */
function derivedProfileId(key: string): string {
  const h = createHash("sha256").update(key).digest("hex");
  const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  // UUID-shaped, version 8 ("custom"), so it looks like every other generated id.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** How a row is matched: its id, then e-mails, phones and external keys, then its derived id. */
function candidatesOf(record: ImportRecord, derivedId: string): Identifier[] {
  const candidates: Identifier[] = record.hasId ? [{ type: "id", value: record.profile.id }] : [];
  for (const identifier of identifiersOf(record.profile)) {
    if (identifier.type !== "id") candidates.push(identifier);
  }
  if (!record.hasId) candidates.push({ type: "id", value: derivedId });
  return candidates;
}

type Outcome = "inserted" | "updated" | "unchanged";

/** What the batch knows about profiles: prefetched, then kept current as its rows write. */
class BatchMatches {
  private readonly claims = new Map<string, string>();
  private readonly profiles = new Map<string, StoredProfile>();

  constructor(found: Map<string, StoredProfile>) {
    for (const [key, stored] of found) {
      this.claims.set(key, stored.profile.id);
      this.profiles.set(stored.profile.id, stored);
    }
  }

  find(candidates: Identifier[]): StoredProfile | null {
    for (const candidate of candidates) {
      const id = this.claims.get(identifierKey(candidate));
      const stored = id === undefined ? undefined : this.profiles.get(id);
      if (stored) return stored;
    }
    return null;
  }

  /** Records a write: the profile's new version and the identifiers it now holds. */
  wrote(stored: StoredProfile): void {
    const id = stored.profile.id;
    this.profiles.set(id, stored);
    const held = new Set(identifiersOf(stored.profile).map(identifierKey));
    for (const [key, owner] of this.claims) {
      if (owner === id && !held.has(key)) this.claims.delete(key);
    }
    // A shared e-mail or phone stays with the profile that claimed it first, as in the store.
    for (const key of held) if (!this.claims.has(key)) this.claims.set(key, id);
  }
}

interface JobContext {
  job: ImportJobRun;
  origin: WriteOrigin;
}

async function importRecord(
  tx: Database,
  ctx: JobContext,
  matches: BatchMatches,
  row: Row,
  record: ImportRecord,
): Promise<Outcome> {
  const derivedId = derivedProfileId(row.key);
  const before = matches.find(candidatesOf(record, derivedId));
  if (!before) {
    const profile = record.hasId ? record.profile : { ...record.profile, id: derivedId };
    const { stored } = await writeInSavepoint(tx, null, profile, ctx);
    matches.wrote(stored);
    return "inserted";
  }
  const merged = mergeImported(before.profile, record);
  // The merge touches only importable fields, so an empty diff means nothing to write: re-runs
  // cost no statement per row.
  if (diffPaths(before.profile, merged).length === 0) return "unchanged";
  let result;
  try {
    result = await writeInSavepoint(tx, before, merged, ctx);
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
    // Someone saved the profile since the batch read it: merge into what they saved.
    const current = await requireProfile(tx, `id:${before.profile.id}`);
    result = await writeInSavepoint(tx, current, mergeImported(current.profile, record), ctx);
  }
  matches.wrote(result.stored);
  return result.changed.length > 0 ? "updated" : "unchanged";
}

/** One row's write in a savepoint: a row that fails leaves nothing behind, and the batch goes on. */
function writeInSavepoint(
  tx: Database,
  before: StoredProfile | null,
  after: Profile,
  ctx: JobContext,
): Promise<WriteResult> {
  return tx.transaction((sp) => writeProfile(sp, { before, after, origin: ctx.origin }));
}

function rowErrorsOf(line: number, error: unknown): ImportRowError[] {
  if (error instanceof ZodError) {
    return error.issues.map((issue) => ({
      line,
      path: issue.path.map(String).join("."),
      message: issue.message,
    }));
  }
  if (error instanceof DomainError) {
    const path = error.details["path"];
    return [{ line, path: Array.isArray(path) ? path.join(".") : "", message: error.message }];
  }
  // Driver errors wrap the failed SQL and its parameters; the cause says what went wrong.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return [{ line, path: "", message: cause instanceof Error ? cause.message : String(cause) }];
}

/**
 * Imports one batch in the caller's transaction and advances the job past it. Returns false
 * (writing nothing) when the job stopped running or another worker already moved it.
 */
async function importBatch(
  tx: Database,
  ctx: JobContext,
  rows: Row[],
  expectedLine: number,
): Promise<boolean> {
  const locked = await lockRunningImportJob(tx, ctx.job.id);
  if (!locked || locked.lastLine !== expectedLine) return false;
  const progress: ImportBatchProgress = {
    lastLine: rows[rows.length - 1]?.line ?? expectedLine,
    processed: rows.length,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    errors: [],
  };
  const candidates = rows.flatMap((row) =>
    row.result.ok ? candidatesOf(row.result.record, derivedProfileId(row.key)) : [],
  );
  const found = await profilesByIdentifiers(tx, candidates);
  try {
    await tx.transaction((sp) => importTogether(sp, ctx, new BatchMatches(found), rows, progress));
  } catch (error) {
    // Someone saved one of these profiles since the batch read it: go row by row, each merging
    // into what is stored now.
    if (!(error instanceof VersionConflictError)) throw error;
    Object.assign(progress, { inserted: 0, updated: 0, unchanged: 0, failed: 0, errors: [] });
    await importOneByOne(tx, ctx, new BatchMatches(found), rows, progress);
  }
  await advanceImportJob(tx, { id: ctx.job.id, keptErrors: locked.errors, batch: progress });
  return true;
}

function rowFailed(progress: ImportBatchProgress, row: Row): boolean {
  if (row.result.ok) return false;
  progress.failed++;
  progress.errors.push(...row.result.issues.map((issue) => ({ line: row.line, ...issue })));
  return true;
}

/**
 * The batch as one combined write (writeProfiles): each profile's rows fold in memory into one
 * document, in file order, then every profile is written at once. A profile whose write is
 * refused fails its rows alone.
 * @throws VersionConflictError when another writer changed one of the profiles meanwhile.
 */
async function importTogether(
  tx: Database,
  ctx: JobContext,
  matches: BatchMatches,
  rows: Row[],
  progress: ImportBatchProgress,
): Promise<void> {
  const planned = new Map<
    string,
    { before: StoredProfile | null; after: Profile; rows: { line: number; outcome: Outcome }[] }
  >();
  for (const row of rows) {
    if (rowFailed(progress, row) || !row.result.ok) continue;
    const record = row.result.record;
    try {
      const derivedId = derivedProfileId(row.key);
      const match = matches.find(candidatesOf(record, derivedId));
      if (!match) {
        const profile = record.hasId ? record.profile : { ...record.profile, id: derivedId };
        planned.set(profile.id, {
          before: null,
          after: profile,
          rows: [{ line: row.line, outcome: "inserted" }],
        });
        matches.wrote({ profile, version: 0 });
        continue;
      }
      const merged = mergeImported(match.profile, record);
      if (diffPaths(match.profile, merged).length === 0) {
        progress.unchanged++;
        continue;
      }
      // The profile as stored stays the write's starting point however many rows touch it.
      const entry = planned.get(match.profile.id) ?? { before: match, after: merged, rows: [] };
      entry.after = merged;
      entry.rows.push({ line: row.line, outcome: "updated" });
      planned.set(match.profile.id, entry);
      matches.wrote({ profile: merged, version: match.version });
    } catch (error) {
      progress.failed++;
      progress.errors.push(...rowErrorsOf(row.line, error));
    }
  }
  const entries = [...planned.values()];
  const outcomes = await writeProfiles(
    tx,
    entries.map((e) => ({ before: e.before, after: e.after, origin: ctx.origin })),
  );
  entries.forEach((entry, i) => {
    const outcome = outcomes[i];
    for (const r of entry.rows) {
      if (outcome?.ok) {
        progress[
          outcome.result.changed.length > 0 || entry.before === null ? r.outcome : "unchanged"
        ]++;
      } else {
        progress.failed++;
        progress.errors.push(...rowErrorsOf(r.line, outcome?.error));
      }
    }
  });
}

/** The batch row by row, each write in its own savepoint (after a conflict). */
async function importOneByOne(
  tx: Database,
  ctx: JobContext,
  matches: BatchMatches,
  rows: Row[],
  progress: ImportBatchProgress,
): Promise<void> {
  for (const row of rows) {
    if (rowFailed(progress, row) || !row.result.ok) continue;
    try {
      progress[await importRecord(tx, ctx, matches, row, row.result.record)]++;
    } catch (error) {
      progress.failed++;
      progress.errors.push(...rowErrorsOf(row.line, error));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Running jobs
// ---------------------------------------------------------------------------------------------

/** Who the job writes as: its submitter, as stored with it. */
function principalOf(job: ImportJobRun): Principal {
  const p = job.principal ?? {};
  const id = typeof p["id"] === "string" ? p["id"] : job.createdBy;
  const name = typeof p["name"] === "string" ? p["name"] : job.createdBy;
  const granted = (key: string) => (Array.isArray(p[key]) ? p[key].filter(isPermission) : []);
  if (
    p["kind"] === "staff" &&
    ["viewer", "editor", "privacy", "admin"].includes(String(p["role"]))
  ) {
    return {
      kind: "staff",
      id,
      name,
      role: p["role"] as "viewer" | "editor" | "privacy" | "admin",
    };
  }
  if (p["kind"] === "service") return { kind: "service", id, name, scopes: granted("scopes") };
  return { kind: "system", id, name, permissions: granted("permissions") };
}

const describeError = (error: unknown) =>
  error instanceof Error ? error.message : `Import failed: ${String(error)}`;

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs (or resumes) a job in this process until its file is done, it is cancelled, or
 * `maxBatches` batches ran: each batch is one transaction that also moves the job's position,
 * so a crash loses at most the batch in flight, which the next run repeats. Returns the job.
 */
export async function runImportJob(
  db: Database,
  jobId: string,
  options: ImportRunOptions = {},
): Promise<ImportJob | null> {
  const job = await loadImportJobRun(db, jobId);
  if (!job || (job.status !== "queued" && job.status !== "running")) {
    return job ? requireImportJob(db, jobId) : null;
  }
  const batchSize = Math.max(1, options.batchSize ?? IMPORT_BATCH_SIZE);
  const requestId = `import:${job.id}`;
  const ctx: JobContext = {
    job,
    origin: { principal: principalOf(job), requestId, source: requestId },
  };
  try {
    if (job.status === "queued") {
      const started = await startImportJob(db, { id: job.id });
      if (!started) return requireImportJob(db, jobId);
    }
    let position = job.lastLine;
    let batches = 0;
    for await (const rows of batchesOf(rowsOf(db, job, position), batchSize)) {
      if (
        options.signal?.aborted ||
        (options.maxBatches !== undefined && batches >= options.maxBatches)
      ) {
        return requireImportJob(db, jobId);
      }
      const advanced = await db.transaction((tx) => importBatch(tx, ctx, rows, position));
      if (!advanced) return requireImportJob(db, jobId);
      position = rows[rows.length - 1]?.line ?? position;
      batches++;
      // Let requests waiting on the database in this process run between batches.
      await nextTick();
    }
    await finishImportJob(db, { id: job.id, status: "done" });
  } catch (error) {
    await finishImportJob(db, { id: job.id, status: "failed", message: describeError(error) });
  }
  return requireImportJob(db, jobId);
}

interface Worker {
  queue: string[];
  running: Promise<void> | null;
  options: ImportRunOptions;
  stop: AbortController;
}

const workers = new WeakMap<Database, Worker>();

function workerOf(db: Database): Worker {
  let worker = workers.get(db);
  if (!worker) {
    worker = { queue: [], running: null, options: {}, stop: new AbortController() };
    workers.set(db, worker);
  }
  return worker;
}

/**
 * Queues a job for this process's worker on `db`: one job at a time, in the order queued, in
 * the background. A job already queued here is not queued twice.
 */
export function scheduleImportJob(db: Database, jobId: string): void {
  const worker = workerOf(db);
  if (worker.queue.includes(jobId)) return;
  worker.queue.push(jobId);
  if (worker.running) return;
  worker.running = (async () => {
    for (let id = worker.queue[0]; id !== undefined; id = worker.queue[0]) {
      try {
        await runImportJob(db, id, { ...worker.options, signal: worker.stop.signal });
      } catch (error) {
        // runImportJob records failures on the job; this is the database itself failing.
        console.error(`import job ${id} could not run:`, error);
      } finally {
        worker.queue.shift();
      }
    }
  })().finally(() => {
    worker.running = null;
  });
}

/** Sets how this process's worker on `db` runs jobs (batch size); for tests and tuning. */
export function configureImportWorker(db: Database, options: ImportRunOptions): void {
  workerOf(db).options = { ...options };
}

/** Resolves when this process's worker on `db` has no job left (tests, graceful shutdown). */
export async function importWorkerIdle(db: Database): Promise<void> {
  for (let running = workerOf(db).running; running; running = workerOf(db).running) await running;
}

/**
 * Stops this process's worker on `db` after the batch in flight and resolves when it has: jobs
 * stay queued or running with their position, for {@link resumeImportJobs} at the next start.
 * Call before closing the database on shutdown.
 */
export async function stopImportWorker(db: Database): Promise<void> {
  const worker = workerOf(db);
  worker.stop.abort();
  worker.queue.splice(1);
  await importWorkerIdle(db);
  worker.stop = new AbortController();
}

/**
 * Picks up jobs left queued or running (by a process that stopped) and runs them from their last
 * committed line. Servers call it once at start; returns the ids queued.
 */
export async function resumeImportJobs(db: Database): Promise<string[]> {
  const ids = await unfinishedImportJobIds(db);
  for (const id of ids) scheduleImportJob(db, id);
  return ids;
}

// ---------------------------------------------------------------------------------------------
// 4. What the procedures call
// ---------------------------------------------------------------------------------------------

/**
 * Starts a chunked upload for `principal`: a job in `uploading` that takes its file part by part
 * ({@link addImportPart}) until {@link commitImport} queues it.
 */
export async function beginImport(
  db: Database,
  principal: Principal,
  input: ImportBeginInput,
): Promise<{ jobId: string }> {
  const job = await createImportJob(db, {
    id: randomUUID(),
    format: input.format,
    fileName: input.fileName ?? null,
    mapping: input.format === "csv" ? (input.mapping ?? {}) : null,
    createdBy: `${principal.kind}:${principal.id}`,
    principal: { ...principal },
  });
  return { jobId: job.id };
}

function partError(part: number, message: string): DomainError {
  return new DomainError("BAD_REQUEST", `Part ${part}: ${message}`, { path: ["content"], part });
}

/**
 * Stores the next part of an uploading job, counted (rows, lines, bytes) as it arrives; returns
 * what the upload holds so far. A CSV part must end at a record boundary, not inside a quoted
 * cell; part 0's first record is the header, checked against the mapping here. `whole` marks the
 * one part of a one-request import, which may end anywhere (its broken last record is a row
 * error, as in any file).
 */
export async function addImportPart(
  db: Database,
  input: ImportPartInput,
  options: { whole?: boolean } = {},
): Promise<ImportUploadProgress> {
  const job = await requireImportJob(db, input.jobId);
  const { content, part } = input;
  if (job.format === "csv") {
    if (!options.whole && endsInsideCsvQuote(content)) {
      throw partError(
        part,
        "it ends inside a quoted cell: cut parts after a whole record (a line break outside quotes)",
      );
    }
    if (part === 0) {
      const header = await csvHeaderRecord(content);
      if (!header || "error" in header) {
        throw partError(part, "the CSV file has no readable header row.");
      }
      const resolved = resolveCsvColumns(job.mapping ?? {}, header.cells);
      if (!resolved.ok) throw headerError(resolved.issues);
    }
  }
  const hash = createHash("sha256").update(content).digest("hex");
  return addImportJobPart(
    db,
    {
      jobId: job.id,
      part,
      content,
      hash,
      rows: await countPartRows(job.format, content, part),
      lines: lineCount(content),
      bytes: utf8Length(content),
    },
    // Chained, so a file's hash is known without holding it: the same file split the same way
    // gets the same hash, and a one-part file's is the SHA-256 of its text.
    (previous) =>
      previous === null
        ? hash
        : createHash("sha256").update(previous).update(content).digest("hex"),
  );
}

/**
 * Ends an upload of `parts` parts and starts the job in the background. A missing part, an empty
 * file, or the same file (split the same way) while a job for it is queued or running is
 * refused.
 */
export async function commitImport(
  db: Database,
  input: ImportCommitInput,
  options: { start?: boolean } = {},
): Promise<{ jobId: string }> {
  const job = await requireImportJob(db, input.jobId);
  const committed = await commitImportJob(db, {
    id: input.jobId,
    parts: input.parts,
    // A CSV file with its header alone is a valid file of no rows.
    allowEmpty: job.format === "csv",
  });
  if ((options.start ?? true) && committed.status === "queued") scheduleImportJob(db, job.id);
  return { jobId: committed.id };
}

/**
 * Stores an import job for `principal` as one part and starts it in the background; returns its
 * id at once. A CSV file's header must hold every mapped column. The same file while a job for
 * it is queued or running is refused (CONFLICT, naming that job).
 */
export async function submitImport(
  db: Database,
  principal: Principal,
  input: ImportInput,
  options: { start?: boolean } = {},
): Promise<{ jobId: string }> {
  const { jobId } = await db.transaction(async (tx) => {
    const begun = await beginImport(tx, principal, input);
    await addImportPart(
      tx,
      { jobId: begun.jobId, part: 0, content: input.content },
      { whole: true },
    );
    return commitImport(tx, { jobId: begun.jobId, parts: 1 }, { start: false });
  });
  if (options.start ?? true) scheduleImportJob(db, jobId);
  return { jobId };
}

/** A job's progress, counts and first row errors. */
export function importStatus(db: Database, jobId: string): Promise<ImportJob> {
  return requireImportJob(db, jobId);
}

/** The newest jobs first, without files or error reports. */
export function listImports(
  db: Database,
  params: { limit?: number } = {},
): Promise<ImportJobSummary[]> {
  return listImportJobs(db, params);
}

/**
 * Cancels an uploading, queued or running job: a running one stops after the batch in flight
 * (rows already committed stay), and its parts are dropped. Cancelling an ended job returns it
 * unchanged.
 */
export async function cancelImport(db: Database, jobId: string): Promise<ImportJob> {
  const cancelled = await finishImportJob(db, { id: jobId, status: "cancelled" });
  return cancelled ?? requireImportJob(db, jobId);
}
