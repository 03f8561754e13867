import { Skeleton } from "@cdp/ui";

/** The segment builder in grey while its page loads. */
export function BuilderSkeleton({ label }: { label: string }) {
  return (
    <div
      className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8"
      role="status"
      aria-label={label}
    >
      <Skeleton className="h-4 w-48" />
      <Skeleton className="mt-3 h-7 w-56" />
      <Skeleton className="mt-2 mb-6 h-4 w-[36rem] max-w-full" />
      <div className="grid items-start gap-6 xl:grid-cols-[minmax(0,1fr)_24rem] 2xl:grid-cols-[minmax(0,1fr)_28rem]">
        <div className="grid gap-6">
          <Skeleton className="h-64 w-full rounded-lg" />
          <Skeleton className="h-80 w-full rounded-lg" />
        </div>
        <Skeleton className="h-[28rem] w-full rounded-lg" />
      </div>
      <span className="sr-only">{label}…</span>
    </div>
  );
}
