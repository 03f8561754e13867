import type { Metadata } from "next";
import Link from "next/link";
import { can } from "@cdp/api";

import { AdminPage } from "@/components/admin/page";
import { Forbidden } from "@/components/admin/forbidden";
import { RuleEditor } from "@/components/mappings/rule-editor";
import { currentPrincipal } from "@/server/api";

// Rendered per request (the role decides what is shown); never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "New mapping rule" };

export default async function NewMappingRulePage() {
  const principal = await currentPrincipal();
  if (!can(principal, "admin")) {
    return (
      <Forbidden
        role={principal.kind === "staff" ? principal.role : "viewer"}
        what="create mapping rules"
      />
    );
  }
  return (
    <AdminPage
      title="New mapping rule"
      description={
        <>
          Map tracked events onto profile fields. A new rule starts disabled: test it on a sample
          event, save it, then enable it.{" "}
          <Link href="/mappings" className="underline">
            All rules
          </Link>
        </>
      }
    >
      <RuleEditor mode={{ kind: "create" }} readOnly={false} />
    </AdminPage>
  );
}
