"use client";

import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { toast } from "sonner";
import {
  Alert,
  AlertDescription,
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
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

import { deleteSegment, exportSegmentPage, refreshSegment } from "@/app/(console)/segments/actions";
import { AlertIcon, SpinnerIcon } from "@/components/icons";
import { DownloadIcon } from "@/components/profiles/icons";
import { formatNumber } from "@/lib/profile";
import { RefreshIcon, TrashIcon } from "./icons";

/** "Refresh now": re-evaluates the segment for every profile, then shows who entered and left. */
export function RefreshSegmentButton({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    try {
      const result = await refreshSegment(id);
      if (!result.ok) {
        toast.error(result.message);
        return;
      }
      const { entered, exited, profiles } = result.value;
      toast.success(`Refreshed “${name}”`, {
        description: `${formatNumber(profiles)} profiles checked: ${formatNumber(entered)} entered, ${formatNumber(exited)} left.`,
      });
      router.refresh();
    } catch {
      toast.error("The console could not reach the server. Try again.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <Button
      type="button"
      size="sm"
      variant="outline"
      disabled={busy}
      onClick={() => void run()}
      aria-busy={busy || undefined}
    >
      {busy ? <SpinnerIcon /> : <RefreshIcon />}
      {busy ? "Refreshing…" : "Refresh now"}
    </Button>
  );
}

/** "Delete" after a confirmation; refused (and said why) while other segments refer to it. */
export function DeleteSegmentButton({
  id,
  name,
  version,
  size,
}: {
  id: string;
  name: string;
  version: number;
  size: number;
}) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    try {
      const result = await deleteSegment({ id, version });
      if (!result.ok) {
        toast.error(
          result.code === "CONFLICT" && result.fieldErrors.some((e) => e.path === "version")
            ? "Someone changed this segment meanwhile. Reload the page and review it before deleting."
            : result.message,
        );
        return;
      }
      toast.success(`Deleted “${name}”`, {
        description: `${formatNumber(result.value.exited)} members left the segment.`,
      });
      router.push("/segments");
    } catch {
      toast.error("The console could not reach the server. Try again.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button
          type="button"
          size="sm"
          variant="outline"
          disabled={busy}
          className="text-destructive hover:text-destructive"
        >
          {busy ? <SpinnerIcon /> : <TrashIcon />}
          Delete
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Delete “{name}”?</AlertDialogTitle>
          <AlertDialogDescription>
            Its {formatNumber(size)} {size === 1 ? "member leaves" : "members leave"} the segment
            and its id is removed from their profiles. The entry and exit history is kept. This
            cannot be undone.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction variant="destructive" onClick={() => void run()}>
            Delete segment
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

type Format = "csv" | "ndjson";

const FORMATS: { value: Format; label: string; hint: string; mime: string }[] = [
  {
    value: "csv",
    label: "CSV",
    hint: "Main columns, for spreadsheets.",
    mime: "text/csv;charset=utf-8",
  },
  {
    value: "ndjson",
    label: "NDJSON",
    hint: "Whole profile documents, one per line.",
    mime: "application/x-ndjson",
  },
];

// The first page also counts the members; later pages are sized so progress moves in ~25 steps.
const FIRST_PAGE = 50;
const MAX_PAGE = 1000;

type ExportState =
  | { step: "idle" }
  | { step: "running"; done: number; total: number | null }
  | { step: "failed"; done: number; total: number | null; message: string }
  | { step: "done"; rows: number; url: string; fileName: string };

/**
 * "Export members": every member to a file, a page at a time through the API (masked as the API
 * masks it), with progress; a failed page can be retried without starting over.
 */
export function ExportMembersButton({ id, size }: { id: string; size: number }) {
  const ids = useId();
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState<Format>("csv");
  const [state, setState] = useState<ExportState>({ step: "idle" });
  // What was fetched survives a failed page, so "Retry" resumes where it stopped.
  const progress = useRef({
    chunks: [] as string[],
    cursor: null as string | null,
    done: 0,
    total: null as number | null,
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
      let page: Awaited<ReturnType<typeof exportSegmentPage>>;
      try {
        page = await exportSegmentPage({
          id,
          format,
          cursor: p.cursor,
          limit,
          withTotal: p.total === null,
        });
      } catch {
        page = {
          ok: false,
          code: "NETWORK",
          message: "The console could not reach the server.",
          fieldErrors: [],
        };
      }
      if (cancelled.current) return;
      if (!page.ok) {
        setState({ step: "failed", done: p.done, total: p.total, message: page.message });
        return;
      }
      p.chunks.push(page.value.chunk);
      p.done += page.value.rows;
      if (page.value.total !== null) p.total = page.value.total;
      p.cursor = page.value.nextCursor;
      if (!p.cursor) break;
      setState({ step: "running", done: p.done, total: p.total });
    }
    const mime = FORMATS.find((f) => f.value === format)?.mime ?? "text/plain";
    const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
    const fileName = `segment-${id}-${stamp}.${format}`;
    const href = URL.createObjectURL(new Blob(p.chunks, { type: mime }));
    setState({ step: "done", rows: p.done, url: href, fileName });
    const a = document.createElement("a");
    a.href = href;
    a.download = fileName;
    a.click();
    toast.success(`Exported ${formatNumber(p.done)} ${p.done === 1 ? "member" : "members"}`, {
      description: fileName,
    });
  }

  const running = state.step === "running";
  const total = state.step === "running" || state.step === "failed" ? state.total : null;
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
        <Button type="button" size="sm" variant="outline" disabled={size === 0}>
          <DownloadIcon />
          Export members
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-md">
        <DialogHeader>
          <DialogTitle>Export members</DialogTitle>
          <DialogDescription>
            {formatNumber(size)} {size === 1 ? "member" : "members"} now. Personal data is exported
            masked, as you see it.
          </DialogDescription>
        </DialogHeader>

        {state.step === "idle" ? (
          <fieldset className="grid gap-2">
            <legend className="mb-2 text-sm font-medium">Format</legend>
            {FORMATS.map((f) => (
              <label
                key={f.value}
                htmlFor={`${ids}-${f.value}`}
                className={cn(
                  "flex cursor-pointer items-start gap-3 rounded-md border p-3 text-sm has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring/50",
                  format === f.value && "border-primary bg-primary/5",
                )}
              >
                <input
                  id={`${ids}-${f.value}`}
                  type="radio"
                  name={`${ids}-format`}
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
          <div className="grid gap-2 text-sm" data-testid="segment-export-done">
            <p>
              <span className="font-medium tabular-nums">{formatNumber(state.rows)}</span>{" "}
              {state.rows === 1 ? "member" : "members"} written to{" "}
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
              value={total === null ? null : done}
              max={Math.max(total ?? 1, 1)}
            />
            <p className="text-sm text-muted-foreground" aria-live="polite">
              <span className="font-medium text-foreground tabular-nums">{formatNumber(done)}</span>
              {total === null ? "" : ` of ${formatNumber(total)}`} members
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
