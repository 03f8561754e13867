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

import { ConsentIcon } from "@/components/icons";
import { AdminPage, Panel } from "@/components/admin/page";
import { EmptyState } from "@/components/empty-state";
import { formatDate, formatNumber } from "@/lib/profile";
import { currentPrincipal, serverApi } from "@/server/api";
import { ArchiveButton, ConsentTypeDialog } from "./consent-type-form";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Consent types" };

type ConsentType = RouterOutputs["consent"]["types"]["list"][number];

export default async function ConsentTypesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const showArchived = (await searchParams).archived === "1";
  const [api, principal] = await Promise.all([serverApi(), currentPrincipal()]);
  const types = await api.consent.types.list({ includeArchived: showArchived });
  const mayEdit = can(principal, "admin");
  const archivedCount = types.filter((t) => t.archivedAt).length;

  return (
    <AdminPage
      title="Consent types"
      badge={
        <Badge variant="muted" className="tabular-nums" data-testid="consent-type-count">
          {formatNumber(types.length - archivedCount)}
        </Badge>
      }
      description="The consents profiles can grant, deny or revoke: their purpose, default, whether they expire. Archived types take no new decisions; their history stays."
      actions={
        <>
          <Button asChild variant="ghost" size="sm" className="text-muted-foreground">
            <Link href={showArchived ? "/consent-types" : "/consent-types?archived=1"}>
              {showArchived ? "Hide archived" : "Show archived"}
            </Link>
          </Button>
          {mayEdit ? <ConsentTypeDialog mode="create" /> : null}
        </>
      }
    >
      {types.length === 0 ? (
        <Panel className="px-6 py-16">
          <EmptyState
            icon={<ConsentIcon />}
            title="No consent types yet"
            description={
              mayEdit
                ? "Add the consents your customers can give, such as marketing e-mails or analytics cookies."
                : "An admin adds the consents customers can give; none are defined yet."
            }
          />
        </Panel>
      ) : (
        <Panel>
          <ConsentTypeTable types={types} mayEdit={mayEdit} />
        </Panel>
      )}
      {!mayEdit ? (
        <p className="mt-3 text-sm text-muted-foreground">
          Only admins change the catalogue; editors record customers’ decisions on a profile.
        </p>
      ) : null}
    </AdminPage>
  );
}

const dash = <span className="text-muted-foreground/50">—</span>;

function Flag({ on, label }: { on: boolean; label: string }) {
  return on ? (
    <Badge variant="outline" className="font-normal">
      {label}
    </Badge>
  ) : null;
}

function ConsentTypeTable({ types, mayEdit }: { types: ConsentType[]; mayEdit: boolean }) {
  return (
    <Table>
      <TableCaption className="sr-only">Consent types, by id</TableCaption>
      <TableHeader className="bg-muted/40">
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-4 text-xs font-medium text-muted-foreground">Name</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Purpose</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Default</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Rules</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Expires after</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Tags</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Updated</TableHead>
          {mayEdit ? (
            <TableHead className="pr-4 text-right text-xs font-medium text-muted-foreground">
              <span className="sr-only">Actions</span>
            </TableHead>
          ) : null}
        </TableRow>
      </TableHeader>
      <TableBody>
        {types.map((type) => (
          <TableRow key={type.id} data-testid={`consent-type-${type.id}`}>
            <TableCell className="max-w-80 py-2.5 pl-4">
              <div className="flex items-center gap-2">
                <span className="truncate font-medium">{type.name}</span>
                {type.archivedAt ? <Badge variant="muted">Archived</Badge> : null}
                {!type.enabled && !type.archivedAt ? <Badge variant="muted">Disabled</Badge> : null}
              </div>
              <div className="truncate font-mono text-xs text-muted-foreground">{type.id}</div>
              {type.description ? (
                <div
                  className="mt-0.5 truncate text-xs text-muted-foreground"
                  title={type.description}
                >
                  {type.description}
                </div>
              ) : null}
            </TableCell>
            <TableCell className="capitalize">{type.purpose.replace("-", " ")}</TableCell>
            <TableCell>{type.defaultValue === "grant" ? "Granted" : "Denied"}</TableCell>
            <TableCell>
              <div className="flex flex-wrap gap-1">
                <Flag on={type.required} label="Required" />
                <Flag on={!type.revokable} label="Not revokable" />
                {type.revokable && !type.required ? dash : null}
              </div>
            </TableCell>
            <TableCell className="font-mono text-xs">{type.autoRevoke ?? dash}</TableCell>
            <TableCell>
              {type.tags.length > 0 ? (
                <div className="flex max-w-56 flex-wrap gap-1">
                  {type.tags.map((tag) => (
                    <Badge key={tag} variant="muted" className="font-normal">
                      {tag}
                    </Badge>
                  ))}
                </div>
              ) : (
                dash
              )}
            </TableCell>
            <TableCell className="text-muted-foreground">
              <time dateTime={type.updatedAt}>{formatDate(type.updatedAt)}</time>
            </TableCell>
            {mayEdit ? (
              <TableCell className="pr-4">
                <div className="flex justify-end gap-1">
                  {type.archivedAt ? null : <ConsentTypeDialog mode="edit" type={type} />}
                  <ArchiveButton
                    id={type.id}
                    name={type.name}
                    archived={type.archivedAt !== null}
                  />
                </div>
              </TableCell>
            ) : null}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
