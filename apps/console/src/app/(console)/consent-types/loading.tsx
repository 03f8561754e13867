import { Skeleton } from "@cdp/ui";

/** Shown while the catalogue is read: the page's own shape, in grey. */
export default function ConsentTypesLoading() {
  return (
    <div
      className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8"
      role="status"
      aria-label="Loading consent types"
    >
      <Skeleton className="h-7 w-44" />
      <Skeleton className="mt-2 mb-6 h-4 w-[32rem] max-w-full" />
      <div className="overflow-hidden rounded-lg border bg-card">
        <div className="h-10 border-b bg-muted/40" />
        {Array.from({ length: 5 }, (_, i) => (
          <div key={i} className="flex items-center gap-6 border-b px-4 py-4 last:border-0">
            <div className="w-64">
              <Skeleton className="h-4 w-40" />
              <Skeleton className="mt-1.5 h-3 w-24" />
            </div>
            <Skeleton className="h-4 w-20" />
            <Skeleton className="h-4 w-16" />
            <Skeleton className="h-5 w-20" />
            <Skeleton className="ml-auto h-8 w-24" />
          </div>
        ))}
      </div>
      <span className="sr-only">Loading consent types…</span>
    </div>
  );
}
