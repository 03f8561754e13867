import { Skeleton } from "@cdp/ui";

/** Shown while the page loads: its own shape, in grey. */
export default function ImportsLoading() {
  return (
    <div
      className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8"
      role="status"
      aria-label="Loading imports"
    >
      <Skeleton className="h-7 w-32" />
      <Skeleton className="mt-2 mb-6 h-4 w-[36rem] max-w-full" />
      <div className="rounded-xl border bg-card p-5">
        <Skeleton className="h-5 w-32" />
        <Skeleton className="mt-4 h-9 w-full max-w-xl" />
        <Skeleton className="mt-5 h-9 w-32" />
      </div>
      <Skeleton className="mt-8 mb-3 h-5 w-36" />
      <div className="rounded-lg border bg-card">
        {Array.from({ length: 4 }, (_, i) => (
          <div key={i} className="flex items-center gap-6 border-b px-4 py-3 last:border-0">
            <Skeleton className="h-4 w-48" />
            <Skeleton className="h-5 w-16" />
            <Skeleton className="ml-auto h-4 w-20" />
          </div>
        ))}
      </div>
      <span className="sr-only">Loading imports…</span>
    </div>
  );
}
