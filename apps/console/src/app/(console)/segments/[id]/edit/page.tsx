import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { can } from "@cdp/api";

import { Forbidden } from "@/components/admin/forbidden";
import { SegmentForm } from "@/components/segments/segment-form";
import { SegmentsBreadcrumb, SegmentsPage } from "@/components/segments/segment-page";
import { currentPrincipal, isApiError, serverApi } from "@/server/api";
import { builderOptions } from "../../builder-options";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Edit segment" };

/** The segment builder on an existing segment, saved at the version it was opened with. */
export default async function EditSegmentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const principal = await currentPrincipal();
  if (!can(principal, "segments:write")) {
    return (
      <Forbidden
        role={principal.kind === "staff" ? principal.role : "viewer"}
        what="change segments"
        who="Editors and admins"
      />
    );
  }
  const api = await serverApi();
  let segment;
  try {
    segment = await api.segment.get({ id });
  } catch (error) {
    if (isApiError(error, "NOT_FOUND") || isApiError(error, "BAD_REQUEST")) notFound();
    throw error;
  }
  const options = await builderOptions(segment.id);
  return (
    <SegmentsPage
      breadcrumb={
        <SegmentsBreadcrumb
          trail={[{ href: `/segments/${encodeURIComponent(segment.id)}`, label: segment.name }]}
          current="Edit"
        />
      }
      title={`Edit “${segment.name}”`}
      description="Members are recomputed when you save a changed condition or purpose."
    >
      <SegmentForm mode="edit" segment={segment} options={options} />
    </SegmentsPage>
  );
}
