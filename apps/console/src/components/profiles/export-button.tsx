"use client";

import { Button } from "@cdp/ui";

import { exportProfilesPage } from "@/app/(console)/profiles/actions";
import type { ExportPageInput } from "@/app/(console)/profiles/actions";
import { ExportDialog } from "@/components/export-dialog";
import { formatNumber } from "@/lib/profile";
import { DownloadIcon } from "@/components/icons";

type Query = NonNullable<ExportPageInput["query"]>;

/** "Export": every profile matching the table's query, to a CSV or NDJSON file. */
export function ExportButton({ query, total }: { query: Query; total: number }) {
  return (
    <ExportDialog
      trigger={
        <Button type="button" variant="outline" className="bg-background" disabled={total === 0}>
          <DownloadIcon />
          Export
        </Button>
      }
      title="Export profiles"
      description={
        <>
          {formatNumber(total)} {total === 1 ? "profile matches" : "profiles match"} the current
          search and filter. Personal data is exported masked, as you see it.
        </>
      }
      noun={["profile", "profiles"]}
      fileStem="profiles"
      fetchPage={({ format, cursor, limit }) =>
        exportProfilesPage({ query, format, cursor, limit })
      }
    />
  );
}
