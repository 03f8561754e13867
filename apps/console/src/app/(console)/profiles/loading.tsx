import { Skeleton } from "@cdp/ui";

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
      <div className="mt-5 mb-4 flex gap-2">
        <Skeleton className="h-9 w-full sm:w-80" />
        <Skeleton className="h-9 w-20" />
      </div>
      <div className="overflow-hidden rounded-lg border bg-card">
        <div className="h-10 border-b bg-muted/40" />
        {Array.from({ length: 10 }, (_, i) => (
          <div key={i} className="flex items-center gap-6 border-b px-4 py-3 last:border-0">
            <div className="flex w-56 items-center gap-3">
              <Skeleton className="size-8 rounded-full" />
              <Skeleton className="h-4 w-32" />
            </div>
            <Skeleton className="h-4 w-48" />
            <Skeleton className="h-4 w-28" />
            <Skeleton className="h-4 w-10" />
            <Skeleton className="ml-auto h-4 w-10" />
            <Skeleton className="h-4 w-10" />
            <Skeleton className="h-4 w-24" />
            <Skeleton className="h-5 w-20 rounded-md" />
          </div>
        ))}
      </div>
      <span className="sr-only">Loading profiles…</span>
    </div>
  );
}
