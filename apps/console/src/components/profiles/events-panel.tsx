import Link from "next/link";
import { Badge, Button, Card, CardContent, CardDescription, CardHeader, CardTitle } from "@cdp/ui";

import { EmptyState } from "@/components/empty-state";
import { ActivityIcon, ChevronRightIcon } from "@/components/icons";
import { PiiText } from "@/components/pii-text";
import { formatDate, formatDateTime, formatValue } from "@/lib/profile";
import { serverApi } from "@/server/api";

const timeFormat = new Intl.DateTimeFormat("en-US", {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
  timeZone: "UTC",
});

/**
 * The events timeline (profile.events): newest first, grouped by day, a page at a time (keyset
 * cursor in the URL). Identification properties arrive masked from the API.
 */
export async function EventsPanel({
  profileId,
  cursor,
  olderHref,
}: {
  profileId: string;
  cursor: string | null;
  /** The link to the next page, given its cursor. */
  olderHref: (cursor: string) => string;
}) {
  const api = await serverApi();
  const page = await api.profile.events({ profileId, cursor, limit: 50 });
  const days = new Map<string, typeof page.items>();
  for (const e of page.items) {
    const day = formatDate(e.time) ?? e.time.slice(0, 10);
    days.set(day, [...(days.get(day) ?? []), e]);
  }

  return (
    <Card className="gap-3 py-5">
      <CardHeader className="px-5">
        <CardTitle className="text-sm">Events</CardTitle>
        <CardDescription>
          What this person did, as tracked, newest first{cursor ? " (older events)" : ""}. Times in
          UTC.
        </CardDescription>
      </CardHeader>
      <CardContent className="px-5">
        {page.items.length === 0 ? (
          <div className="py-8">
            <EmptyState
              icon={<ActivityIcon />}
              title={cursor ? "No older events" : "No events yet"}
              description="Events arrive through profile.track: page views, purchases, identifications…"
            />
          </div>
        ) : (
          <ol className="grid gap-5" aria-label="Events timeline">
            {[...days].map(([day, events]) => (
              <li key={day}>
                <h3 className="mb-2 text-xs font-medium text-muted-foreground">{day}</h3>
                <ol className="relative grid gap-2 border-l pl-5">
                  {events.map((e) => {
                    const properties = Object.entries(e.properties);
                    return (
                      <li key={e.id} className="relative" data-event-type={e.type}>
                        <span
                          aria-hidden="true"
                          className="absolute top-2 -left-[25px] size-2 rounded-full bg-primary ring-4 ring-card"
                        />
                        <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                          <time
                            dateTime={e.time}
                            className="font-mono text-xs text-muted-foreground tabular-nums"
                          >
                            {timeFormat.format(new Date(e.time))}
                          </time>
                          <Badge variant="secondary" className="font-mono">
                            {e.type}
                          </Badge>
                          {e.source ? (
                            <span className="text-xs text-muted-foreground">from {e.source}</span>
                          ) : null}
                          {e.sessionId ? (
                            <span className="text-xs text-muted-foreground">
                              session {e.sessionId}
                            </span>
                          ) : null}
                        </div>
                        {properties.length > 0 ? (
                          <details className="group mt-1">
                            <summary className="w-fit cursor-pointer rounded-sm text-xs text-muted-foreground outline-none hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring/50">
                              {properties.length}{" "}
                              {properties.length === 1 ? "property" : "properties"}
                              {e.masked.length > 0 ? ` · ${e.masked.length} masked` : ""}
                            </summary>
                            <dl className="mt-1.5 grid grid-cols-[minmax(6rem,auto)_1fr] gap-x-4 gap-y-1 rounded-md border bg-muted/30 p-2.5 text-xs">
                              {properties.map(([k, v]) => (
                                <div key={k} className="contents">
                                  <dt className="font-mono text-muted-foreground">{k}</dt>
                                  <dd className="min-w-0 font-mono break-words">
                                    {e.masked.includes(k) ? (
                                      v === null ? (
                                        <span className="text-muted-foreground">hidden</span>
                                      ) : (
                                        <PiiText value={formatValue(v)} masked />
                                      )
                                    ) : (
                                      formatValue(v)
                                    )}
                                  </dd>
                                </div>
                              ))}
                            </dl>
                          </details>
                        ) : null}
                      </li>
                    );
                  })}
                </ol>
              </li>
            ))}
          </ol>
        )}
        {page.nextCursor ? (
          <div className="mt-4 flex justify-center">
            <Button asChild variant="outline" size="sm">
              <Link href={olderHref(page.nextCursor)} scroll={false}>
                Older events
                <ChevronRightIcon />
              </Link>
            </Button>
          </div>
        ) : null}
        <p className="sr-only">
          Received {formatDateTime(page.items[0]?.receivedAt) ?? "nothing"} last.
        </p>
      </CardContent>
    </Card>
  );
}
