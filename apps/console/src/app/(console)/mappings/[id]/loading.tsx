import { Skeleton } from "@cdp/ui";

/** Shown while the rules are read: the page's own shape, in grey. */
export default function MappingRuleLoading() {
  return (
    <div
      className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8"
      role="status"
      aria-label="Loading the mapping rule"
    >
      <Skeleton className="h-7 w-36" />
      <Skeleton className="mt-2 mb-6 h-4 w-[36rem] max-w-full" />
      <div className="overflow-hidden rounded-lg border bg-card">
        <div className="h-10 border-b bg-muted/40" />
        {Array.from({ length: 4 }, (_, i) => (
          <div key={i} className="flex items-center gap-6 border-b px-4 py-4 last:border-0">
            <Skeleton className="h-4 w-6" />
            <div className="w-72">
              <Skeleton className="h-4 w-48" />
              <Skeleton className="mt-1.5 h-3 w-24" />
            </div>
            <Skeleton className="h-5 w-20" />
            <Skeleton className="h-5 w-9 rounded-full" />
            <Skeleton className="ml-auto h-4 w-32" />
          </div>
        ))}
      </div>
      <span className="sr-only">Loading the mapping rule…</span>
    </div>
  );
}
