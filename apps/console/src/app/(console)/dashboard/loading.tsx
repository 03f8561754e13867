import { Skeleton } from "@cdp/ui";

/** Shown while the figures are computed: the page's own shape, in grey. */
export default function DashboardLoading() {
  return (
    <div
      className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8"
      role="status"
      aria-label="Loading the dashboard"
    >
      <div className="mb-6 flex items-end justify-between gap-4">
        <div>
          <Skeleton className="h-7 w-36" />
          <Skeleton className="mt-2 h-4 w-80 max-w-full" />
        </div>
        <Skeleton className="h-8 w-56" />
      </div>
      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        {Array.from({ length: 4 }, (_, i) => (
          <div key={i} className="rounded-xl border bg-card p-5">
            <Skeleton className="h-4 w-24" />
            <Skeleton className="mt-3 h-7 w-20" />
            <Skeleton className="mt-2 h-3 w-40" />
          </div>
        ))}
      </div>
      <div className="mt-4 grid gap-4 lg:grid-cols-2">
        {Array.from({ length: 4 }, (_, i) => (
          <div key={i} className="rounded-xl border bg-card p-5">
            <Skeleton className="h-5 w-32" />
            <Skeleton className="mt-2 h-4 w-64" />
            <Skeleton className="mt-4 h-60 w-full" />
          </div>
        ))}
      </div>
      <span className="sr-only">Loading the dashboard…</span>
    </div>
  );
}
