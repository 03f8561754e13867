import type { Metadata } from "next";
import Link from "next/link";
import type { RouterOutputs } from "@cdp/api";
import { describeCondition, isTimeRelative } from "@cdp/profile-schema";
import {
  Badge,
  Button,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@cdp/ui";

import { PlusIcon, SegmentIcon, SpinnerIcon } from "@/components/icons";
import { EmptyState } from "@/components/empty-state";
import { PURPOSE_LABELS, sentence } from "@/components/segments/labels";
import { SavedViewsPanel } from "@/components/segments/saved-views-panel";
import { SegmentsPage } from "@/components/segments/segment-page";
import { formatDateTime, formatNumber } from "@/lib/profile";
import { serverApi } from "@/server/api";
import { viewViewer } from "./actions";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Segments" };

type Segment = RouterOutputs["segment"]["list"][number];

const dash = <span className="text-muted-foreground/50">—</span>;

/** Whether the members are complete, and how they are kept current. */
function Membership({ segment }: { segment: Segment }) {
  if (segment.computing) {
    return (
      <Badge variant="outline" className="gap-1.5 font-normal">
        <SpinnerIcon className="size-3" />
        Computing…
      </Badge>
    );
  }
  return (
    <div className="grid gap-0.5">
      <span className="text-sm">Up to date</span>
      <span className="text-xs text-muted-foreground">
        {isTimeRelative(segment.condition)
          ? "Time-based: also re-evaluated on schedule"
          : "Updated on every profile change"}
      </span>
    </div>
  );
}

function SegmentsTable({ segments, mayEdit }: { segments: Segment[]; mayEdit: boolean }) {
  return (
    <Table>
      <TableCaption className="sr-only">Segments, by id</TableCaption>
      <TableHeader className="bg-muted/40">
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-4 text-xs font-medium text-muted-foreground">Segment</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Purpose</TableHead>
          <TableHead className="text-right text-xs font-medium text-muted-foreground">
            Members
          </TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Membership</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">
            Definition changed
          </TableHead>
          <TableHead className="pr-4 text-right text-xs font-medium text-muted-foreground">
            <span className="sr-only">Actions</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {segments.map((s) => {
          const href = `/segments/${encodeURIComponent(s.id)}`;
          const words = sentence(describeCondition(s.condition));
          return (
            <TableRow key={s.id} data-testid={`segment-row-${s.id}`}>
              <TableCell className="max-w-[32rem] py-2.5 pl-4 whitespace-normal">
                <Link href={href} className="font-medium hover:underline">
                  {s.name}
                </Link>
                <div className="font-mono text-xs text-muted-foreground">{s.id}</div>
                <div className="mt-0.5 line-clamp-2 text-xs text-muted-foreground" title={words}>
                  {s.description ?? words}
                </div>
              </TableCell>
              <TableCell>{s.purpose ? PURPOSE_LABELS[s.purpose] : dash}</TableCell>
              <TableCell className="text-right font-medium tabular-nums" data-testid="segment-size">
                {formatNumber(s.size)}
              </TableCell>
              <TableCell>
                <Membership segment={s} />
              </TableCell>
              <TableCell className="text-muted-foreground">
                <time dateTime={s.updatedAt}>{formatDateTime(s.updatedAt)}</time>
              </TableCell>
              <TableCell className="pr-4">
                <div className="flex justify-end gap-1">
                  <Button asChild size="sm" variant="ghost">
                    <Link href={href} aria-label={`Open ${s.name}`}>
                      Open
                    </Link>
                  </Button>
                  {mayEdit ? (
                    <Button asChild size="sm" variant="ghost">
                      <Link href={`${href}/edit`} aria-label={`Edit ${s.name}`}>
                        Edit
                      </Link>
                    </Button>
                  ) : null}
                </div>
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}

export default async function SegmentsListPage() {
  const [api, viewer] = await Promise.all([serverApi(), viewViewer()]);
  const [segments, views] = await Promise.all([api.segment.list(), api.view.list()]);
  const mayEdit = viewer.canPromote;

  return (
    <SegmentsPage
      title="Segments"
      badge={
        <Badge variant="muted" className="tabular-nums" data-testid="segment-count">
          {formatNumber(segments.length)}
        </Badge>
      }
      description="Groups of profiles defined by a condition, optionally limited to those who consented to a purpose. Membership is kept current as profiles change."
      actions={
        mayEdit ? (
          <Button asChild size="sm">
            <Link href="/segments/new">
              <PlusIcon />
              New segment
            </Link>
          </Button>
        ) : null
      }
    >
      <div className="overflow-hidden rounded-lg border bg-card shadow-xs">
        {segments.length === 0 ? (
          <div className="px-6 py-16">
            <EmptyState
              icon={<SegmentIcon />}
              title="No segments yet"
              description={
                mayEdit
                  ? "Create a segment from a condition such as “visited 3 times in the last 30 days and consented to marketing”, or make one of a saved view below."
                  : "Editors and admins create segments; none are defined yet."
              }
              action={
                mayEdit ? (
                  <Button asChild size="sm">
                    <Link href="/segments/new">
                      <PlusIcon />
                      New segment
                    </Link>
                  </Button>
                ) : null
              }
            />
          </div>
        ) : (
          <SegmentsTable segments={segments} mayEdit={mayEdit} />
        )}
      </div>
      {!mayEdit ? (
        <p className="mt-3 text-sm text-muted-foreground">
          Your role reads segments and their members; editors and admins create and change them.
        </p>
      ) : null}

      <section aria-labelledby="saved-views-title" className="mt-8">
        <h2 id="saved-views-title" className="text-base font-semibold">
          Saved views
        </h2>
        <p className="mt-1 mb-3 max-w-3xl text-sm text-muted-foreground">
          Your views of the profiles table and those shared with everyone.
          {mayEdit ? " Make a segment of a view to keep its profiles as a segment." : ""}
        </p>
        <div className="overflow-hidden rounded-lg border bg-card shadow-xs">
          <SavedViewsPanel views={views} viewer={viewer} />
        </div>
      </section>
    </SegmentsPage>
  );
}
