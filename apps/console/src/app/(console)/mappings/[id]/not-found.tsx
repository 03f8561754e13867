import Link from "next/link";
import { Button } from "@cdp/ui";

import { MappingIcon } from "@/components/icons";
import { EmptyState } from "@/components/empty-state";

export default function MappingRuleNotFound() {
  return (
    <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
      <div className="rounded-lg border bg-card px-6 py-16">
        <EmptyState
          headingLevel={1}
          icon={<MappingIcon />}
          title="No such mapping rule"
          description="It may have been deleted. Its versions stay in the audit log."
          action={
            <Button asChild size="sm">
              <Link href="/mappings">All mapping rules</Link>
            </Button>
          }
        />
      </div>
    </div>
  );
}
