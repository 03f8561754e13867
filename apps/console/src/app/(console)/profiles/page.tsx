import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import type { ReactNode } from "react";
import { seesPii } from "@cdp/api";
import type { RouterOutputs } from "@cdp/api";
import { parseConditionText } from "@cdp/profile-schema";
import type { Condition } from "@cdp/profile-schema";
import { Badge, Button } from "@cdp/ui";

import { env } from "@/env";
import { EmptyState } from "@/components/empty-state";
import { AlertIcon, DatabaseIcon, SearchXIcon } from "@/components/icons";
import { PROFILE_COLUMNS } from "@/components/profiles/columns";
import type { ProfileCell, ProfileRow } from "@/components/profiles/columns";
import { ProfilesExplorer } from "@/components/profiles/profiles-explorer";
import type { ProfilesResult } from "@/components/profiles/profiles-explorer";
import {
  loadProfilesSearchParams,
  profilesHref,
  SEARCH_MAX,
} from "@/components/profiles/search-params";
import { valueAtPath } from "@/components/profiles/sections";
import { formatNumber, isMasked, nameOf } from "@/lib/profile";
import { apiRefusal, currentPrincipal, serverApi } from "@/server/api";
import { TableSkeleton } from "@/components/profiles/skeletons";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Profiles" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;
type ProfileItem = RouterOutputs["profile"]["list"]["items"][number];

/** The cells the table can show, read from the (masked) profile the API returned. */
function rowOf({ profile, masked }: ProfileItem): ProfileRow {
  const cells: Record<string, ProfileCell> = {};
  for (const column of PROFILE_COLUMNS) {
    if (column.kind === "name") {
      cells[column.id] = {
        value: nameOf(profile.data.pii),
        masked: isMasked(masked, column.paths),
      };
      continue;
    }
    const values = column.paths.map((p) => valueAtPath(profile, p));
    const value = values.find((v) => v !== null && v !== undefined && v !== "") ?? null;
    cells[column.id] = {
      value:
        typeof value === "string" || typeof value === "number" || typeof value === "boolean"
          ? value
          : Array.isArray(value)
            ? value.filter((v): v is string => typeof v === "string")
            : null,
      masked: isMasked(masked, column.paths),
    };
  }
  return { id: profile.id, cells };
}

export default async function ProfilesPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await loadProfilesSearchParams(searchParams);
  const q = params.q.trim().slice(0, SEARCH_MAX);
  const pageSize = env.CONSOLE_PAGE_SIZE;
  // Only for "Showing 51–100": the cursor, not this number, decides which rows come back.
  const pageNumber = params.cursor ? Math.max(2, params.page) : 1;

  let condition: Condition | null = null;
  if (params.where.trim()) {
    const parsed = parseConditionText(params.where);
    if (!parsed.ok) {
      // The query bar shows where the error is; nothing is asked of the API.
      return (
        <ProfilesLayout total={null} q={q} filtered>
          <ProfilesExplorer
            result={null}
            emptyState={
              <EmptyState
                icon={<AlertIcon />}
                title="The filter has an error"
                description="Correct the query above (the error is marked where it is) and apply it again."
              />
            }
          />
        </ProfilesLayout>
      );
    }
    condition = parsed.condition;
  }

  const api = await serverApi();
  let page: RouterOutputs["profile"]["list"];
  try {
    page = await api.profile.list({
      search: q || undefined,
      condition: condition ?? undefined,
      sort: params.sort,
      order: params.order,
      cursor: params.cursor,
      limit: pageSize,
      withTotal: true,
    });
  } catch (error) {
    const refused = apiRefusal(error);
    if (refused?.code !== "BAD_REQUEST") throw error;
    const badCursor = refused.fieldErrors.some((e) => e.path === "cursor");
    return (
      <ProfilesLayout total={null} q={q} filtered={condition !== null}>
        <ProfilesExplorer
          result={null}
          emptyState={
            <EmptyState
              icon={<AlertIcon />}
              title={
                badCursor ? "This page link no longer works" : "The profiles could not be listed"
              }
              description={
                badCursor
                  ? "The paging link is malformed or from an older version of the console."
                  : refused.message
              }
              action={
                <Button asChild variant="outline" size="sm">
                  <Link href={profilesHref({ ...params, cursor: null, page: null })}>
                    First page
                  </Link>
                </Button>
              }
            />
          }
        />
      </ProfilesLayout>
    );
  }

  const total = page.total ?? 0;
  const result: ProfilesResult = {
    rows: page.items.map(rowOf),
    total,
    first: (pageNumber - 1) * pageSize + 1,
    firstPageHref: params.cursor ? profilesHref({ ...params, cursor: null, page: null }) : null,
    nextPageHref: page.nextCursor
      ? profilesHref({ ...params, cursor: page.nextCursor, page: pageNumber + 1 })
      : null,
    // Said for the role, not the page: a page without personal data is masked all the same.
    masked: !seesPii(await currentPrincipal()),
    condition,
  };
  const filtered = q !== "" || condition !== null;

  return (
    <ProfilesLayout total={total} q={q} filtered={filtered}>
      <ProfilesExplorer
        result={result}
        emptyState={
          filtered ? (
            <EmptyState
              icon={<SearchXIcon />}
              title={q && !condition ? <>No profiles match “{q}”</> : "No profiles match"}
              description={
                condition
                  ? "No profile satisfies the filter. Loosen a condition or clear the filter."
                  : "Search looks in names, email addresses and phone numbers. Try part of a name or a different spelling."
              }
              action={
                <Button asChild variant="outline" size="sm">
                  <Link href="/profiles">Clear search and filter</Link>
                </Button>
              }
            />
          ) : params.cursor ? (
            <EmptyState
              icon={<SearchXIcon />}
              title="No more profiles"
              description="You are past the last page."
              action={
                <Button asChild variant="outline" size="sm">
                  <Link href={profilesHref({ ...params, cursor: null, page: null })}>
                    First page
                  </Link>
                </Button>
              }
            />
          ) : (
            <EmptyState
              icon={<DatabaseIcon />}
              title="No profiles yet"
              description="Profiles appear here as events are tracked, files are imported or integrations send them."
            >
              <p className="mt-3 text-xs text-muted-foreground">
                For demo data, run{" "}
                <code className="rounded bg-muted px-1 py-0.5 font-mono">pnpm db:seed</code>.
              </p>
            </EmptyState>
          )
        }
      />
    </ProfilesLayout>
  );
}

/** Title and count above the explorer; nuqs hooks below need a Suspense boundary. */
function ProfilesLayout({
  total,
  q,
  filtered,
  children,
}: {
  total: number | null;
  q: string;
  filtered: boolean;
  children: ReactNode;
}) {
  return (
    <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
      <header>
        <div className="flex items-center gap-2.5">
          <h1 className="text-xl font-semibold tracking-tight">Profiles</h1>
          {total !== null ? (
            <Badge variant="muted" className="tabular-nums" data-testid="profile-total">
              {formatNumber(total)}
            </Badge>
          ) : null}
        </div>
        <p className="mt-1 text-sm text-muted-foreground">
          {total === null || (total === 0 && !filtered)
            ? "Everyone the platform knows: identified customers and anonymous visitors."
            : filtered
              ? `${formatNumber(total)} ${total === 1 ? "profile matches" : "profiles match"}${q ? ` “${q}”` : ""}.`
              : `${formatNumber(total)} ${total === 1 ? "profile" : "profiles"}: identified customers and anonymous visitors.`}
        </p>
      </header>
      <Suspense fallback={<TableSkeleton />}>{children}</Suspense>
    </div>
  );
}
