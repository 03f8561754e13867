import { Skeleton } from "@cdp/ui";

/** Shown while the tokens are read: the page's own shape, in grey. */
export default function TokensLoading() {
  return (
    <div
      className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8"
      role="status"
      aria-label="Loading service tokens"
    >
      <Skeleton className="h-7 w-40" />
      <Skeleton className="mt-2 mb-6 h-4 w-[36rem] max-w-full" />
      <div className="rounded-lg border bg-card">
        {Array.from({ length: 4 }, (_, i) => (
          <div key={i} className="flex items-center gap-6 border-b px-4 py-3 last:border-0">
            <div className="w-48">
              <Skeleton className="h-4 w-28" />
              <Skeleton className="mt-1.5 h-3 w-24" />
            </div>
            <Skeleton className="h-5 w-56" />
            <Skeleton className="h-5 w-16" />
            <Skeleton className="ml-auto h-8 w-20" />
          </div>
        ))}
      </div>
      <span className="sr-only">Loading service tokens…</span>
    </div>
  );
}
