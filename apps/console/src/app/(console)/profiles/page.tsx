import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import type { RouterOutputs } from "@cdp/api";
import {
  Badge,
  Button,
  Input,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@cdp/ui";

import { env } from "@/env";
import { EmptyState } from "@/components/empty-state";
import {
  AlertIcon,
  ChevronRightIcon,
  ChevronsLeftIcon,
  DatabaseIcon,
  LockIcon,
  SearchIcon,
  SearchXIcon,
  XIcon,
} from "@/components/icons";
import { ProfileAvatar } from "@/components/profile-avatar";
import { ProfileStatusBadge } from "@/components/profile-status-badge";
import { PiiText, MASKED_TITLE } from "@/components/pii-text";
import {
  ANONYMOUS_NAME,
  COUNTRY_PATHS,
  EMAIL_PATHS,
  formatDate,
  formatNumber,
  isMasked,
  NAME_PATHS,
  PHONE_PATHS,
  profileCountry,
  profileEmail,
  profileName,
  profilePhone,
} from "@/lib/profile";
import { isApiError, serverApi } from "@/server/api";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Profiles" };

type SearchParams = Record<string, string | string[] | undefined>;
type ProfilePage = RouterOutputs["profile"]["list"];

const SEARCH_MAX = 200;

function one(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

/** /profiles with the given query parameters (empty ones left out). */
function profilesHref(params: Record<string, string | number | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== "") qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `/profiles?${s}` : "/profiles";
}

export default async function ProfilesPage({
  searchParams,
}: {
  searchParams: Promise<SearchParams>;
}) {
  const params = await searchParams;
  const q = one(params.q).trim().slice(0, SEARCH_MAX);
  const cursor = one(params.cursor) || null;
  // Only for "Showing 51–100": the cursor, not this number, decides which rows come back.
  const pageNumber = cursor ? Math.max(2, Number.parseInt(one(params.page), 10) || 2) : 1;
  const pageSize = env.CONSOLE_PAGE_SIZE;

  const api = await serverApi();
  let page: ProfilePage;
  try {
    page = await api.profile.list({
      search: q || undefined,
      cursor,
      limit: pageSize,
      withTotal: true,
    });
  } catch (error) {
    if (cursor && isApiError(error, "BAD_REQUEST")) {
      return (
        <ProfilesLayout q={q} total={null} masked={false}>
          <div className="rounded-lg border bg-card px-6 py-16">
            <EmptyState
              icon={<AlertIcon />}
              title="This page link no longer works"
              description="The paging link is malformed or from an older version of the console."
              action={
                <Button asChild variant="outline" size="sm">
                  <Link href={profilesHref({ q })}>First page</Link>
                </Button>
              }
            />
          </div>
        </ProfilesLayout>
      );
    }
    throw error;
  }
  const items = page.items;

  const total = page.total ?? 0;
  const first = (pageNumber - 1) * pageSize + 1;
  const last = first + items.length - 1;

  return (
    <ProfilesLayout q={q} total={total} masked={items.some((i) => i.masked.length > 0)}>
      {items.length === 0 ? (
        <div className="rounded-lg border bg-card px-6 py-16">
          {q ? (
            <EmptyState
              icon={<SearchXIcon />}
              title={<>No profiles match “{q}”</>}
              description="Search looks in names, email addresses and phone numbers. Try part of a name or a different spelling."
              action={
                <Button asChild variant="outline" size="sm">
                  <Link href="/profiles">Clear search</Link>
                </Button>
              }
            />
          ) : cursor ? (
            <EmptyState
              icon={<SearchXIcon />}
              title="No more profiles"
              description="You are past the last page."
              action={
                <Button asChild variant="outline" size="sm">
                  <Link href="/profiles">First page</Link>
                </Button>
              }
            />
          ) : (
            <NoProfilesYet />
          )}
        </div>
      ) : (
        <div className="overflow-hidden rounded-lg border bg-card shadow-xs">
          <ProfilesTable items={items} />
          <nav
            aria-label="Pagination"
            className="flex flex-wrap items-center justify-between gap-3 border-t bg-muted/30 px-4 py-2.5"
          >
            <p className="text-sm text-muted-foreground" aria-live="polite">
              Showing{" "}
              <span className="font-medium text-foreground tabular-nums">
                {formatNumber(first)}–{formatNumber(last)}
              </span>{" "}
              of{" "}
              <span className="font-medium text-foreground tabular-nums">
                {formatNumber(total)}
              </span>
            </p>
            <div className="flex items-center gap-2">
              {cursor ? (
                <Button asChild variant="outline" size="sm">
                  <Link href={profilesHref({ q })}>
                    <ChevronsLeftIcon />
                    First page
                  </Link>
                </Button>
              ) : (
                <Button variant="outline" size="sm" disabled>
                  <ChevronsLeftIcon />
                  First page
                </Button>
              )}
              {page.nextCursor ? (
                <Button asChild variant="outline" size="sm">
                  <Link
                    href={profilesHref({ q, cursor: page.nextCursor, page: pageNumber + 1 })}
                    rel="next"
                  >
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
        </div>
      )}
    </ProfilesLayout>
  );
}

/** Title, count and search form above whatever the page shows. */
function ProfilesLayout({
  q,
  total,
  masked,
  children,
}: {
  q: string;
  total: number | null;
  /** Whether personal data on this page is shown masked. */
  masked: boolean;
  children: ReactNode;
}) {
  return (
    <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
      <header className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <div className="flex items-center gap-2.5">
            <h1 className="text-xl font-semibold tracking-tight">Profiles</h1>
            {total !== null ? (
              <Badge variant="muted" className="tabular-nums" data-testid="profile-total">
                {formatNumber(total)}
              </Badge>
            ) : null}
          </div>
          <p className="mt-1 text-sm text-muted-foreground">
            {total === null || (total === 0 && !q)
              ? "Everyone the platform knows: identified customers and anonymous visitors."
              : q
                ? `${formatNumber(total)} ${total === 1 ? "profile matches" : "profiles match"} “${q}”.`
                : `${formatNumber(total)} ${total === 1 ? "profile" : "profiles"}: identified customers and anonymous visitors.`}
          </p>
        </div>
      </header>

      <form
        role="search"
        action="/profiles"
        method="get"
        className="mt-5 mb-4 flex flex-wrap items-center gap-2"
      >
        <label htmlFor="profile-search" className="sr-only">
          Search profiles
        </label>
        <div className="relative w-full sm:w-80">
          <SearchIcon className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground" />
          <Input
            id="profile-search"
            type="search"
            name="q"
            defaultValue={q}
            maxLength={SEARCH_MAX}
            placeholder="Search by name, email or phone"
            autoComplete="off"
            className="bg-background pl-8"
          />
        </div>
        <Button type="submit" variant="secondary">
          Search
        </Button>
        {q ? (
          <Button asChild variant="ghost" className="text-muted-foreground">
            <Link href="/profiles">
              <XIcon />
              Clear
            </Link>
          </Button>
        ) : null}
        {masked ? (
          <Badge
            variant="outline"
            className="ml-auto gap-1.5 text-muted-foreground"
            title={MASKED_TITLE}
          >
            <LockIcon />
            PII masked
          </Badge>
        ) : null}
      </form>

      {children}
    </div>
  );
}

function Muted({ children }: { children: ReactNode }) {
  return <span className="text-muted-foreground">{children}</span>;
}

const dash = <span className="text-muted-foreground/50">—</span>;

function ProfilesTable({ items }: { items: ProfilePage["items"] }) {
  return (
    <Table>
      <TableCaption className="sr-only">Profiles, newest first</TableCaption>
      <TableHeader className="bg-muted/40">
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-4 text-xs font-medium text-muted-foreground">Name</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Email</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Phone</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Country</TableHead>
          <TableHead className="text-right text-xs font-medium text-muted-foreground">
            Visits
          </TableHead>
          <TableHead className="text-right text-xs font-medium text-muted-foreground">
            Views
          </TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Created</TableHead>
          <TableHead className="pr-4 text-xs font-medium text-muted-foreground">Status</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {items.map(({ profile, masked }) => {
          const name = profileName(profile);
          const email = profileEmail(profile);
          const phone = profilePhone(profile);
          const country = profileCountry(profile);
          const created = formatDate(profile.metadata.time.insert);
          return (
            // The name link stretches over the row (after:inset-0), so the whole row opens it.
            <TableRow key={profile.id} className="relative">
              <TableCell className="py-2 pl-4">
                <div className="flex items-center gap-3">
                  <ProfileAvatar id={profile.id} name={name} />
                  <Link
                    href={`/profiles/${encodeURIComponent(profile.id)}`}
                    // Fifty rows would mean fifty background requests per page view.
                    prefetch={false}
                    className="max-w-64 truncate font-medium outline-none after:absolute after:inset-0 after:content-[''] focus-visible:after:rounded-sm focus-visible:after:ring-2 focus-visible:after:ring-ring/60 focus-visible:after:ring-inset"
                  >
                    {name ? (
                      <PiiText value={name} masked={isMasked(masked, NAME_PATHS)} />
                    ) : (
                      <span className="text-muted-foreground">{ANONYMOUS_NAME}</span>
                    )}
                  </Link>
                </div>
              </TableCell>
              <TableCell className="max-w-72 truncate">
                {email ? <PiiText value={email} masked={isMasked(masked, EMAIL_PATHS)} /> : dash}
              </TableCell>
              <TableCell className="tabular-nums">
                {phone ? (
                  <Muted>
                    <PiiText value={phone} masked={isMasked(masked, PHONE_PATHS)} />
                  </Muted>
                ) : (
                  dash
                )}
              </TableCell>
              <TableCell>
                {country ? (
                  <PiiText value={country} masked={isMasked(masked, COUNTRY_PATHS)} />
                ) : (
                  dash
                )}
              </TableCell>
              <TableCell className="text-right tabular-nums">
                {formatNumber(profile.stats.visits)}
              </TableCell>
              <TableCell className="text-right tabular-nums">
                {formatNumber(profile.stats.views)}
              </TableCell>
              <TableCell>
                {created ? (
                  <time
                    dateTime={profile.metadata.time.insert ?? undefined}
                    className="text-muted-foreground"
                  >
                    {created}
                  </time>
                ) : (
                  dash
                )}
              </TableCell>
              <TableCell className="pr-4">
                <ProfileStatusBadge anonymous={profile.data.anonymous} />
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}

function NoProfilesYet() {
  return (
    <EmptyState
      icon={<DatabaseIcon />}
      title="No profiles yet"
      description="Profiles appear here as events and imports arrive. For a local demo, load generated profiles into the embedded database."
    >
      <div className="mt-5 w-full text-left">
        <ol className="space-y-3 text-sm text-muted-foreground">
          <li>
            <span className="font-medium text-foreground">1.</span> Stop the console (the embedded
            database takes one process at a time).
          </li>
          <li>
            <span className="font-medium text-foreground">2.</span> From the repository root, run:
            <pre className="mt-1.5 overflow-x-auto rounded-md border bg-muted/50 px-3 py-2 font-mono text-xs text-foreground">
              pnpm db:seed --count 1000 --if-empty
            </pre>
          </li>
          <li>
            <span className="font-medium text-foreground">3.</span> Start the console again and
            reload this page.
          </li>
        </ol>
      </div>
    </EmptyState>
  );
}
