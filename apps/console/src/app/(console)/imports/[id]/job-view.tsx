"use client";

import { useEffect, useState } from "react";
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
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
  Progress,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@cdp/ui";
import { IMPORT_MAX_ERRORS } from "@cdp/profile-schema";

import { AlertIcon, BanIcon, SpinnerIcon } from "@/components/icons";
import { formatDateTime, formatNumber } from "@/lib/profile";
import { cancelImportJob, importJobStatus } from "../actions";
import type { ImportJob } from "../actions";
import { FORMAT_LABELS, ImportStatusBadge } from "../import-status";

const POLL_MS = 1000;

const isActive = (job: ImportJob) =>
  job.status === "uploading" || job.status === "queued" || job.status === "running";

/** A job's progress (polled while it runs), counts, row errors and a cancel button. */
export function ImportJobView({ initial }: { initial: ImportJob }) {
  const [job, setJob] = useState(initial);
  const [pollProblem, setPollProblem] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const active = isActive(job);

  useEffect(() => {
    if (!active) return;
    let stopped = false;
    const timer = setTimeout(async () => {
      try {
        const result = await importJobStatus(job.id);
        if (stopped) return;
        if (result.ok) {
          setJob(result.value);
          setPollProblem(null);
          if (!isActive(result.value)) {
            const j = result.value;
            if (j.status === "done") {
              toast.success(`Import finished: ${formatNumber(j.processedRows)} rows`, {
                description: `${formatNumber(j.inserted)} new, ${formatNumber(j.updated)} updated, ${formatNumber(j.failed)} failed.`,
              });
            } else if (j.status === "failed") {
              toast.error("The import failed", { description: j.message ?? undefined });
            }
          }
        } else setPollProblem(result.message);
      } catch {
        if (!stopped) setPollProblem("Lost contact with the server; retrying…");
      }
    }, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [active, job]);

  async function cancel() {
    setCancelling(true);
    try {
      const result = await cancelImportJob(job.id);
      if (result.ok) {
        setJob(result.value);
        toast.success("Import cancelled", { description: "Rows already stored stay." });
      } else toast.error(result.message);
    } catch {
      toast.error("The console could not reach the server. Try again.");
    } finally {
      setCancelling(false);
    }
  }

  const total = job.totalRows;
  const share = total > 0 ? Math.round((job.processedRows / total) * 100) : null;

  return (
    <div className="grid gap-4">
      <header className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <div className="flex items-center gap-2.5">
            <h1 className="text-xl font-semibold tracking-tight">{job.fileName ?? "Import"}</h1>
            <ImportStatusBadge status={job.status} />
          </div>
          <p className="mt-1 text-sm text-muted-foreground">
            {FORMAT_LABELS[job.format]} · started by{" "}
            <span className="font-mono text-xs">{job.createdBy}</span> ·{" "}
            <time dateTime={job.createdAt}>{formatDateTime(job.createdAt)}</time>
          </p>
        </div>
        {active ? (
          <AlertDialog>
            <AlertDialogTrigger asChild>
              <Button variant="outline" size="sm" disabled={cancelling}>
                {cancelling ? <SpinnerIcon /> : <BanIcon />}
                Cancel import
              </Button>
            </AlertDialogTrigger>
            <AlertDialogContent>
              <AlertDialogHeader>
                <AlertDialogTitle>Cancel this import?</AlertDialogTitle>
                <AlertDialogDescription>
                  It stops after the rows being stored now. Rows already stored stay; the rest of
                  the file is not imported.
                </AlertDialogDescription>
              </AlertDialogHeader>
              <AlertDialogFooter>
                <AlertDialogCancel>Keep importing</AlertDialogCancel>
                <AlertDialogAction variant="destructive" onClick={cancel}>
                  Cancel import
                </AlertDialogAction>
              </AlertDialogFooter>
            </AlertDialogContent>
          </AlertDialog>
        ) : null}
      </header>

      {job.status === "failed" && job.message ? (
        <Alert variant="destructive">
          <AlertIcon />
          <AlertDescription className="col-start-2">{job.message}</AlertDescription>
        </Alert>
      ) : null}
      {pollProblem ? (
        <Alert variant="warning">
          <AlertIcon />
          <AlertDescription className="col-start-2">{pollProblem}</AlertDescription>
        </Alert>
      ) : null}

      <Card className="gap-4 py-5">
        <CardHeader className="px-5">
          <CardTitle className="text-base">
            <h2>Progress</h2>
          </CardTitle>
          <CardDescription aria-live="polite" data-testid="import-progress">
            {job.status === "uploading"
              ? `The file is still being uploaded: ${formatNumber(total)} rows so far.`
              : job.status === "queued"
                ? "Waiting for the import before it to finish."
                : `${formatNumber(job.processedRows)} of ${formatNumber(total)} rows${share !== null ? ` (${share}%)` : ""}`}
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-5 px-5">
          <Progress
            value={
              job.status === "uploading" ? null : total > 0 ? job.processedRows : active ? null : 0
            }
            max={Math.max(total, 1)}
            aria-label="Import progress"
          />
          <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
            {(
              [
                ["New profiles", job.inserted, "inserted"],
                ["Updated", job.updated, "updated"],
                ["Unchanged", job.unchanged, "unchanged"],
                ["Failed rows", job.failed, "failed"],
              ] as const
            ).map(([label, value, key]) => (
              <div key={key} className="rounded-md border px-3 py-2.5">
                <dt className="text-xs text-muted-foreground">{label}</dt>
                <dd
                  className={`text-lg font-semibold tabular-nums ${key === "failed" && value > 0 ? "text-destructive" : ""}`}
                  data-testid={`import-${key}`}
                >
                  {formatNumber(value)}
                </dd>
              </div>
            ))}
          </dl>
        </CardContent>
      </Card>

      <Card className="gap-0 py-0">
        <CardHeader className="border-b px-5 py-4 [.border-b]:pb-4">
          <CardTitle className="text-base">
            <h2>Row errors</h2>
          </CardTitle>
          <CardDescription>
            {job.failed === 0
              ? active
                ? "None so far."
                : "None: every row was read."
              : job.failed > job.errors.length
                ? `${formatNumber(job.failed)} rows failed; the first ${formatNumber(Math.min(job.errors.length, IMPORT_MAX_ERRORS))} are listed. Fix them in the file and import it again.`
                : `${formatNumber(job.failed)} ${job.failed === 1 ? "row" : "rows"} could not be stored. Fix them in the file and import it again: rows already stored are updated, not duplicated.`}
          </CardDescription>
        </CardHeader>
        {job.errors.length > 0 ? (
          /* Focusable so the keyboard can scroll a long report. */
          <div
            tabIndex={0}
            role="region"
            aria-label="Row errors"
            className="max-h-[28rem] overflow-auto outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50 focus-visible:ring-inset"
          >
            <Table>
              <TableCaption className="sr-only">Rows that could not be imported</TableCaption>
              <TableHeader className="sticky top-0 bg-card">
                <TableRow className="hover:bg-transparent">
                  <TableHead className="w-24 pl-5 text-xs font-medium text-muted-foreground">
                    Line
                  </TableHead>
                  <TableHead className="w-80 text-xs font-medium text-muted-foreground">
                    Field
                  </TableHead>
                  <TableHead className="pr-5 text-xs font-medium text-muted-foreground">
                    Problem
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {job.errors.map((e, i) => (
                  <TableRow key={`${e.line}-${e.path}-${i}`}>
                    <TableCell className="pl-5 tabular-nums">{e.line}</TableCell>
                    <TableCell className="font-mono text-xs">{e.path || "—"}</TableCell>
                    <TableCell className="pr-5 whitespace-normal">{e.message}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
        ) : null}
      </Card>
    </div>
  );
}
