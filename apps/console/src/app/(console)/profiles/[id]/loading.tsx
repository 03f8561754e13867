import { Skeleton } from "@cdp/ui";

export default function ProfileLoading() {
  return (
    <div
      className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8"
      role="status"
      aria-label="Loading profile"
    >
      <Skeleton className="h-4 w-40" />
      <div className="mt-5 flex items-start gap-4">
        <Skeleton className="size-14 rounded-full" />
        <div className="flex-1 space-y-2.5">
          <Skeleton className="h-7 w-64" />
          <Skeleton className="h-4 w-96 max-w-full" />
        </div>
      </div>
      <div className="mt-6 grid gap-4 lg:grid-cols-3">
        {Array.from({ length: 3 }, (_, i) => (
          <Skeleton key={i} className="h-40 rounded-xl" />
        ))}
      </div>
      <Skeleton className="mt-4 h-96 rounded-xl" />
      <span className="sr-only">Loading profile…</span>
    </div>
  );
}
