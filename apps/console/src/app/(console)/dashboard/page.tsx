import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { Card, CardContent, CardDescription, CardHeader, CardTitle, cn } from "@cdp/ui";

import { AdminPage } from "@/components/admin/page";
import {
  ActivityIcon,
  DashboardIcon,
  FingerprintIcon,
  GhostIcon,
  UsersIcon,
} from "@/components/icons";
import { formatDateTime, formatNumber } from "@/lib/profile";
import { serverApi } from "@/server/api";
import { ConsentRateChart, DailyChart, SegmentSizeChart } from "./charts";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Dashboard" };

/** The ranges offered; the API takes any 1–366. */
const RANGES = [7, 30, 90] as const;
type Range = (typeof RANGES)[number];

function rangeOf(value: string | string[] | undefined): Range {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return (RANGES as readonly number[]).includes(n) ? (n as Range) : 30;
}

const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });

export default async function DashboardPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const days = rangeOf((await searchParams).days);
  const api = await serverApi();
  const stats = await api.stats.overview({ days });
  const { totals } = stats;
  const share = (n: number) => (totals.profiles === 0 ? null : percent.format(n / totals.profiles));
  const createdInRange = stats.profilesCreated.reduce((sum, d) => sum + d.count, 0);
  const visitsInRange = stats.visits.reduce((sum, d) => sum + d.count, 0);

  return (
    <AdminPage
      title="Dashboard"
      description={
        <>
          The platform at a glance, as of{" "}
          <time dateTime={stats.at}>{formatDateTime(stats.at)}</time>. Days are UTC days.
        </>
      }
      actions={<RangePicker days={days} />}
    >
      <section aria-label="Totals" className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <Total
          id="profiles"
          label="Profiles"
          value={totals.profiles}
          icon={<UsersIcon />}
          note="Identified customers and anonymous visitors"
          href="/profiles"
        />
        <Total
          id="identified"
          label="Identified"
          value={totals.identified}
          icon={<FingerprintIcon />}
          note={
            share(totals.identified)
              ? `${share(totals.identified)} of profiles: have an e-mail, phone or app contact`
              : "Have an e-mail, phone or app contact"
          }
        />
        <Total
          id="anonymous"
          label="Anonymous"
          value={totals.anonymous}
          icon={<GhostIcon />}
          note={
            share(totals.anonymous)
              ? `${share(totals.anonymous)} of profiles: no contact data yet`
              : "No contact data yet"
          }
        />
        <Total
          id="active"
          label="Active, last 30 days"
          value={totals.active}
          icon={<ActivityIcon />}
          note={
            share(totals.active)
              ? `${share(totals.active)} of profiles started a visit`
              : "Started a visit in the last 30 days"
          }
        />
      </section>

      <div className="mt-4 grid gap-4 lg:grid-cols-2">
        <ChartCard
          title="New profiles"
          description={`${formatNumber(createdInRange)} in the last ${days} days, by the day they were first stored.`}
        >
          <DailyChart
            data={stats.profilesCreated}
            label="New profiles"
            kind="area"
            color="var(--chart-created)"
          />
        </ChartCard>
        <ChartCard
          title="Visits"
          description={`${formatNumber(visitsInRange)} visits started in the last ${days} days (each profile's latest two visits).`}
        >
          <DailyChart data={stats.visits} label="Visits" kind="bar" color="var(--chart-visits)" />
        </ChartCard>
        <ChartCard title="Largest segments" description="Current members of each segment.">
          {stats.segments.length === 0 ? (
            <ChartEmpty
              title="No segments yet"
              description="Segments group profiles by a condition; their sizes appear here."
              action={
                <Link href="/segments" className="text-sm font-medium underline underline-offset-4">
                  Segments
                </Link>
              }
            />
          ) : (
            <SegmentSizeChart data={stats.segments} />
          )}
        </ChartCard>
        <ChartCard
          title="Consent grant rates"
          description="Share of all profiles holding each consent now (expired grants not counted)."
        >
          {stats.consents.length === 0 ? (
            <ChartEmpty
              title="No consent types yet"
              description="Define consent types to see how many profiles grant each."
              action={
                <Link
                  href="/consent-types"
                  className="text-sm font-medium underline underline-offset-4"
                >
                  Consent types
                </Link>
              }
            />
          ) : (
            <ConsentRateChart data={stats.consents} />
          )}
        </ChartCard>
      </div>
    </AdminPage>
  );
}

function RangePicker({ days }: { days: Range }) {
  return (
    <nav aria-label="Range" className="inline-flex rounded-md border bg-background p-0.5 shadow-xs">
      {RANGES.map((r) => (
        <Link
          key={r}
          href={r === 30 ? "/dashboard" : `/dashboard?days=${r}`}
          aria-current={r === days ? "page" : undefined}
          className={cn(
            "rounded-[5px] px-3 py-1 text-sm font-medium text-muted-foreground outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50",
            r === days && "bg-muted text-foreground",
          )}
        >
          {r} days
        </Link>
      ))}
    </nav>
  );
}

function Total({
  id,
  label,
  value,
  icon,
  note,
  href,
}: {
  id: string;
  label: string;
  value: number;
  icon: ReactNode;
  note: string;
  href?: string;
}) {
  const labelId = `total-${id}`;
  return (
    <Card className="gap-2 py-5" role="group" aria-labelledby={labelId}>
      <CardHeader className="flex flex-row items-center justify-between gap-2 px-5">
        <CardTitle id={labelId} className="text-sm font-medium text-muted-foreground">
          {href ? (
            <Link href={href} className="hover:text-foreground hover:underline">
              {label}
            </Link>
          ) : (
            label
          )}
        </CardTitle>
        <span className="text-muted-foreground [&_svg]:size-4">{icon}</span>
      </CardHeader>
      <CardContent className="px-5">
        <div className="text-2xl font-semibold tabular-nums" data-testid={`total-${id}`}>
          {formatNumber(value)}
        </div>
        <p className="mt-1 text-xs text-muted-foreground">{note}</p>
      </CardContent>
    </Card>
  );
}

function ChartCard({
  title,
  description,
  children,
}: {
  title: string;
  description: string;
  children: ReactNode;
}) {
  return (
    <Card className="gap-4 py-5" role="region" aria-label={title}>
      <CardHeader className="px-5">
        <CardTitle className="text-base">
          <h2>{title}</h2>
        </CardTitle>
        <CardDescription>{description}</CardDescription>
      </CardHeader>
      <CardContent className="px-5">{children}</CardContent>
    </Card>
  );
}

function ChartEmpty({
  title,
  description,
  action,
}: {
  title: string;
  description: string;
  action?: ReactNode;
}) {
  return (
    <div className="flex h-64 flex-col items-center justify-center rounded-md border border-dashed text-center">
      <span className="mb-3 inline-flex size-10 items-center justify-center rounded-full bg-muted text-muted-foreground [&_svg]:size-5">
        <DashboardIcon />
      </span>
      <h3 className="text-sm font-semibold">{title}</h3>
      <p className="mt-1 max-w-xs text-sm text-muted-foreground">{description}</p>
      {action ? <div className="mt-3">{action}</div> : null}
    </div>
  );
}
