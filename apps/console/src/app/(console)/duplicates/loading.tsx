import { Skeleton } from "@cdp/ui";

/** Shown while the groups are found: the page's own shape, in grey. */
export default function DuplicatesLoading() {
  return (
    <div
      className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8"
      role="status"
      aria-label="Loading duplicates"
    >
      <Skeleton className="h-7 w-40" />
      <Skeleton className="mt-2 mb-6 h-4 w-[36rem] max-w-full" />
      <div className="grid gap-4">
        {Array.from({ length: 3 }, (_, i) => (
          <div key={i} className="rounded-xl border bg-card">
            <div className="flex items-center justify-between border-b px-4 py-3">
              <Skeleton className="h-4 w-56" />
              <Skeleton className="h-8 w-32" />
            </div>
            {Array.from({ length: 2 }, (_, j) => (
              <div key={j} className="flex items-center gap-6 px-4 py-3">
                <Skeleton className="h-4 w-40" />
                <Skeleton className="h-4 w-48" />
                <Skeleton className="h-4 w-28" />
                <Skeleton className="ml-auto h-5 w-20" />
              </div>
            ))}
          </div>
        ))}
      </div>
      <span className="sr-only">Loading duplicates…</span>
    </div>
  );
}
