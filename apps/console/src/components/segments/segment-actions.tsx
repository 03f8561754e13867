"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import {
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
} from "@cdp/ui";

import { deleteSegment, exportSegmentPage, refreshSegment } from "@/app/(console)/segments/actions";
import { ExportDialog } from "@/components/export-dialog";
import { DownloadIcon, RefreshIcon, SpinnerIcon, TrashIcon } from "@/components/icons";
import { formatNumber } from "@/lib/profile";

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

/** "Export members": every member of the segment, to a CSV or NDJSON file. */
export function ExportMembersButton({ id, size }: { id: string; size: number }) {
  return (
    <ExportDialog
      trigger={
        <Button type="button" size="sm" variant="outline" disabled={size === 0}>
          <DownloadIcon />
          Export members
        </Button>
      }
      title="Export members"
      description={
        <>
          {formatNumber(size)} {size === 1 ? "member" : "members"} now. Personal data is exported
          masked, as you see it.
        </>
      }
      noun={["member", "members"]}
      fileStem={`segment-${id}`}
      testIdPrefix="segment-export"
      fetchPage={async ({ format, cursor, limit, withTotal }) => {
        const page = await exportSegmentPage({ id, format, cursor, limit, withTotal });
        return page.ok ? { ok: true, ...page.value } : { ok: false, message: page.message };
      }}
    />
  );
}
