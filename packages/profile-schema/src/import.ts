import { z } from "zod";

import { fieldByPath, fieldMetadata, type FieldType } from "./field-metadata";
import { FORBIDDEN_KEYS, isPlainObject, safeRecord, unstorableJson, type JsonValue } from "./json";
import { ListQuery } from "./list-query";
import { hasContact, Profile } from "./profile";
import { fromTracardi, TRACARDI_AUX_KEY } from "./tracardi";

// ---------------------------------------------------------------------------------------------
// 1. Limits and paths
// ---------------------------------------------------------------------------------------------

/** Largest file one import call takes (UTF-8 bytes). */
export const IMPORT_MAX_BYTES = 50 * 1024 * 1024;
/** Most lines one import file may have. */
export const IMPORT_MAX_LINES = 1_000_000;
/** Largest part of a chunked upload (UTF-8 bytes): with JSON escaping it fits one request. */
export const IMPORT_PART_MAX_BYTES = 8 * 1024 * 1024;
/**
 * The part size clients split files into: half the largest, so a part full of quotes (each
 * escaped in the request's JSON) stays under the API's 10 MB request limit.
 */
export const IMPORT_PART_BYTES = 4 * 1024 * 1024;
/** Most parts one chunked upload may have (with 8 MB parts, 32 GB). */
export const IMPORT_MAX_PARTS = 4096;
/** How many row errors a job keeps (it counts them all). */
export const IMPORT_MAX_ERRORS = 1000;

/** Formats an import reads: our Profile documents, Tracardi's, or CSV with a column mapping. */
export const ImportFormat = z.enum(["ndjson", "tracardi", "csv"]);
export type ImportFormat = z.output<typeof ImportFormat>;

/** Lifecycle of an import job. */
export const ImportJobStatus = z.enum([
  "uploading",
  "queued",
  "running",
  "done",
  "failed",
  "cancelled",
]);
export type ImportJobStatus = z.output<typeof ImportJobStatus>;

/** What is wrong with one field of one row. */
export type ImportIssue = { path: string; message: string };
/** A row the import could not store: its line in the file, the field path and why. */
export type ImportRowError = ImportIssue & { line: number };

// The system keeps these itself (ids of record, change stamps, segment membership, the consent
// ledger's projection): a file may carry them for a new profile, but never overwrites them.
const isSystemManaged = (path: string) =>
  path === "id" ||
  path === "segments" ||
  path === "consents" ||
  path === "data.anonymous" ||
  path.startsWith("metadata.");

/** Field paths an import merges into an existing profile, in schema order. */
export const importablePaths: readonly string[] = Object.freeze(
  Object.keys(fieldMetadata).filter((path) => !isSystemManaged(path)),
);

/** How a CSV cell is read for a path: by the field's type, or as text for a free trait. */
export type CsvCellType = Exclude<FieldType, "map"> | "trait";

const TRAIT_PREFIX = "traits.";

function isSafeKeyPath(keys: string[]): boolean {
  return keys.length > 0 && keys.every((key) => key !== "" && !FORBIDDEN_KEYS.has(key));
}

/**
 * How a CSV column mapped to `path` is read, or undefined when no column may fill it. Columns
 * may fill `id`, any importable field that is not a free map, and `traits.<name>` (nested
 * names with dots).
 */
export function csvCellType(path: string): CsvCellType | undefined {
  if (path.startsWith(TRAIT_PREFIX)) {
    return isSafeKeyPath(path.slice(TRAIT_PREFIX.length).split(".")) ? "trait" : undefined;
  }
  const field = fieldByPath(path);
  if (!field || field.type === "map") return undefined;
  if (path !== "id" && isSystemManaged(path)) return undefined;
  return field.type;
}

/** A profile path a CSV column can fill; see {@link csvCellType}. */
export const ImportPath = z
  .string()
  .min(1)
  .max(300)
  .refine((path) => csvCellType(path) !== undefined, {
    error: (issue) =>
      `"${String(issue.input)}" is not a field a column can fill: use a field path such as ` +
      `data.pii.firstname, id, or traits.<name>`,
  });

/**
 * CSV column (as named in the header row) → profile path. Unmapped columns are ignored; two
 * columns cannot fill one path.
 */
export const ImportMapping = safeRecord(ImportPath).superRefine((mapping, ctx) => {
  const columns = Object.keys(mapping);
  if (columns.length === 0) {
    ctx.addIssue({ code: "custom", message: "Map at least one column to a profile field" });
  }
  const seen = new Map<string, string>();
  for (const column of columns) {
    const path = mapping[column] ?? "";
    const other = seen.get(path);
    if (other !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [column],
        message: `Columns "${other}" and "${column}" both fill ${path}`,
      });
    } else seen.set(path, column);
  }
});
export type ImportMapping = z.output<typeof ImportMapping>;

// ---------------------------------------------------------------------------------------------
// 2. Input
// ---------------------------------------------------------------------------------------------

/** UTF-8 length without encoding a copy (files reach 50 MB). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is one 4-byte code point.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Number of lines (a final newline does not start another). */
export function lineCount(text: string): number {
  if (text === "") return 0;
  let lines = 1;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) lines++;
  return text.endsWith("\n") ? lines - 1 : lines;
}

const ImportContent = z.string().superRefine((content, ctx) => {
  // Each UTF-16 unit is at least one UTF-8 byte: a longer string cannot fit.
  if (content.length > IMPORT_MAX_BYTES || utf8Length(content) > IMPORT_MAX_BYTES) {
    ctx.addIssue({
      code: "custom",
      message: "The file is larger than 50 MB: split it into several files and import each",
    });
    return;
  }
  if (lineCount(content) > IMPORT_MAX_LINES) {
    ctx.addIssue({
      code: "custom",
      message: "The file has more than 1,000,000 lines: split it and import each part",
    });
    return;
  }
  if (content.trim() === "") ctx.addIssue({ code: "custom", message: "The file is empty" });
});

function checkMapping(
  input: { format: ImportFormat; mapping?: ImportMapping | undefined },
  ctx: z.RefinementCtx,
): void {
  if (input.format === "csv" && !input.mapping) {
    ctx.addIssue({
      code: "custom",
      path: ["mapping"],
      message: "A CSV import needs a mapping { column: profilePath }",
    });
  }
  if (input.format !== "csv" && input.mapping) {
    ctx.addIssue({
      code: "custom",
      path: ["mapping"],
      message: "Only CSV imports take a mapping",
    });
  }
}

/**
 * An import request: a file's text in one of the {@link ImportFormat}s, its name for the job
 * list, and for CSV the column mapping.
 */
export const ImportInput = z
  .object({
    format: ImportFormat,
    content: ImportContent,
    fileName: z.string().trim().min(1).max(255).nullish(),
    mapping: ImportMapping.optional(),
  })
  .superRefine(checkMapping);
export type ImportInput = z.output<typeof ImportInput>;

/**
 * Starts a chunked upload (`profile.importBegin`): the file's format, name and CSV mapping; its
 * text follows in parts ({@link ImportPartInput}) and {@link ImportCommitInput} queues it.
 */
export const ImportBeginInput = z
  .object({
    format: ImportFormat,
    fileName: z.string().trim().min(1).max(255).nullish(),
    mapping: ImportMapping.optional(),
  })
  .superRefine(checkMapping);
export type ImportBeginInput = z.output<typeof ImportBeginInput>;

/** An import job's id. */
export const ImportJobId = z.string().trim().min(1).max(128);

const ImportPartContent = z
  .string()
  .min(1, "A part cannot be empty")
  .superRefine((content, ctx) => {
    if (content.length > IMPORT_PART_MAX_BYTES || utf8Length(content) > IMPORT_PART_MAX_BYTES) {
      ctx.addIssue({
        code: "custom",
        message: "A part is at most 8 MB: split the file into smaller parts",
      });
    }
  });

/**
 * One part of a chunked upload, numbered from 0 in file order. Every part but the last ends with
 * a line break (for CSV, outside any quoted cell); the CSV header is the first part's first
 * record.
 */
export const ImportPartInput = z.object({
  jobId: ImportJobId,
  part: z
    .int()
    .min(0)
    .max(IMPORT_MAX_PARTS - 1),
  content: ImportPartContent,
});
export type ImportPartInput = z.output<typeof ImportPartInput>;

/** Ends a chunked upload: how many parts were sent (the server checks it has them all). */
export const ImportCommitInput = z.object({
  jobId: ImportJobId,
  parts: z.int().min(1).max(IMPORT_MAX_PARTS),
});
export type ImportCommitInput = z.output<typeof ImportCommitInput>;

/**
 * Scans text[start, end) as CSV (RFC 4180, comma-delimited: a quote opens a cell only at its
 * start, `""` inside is a quote, a quote inside an unquoted cell is text) and returns whether it
 * ends inside a quoted cell and where the last line break outside quotes ends (-1 if none).
 */
function scanCsv(text: string, start: number, end: number): { quoted: boolean; lastBreak: number } {
  let quoted = false;
  let cellStart = true;
  let lastBreak = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c !== 0x22) continue;
      if (i + 1 < end && text.charCodeAt(i + 1) === 0x22) i++;
      else quoted = false;
      continue;
    }
    if (c === 0x22 && cellStart) {
      quoted = true;
      cellStart = false;
      continue;
    }
    if (c === 0x0a) lastBreak = i + 1;
    cellStart = c === 0x2c || c === 0x0a || c === 0x0d;
  }
  return { quoted, lastBreak };
}

/** Whether `text` ends inside a quoted CSV cell: a part that ends so cuts a record in two. */
export function endsInsideCsvQuote(text: string): boolean {
  return scanCsv(text, 0, text.length).quoted;
}

/**
 * Splits a file's text into parts of at most `maxBytes` UTF-8 bytes each, cut after a line break
 * (for CSV, one outside quoted cells), as `profile.importPart` takes them. A line (record) longer
 * than `maxBytes` becomes a part of its own, which the server then refuses by size.
 */
export function* splitImportText(
  text: string,
  format: ImportFormat,
  maxBytes: number = IMPORT_PART_BYTES,
): Generator<string> {
  let start = 0;
  while (start < text.length) {
    // A UTF-16 unit is at least one byte: take `maxBytes` units, then shrink to the byte budget.
    let end = Math.min(text.length, start + maxBytes);
    while (end > start + 1 && utf8Length(text.slice(start, end)) > maxBytes) {
      end = start + Math.floor((end - start) * 0.9);
    }
    if (end >= text.length) {
      yield text.slice(start);
      return;
    }
    let cut = lastBoundary(text, start, end, format);
    if (cut === -1) cut = nextBoundary(text, end, format, start);
    yield text.slice(start, cut);
    start = cut;
  }
}

/**
 * Where the last whole line (for CSV, record) of `text` ends — the place to cut a part — or -1
 * when it has none. For clients reading a file window by window.
 */
export function lastRecordEnd(text: string, format: ImportFormat): number {
  return lastBoundary(text, 0, text.length, format);
}

function lastBoundary(text: string, start: number, end: number, format: ImportFormat): number {
  if (format === "csv") return scanCsv(text, start, end).lastBreak;
  const at = text.lastIndexOf("\n", end - 1);
  return at >= start ? at + 1 : -1;
}

function nextBoundary(text: string, from: number, format: ImportFormat, start: number): number {
  if (format !== "csv") {
    const at = text.indexOf("\n", from);
    return at === -1 ? text.length : at + 1;
  }
  for (let end = from; end < text.length; end = Math.min(text.length, end + IMPORT_PART_BYTES)) {
    const next = Math.min(text.length, end + IMPORT_PART_BYTES);
    const found = scanCsv(text, start, next).lastBreak;
    if (found > from) return found;
  }
  return text.length;
}

// ---------------------------------------------------------------------------------------------
// 3. Rows
// ---------------------------------------------------------------------------------------------

/** One valid row of an import file. */
export interface ImportRecord {
  /** The row as a whole profile, with defaults where the row says nothing. */
  profile: Profile;
  /** The importable paths the row gives a value for: only these are merged into a match. */
  paths: string[];
  /** Whether the row names its profile id (otherwise `profile.id` is a placeholder). */
  hasId: boolean;
}

/** A parsed row, or every issue found in it. */
export type ImportRowResult =
  { ok: true; record: ImportRecord } | { ok: false; issues: ImportIssue[] };

const fail = (path: string, message: string): ImportRowResult => ({
  ok: false,
  issues: [{ path, message }],
});

function issuesOf(error: z.ZodError, describe?: (path: string) => string): ImportIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return { path, message: describe ? `${describe(path)}${issue.message}` : issue.message };
  });
}

function valueAt(root: unknown, path: string): unknown {
  let current = root;
  for (const key of path.split(".")) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

function setAt(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  const last = keys.pop() ?? "";
  let parent = root;
  for (const key of keys) {
    const next = parent[key];
    if (isPlainObject(next)) parent = next;
    else {
      const created: Record<string, unknown> = {};
      parent[key] = created;
      parent = created;
    }
  }
  parent[last] = value;
}

/** Paths the raw document gives: present, and not a `null` that only meant "default". */
function givenPaths(raw: Record<string, unknown>, parsed: Profile): string[] {
  return importablePaths.filter((path) => {
    const value = valueAt(raw, path);
    if (value === undefined) return false;
    return value !== null || valueAt(parsed, path) === null;
  });
}

/**
 * Reads one line of an NDJSON file: our {@link Profile} document (`ndjson`) or a Tracardi
 * document (`tracardi`, through {@link fromTracardi}). Issues carry dotted paths into the
 * document; a line that is not JSON is an issue at path "".
 */
export function parseDocumentRow(format: "ndjson" | "tracardi", line: string): ImportRowResult {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    // The engine quotes the offending UTF-16 unit, which can be half of an emoji: the message
    // must stay storable (the job's error report is jsonb).
    const message = error instanceof Error ? error.message : String(error);
    return fail("", `Not valid JSON: ${message.replace(/\p{Cs}/gu, "\uFFFD")}`);
  }
  if (!isPlainObject(raw)) return fail("", "Expected a JSON object: one profile per line");
  // Before the schemas: their recursion overflows on deep rows, and the store would refuse the
  // text (failing the whole batch) rather than this row alone.
  const unstorable = unstorableJson(raw);
  if (unstorable.length > 0) {
    return {
      ok: false,
      issues: unstorable.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    };
  }
  let profile: Profile;
  if (format === "tracardi") {
    try {
      profile = fromTracardi(raw);
    } catch (error) {
      if (error instanceof z.ZodError) return { ok: false, issues: issuesOf(error) };
      throw error;
    }
  } else {
    const parsed = Profile.safeParse(raw);
    if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
    profile = parsed.data;
  }
  const paths = givenPaths(raw, profile);
  // fromTracardi keeps keys we do not model in aux.tracardi: merging them keeps them.
  if (TRACARDI_AUX_KEY in profile.aux && !paths.includes("aux")) paths.push("aux");
  return { ok: true, record: { profile, paths, hasId: typeof raw["id"] === "string" } };
}

/** A mapped column of a CSV file. */
export interface CsvColumn {
  /** Position in each record. */
  index: number;
  /** Name in the header row. */
  column: string;
  path: string;
  type: CsvCellType;
}

/**
 * Places the mapping's columns in the header row. A mapped column missing from the header, or
 * named twice there, is an issue at `mapping.<column>`.
 */
export function resolveCsvColumns(
  mapping: ImportMapping,
  header: readonly string[],
): { ok: true; columns: CsvColumn[] } | { ok: false; issues: ImportIssue[] } {
  const names = header.map((name) => name.trim());
  const columns: CsvColumn[] = [];
  const issues: ImportIssue[] = [];
  for (const [column, path] of Object.entries(mapping)) {
    const index = names.indexOf(column.trim());
    const type = csvCellType(path);
    if (index === -1) {
      const known = names.map((name) => `"${name}"`).join(", ");
      issues.push({
        path: `mapping.${column}`,
        message: `The header has no column "${column}" (it has ${known})`,
      });
    } else if (names.indexOf(column.trim(), index + 1) !== -1) {
      issues.push({ path: `mapping.${column}`, message: `The header names "${column}" twice` });
    } else if (type === undefined) {
      issues.push({
        path: `mapping.${column}`,
        message: `"${path}" is not a field a column can fill`,
      });
    } else {
      columns.push({ index, column, path, type });
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, columns };
}

const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE = new Set(["true", "yes", "y", "1"]);
const FALSE = new Set(["false", "no", "n", "0"]);
/** Separator of list items in a CSV cell (a cell starting with `[` is read as a JSON array). */
export const CSV_LIST_SEPARATOR = ";";

type Coerced = { ok: true; value: JsonValue } | { ok: false; message: string };

function coerceCell(type: CsvCellType, cell: string): Coerced {
  switch (type) {
    case "number":
    case "integer": {
      const value = Number(cell);
      if (!NUMBER_RE.test(cell) || !Number.isFinite(value)) {
        return { ok: false, message: `expected a number, got "${cell}"` };
      }
      if (type === "integer" && !Number.isInteger(value)) {
        return { ok: false, message: `expected a whole number, got "${cell}"` };
      }
      return { ok: true, value };
    }
    case "bool": {
      const lower = cell.toLowerCase();
      if (TRUE.has(lower)) return { ok: true, value: true };
      if (FALSE.has(lower)) return { ok: true, value: false };
      return { ok: false, message: `expected true or false, got "${cell}"` };
    }
    case "list": {
      if (!cell.startsWith("[")) {
        const items = cell.split(CSV_LIST_SEPARATOR).map((item) => item.trim());
        return { ok: true, value: items.filter((item) => item !== "") };
      }
      try {
        const parsed: unknown = JSON.parse(cell);
        if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) {
          return { ok: true, value: parsed as string[] };
        }
      } catch {
        // reported below
      }
      return { ok: false, message: `expected a JSON array of strings, got "${cell}"` };
    }
    // Dates are checked, with their own message, by the profile schema.
    case "date":
    case "string":
    case "trait":
      return { ok: true, value: cell };
  }
}

/**
 * Reads one CSV record through the resolved columns. Blank cells say nothing (they never clear a
 * field); each cell is read by its field's type, and the row is then validated as a profile.
 * Issues name the column: `Column "age": expected a number, got "abc"`.
 */
export function parseCsvRow(
  columns: readonly CsvColumn[],
  cells: readonly string[],
): ImportRowResult {
  const doc: Record<string, unknown> = {};
  const issues: ImportIssue[] = [];
  const paths = new Set<string>();
  const columnOf = new Map<string, string>();
  for (const { index, column, path, type } of columns) {
    const cell = cells[index]?.trim() ?? "";
    if (cell === "") continue;
    const coerced = coerceCell(type, cell);
    if (!coerced.ok) {
      issues.push({ path, message: `Column "${column}": ${coerced.message}` });
      continue;
    }
    setAt(doc, path, coerced.value);
    columnOf.set(path, column);
    const field = type === "trait" ? "traits" : path;
    if (field !== "id") paths.add(field);
  }
  if (issues.length > 0) return { ok: false, issues };
  const parsed = Profile.safeParse(doc);
  if (!parsed.success) {
    return {
      ok: false,
      issues: issuesOf(parsed.error, (path) => {
        const column = columnOf.get(path);
        return column === undefined ? "" : `Column "${column}": `;
      }),
    };
  }
  return {
    ok: true,
    record: { profile: parsed.data, paths: [...paths], hasId: typeof doc["id"] === "string" },
  };
}

// ---------------------------------------------------------------------------------------------
// 4. Merge
// ---------------------------------------------------------------------------------------------

function deepMerge(target: unknown, source: unknown): unknown {
  if (!isPlainObject(source) || !isPlainObject(target)) return structuredClone(source);
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) out[key] = deepMerge(target[key], value);
  return out;
}

/**
 * The profile `existing` becomes when an import row matches it: each path the row gives
 * replaces the stored value, except free maps (`traits`, `aux`, …), merged key by key at every
 * depth, and `ids`, which only grow (an import never drops an identity). System-managed fields
 * (`id`, `metadata`, `segments`, `consents`) are kept; `data.anonymous` is re-derived.
 */
export function mergeImported(existing: Profile, record: ImportRecord): Profile {
  const out = structuredClone(existing);
  const root = out as unknown as Record<string, unknown>;
  for (const path of record.paths) {
    const value = valueAt(record.profile, path);
    if (path === "ids") out.ids = [...new Set([...existing.ids, ...record.profile.ids])];
    else if (fieldMetadata[path]?.type === "map")
      setAt(root, path, deepMerge(valueAt(out, path), value));
    else setAt(root, path, structuredClone(value));
  }
  out.data.anonymous = !hasContact(out.data.contact);
  return out;
}

// ---------------------------------------------------------------------------------------------
// 5. Export
// ---------------------------------------------------------------------------------------------

/** Formats an export writes. */
export const ExportFormat = z.enum(["ndjson", "csv"]);
export type ExportFormat = z.output<typeof ExportFormat>;

/**
 * Whether `path` can be a CSV export column: any field of the field metadata, or a key inside a
 * free map (`traits.plan`, `stats.counters.purchase`).
 */
export function isExportColumn(path: string): boolean {
  if (fieldByPath(path)) return true;
  const keys = path.split(".");
  for (let i = keys.length - 1; i > 0; i--) {
    if (fieldByPath(keys.slice(0, i).join("."))?.type === "map")
      return isSafeKeyPath(keys.slice(i));
  }
  return false;
}

/** A CSV export column: see {@link isExportColumn}. */
export const ExportColumn = z
  .string()
  .min(1)
  .max(300)
  .refine(isExportColumn, {
    error: (issue) => `"${String(issue.input)}" is not a profile field`,
  });

/** Columns of a CSV export when the caller names none: who the person is and how active. */
export const DEFAULT_EXPORT_COLUMNS: readonly string[] = Object.freeze([
  "id",
  "data.pii.firstname",
  "data.pii.lastname",
  "data.contact.email.main",
  "data.contact.phone.main",
  "data.contact.address.town",
  "data.contact.address.country",
  "data.job.company.name",
  "stats.visits",
  "stats.views",
  "metadata.time.insert",
  "metadata.time.visit.last",
  "segments",
  "active",
]);

/** Which profiles an export writes: a list query without its paging. */
export const ExportQuery = ListQuery.pick({
  search: true,
  condition: true,
  sort: true,
  order: true,
});
export type ExportQuery = z.output<typeof ExportQuery>;

/**
 * An export request: which profiles, as NDJSON (our Profile documents) or CSV, and for CSV the
 * columns (default {@link DEFAULT_EXPORT_COLUMNS}).
 */
export const ExportInput = z.object({
  query: ExportQuery.prefault({}),
  format: ExportFormat.default("ndjson"),
  columns: z.array(ExportColumn).min(1).max(200).optional(),
});
export type ExportInput = z.output<typeof ExportInput>;
export type ExportInputInput = z.input<typeof ExportInput>;

/** Most profiles one export page holds. */
export const EXPORT_MAX_PAGE = 1000;

/** One page of an export (for a progress bar): the request, where to go on, how many. */
export const ExportPageInput = ExportInput.extend({
  /** From the previous page; null or absent for the first, which also carries the CSV header. */
  cursor: z.string().max(1000).nullish(),
  limit: z.int().min(1).max(EXPORT_MAX_PAGE).default(500),
});
export type ExportPageInput = z.output<typeof ExportPageInput>;

/**
 * The text of a CSV cell for a value, readable back by a CSV import: empty for nothing, lists
 * joined by `;` (as a JSON array when an item would not survive that), objects as JSON.
 */
export function toCsvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (
    Array.isArray(value) &&
    value.every(
      (item) =>
        typeof item === "string" &&
        item.trim() === item &&
        item !== "" &&
        !item.includes(CSV_LIST_SEPARATOR),
    ) &&
    !(typeof value[0] === "string" && value[0].startsWith("["))
  ) {
    return value.join(CSV_LIST_SEPARATOR);
  }
  return JSON.stringify(value);
}

/** The cell of `path` in a profile for a CSV export. */
export function csvCellOf(profile: Profile, path: string): string {
  return toCsvCell(valueAt(profile, path));
}
