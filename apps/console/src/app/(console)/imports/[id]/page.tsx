import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { can } from "@cdp/api";

import { Forbidden } from "@/components/admin/forbidden";
import { ChevronRightIcon } from "@/components/icons";
import { currentPrincipal, isApiError, serverApi } from "@/server/api";
import { ImportJobView } from "./job-view";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Import" };

export default async function ImportJobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const principal = await currentPrincipal();
  if (principal.kind === "staff" && !can(principal, "profiles:write")) {
    return <Forbidden role={principal.role} what="import profiles" who="Editors and admins" />;
  }
  const api = await serverApi();
  let job: Awaited<ReturnType<typeof api.profile.importStatus>>;
  try {
    job = await api.profile.importStatus({ jobId: id });
  } catch (error) {
    if (isApiError(error, "NOT_FOUND") || isApiError(error, "BAD_REQUEST")) notFound();
    throw error;
  }
  return (
    <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
      <nav aria-label="Breadcrumb" className="mb-3">
        <ol className="flex items-center gap-1.5 text-sm text-muted-foreground">
          <li>
            <Link href="/imports" className="rounded-sm hover:text-foreground">
              Imports
            </Link>
          </li>
          <li aria-hidden="true">
            <ChevronRightIcon className="size-3.5" />
          </li>
          <li aria-current="page" className="max-w-80 truncate text-foreground">
            {job.fileName ?? "Untitled file"}
          </li>
        </ol>
      </nav>
      <ImportJobView initial={job} />
    </div>
  );
}
