import Link from "next/link";

import { ChevronRightIcon } from "@/components/icons";

/** "Profiles › <current>" above a page inside the profiles section. */
export function ProfilesBreadcrumb({ current }: { current: string }) {
  return (
    <nav aria-label="Breadcrumb">
      <ol className="flex items-center gap-1.5 text-sm text-muted-foreground">
        <li>
          <Link
            href="/profiles"
            className="rounded-sm hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring/50 focus-visible:outline-none"
          >
            Profiles
          </Link>
        </li>
        <li aria-hidden="true">
          <ChevronRightIcon className="size-3.5" />
        </li>
        <li aria-current="page" className="max-w-80 truncate text-foreground">
          {current}
        </li>
      </ol>
    </nav>
  );
}
