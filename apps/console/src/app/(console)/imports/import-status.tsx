import { Badge } from "@cdp/ui";
import type { ImportJobStatus } from "@cdp/profile-schema";

const LABELS: Record<ImportJobStatus, string> = {
  uploading: "Uploading",
  queued: "Queued",
  running: "Running",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** A job's status as a badge. */
export function ImportStatusBadge({ status }: { status: ImportJobStatus }) {
  const variant =
    status === "done"
      ? "success"
      : status === "failed"
        ? "destructive"
        : status === "running"
          ? "secondary"
          : "muted";
  return (
    <Badge variant={variant} data-testid="import-status">
      {status === "running" || status === "queued" || status === "uploading" ? (
        <span className="size-1.5 animate-pulse rounded-full bg-current" aria-hidden="true" />
      ) : null}
      {LABELS[status]}
    </Badge>
  );
}

export const FORMAT_LABELS = {
  csv: "CSV",
  ndjson: "Profile NDJSON",
  tracardi: "Tracardi NDJSON",
} as const;
