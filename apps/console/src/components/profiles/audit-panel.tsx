import Link from "next/link";
import { Badge, Button, Card, CardContent, CardDescription, CardHeader, CardTitle } from "@cdp/ui";

import { ChevronRightIcon, FileTextIcon } from "@/components/icons";
import { PiiText } from "@/components/pii-text";
import { formatDateTime, formatValue } from "@/lib/profile";
import { serverApi } from "@/server/api";
import { EmptyState } from "@/components/empty-state";

/**
 * The audit log of this profile (audit.list by entity and id), newest first, a page at a time:
 * who did what, why, and the changed paths with before and after (PII masked by the API).
 */
export async function AuditPanel({
  profileId,
  cursor,
  olderHref,
}: {
  profileId: string;
  cursor: string | null;
  olderHref: (cursor: string) => string;
}) {
  const api = await serverApi();
  const page = await api.audit.list({ entity: "profile", entityId: profileId, cursor, limit: 50 });
  return (
    <Card className="gap-3 py-5">
      <CardHeader className="px-5">
        <CardTitle className="text-sm">Audit log</CardTitle>
        <CardDescription>
          Every change to this profile and every look at its personal data, newest first.
        </CardDescription>
      </CardHeader>
      <CardContent className="px-5">
        {page.items.length === 0 ? (
          <div className="py-8">
            <EmptyState
              icon={<FileTextIcon />}
              title={cursor ? "No older entries" : "No audit entries"}
              description="Changes made through the API appear here with who made them."
            />
          </div>
        ) : (
          <ol className="divide-y" aria-label="Audit entries">
            {page.items.map((entry) => (
              <li key={entry.id} className="py-3 first:pt-0" data-action={entry.action}>
                <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1 text-sm">
                  <Badge variant="outline" className="font-mono">
                    {entry.action}
                  </Badge>
                  <span className="font-medium">{entry.actorName ?? entry.actorId}</span>
                  <span className="text-xs text-muted-foreground">{entry.actorType}</span>
                  <time dateTime={entry.at} className="ml-auto text-xs text-muted-foreground">
                    {formatDateTime(entry.at)}
                  </time>
                </div>
                {entry.reason ? (
                  <p className="mt-1 text-sm text-muted-foreground">Reason: “{entry.reason}”</p>
                ) : null}
                {entry.changes.length > 0 ? (
                  <table className="mt-2 w-full text-left text-xs">
                    <caption className="sr-only">Changes of {entry.action}</caption>
                    <thead className="text-muted-foreground">
                      <tr>
                        <th className="py-0.5 pr-4 font-medium">Path</th>
                        <th className="py-0.5 pr-4 font-medium">Before</th>
                        <th className="py-0.5 font-medium">After</th>
                      </tr>
                    </thead>
                    <tbody>
                      {entry.changes.slice(0, 20).map((c) => {
                        const before = formatValue(c.before);
                        const after = formatValue(c.after);
                        return (
                          <tr key={c.path} className="align-top">
                            <td className="py-0.5 pr-4 font-mono text-muted-foreground">
                              {c.path}
                            </td>
                            <td className="max-w-64 truncate py-0.5 pr-4 font-mono">
                              <PiiText value={before} masked={before.includes("•")} />
                            </td>
                            <td className="max-w-64 truncate py-0.5 font-mono">
                              <PiiText value={after} masked={after.includes("•")} />
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                ) : null}
                {entry.changes.length > 20 ? (
                  <p className="mt-1 text-xs text-muted-foreground">
                    and {entry.changes.length - 20} more paths
                  </p>
                ) : null}
              </li>
            ))}
          </ol>
        )}
        {page.nextCursor ? (
          <div className="mt-4 flex justify-center">
            <Button asChild variant="outline" size="sm">
              <Link href={olderHref(page.nextCursor)} scroll={false}>
                Older entries
                <ChevronRightIcon />
              </Link>
            </Button>
          </div>
        ) : null}
      </CardContent>
    </Card>
  );
}
