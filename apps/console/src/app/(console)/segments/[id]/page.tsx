import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { can } from "@cdp/api";
import type { RouterOutputs } from "@cdp/api";
import { describeCondition, formatCondition, isTimeRelative } from "@cdp/profile-schema";
import { Badge, Button } from "@cdp/ui";

import { EmptyState } from "@/components/empty-state";
import {
  ChevronRightIcon,
  ChevronsLeftIcon,
  HistoryIcon,
  PencilIcon,
  SpinnerIcon,
  UsersIcon,
} from "@/components/icons";
import { HistoryList } from "@/components/segments/history-list";
import { PURPOSE_LABELS, sentence } from "@/components/segments/labels";
import { MembersTable } from "@/components/segments/members-table";
import { SaveAsSegmentDialog } from "@/components/segments/save-as-segment-dialog";
import {
  DeleteSegmentButton,
  ExportMembersButton,
  RefreshSegmentButton,
} from "@/components/segments/segment-actions";
import { SegmentsBreadcrumb, SegmentsPage } from "@/components/segments/segment-page";
import { env } from "@/env";
import { formatDateTime, formatNumber } from "@/lib/profile";
import { apiRefusal, currentPrincipal, isApiError, serverApi } from "@/server/api";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

type Params = Promise<{ id: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;
type Segment = RouterOutputs["segment"]["get"];

const HISTORY_PAGE = 25;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Segment ${(await params).id}` };
}

const one = (v: string | string[] | undefined) => (typeof v === "string" && v ? v : null);

/** `/segments/<id>?…` keeping the other list's paging. */
function pageHref(id: string, params: Record<string, string | null>): string {
  const query = new URLSearchParams(
    Object.entries(params).filter((e): e is [string, string] => e[1] !== null),
  ).toString();
  return `/segments/${encodeURIComponent(id)}${query ? `?${query}` : ""}`;
}

function Panel({
  title,
  titleId,
  actions,
  children,
}: {
  title: ReactNode;
  titleId: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section
      aria-labelledby={titleId}
      className="min-w-0 overflow-hidden rounded-lg border bg-card shadow-xs"
    >
      <header className="flex flex-wrap items-center justify-between gap-2 border-b px-4 py-3">
        <h2 id={titleId} className="text-sm font-semibold">
          {title}
        </h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

function Pager({
  label,
  firstHref,
  nextHref,
  status,
}: {
  label: string;
  firstHref: string | null;
  nextHref: string | null;
  status: ReactNode;
}) {
  return (
    <nav
      aria-label={label}
      className="flex flex-wrap items-center justify-between gap-3 border-t bg-muted/30 px-4 py-2.5"
    >
      <p className="text-sm text-muted-foreground">{status}</p>
      <div className="flex items-center gap-2">
        {firstHref ? (
          <Button asChild variant="outline" size="sm">
            <Link href={firstHref} scroll={false}>
              <ChevronsLeftIcon />
              First page
            </Link>
          </Button>
        ) : null}
        {nextHref ? (
          <Button asChild variant="outline" size="sm">
            <Link href={nextHref} rel="next" scroll={false}>
              Next page
              <ChevronRightIcon />
            </Link>
          </Button>
        ) : (
          <Button variant="outline" size="sm" disabled>
            Next page
            <ChevronRightIcon />
          </Button>
        )}
      </div>
    </nav>
  );
}

function Definition({ segment }: { segment: Segment }) {
  const timeRelative = isTimeRelative(segment.condition);
  return (
    <section aria-labelledby="definition-title" className="rounded-lg border bg-card p-5 shadow-xs">
      <h2 id="definition-title" className="text-sm font-semibold">
        Definition
      </h2>
      <p className="mt-2 text-sm" data-testid="segment-sentence">
        {sentence(describeCondition(segment.condition))}
        {segment.purpose ? (
          <span className="text-muted-foreground">
            {" "}
            — and only those with a {PURPOSE_LABELS[segment.purpose].toLowerCase()} consent granted
            now
          </span>
        ) : null}
      </p>
      <pre
        className="mt-3 overflow-x-auto rounded-md border bg-muted/40 px-3 py-2 font-mono text-xs whitespace-pre-wrap"
        aria-label="Condition as query text"
        data-testid="segment-condition-text"
      >
        {formatCondition(segment.condition)}
      </pre>
      <dl className="mt-4 grid gap-x-6 gap-y-3 text-sm sm:grid-cols-2 xl:grid-cols-4">
        <div>
          <dt className="text-xs text-muted-foreground">Consent purpose</dt>
          <dd>{segment.purpose ? PURPOSE_LABELS[segment.purpose] : "None"}</dd>
        </div>
        <div>
          <dt className="text-xs text-muted-foreground">Membership</dt>
          <dd>
            {segment.computing ? (
              <span className="inline-flex items-center gap-1.5">
                <SpinnerIcon className="size-3.5" />
                Computing…
              </span>
            ) : timeRelative ? (
              "Up to date; time-based, also re-evaluated on schedule"
            ) : (
              "Up to date; updated on every profile change"
            )}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-muted-foreground">Definition changed</dt>
          <dd>
            <time dateTime={segment.updatedAt}>{formatDateTime(segment.updatedAt)}</time>{" "}
            <span className="text-muted-foreground">(version {segment.version})</span>
          </dd>
        </div>
        <div>
          <dt className="text-xs text-muted-foreground">Created</dt>
          <dd>
            <time dateTime={segment.createdAt}>{formatDateTime(segment.createdAt)}</time>
          </dd>
        </div>
      </dl>
    </section>
  );
}

export default async function SegmentPage({
  params,
  searchParams,
}: {
  params: Params;
  searchParams: SearchParams;
}) {
  const { id } = await params;
  const query = await searchParams;
  const membersCursor = one(query.members);
  const membersPage = membersCursor ? Math.max(2, Number(one(query.mpage)) || 2) : 1;
  const historyCursor = one(query.history);
  const [api, principal] = await Promise.all([serverApi(), currentPrincipal()]);

  let segment: Segment;
  try {
    segment = await api.segment.get({ id });
  } catch (error) {
    if (isApiError(error, "NOT_FOUND") || isApiError(error, "BAD_REQUEST")) notFound();
    throw error;
  }
  const pageSize = env.CONSOLE_PAGE_SIZE;
  const [members, history] = await Promise.all([
    api.segment
      .members({ id, cursor: membersCursor, limit: pageSize, withTotal: true })
      .catch((error: unknown) => ({ error })),
    api.segment
      .history({ segmentId: id, cursor: historyCursor, limit: HISTORY_PAGE })
      .catch((error: unknown) => ({ error })),
  ]);
  const mayEdit = can(principal, "segments:write");
  const keep = {
    members: membersCursor,
    mpage: membersCursor ? String(membersPage) : null,
    history: historyCursor,
  };
  const badCursor = (result: { error: unknown }) => {
    // A malformed paging link is said as such; anything else is the page's error boundary's.
    if (apiRefusal(result.error)?.code !== "BAD_REQUEST") throw result.error;
    return true;
  };

  return (
    <SegmentsPage
      breadcrumb={<SegmentsBreadcrumb current={segment.name} />}
      title={segment.name}
      badge={
        <>
          <Badge variant="muted" className="tabular-nums" data-testid="segment-size">
            {formatNumber(segment.size)} {segment.size === 1 ? "member" : "members"}
          </Badge>
          {segment.purpose ? (
            <Badge variant="outline">{PURPOSE_LABELS[segment.purpose]} consent</Badge>
          ) : null}
        </>
      }
      description={
        <>
          <span className="font-mono text-xs">{segment.id}</span>
          {segment.description ? <span className="block">{segment.description}</span> : null}
        </>
      }
      actions={
        <>
          <ExportMembersButton id={segment.id} size={segment.size} />
          {mayEdit ? (
            <>
              <RefreshSegmentButton id={segment.id} name={segment.name} />
              <SaveAsSegmentDialog
                condition={segment.condition}
                variant="duplicate"
                suggestedName={`${segment.name} (copy)`}
              />
              <Button asChild size="sm" variant="outline">
                <Link href={`/segments/${encodeURIComponent(segment.id)}/edit`}>
                  <PencilIcon />
                  Edit
                </Link>
              </Button>
              <DeleteSegmentButton
                id={segment.id}
                name={segment.name}
                version={segment.version}
                size={segment.size}
              />
            </>
          ) : null}
        </>
      }
    >
      <Definition segment={segment} />

      <div className="mt-6 grid items-start gap-6 xl:grid-cols-[minmax(0,1fr)_26rem]">
        <Panel
          title="Members"
          titleId="members-title"
          actions={
            <Button asChild size="sm" variant="ghost">
              <Link href={`/profiles?where=${encodeURIComponent(`segment(${segment.id})`)}`}>
                Open in profiles
              </Link>
            </Button>
          }
        >
          {"error" in members ? (
            badCursor(members) && (
              <div className="px-6 py-12">
                <EmptyState
                  icon={<UsersIcon />}
                  title="This page link no longer works"
                  description="The paging link is malformed or from an older version of the console."
                  action={
                    <Button asChild variant="outline" size="sm">
                      <Link href={pageHref(id, { ...keep, members: null, mpage: null })}>
                        First page
                      </Link>
                    </Button>
                  }
                />
              </div>
            )
          ) : members.items.length === 0 ? (
            <div className="px-6 py-12">
              <EmptyState
                icon={<UsersIcon />}
                title={membersCursor ? "No more members" : "No members now"}
                description={
                  membersCursor
                    ? "You are past the last page."
                    : segment.computing
                      ? "Members are still being computed. Reload in a moment."
                      : segment.purpose
                        ? `No profile matches the condition with a ${PURPOSE_LABELS[segment.purpose].toLowerCase()} consent granted now. Members join as soon as one does.`
                        : "No profile matches the condition now. Members join as soon as a profile does."
                }
              />
            </div>
          ) : (
            <>
              <MembersTable members={members.items} caption={`Members of ${segment.name}`} />
              <Pager
                label="Members pages"
                status={
                  <>
                    Showing{" "}
                    <span className="font-medium text-foreground tabular-nums">
                      {formatNumber((membersPage - 1) * pageSize + 1)}–
                      {formatNumber((membersPage - 1) * pageSize + members.items.length)}
                    </span>{" "}
                    of{" "}
                    <span className="font-medium text-foreground tabular-nums">
                      {formatNumber(members.total ?? segment.size)}
                    </span>
                  </>
                }
                firstHref={
                  membersCursor ? pageHref(id, { ...keep, members: null, mpage: null }) : null
                }
                nextHref={
                  members.nextCursor
                    ? pageHref(id, {
                        ...keep,
                        members: members.nextCursor,
                        mpage: String(membersPage + 1),
                      })
                    : null
                }
              />
            </>
          )}
        </Panel>

        <Panel title="Entries and exits" titleId="history-title">
          {"error" in history ? (
            badCursor(history) && (
              <div className="px-6 py-12">
                <EmptyState
                  icon={<HistoryIcon />}
                  title="This page link no longer works"
                  description="The paging link is malformed or from an older version of the console."
                  action={
                    <Button asChild variant="outline" size="sm">
                      <Link href={pageHref(id, { ...keep, history: null })}>Latest</Link>
                    </Button>
                  }
                />
              </div>
            )
          ) : history.items.length === 0 ? (
            <div className="px-6 py-12">
              <EmptyState
                icon={<HistoryIcon />}
                title={historyCursor ? "No earlier entries" : "No entries yet"}
                description={
                  historyCursor
                    ? "You are past the oldest entry."
                    : "Profiles entering and leaving the segment are listed here."
                }
              />
            </div>
          ) : (
            <>
              <HistoryList items={history.items} />
              <Pager
                label="History pages"
                status={historyCursor ? "Earlier entries" : "Newest first"}
                firstHref={historyCursor ? pageHref(id, { ...keep, history: null }) : null}
                nextHref={
                  history.nextCursor ? pageHref(id, { ...keep, history: history.nextCursor }) : null
                }
              />
            </>
          )}
        </Panel>
      </div>
    </SegmentsPage>
  );
}
