"use client";

import { useEffect, useId, useRef, useState } from "react";
import type { ReactNode } from "react";
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

import { AlertIcon, DownloadIcon, SpinnerIcon } from "@/components/icons";
import { formatNumber } from "@/lib/profile";

export type ExportFormat = "csv" | "ndjson";

const FORMATS: { value: ExportFormat; label: string; hint: string; mime: string }[] = [
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

// The first page also counts the rows; later pages are sized so progress moves in ~25 steps.
const FIRST_PAGE = 50;
const MAX_PAGE = 1000;

/** One page of an export, as the server action gives it. */
export type ExportPage =
  | { ok: true; chunk: string; rows: number; total: number | null; nextCursor: string | null }
  | { ok: false; message: string };

export type ExportPageRequest = {
  format: ExportFormat;
  cursor: string | null;
  limit: number;
  /** True for the first page: the server also counts what will be exported. */
  withTotal: boolean;
};

type State =
  | { step: "idle" }
  | { step: "running"; done: number; total: number | null }
  | { step: "failed"; done: number; total: number | null; message: string }
  | { step: "done"; rows: number; url: string; fileName: string };

/**
 * An export dialog: pick a format, then every row is fetched a page at a time through the API
 * (masked as the API masks it) with progress, and saved as one file. A failed page can be retried
 * without starting over; closing while it runs is refused, so nothing is lost by a stray click.
 */
export function ExportDialog({
  trigger,
  title,
  description,
  noun,
  fileStem,
  fetchPage,
  testIdPrefix = "export",
}: {
  trigger: ReactNode;
  title: string;
  description: ReactNode;
  /** What a row is called, singular and plural ("profile", "profiles"). */
  noun: [string, string];
  fileStem: string;
  fetchPage: (request: ExportPageRequest) => Promise<ExportPage>;
  testIdPrefix?: string;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState<ExportFormat>("csv");
  const [state, setState] = useState<State>({ step: "idle" });
  // What has been fetched so far survives a failed page, so "Retry" resumes where it stopped.
  const progress = useRef<{
    chunks: string[];
    cursor: string | null;
    done: number;
    total: number | null;
  }>({ chunks: [], cursor: null, done: 0, total: null });
  const cancelled = useRef(false);
  const url = state.step === "done" ? state.url : null;
  const nounOf = (n: number) => (n === 1 ? noun[0] : noun[1]);

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
      let page: ExportPage;
      try {
        page = await fetchPage({ format, cursor: p.cursor, limit, withTotal: p.total === null });
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
    const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
    const fileName = `${fileStem}-${stamp}.${format}`;
    const href = URL.createObjectURL(new Blob(p.chunks, { type: mime }));
    setState({ step: "done", rows: p.done, url: href, fileName });
    const a = document.createElement("a");
    a.href = href;
    a.download = fileName;
    a.click();
    toast.success(`Exported ${formatNumber(p.done)} ${nounOf(p.done)}`, {
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
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent className="sm:max-w-md">
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>{description}</DialogDescription>
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
          <div className="grid gap-2 text-sm" data-testid={`${testIdPrefix}-done`}>
            <p>
              <span className="font-medium tabular-nums">{formatNumber(state.rows)}</span>{" "}
              {nounOf(state.rows)} written to{" "}
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
              data-testid={`${testIdPrefix}-progress`}
            >
              <span className="font-medium text-foreground tabular-nums">{formatNumber(done)}</span>
              {shownTotal === null ? "" : ` of ${formatNumber(shownTotal)}`} {noun[1]}
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
