import Link from "next/link";
import { Button } from "@cdp/ui";

import { ProfilesBreadcrumb } from "@/components/breadcrumb";
import { EmptyState } from "@/components/empty-state";
import { ArrowLeftIcon, SearchXIcon } from "@/components/icons";

export default function ProfileNotFound() {
  return (
    <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
      <ProfilesBreadcrumb current="Not found" />
      <div className="mt-5 rounded-lg border bg-card px-6 py-16">
        <EmptyState
          icon={<SearchXIcon />}
          headingLevel={1}
          title="Profile not found"
          description="No profile has this id or identifier. It may have been merged into another profile or deleted."
          action={
            <Button asChild variant="outline" size="sm">
              <Link href="/profiles">
                <ArrowLeftIcon />
                Back to profiles
              </Link>
            </Button>
          }
        />
      </div>
    </div>
  );
}
