import type { Metadata } from "next";
import Link from "next/link";
import { can } from "@cdp/api";
import type { RouterOutputs } from "@cdp/api";
import { csvCellType, fieldByPath, importablePaths } from "@cdp/profile-schema";
import {
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@cdp/ui";

import { Forbidden } from "@/components/admin/forbidden";
import { UploadIcon } from "@/components/icons";
import { AdminPage, Panel } from "@/components/admin/page";
import { EmptyState } from "@/components/empty-state";
import { formatDateTime, formatNumber, sectionOf } from "@/lib/profile";
import { currentPrincipal, serverApi } from "@/server/api";
import { ImportForm } from "./import-form";
import type { FieldOption } from "./import-form";
import { FORMAT_LABELS, ImportStatusBadge } from "./import-status";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Imports" };

type Job = RouterOutputs["profile"]["importList"][number];

const TOP_SECTIONS: Record<string, string> = {
  id: "Identity",
  ids: "Identity",
  primary_id: "Identity",
  stats: "Stats",
  traits: "Traits",
  interests: "Interests",
  active: "Identity",
  aux: "Other",
};

/** The fields a CSV column can fill, grouped for the picker. */
function csvFields(): FieldOption[] {
  return ["id", ...importablePaths]
    .filter((path, i, all) => all.indexOf(path) === i && csvCellType(path) !== undefined)
    .map((path) => {
      const section = sectionOf(path);
      return {
        path,
        label: fieldByPath(path)?.label ?? path,
        section:
          section === "Other" ? (TOP_SECTIONS[path.split(".")[0] ?? ""] ?? "Other") : section,
      };
    });
}

export default async function ImportsPage() {
  const principal = await currentPrincipal();
  if (principal.kind === "staff" && !can(principal, "profiles:write")) {
    return <Forbidden role={principal.role} what="import profiles" who="Editors and admins" />;
  }
  const api = await serverApi();
  const jobs = await api.profile.importList({ limit: 20 });

  return (
    <AdminPage
      title="Imports"
      description="Load profiles from a CSV or NDJSON file. Rows that name an existing profile update it; the others create profiles. Bad rows are skipped and listed with their line and field."
    >
      <Card className="gap-4 py-5">
        <CardHeader className="px-5">
          <CardTitle className="text-base">
            <h2>New import</h2>
          </CardTitle>
          <CardDescription>
            Check the column mapping against the first rows before you start.
          </CardDescription>
        </CardHeader>
        <CardContent className="px-5">
          <ImportForm fields={csvFields()} />
        </CardContent>
      </Card>

      <h2 className="mt-8 mb-3 text-base font-semibold">Recent imports</h2>
      {jobs.length === 0 ? (
        <Panel className="px-6 py-12">
          <EmptyState
            icon={<UploadIcon />}
            title="No imports yet"
            description="Imports you and your colleagues start appear here with their progress."
          />
        </Panel>
      ) : (
        <Panel>
          <JobsTable jobs={jobs} />
        </Panel>
      )}
    </AdminPage>
  );
}

function JobsTable({ jobs }: { jobs: Job[] }) {
  return (
    <Table>
      <TableCaption className="sr-only">Recent imports, newest first</TableCaption>
      <TableHeader className="bg-muted/40">
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-4 text-xs font-medium text-muted-foreground">File</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Status</TableHead>
          <TableHead className="text-right text-xs font-medium text-muted-foreground">
            Rows
          </TableHead>
          <TableHead className="text-right text-xs font-medium text-muted-foreground">
            New
          </TableHead>
          <TableHead className="text-right text-xs font-medium text-muted-foreground">
            Updated
          </TableHead>
          <TableHead className="text-right text-xs font-medium text-muted-foreground">
            Failed
          </TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Started by</TableHead>
          <TableHead className="pr-4 text-xs font-medium text-muted-foreground">Started</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {jobs.map((job) => (
          <TableRow key={job.id} className="relative">
            <TableCell className="py-2.5 pl-4">
              <Link
                href={`/imports/${encodeURIComponent(job.id)}`}
                prefetch={false}
                className="font-medium outline-none after:absolute after:inset-0 after:content-[''] focus-visible:after:rounded-sm focus-visible:after:ring-2 focus-visible:after:ring-ring/60 focus-visible:after:ring-inset"
              >
                {job.fileName ?? "Untitled file"}
              </Link>
              <div className="text-xs text-muted-foreground">{FORMAT_LABELS[job.format]}</div>
            </TableCell>
            <TableCell>
              <ImportStatusBadge status={job.status} />
            </TableCell>
            <TableCell className="text-right tabular-nums">
              {formatNumber(job.processedRows)}
              <span className="text-muted-foreground"> / {formatNumber(job.totalRows)}</span>
            </TableCell>
            <TableCell className="text-right tabular-nums">{formatNumber(job.inserted)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatNumber(job.updated)}</TableCell>
            <TableCell
              className={`text-right tabular-nums ${job.failed > 0 ? "font-medium text-destructive" : ""}`}
            >
              {formatNumber(job.failed)}
            </TableCell>
            <TableCell className="max-w-48 truncate font-mono text-xs text-muted-foreground">
              {job.createdBy}
            </TableCell>
            <TableCell className="pr-4 text-muted-foreground">
              <time dateTime={job.createdAt}>{formatDateTime(job.createdAt)}</time>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
