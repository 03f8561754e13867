import type { Metadata } from "next";
import Link from "next/link";
import { can } from "@cdp/api";
import type { RouterOutputs } from "@cdp/api";
import {
  Badge,
  Button,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@cdp/ui";

import { MappingIcon, PlusIcon } from "@/components/icons";
import { AdminPage, Panel } from "@/components/admin/page";
import { EmptyState } from "@/components/empty-state";
import { RuleSwitch } from "@/components/mappings/rule-switch";
import { ExportRulesButton, ImportRulesDialog } from "@/components/mappings/transfer";
import { formatDateTime, formatNumber } from "@/lib/profile";
import { currentPrincipal, serverApi } from "@/server/api";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Mappings" };

type Rule = RouterOutputs["mapping"]["list"][number];

function NewRuleButton() {
  return (
    <Button asChild size="sm">
      <Link href="/mappings/new">
        <PlusIcon />
        New rule
      </Link>
    </Button>
  );
}

export default async function MappingsPage() {
  const [api, principal] = await Promise.all([serverApi(), currentPrincipal()]);
  const rules = await api.mapping.list();
  const mayEdit = can(principal, "admin");

  return (
    <AdminPage
      title="Mappings"
      badge={
        <Badge variant="muted" className="tabular-nums" data-testid="mapping-count">
          {formatNumber(rules.length)}
        </Badge>
      }
      description="Rules that turn tracked events into profile changes, after the built-in mappings. Enabled rules run in this order on every event of their types."
      actions={
        <>
          {rules.length > 0 ? <ExportRulesButton /> : null}
          {mayEdit ? <ImportRulesDialog /> : null}
          {mayEdit ? <NewRuleButton /> : null}
        </>
      }
    >
      {rules.length === 0 ? (
        <Panel className="px-6 py-16">
          <EmptyState
            icon={<MappingIcon />}
            title="No mapping rules yet"
            description={
              mayEdit
                ? "Map event properties onto profile fields, such as a signup’s plan onto a trait, or count purchases."
                : "An admin adds mapping rules; none are defined yet."
            }
            action={mayEdit ? <NewRuleButton /> : null}
          />
        </Panel>
      ) : (
        <Panel>
          <RulesTable rules={rules} mayEdit={mayEdit} />
        </Panel>
      )}
      {!mayEdit ? (
        <p className="mt-3 text-sm text-muted-foreground">
          Your role reads and tests mapping rules; only admins change them.
        </p>
      ) : null}
    </AdminPage>
  );
}

function RulesTable({ rules, mayEdit }: { rules: Rule[]; mayEdit: boolean }) {
  return (
    <Table>
      <TableCaption className="sr-only">Mapping rules, in running order</TableCaption>
      <TableHeader className="bg-muted/40">
        <TableRow className="hover:bg-transparent">
          <TableHead className="w-12 pl-4 text-xs font-medium text-muted-foreground">#</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Rule</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Event types</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Mappings</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Enabled</TableHead>
          <TableHead className="text-right text-xs font-medium text-muted-foreground">
            Version
          </TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Updated</TableHead>
          <TableHead className="pr-4 text-right text-xs font-medium text-muted-foreground">
            <span className="sr-only">Actions</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rules.map((rule, index) => {
          const href = `/mappings/${encodeURIComponent(rule.id)}`;
          return (
            <TableRow key={rule.id} data-testid={`mapping-row-${rule.id}`}>
              <TableCell className="pl-4 text-muted-foreground tabular-nums">{index + 1}</TableCell>
              <TableCell className="max-w-96 py-2.5 whitespace-normal">
                <Link href={href} className="font-medium hover:underline">
                  {rule.name}
                </Link>
                <div className="font-mono text-xs text-muted-foreground">{rule.id}</div>
              </TableCell>
              <TableCell>
                <div className="flex max-w-64 flex-wrap gap-1">
                  {rule.eventTypes.map((type) => (
                    <Badge key={type} variant="outline" className="font-mono font-normal">
                      {type}
                    </Badge>
                  ))}
                </div>
              </TableCell>
              <TableCell className="tabular-nums">{formatNumber(rule.mappings.length)}</TableCell>
              <TableCell>
                <RuleSwitch
                  id={rule.id}
                  name={rule.name}
                  enabled={rule.enabled}
                  version={rule.version}
                  disabled={!mayEdit}
                />
              </TableCell>
              <TableCell className="text-right tabular-nums">v{rule.version}</TableCell>
              <TableCell className="text-muted-foreground">
                <time dateTime={rule.updatedAt}>{formatDateTime(rule.updatedAt)}</time>
              </TableCell>
              <TableCell className="pr-4">
                <div className="flex justify-end">
                  <Button asChild size="sm" variant="ghost">
                    <Link href={href} aria-label={`${mayEdit ? "Edit" : "Open"} ${rule.name}`}>
                      {mayEdit ? "Edit" : "Open"}
                    </Link>
                  </Button>
                </div>
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
