import Link from "next/link";
import { Button } from "@cdp/ui";

import { EmptyState } from "@/components/empty-state";
import { ArrowLeftIcon, SearchXIcon } from "@/components/icons";
import { SegmentsBreadcrumb } from "@/components/segments/segment-page";

export default function SegmentNotFound() {
  return (
    <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
      <SegmentsBreadcrumb current="Not found" />
      <div className="mt-5 rounded-lg border bg-card px-6 py-16">
        <EmptyState
          icon={<SearchXIcon />}
          headingLevel={1}
          title="Segment not found"
          description="No segment has this id. It may have been deleted."
          action={
            <Button asChild variant="outline" size="sm">
              <Link href="/segments">
                <ArrowLeftIcon />
                Back to segments
              </Link>
            </Button>
          }
        />
      </div>
    </div>
  );
}
