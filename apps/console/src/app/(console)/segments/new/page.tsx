import type { Metadata } from "next";
import { can } from "@cdp/api";
import { parseConditionText } from "@cdp/profile-schema";

import { Forbidden } from "@/components/admin/forbidden";
import { SegmentForm } from "@/components/segments/segment-form";
import { SegmentsBreadcrumb, SegmentsPage } from "@/components/segments/segment-page";
import { currentPrincipal } from "@/server/api";
import { builderOptions } from "../builder-options";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "New segment" };

/**
 * The segment builder for a new segment. `?where=<query text>` starts it from a condition (the
 * profiles table's filter, say); text that does not parse starts it empty.
 */
export default async function NewSegmentPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const principal = await currentPrincipal();
  if (!can(principal, "segments:write")) {
    return (
      <Forbidden
        role={principal.kind === "staff" ? principal.role : "viewer"}
        what="create segments"
        who="Editors and admins"
      />
    );
  }
  const where = (await searchParams).where;
  const parsed = typeof where === "string" && where.trim() ? parseConditionText(where) : null;
  const options = await builderOptions();
  return (
    <SegmentsPage
      breadcrumb={<SegmentsBreadcrumb current="New segment" />}
      title="New segment"
      description="Name the segment and describe who belongs in it. The preview shows who the condition selects as you write it; members are computed when you create it and kept current on every profile change."
    >
      <SegmentForm
        mode="create"
        initialCondition={parsed?.ok ? parsed.condition : null}
        options={options}
      />
    </SegmentsPage>
  );
}
