import { Skeleton } from "@cdp/ui";

/** The profiles toolbar and table in grey, while they load. */
export function TableSkeleton({ rows = 10 }: { rows?: number }) {
  return (
    <div aria-hidden="true">
      <div className="mt-5 flex gap-2">
        <Skeleton className="h-9 w-full sm:w-72" />
        <Skeleton className="h-9 flex-1" />
        <Skeleton className="h-9 w-20" />
      </div>
      <Skeleton className="mt-2 h-4 w-96 max-w-full" />
      <div className="mt-3 mb-3 flex gap-2">
        <Skeleton className="h-9 w-28" />
        <Skeleton className="h-9 w-20" />
        <Skeleton className="h-9 w-24" />
      </div>
      <div className="overflow-hidden rounded-lg border bg-card">
        <div className="h-10 border-b bg-muted/40" />
        {Array.from({ length: rows }, (_, i) => (
          <div key={i} className="flex items-center gap-6 border-b px-4 py-3 last:border-0">
            <div className="flex w-56 items-center gap-3">
              <Skeleton className="size-7 rounded-full" />
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
    </div>
  );
}

/** A profile tab's panel in grey, while it loads. */
export function PanelSkeleton() {
  return (
    <div aria-hidden="true" className="grid gap-3">
      <Skeleton className="h-6 w-48" />
      <Skeleton className="h-4 w-96 max-w-full" />
      <Skeleton className="mt-2 h-64 rounded-xl" />
    </div>
  );
}
