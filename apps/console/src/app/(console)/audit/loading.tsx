import { Skeleton } from "@cdp/ui";

/** Shown while the log is read: the page's own shape, in grey. */
export default function AuditLoading() {
  return (
    <div
      className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8"
      role="status"
      aria-label="Loading the audit log"
    >
      <Skeleton className="h-7 w-32" />
      <Skeleton className="mt-2 mb-6 h-4 w-[36rem] max-w-full" />
      <Skeleton className="h-20 w-full rounded-lg" />
      <div className="mt-4 rounded-lg border bg-card">
        {Array.from({ length: 8 }, (_, i) => (
          <div key={i} className="flex items-center gap-6 border-b px-4 py-3 last:border-0">
            <Skeleton className="h-4 w-36" />
            <Skeleton className="h-4 w-28" />
            <Skeleton className="h-5 w-28" />
            <Skeleton className="h-4 w-40" />
            <Skeleton className="ml-auto h-4 w-32" />
          </div>
        ))}
      </div>
      <span className="sr-only">Loading the audit log…</span>
    </div>
  );
}
