"use client";

import { useRouter } from "next/navigation";
import { useId, useRef, useState } from "react";
import type { ChangeEvent, FormEvent } from "react";
import Papa from "papaparse";
import { toast } from "sonner";
import {
  IMPORT_MAX_PARTS,
  IMPORT_PART_BYTES,
  ImportMapping,
  lastRecordEnd,
  lineCount,
  utf8Length,
} from "@cdp/profile-schema";
import type { ImportFormat } from "@cdp/profile-schema";
import {
  Alert,
  AlertDescription,
  Badge,
  Button,
  Field,
  FieldDescription,
  FieldError,
  FieldLabel,
  Input,
  NativeSelect,
  Progress,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@cdp/ui";

import { AlertIcon, FileIcon, SpinnerIcon, UploadIcon } from "@/components/icons";
import { formatNumber } from "@/lib/profile";
import {
  beginImportUpload,
  cancelImportJob,
  commitImportUpload,
  submitImport,
  uploadImportPart,
} from "./actions";
import { FORMAT_LABELS } from "./import-status";

/** A profile field a CSV column can fill, for the column picker. */
export interface FieldOption {
  path: string;
  label: string;
  section: string;
}

const PREVIEW_ROWS = 5;
/** Bytes read for the preview of a file too big to read whole. */
const PREVIEW_BYTES = 256 * 1024;
/** The largest file: as many parts as an upload may have. */
const MAX_FILE_BYTES = IMPORT_MAX_PARTS * IMPORT_PART_BYTES;
const IGNORE = "";
const TRAIT = "traits.";

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** `traits.<name>` for a column: its name in lowercase, other characters as underscores. */
const traitPathOf = (column: string) =>
  `${TRAIT}${
    column
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, "_")
      .replace(/^_+|_+$/g, "") || "column"
  }`;

/** The field a column's name suggests (its path's last part or its label), or none. */
function guessPath(column: string, fields: readonly FieldOption[]): string {
  const name = squash(column);
  if (name === "") return IGNORE;
  const byPath = fields.find((f) => squash(f.path.split(".").pop() ?? "") === name);
  const byLabel = fields.find((f) => squash(f.label) === name);
  return (byPath ?? byLabel)?.path ?? IGNORE;
}

function formatOf(fileName: string): ImportFormat {
  return /\.csv$/i.test(fileName) ? "csv" : "ndjson";
}

const formatBytes = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1024 * 1024
      ? `${(n / 1024).toFixed(1)} kB`
      : `${(n / 1024 / 1024).toFixed(1)} MB`;

interface Loaded {
  name: string;
  size: number;
  file: File;
  /** The whole text when it fits one part; a bigger file is read part by part as it uploads. */
  content: string | null;
  /** The text the preview is taken from: the whole file, or its first whole lines. */
  headText: string;
  /** Known when the file was read whole. */
  lines: number | null;
  /** CSV: the header and the first rows. */
  header: string[];
  rows: string[][];
  /** NDJSON: the first lines. */
  head: string[];
}

/** A refusal of the upload, for the file field or the form. */
class UploadRefused extends Error {
  constructor(
    message: string,
    readonly onFile: boolean,
  ) {
    super(message);
  }
}

/**
 * The file's text part by part: windows of at most one part's bytes, each cut after its last
 * whole line (for CSV, outside quoted cells), so a file of any size is never one string.
 */
async function* filePartsOf(
  file: File,
  format: ImportFormat,
): AsyncGenerator<{ text: string; end: number }> {
  // The BOM is kept so the text's bytes are the file's bytes (csv-parse drops it on the server).
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  for (let offset = 0; offset < file.size;) {
    const windowEnd = Math.min(file.size, offset + IMPORT_PART_BYTES);
    let text = decoder.decode(await file.slice(offset, windowEnd).arrayBuffer());
    if (windowEnd < file.size) {
      const cut = lastRecordEnd(text, format);
      if (cut === -1) {
        throw new UploadRefused(
          `A ${format === "csv" ? "record" : "line"} after byte ${formatNumber(offset)} is longer than ${formatBytes(IMPORT_PART_BYTES)}: the file cannot be uploaded in parts.`,
          true,
        );
      }
      text = text.slice(0, cut);
    }
    offset += utf8Length(text);
    yield { text, end: offset };
  }
}

/** Where a chunked upload is. */
interface Upload {
  /** 1-based number of the part on its way. */
  part: number;
  /** Parts the file is expected to take (known for sure once the last is read). */
  parts: number;
  sentBytes: number;
  cancelling: boolean;
}

/** Choose a file, map its CSV columns to profile fields, check the first rows, start the import. */
export function ImportForm({ fields }: { fields: FieldOption[] }) {
  const router = useRouter();
  const ids = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [format, setFormat] = useState<ImportFormat>("csv");
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [fileError, setFileError] = useState<string | null>(null);
  const [mappingErrors, setMappingErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [reading, setReading] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [upload, setUpload] = useState<Upload | null>(null);
  const cancelRequested = useRef(false);

  const sections = [...new Set(fields.map((f) => f.section))];

  async function onFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    setProblem(null);
    setFileError(null);
    setMappingErrors({});
    setLoaded(null);
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      setFileError(
        `The file is ${formatBytes(file.size)}: the largest import is ${formatBytes(MAX_FILE_BYTES)}. Split it into several files.`,
      );
      return;
    }
    setReading(true);
    try {
      const whole = file.size <= IMPORT_PART_BYTES;
      const content = whole ? await file.text() : null;
      let headText = content ?? (await file.slice(0, PREVIEW_BYTES).text());
      if (!whole) headText = headText.slice(0, headText.lastIndexOf("\n") + 1) || headText;
      const detected = formatOf(file.name);
      const parsed =
        detected === "csv"
          ? Papa.parse<string[]>(headText, { preview: PREVIEW_ROWS + 1, skipEmptyLines: true })
          : null;
      const [header = [], ...rows] = parsed?.data ?? [];
      setFormat(detected);
      setLoaded({
        name: file.name,
        size: file.size,
        file,
        content,
        headText,
        lines: content === null ? null : lineCount(content),
        header,
        rows,
        head: detected === "csv" ? [] : headText.split("\n", PREVIEW_ROWS).filter((l) => l.trim()),
      });
      setMapping(Object.fromEntries(header.map((column) => [column, guessPath(column, fields)])));
      if (content !== null && content.trim() === "") setFileError("The file is empty.");
    } catch {
      setFileError("The file could not be read. Choose it again.");
    } finally {
      setReading(false);
    }
  }

  function changeFormat(next: ImportFormat) {
    setFormat(next);
    setMappingErrors({});
    if (!loaded) return;
    if (next === "csv" && loaded.header.length === 0) {
      const parsed = Papa.parse<string[]>(loaded.headText, {
        preview: PREVIEW_ROWS + 1,
        skipEmptyLines: true,
      });
      const [header = [], ...rows] = parsed.data;
      setLoaded({ ...loaded, header, rows });
      setMapping(Object.fromEntries(header.map((column) => [column, guessPath(column, fields)])));
    }
    if (next !== "csv" && loaded.head.length === 0) {
      setLoaded({
        ...loaded,
        head: loaded.headText.split("\n", PREVIEW_ROWS).filter((l) => l.trim()),
      });
    }
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setMappingErrors({});
    if (!loaded) {
      setFileError("Choose a file to import.");
      fileInput.current?.focus();
      return;
    }
    if (fileError) {
      fileInput.current?.focus();
      return;
    }
    let chosen: Record<string, string> | undefined;
    if (format === "csv") {
      chosen = Object.fromEntries(Object.entries(mapping).filter(([, path]) => path !== IGNORE));
      const checked = ImportMapping.safeParse(chosen);
      if (!checked.success) {
        const byColumn: Record<string, string> = {};
        for (const issue of checked.error.issues) {
          const column = issue.path[0];
          if (typeof column === "string") byColumn[column] ??= issue.message;
          else setProblem(issue.message);
        }
        setMappingErrors(byColumn);
        return;
      }
    }
    setSubmitting(true);
    try {
      const result =
        loaded.content !== null
          ? await submitImport({
              format,
              content: loaded.content,
              fileName: loaded.name,
              mapping: chosen,
            })
          : await uploadInParts(loaded, chosen);
      if (result === null) return;
      if (result.ok) {
        toast.success(`Importing ${loaded.name}`, { description: "Follow its progress here." });
        router.push(`/imports/${encodeURIComponent(result.value.jobId)}`);
        return;
      }
      showRefusal(result);
    } catch (error) {
      if (error instanceof UploadRefused) {
        if (error.onFile) setFileError(error.message);
        else setProblem(error.message);
      } else {
        setProblem(
          "The console could not reach the server. Your file and mapping are still here: try again.",
        );
      }
    } finally {
      setSubmitting(false);
      setUpload(null);
    }
  }

  function showRefusal(result: {
    message: string;
    fieldErrors: { path: string; message: string }[];
  }) {
    const byColumn: Record<string, string> = {};
    let placed = false;
    for (const e of result.fieldErrors) {
      if (e.path.startsWith("mapping.")) {
        byColumn[e.path.slice("mapping.".length)] ??= e.message;
        placed = true;
      } else if (e.path === "content" || e.path === "part" || e.path === "parts") {
        setFileError(e.message);
        placed = true;
      }
    }
    setMappingErrors(byColumn);
    if (!placed) setProblem(result.message);
  }

  /**
   * Sends a file larger than one part: begin, each part in turn, commit. A refused part or a
   * cancel drops what was sent (the job is cancelled). Null when cancelled.
   */
  async function uploadInParts(file: Loaded, chosen: Record<string, string> | undefined) {
    cancelRequested.current = false;
    const expected = Math.ceil(file.size / IMPORT_PART_BYTES);
    setUpload({ part: 1, parts: expected, sentBytes: 0, cancelling: false });
    const begun = await beginImportUpload({ format, fileName: file.name, mapping: chosen });
    if (!begun.ok) return begun;
    const { jobId } = begun.value;
    let part = 0;
    try {
      for await (const { text, end } of filePartsOf(file.file, format)) {
        if (cancelRequested.current) break;
        setUpload((u) => u && { ...u, part: part + 1, parts: Math.max(u.parts, part + 1) });
        const sent = await uploadImportPart({ jobId, part, content: text });
        if (!sent.ok) {
          await cancelImportJob(jobId);
          return sent;
        }
        part++;
        setUpload((u) => u && { ...u, sentBytes: end });
      }
    } catch (error) {
      await cancelImportJob(jobId);
      throw error;
    }
    if (cancelRequested.current) {
      await cancelImportJob(jobId);
      toast.info(`Upload of ${file.name} cancelled`, { description: "Nothing was imported." });
      return null;
    }
    return commitImportUpload({ jobId, parts: part });
  }

  const mapped = Object.values(mapping).filter((p) => p !== IGNORE).length;

  return (
    <form noValidate onSubmit={onSubmit} className="grid gap-5" aria-label="New import">
      {problem ? (
        <Alert variant="destructive" data-testid="import-error">
          <AlertIcon />
          <AlertDescription className="col-start-2">{problem}</AlertDescription>
        </Alert>
      ) : null}

      <div className="grid gap-5 md:grid-cols-[1fr_16rem]">
        <Field data-invalid={fileError ? true : undefined}>
          <FieldLabel htmlFor={`${ids}-file`}>File</FieldLabel>
          <Input
            ref={fileInput}
            id={`${ids}-file`}
            type="file"
            accept=".csv,.ndjson,.jsonl,.json,.txt,text/csv,application/x-ndjson"
            onChange={onFile}
            aria-invalid={fileError ? true : undefined}
            aria-describedby={`${ids}-file-help${fileError ? ` ${ids}-file-error` : ""}`}
            className="cursor-pointer pt-1.5"
          />
          <FieldDescription id={`${ids}-file-help`}>
            CSV with a header row, or NDJSON: one profile document per line. Files over{" "}
            {formatBytes(IMPORT_PART_BYTES)} are uploaded in parts.
          </FieldDescription>
          <FieldError id={`${ids}-file-error`}>{fileError}</FieldError>
        </Field>
        <Field>
          <FieldLabel htmlFor={`${ids}-format`}>Format</FieldLabel>
          <NativeSelect
            id={`${ids}-format`}
            value={format}
            onChange={(e) => changeFormat(e.target.value as ImportFormat)}
            aria-describedby={`${ids}-format-help`}
          >
            {(Object.keys(FORMAT_LABELS) as ImportFormat[]).map((f) => (
              <option key={f} value={f}>
                {FORMAT_LABELS[f]}
              </option>
            ))}
          </NativeSelect>
          <FieldDescription id={`${ids}-format-help`}>Guessed from the file name.</FieldDescription>
        </Field>
      </div>

      {reading ? (
        <p role="status" className="flex items-center gap-2 text-sm text-muted-foreground">
          <SpinnerIcon className="size-4" />
          Reading the file…
        </p>
      ) : null}

      {loaded ? (
        <div className="flex flex-wrap items-center gap-2 text-sm text-muted-foreground">
          <FileIcon className="size-4" />
          <span className="font-medium text-foreground">{loaded.name}</span>
          <span>
            {formatBytes(loaded.size)}
            {loaded.lines === null
              ? ` · uploaded in about ${formatNumber(Math.ceil(loaded.size / IMPORT_PART_BYTES))} parts`
              : ` · ${formatNumber(loaded.lines)} ${loaded.lines === 1 ? "line" : "lines"}`}
          </span>
        </div>
      ) : null}

      {loaded && format === "csv" ? (
        loaded.header.length === 0 ? (
          <p className="text-sm text-destructive">This file has no header row to map.</p>
        ) : (
          <section aria-labelledby={`${ids}-mapping-title`} className="grid gap-2">
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <h2 id={`${ids}-mapping-title`} className="text-sm font-medium">
                Columns → profile fields
              </h2>
              <span className="text-sm text-muted-foreground">
                {mapped === loaded.header.length
                  ? `All ${mapped} columns imported.`
                  : `${mapped} of ${loaded.header.length} columns imported; the rest are ignored.`}
              </span>
            </div>
            <div className="overflow-x-auto rounded-md border">
              <Table>
                <TableCaption className="sr-only">
                  Each column of the file, the profile field it fills, and its first rows
                </TableCaption>
                <TableHeader>
                  <TableRow className="hover:bg-transparent">
                    {loaded.header.map((column, i) => (
                      <TableHead key={`${column}-${i}`} className="min-w-52 align-top py-2">
                        <div className="mb-1.5 font-mono text-xs text-foreground">{column}</div>
                        <NativeSelect
                          aria-label={`Profile field for column ${column}`}
                          value={mapping[column] ?? IGNORE}
                          aria-invalid={mappingErrors[column] ? true : undefined}
                          aria-describedby={
                            mappingErrors[column] ? `${ids}-col-${i}-error` : undefined
                          }
                          onChange={(e) => {
                            setMapping({ ...mapping, [column]: e.target.value });
                            setMappingErrors(({ [column]: _, ...rest }) => rest);
                          }}
                          className="h-8 text-xs font-normal"
                        >
                          <option value={IGNORE}>Ignore this column</option>
                          <option value={traitPathOf(column)}>Trait: {traitPathOf(column)}</option>
                          {sections.map((section) => (
                            <optgroup key={section} label={section}>
                              {fields
                                .filter((f) => f.section === section)
                                .map((f) => (
                                  <option key={f.path} value={f.path}>
                                    {f.label} ({f.path})
                                  </option>
                                ))}
                            </optgroup>
                          ))}
                        </NativeSelect>
                        {mappingErrors[column] ? (
                          <p
                            id={`${ids}-col-${i}-error`}
                            className="mt-1 text-xs font-normal whitespace-normal text-destructive"
                          >
                            {mappingErrors[column]}
                          </p>
                        ) : null}
                      </TableHead>
                    ))}
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {loaded.rows.map((row, r) => (
                    <TableRow key={r}>
                      {loaded.header.map((column, c) => (
                        <TableCell
                          key={`${column}-${c}`}
                          className={`max-w-64 truncate font-mono text-xs ${
                            (mapping[column] ?? IGNORE) === IGNORE ? "text-muted-foreground/60" : ""
                          }`}
                        >
                          {row[c] ?? ""}
                        </TableCell>
                      ))}
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </div>
            <p className="text-xs text-muted-foreground">
              The first {Math.min(PREVIEW_ROWS, loaded.rows.length)} rows. Rows naming an existing
              profile (by id, e-mail, phone or external id) update it; others create profiles.
            </p>
          </section>
        )
      ) : null}

      {loaded && format !== "csv" ? (
        <section aria-label="First lines" className="grid gap-2">
          <h2 className="text-sm font-medium">First lines</h2>
          <pre className="max-h-48 overflow-auto rounded-md border bg-muted/40 p-3 font-mono text-xs">
            {loaded.head.map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l)).join("\n")}
          </pre>
        </section>
      ) : null}

      {upload ? (
        <section aria-label="Upload" className="grid gap-2" data-testid="import-upload">
          <p aria-live="polite" className="text-sm" data-testid="import-upload-status">
            {upload.cancelling
              ? "Cancelling the upload…"
              : `Uploading part ${formatNumber(upload.part)} of ${formatNumber(upload.parts)}`}
            <span className="text-muted-foreground">
              {" "}
              · {formatBytes(upload.sentBytes)} of {formatBytes(loaded?.size ?? 0)} sent
            </span>
          </p>
          <Progress
            value={upload.sentBytes}
            max={Math.max(loaded?.size ?? 0, 1)}
            aria-label="Upload progress"
          />
        </section>
      ) : null}

      <div className="flex items-center gap-3">
        <Button type="submit" disabled={submitting || reading} aria-busy={submitting || undefined}>
          {submitting ? <SpinnerIcon /> : <UploadIcon />}
          {submitting ? "Uploading…" : "Start import"}
        </Button>
        {upload ? (
          <Button
            type="button"
            variant="outline"
            disabled={upload.cancelling}
            onClick={() => {
              cancelRequested.current = true;
              setUpload((u) => u && { ...u, cancelling: true });
            }}
          >
            Cancel upload
          </Button>
        ) : null}
        {loaded && format === "csv" ? (
          <Badge variant="muted" className="font-normal">
            {mapped} {mapped === 1 ? "column" : "columns"} mapped
          </Badge>
        ) : null}
      </div>
    </form>
  );
}
