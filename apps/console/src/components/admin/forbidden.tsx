import type { Role } from "@cdp/api";

import { EmptyState } from "@/components/empty-state";
import { LockIcon } from "@/components/icons";
import { ROLE_LABELS } from "@/lib/roles";

/**
 * What a staff member sees on a page their role may not use (reached by a link or a typed URL):
 * which role they have and who can do it, instead of a bare error.
 */
export function Forbidden({
  role,
  what,
  who = "Admins",
}: {
  role: Role;
  /** What the page does, as "manage staff accounts". */
  what: string;
  who?: string;
}) {
  return (
    <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
      <div className="rounded-lg border bg-card px-6 py-16">
        <EmptyState
          headingLevel={1}
          icon={<LockIcon />}
          title="You do not have access to this page"
          description={`Your role (${ROLE_LABELS[role]}) cannot ${what}. ${who} can.`}
        />
      </div>
    </div>
  );
}
