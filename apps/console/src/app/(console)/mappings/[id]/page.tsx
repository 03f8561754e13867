import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { can } from "@cdp/api";

import { AdminPage } from "@/components/admin/page";
import { RuleEditor } from "@/components/mappings/rule-editor";
import { currentPrincipal, isApiError, serverApi } from "@/server/api";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Mapping rule" };

export default async function MappingRulePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [api, principal] = await Promise.all([serverApi(), currentPrincipal()]);
  let found;
  try {
    found = await Promise.all([api.mapping.get({ id }), api.mapping.versions({ id })]);
  } catch (error) {
    if (isApiError(error, "NOT_FOUND") || isApiError(error, "BAD_REQUEST")) notFound();
    throw error;
  }
  const [rule, versions] = found;
  const mayEdit = can(principal, "admin");
  return (
    <AdminPage
      title={rule.name}
      description={
        <>
          <span className="font-mono">{rule.id}</span> · runs on {rule.eventTypes.join(", ")} events
          when enabled.{" "}
          <Link href="/mappings" className="underline">
            All rules
          </Link>
        </>
      }
    >
      {/* Keyed by version: a saved or reloaded rule starts the form from what was stored. */}
      <RuleEditor
        key={`${rule.id}:${rule.version}`}
        mode={{ kind: "edit", rule, versions }}
        readOnly={!mayEdit}
      />
    </AdminPage>
  );
}
