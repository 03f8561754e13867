"use client";

import { useEffect, useId, useRef, useState } from "react";
import { toast } from "sonner";
import {
  Alert,
  AlertDescription,
  Button,
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
  Progress,
  cn,
} from "@cdp/ui";

import { exportProfilesPage } from "@/app/(console)/profiles/actions";
import type { ExportPageInput } from "@/app/(console)/profiles/actions";
import { AlertIcon, SpinnerIcon } from "@/components/icons";
import { formatNumber } from "@/lib/profile";
import { DownloadIcon } from "./icons";

type Format = "ndjson" | "csv";
type Query = NonNullable<ExportPageInput["query"]>;

const FORMATS: { value: Format; label: string; hint: string; mime: string }[] = [
  {
    value: "csv",
    label: "CSV",
    hint: "Main columns, for spreadsheets; re-importable.",
    mime: "text/csv;charset=utf-8",
  },
  {
    value: "ndjson",
    label: "NDJSON",
    hint: "Whole profile documents, one per line.",
    mime: "application/x-ndjson",
  },
];

// The first page also counts the matches; later pages are sized so progress moves in ~25 steps.
const FIRST_PAGE = 50;
const MAX_PAGE = 1000;

type State =
  | { step: "idle" }
  | { step: "running"; done: number; total: number | null }
  | { step: "failed"; done: number; total: number | null; message: string }
  | { step: "done"; rows: number; url: string; fileName: string };

function fileNameOf(format: Format): string {
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
  return `profiles-${stamp}.${format}`;
}

/**
 * "Export…": writes every profile matching the table's query to a file, a page at a time through
 * the API (masked as the API masks it), with progress; a failed page can be retried without
 * starting over.
 */
export function ExportButton({ query, total }: { query: Query; total: number }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState<Format>("csv");
  const [state, setState] = useState<State>({ step: "idle" });
  // What has been fetched so far survives a failed page, so "Retry" resumes where it stopped.
  const progress = useRef<{
    chunks: string[];
    cursor: string | null;
    done: number;
    total: number | null;
  }>({
    chunks: [],
    cursor: null,
    done: 0,
    total: null,
  });
  const cancelled = useRef(false);
  const url = state.step === "done" ? state.url : null;

  useEffect(() => {
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [url]);

  function reset() {
    cancelled.current = true;
    progress.current = { chunks: [], cursor: null, done: 0, total: null };
    setState({ step: "idle" });
  }

  async function run() {
    cancelled.current = false;
    const p = progress.current;
    setState({ step: "running", done: p.done, total: p.total });
    for (;;) {
      const limit =
        p.total === null
          ? FIRST_PAGE
          : Math.min(MAX_PAGE, Math.max(FIRST_PAGE, Math.ceil(p.total / 25)));
      let page: Awaited<ReturnType<typeof exportProfilesPage>>;
      try {
        page = await exportProfilesPage({ query, format, cursor: p.cursor, limit });
      } catch {
        page = { ok: false, message: "The console could not reach the server." };
      }
      if (cancelled.current) return;
      if (!page.ok) {
        setState({ step: "failed", done: p.done, total: p.total, message: page.message });
        return;
      }
      p.chunks.push(page.chunk);
      p.done += page.rows;
      if (page.total !== null) p.total = page.total;
      p.cursor = page.nextCursor;
      if (!page.nextCursor) break;
      setState({ step: "running", done: p.done, total: p.total });
    }
    const mime = FORMATS.find((f) => f.value === format)?.mime ?? "text/plain";
    const blob = new Blob(p.chunks, { type: mime });
    const fileName = fileNameOf(format);
    const href = URL.createObjectURL(blob);
    setState({ step: "done", rows: p.done, url: href, fileName });
    const a = document.createElement("a");
    a.href = href;
    a.download = fileName;
    a.click();
    toast.success(`Exported ${formatNumber(p.done)} ${p.done === 1 ? "profile" : "profiles"}`, {
      description: fileName,
    });
  }

  const running = state.step === "running";
  const shownTotal = state.step === "running" || state.step === "failed" ? state.total : null;
  const done = state.step === "running" || state.step === "failed" ? state.done : 0;

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        // Closing while it runs would lose the work: cancel first.
        if (!next && running) return;
        setOpen(next);
        if (!next) reset();
      }}
    >
      <DialogTrigger asChild>
        <Button type="button" variant="outline" className="bg-background" disabled={total === 0}>
          <DownloadIcon />
          Export
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-md">
        <DialogHeader>
          <DialogTitle>Export profiles</DialogTitle>
          <DialogDescription>
            {formatNumber(total)} {total === 1 ? "profile matches" : "profiles match"} the current
            search and filter. Personal data is exported masked, as you see it.
          </DialogDescription>
        </DialogHeader>

        {state.step === "idle" ? (
          <fieldset className="grid gap-2">
            <legend className="mb-2 text-sm font-medium">Format</legend>
            {FORMATS.map((f) => (
              <label
                key={f.value}
                htmlFor={`${id}-${f.value}`}
                className={cn(
                  "flex cursor-pointer items-start gap-3 rounded-md border p-3 text-sm has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring/50",
                  format === f.value && "border-primary bg-primary/5",
                )}
              >
                <input
                  id={`${id}-${f.value}`}
                  type="radio"
                  name={`${id}-format`}
                  value={f.value}
                  checked={format === f.value}
                  onChange={() => setFormat(f.value)}
                  className="mt-0.5 accent-primary"
                />
                <span>
                  <span className="font-medium">{f.label}</span>
                  <span className="block text-muted-foreground">{f.hint}</span>
                </span>
              </label>
            ))}
          </fieldset>
        ) : state.step === "done" ? (
          <div className="grid gap-2 text-sm" data-testid="export-done">
            <p>
              <span className="font-medium tabular-nums">{formatNumber(state.rows)}</span>{" "}
              {state.rows === 1 ? "profile" : "profiles"} written to{" "}
              <span className="font-mono text-xs">{state.fileName}</span>.
            </p>
            <a
              href={state.url}
              download={state.fileName}
              className="w-fit text-primary underline-offset-4 hover:underline"
            >
              Download again
            </a>
          </div>
        ) : (
          <div className="grid gap-2">
            <Progress
              aria-label="Export progress"
              value={shownTotal === null ? null : done}
              max={Math.max(shownTotal ?? 1, 1)}
            />
            <p
              className="text-sm text-muted-foreground"
              aria-live="polite"
              data-testid="export-progress"
            >
              <span className="font-medium text-foreground tabular-nums">{formatNumber(done)}</span>
              {shownTotal === null ? "" : ` of ${formatNumber(shownTotal)}`} profiles
              {running ? "…" : ""}
            </p>
            {state.step === "failed" ? (
              <Alert variant="destructive">
                <AlertIcon />
                <AlertDescription className="col-start-2">
                  {state.message} What was exported so far is kept: retry to continue.
                </AlertDescription>
              </Alert>
            ) : null}
          </div>
        )}

        <DialogFooter>
          {running ? (
            <Button type="button" variant="outline" onClick={reset}>
              Cancel
            </Button>
          ) : (
            <DialogClose asChild>
              <Button type="button" variant="outline">
                {state.step === "done" ? "Close" : "Cancel"}
              </Button>
            </DialogClose>
          )}
          {state.step === "idle" || running ? (
            <Button type="button" disabled={running} onClick={() => void run()}>
              {running ? <SpinnerIcon /> : <DownloadIcon />}
              {running ? "Exporting…" : "Start export"}
            </Button>
          ) : state.step === "failed" ? (
            <Button type="button" onClick={() => void run()}>
              Retry
            </Button>
          ) : null}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
