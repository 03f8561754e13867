import { Skeleton } from "@cdp/ui";

import { TableSkeleton } from "@/components/profiles/skeletons";

/** Shown while the list is fetched: the page's own shape, in grey. */
export default function ProfilesLoading() {
  return (
    <div
      className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8"
      role="status"
      aria-label="Loading profiles"
    >
      <div className="flex items-center gap-2.5">
        <Skeleton className="h-7 w-28" />
        <Skeleton className="h-5 w-12" />
      </div>
      <Skeleton className="mt-2 h-4 w-96 max-w-full" />
      <TableSkeleton />
      <span className="sr-only">Loading profiles…</span>
    </div>
  );
}
