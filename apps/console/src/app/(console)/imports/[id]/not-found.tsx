import Link from "next/link";
import { Button } from "@cdp/ui";

import { UploadIcon } from "@/components/icons";
import { EmptyState } from "@/components/empty-state";

export default function ImportNotFound() {
  return (
    <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
      <div className="rounded-lg border bg-card px-6 py-16">
        <EmptyState
          headingLevel={1}
          icon={<UploadIcon />}
          title="Import not found"
          description="There is no import job with this id."
          action={
            <Button asChild variant="outline" size="sm">
              <Link href="/imports">Back to imports</Link>
            </Button>
          }
        />
      </div>
    </div>
  );
}
