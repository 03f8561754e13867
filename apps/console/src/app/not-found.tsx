import Link from "next/link";
import { Button } from "@cdp/ui";

import { SearchXIcon } from "@/components/icons";
import { EmptyState } from "@/components/empty-state";

export default function NotFound() {
  return (
    <div className="px-6 py-16">
      <EmptyState
        icon={<SearchXIcon />}
        title="Page not found"
        headingLevel={1}
        description="There is nothing at this address."
        action={
          <Button asChild variant="outline" size="sm">
            <Link href="/profiles">Go to profiles</Link>
          </Button>
        }
      />
    </div>
  );
}
