import { Skeleton } from "@cdp/ui";

/** Shown while a segment, its members and history are read. */
export default function SegmentLoading() {
  return (
    <div
      className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8"
      role="status"
      aria-label="Loading segment"
    >
      <Skeleton className="h-4 w-48" />
      <div className="mt-3 mb-6 flex flex-wrap items-end justify-between gap-4">
        <div>
          <Skeleton className="h-7 w-64" />
          <Skeleton className="mt-2 h-4 w-40" />
        </div>
        <div className="flex gap-2">
          <Skeleton className="h-8 w-32" />
          <Skeleton className="h-8 w-28" />
          <Skeleton className="h-8 w-20" />
        </div>
      </div>
      <Skeleton className="h-48 w-full rounded-lg" />
      <div className="mt-6 grid gap-6 xl:grid-cols-[minmax(0,1fr)_26rem]">
        <Skeleton className="h-96 w-full rounded-lg" />
        <Skeleton className="h-96 w-full rounded-lg" />
      </div>
      <span className="sr-only">Loading segment…</span>
    </div>
  );
}
