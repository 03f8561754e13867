import Link from "next/link";
import type { RouterOutputs } from "@cdp/api";
import { Badge } from "@cdp/ui";

import { formatDateTime } from "@/lib/profile";
import { membershipSource } from "./labels";

type Entry = RouterOutputs["segment"]["history"]["items"][number];

/** Entries into and exits from a segment, newest first. */
export function HistoryList({ items }: { items: Entry[] }) {
  return (
    <ol className="divide-y" aria-label="Entries and exits, newest first">
      {items.map((e) => (
        <li key={e.id} className="flex items-start gap-3 px-4 py-2.5 text-sm" data-kind={e.kind}>
          {e.kind === "entered" ? (
            <Badge variant="success" className="mt-0.5 w-14">
              Entered
            </Badge>
          ) : (
            <Badge variant="muted" className="mt-0.5 w-14">
              Left
            </Badge>
          )}
          <div className="min-w-0 flex-1">
            <Link
              href={`/profiles/${encodeURIComponent(e.profileId)}`}
              className="block truncate font-mono text-xs hover:underline"
            >
              {e.profileId}
            </Link>
            <div className="text-xs text-muted-foreground">
              <time dateTime={e.at}>{formatDateTime(e.at)}</time> · {membershipSource(e.source)}
            </div>
          </div>
        </li>
      ))}
    </ol>
  );
}
