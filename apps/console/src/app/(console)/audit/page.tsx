import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { can } from "@cdp/api";
import type { FieldError, RouterOutputs } from "@cdp/api";
import {
  Badge,
  Button,
  Input,
  Label,
  NativeSelect,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@cdp/ui";

import {
  AlertIcon,
  AuditIcon,
  ChevronRightIcon,
  ChevronsLeftIcon,
  FilterIcon,
  XIcon,
} from "@/components/icons";
import { AdminPage, Panel } from "@/components/admin/page";
import { EmptyState } from "@/components/empty-state";
import { PiiText } from "@/components/pii-text";
import { formatDateTime, formatValue } from "@/lib/profile";
import { apiRefusal, currentPrincipal, serverApi } from "@/server/api";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Audit log" };

type Entry = RouterOutputs["audit"]["list"]["items"][number];

const PAGE_SIZE = 50;

/** What the API audits, for the filter's choices. */
const ENTITIES = [
  ["profile", "Profile"],
  ["consent_type", "Consent type"],
  ["segment", "Segment"],
  ["saved_view", "Saved view"],
  ["suppression", "Suppression"],
  ["service_token", "Service token"],
  ["user", "Staff account"],
] as const;
const ENTITY_LABELS: Record<string, string> = Object.fromEntries(ENTITIES);

const ACTIONS = [
  "profile.create",
  "profile.update",
  "profile.delete",
  "profile.merge",
  "profile.unmerge",
  "consent.grant",
  "consent.deny",
  "consent.revoke",
  "consent_type.create",
  "consent_type.update",
  "consent_type.archive",
  "consent_type.restore",
  "privacy.reveal",
  "privacy.export",
  "privacy.erase",
  "privacy.lift_suppression",
  "segment.create",
  "segment.update",
  "segment.delete",
  "segment.refresh",
  "view.create",
  "view.update",
  "view.delete",
  "token.create",
  "token.revoke",
  "user.create",
  "user.set_role",
  "user.disable",
  "user.enable",
];

const FILTERS = ["actor", "entity", "entityId", "action", "from", "to"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function one(value: string | string[] | undefined): string {
  return ((Array.isArray(value) ? value[0] : value) ?? "").trim();
}

/** `2025-06-15T12:00` (a datetime-local value, read as UTC) as an ISO instant; null when not one. */
function instantOf(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const d = new Date(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function auditHref(filters: Partial<Filters>, cursor?: string | null): string {
  const qs = new URLSearchParams();
  for (const key of FILTERS) {
    const v = filters[key];
    if (v) qs.set(key, v);
  }
  if (cursor) qs.set("cursor", cursor);
  const s = qs.toString();
  return s ? `/audit?${s}` : "/audit";
}

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const filters = Object.fromEntries(FILTERS.map((k) => [k, one(params[k])])) as Filters;
  const cursor = one(params.cursor) || null;
  const [api, principal] = await Promise.all([serverApi(), currentPrincipal()]);

  const errors: Partial<Record<keyof Filters, string>> = {};
  const from = filters.from ? instantOf(filters.from) : null;
  const to = filters.to ? instantOf(filters.to) : null;
  if (filters.from && !from) errors.from = "Enter a date and time such as 2025-06-15T09:00";
  if (filters.to && !to) errors.to = "Enter a date and time such as 2025-06-15T17:00";
  if (from && to && from > to) errors.to = "The end is before the start";

  // Admins see everyone's names in the actor picker; others pick from the actors on the page.
  const staff = can(principal, "admin") ? await api.user.list() : [];

  let page: RouterOutputs["audit"]["list"] | null = null;
  let refusal: string | null = null;
  if (Object.keys(errors).length === 0) {
    try {
      page = await api.audit.list({
        actorId: filters.actor || null,
        entity: filters.entity || null,
        entityId: filters.entityId || null,
        action: filters.action || null,
        from,
        to,
        cursor,
        limit: PAGE_SIZE,
      });
    } catch (error) {
      const refused = apiRefusal(error);
      if (!refused || refused.code !== "BAD_REQUEST") throw error;
      Object.assign(errors, fieldErrorsByFilter(refused.fieldErrors));
      if (Object.keys(errors).length === 0) refusal = refused.message;
    }
  }

  const filtered = FILTERS.some((k) => filters[k]);
  const actors = new Map<string, string>(staff.map((s) => [s.id, `${s.name} (${s.email})`]));
  for (const e of page?.items ?? []) if (!actors.has(e.actorId)) actors.set(e.actorId, e.actorName);

  return (
    <AdminPage
      title="Audit log"
      description="Every change and every look at personal data: who, what, when and why, newest first. Personal data in the before and after values is masked."
    >
      <AuditFilters filters={filters} errors={errors} actors={actors} filtered={filtered} />

      {refusal ? (
        <Panel className="mt-4 px-6 py-12">
          <EmptyState
            icon={<AlertIcon />}
            title="This page link no longer works"
            description={refusal}
            action={
              <Button asChild variant="outline" size="sm">
                <Link href={auditHref(filters)}>Newest entries</Link>
              </Button>
            }
          />
        </Panel>
      ) : page === null ? null : page.items.length === 0 ? (
        <Panel className="mt-4 px-6 py-12">
          <EmptyState
            icon={<AuditIcon />}
            title={filtered ? "No entries match these filters" : "Nothing audited yet"}
            description={
              filtered
                ? "Widen the time range or clear a filter."
                : "Changes to profiles, consents, segments, staff and tokens appear here."
            }
            action={
              filtered ? (
                <Button asChild variant="outline" size="sm">
                  <Link href="/audit">Clear filters</Link>
                </Button>
              ) : undefined
            }
          />
        </Panel>
      ) : (
        <Panel className="mt-4">
          <AuditTable items={page.items} filters={filters} />
          <nav
            aria-label="Pagination"
            className="flex items-center justify-end gap-2 border-t bg-muted/30 px-4 py-2.5"
          >
            {cursor ? (
              <Button asChild variant="outline" size="sm">
                <Link href={auditHref(filters)}>
                  <ChevronsLeftIcon />
                  Newest
                </Link>
              </Button>
            ) : null}
            {page.nextCursor ? (
              <Button asChild variant="outline" size="sm">
                <Link href={auditHref(filters, page.nextCursor)} rel="next">
                  Older entries
                  <ChevronRightIcon />
                </Link>
              </Button>
            ) : (
              <span className="text-sm text-muted-foreground">The oldest entry is shown.</span>
            )}
          </nav>
        </Panel>
      )}
    </AdminPage>
  );
}

function fieldErrorsByFilter(errors: FieldError[]): Partial<Record<keyof Filters, string>> {
  const byApiField: Record<string, keyof Filters> = {
    actorId: "actor",
    entity: "entity",
    entityId: "entityId",
    action: "action",
    from: "from",
    to: "to",
  };
  const out: Partial<Record<keyof Filters, string>> = {};
  for (const e of errors) {
    const name = byApiField[e.path];
    if (name) out[name] ??= e.message;
  }
  return out;
}

function FilterField({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  children: ReactNode;
}) {
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id} className="text-xs text-muted-foreground">
        {label}
      </Label>
      {children}
      {error ? (
        <p id={`${id}-error`} className="text-xs text-destructive">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A GET form: the filters live in the URL, so a filtered view can be shared. */
function AuditFilters({
  filters,
  errors,
  actors,
  filtered,
}: {
  filters: Filters;
  errors: Partial<Record<keyof Filters, string>>;
  actors: Map<string, string>;
  filtered: boolean;
}) {
  const invalid = (k: keyof Filters) =>
    errors[k] ? { "aria-invalid": true, "aria-describedby": `audit-${k}-error` } : {};
  return (
    <form
      method="get"
      action="/audit"
      aria-label="Filter the audit log"
      className="grid gap-3 rounded-lg border bg-card p-4 shadow-xs sm:grid-cols-2 lg:grid-cols-4"
    >
      <FilterField id="audit-actor" label="Actor id" error={errors.actor}>
        <Input
          id="audit-actor"
          name="actor"
          list="audit-actors"
          defaultValue={filters.actor}
          placeholder="Anyone"
          autoComplete="off"
          maxLength={200}
          {...invalid("actor")}
        />
        <datalist id="audit-actors">
          {[...actors].map(([id, name]) => (
            <option key={id} value={id} label={name} />
          ))}
        </datalist>
      </FilterField>
      <FilterField id="audit-entity" label="Entity" error={errors.entity}>
        <NativeSelect
          id="audit-entity"
          name="entity"
          defaultValue={filters.entity}
          {...invalid("entity")}
        >
          <option value="">Any</option>
          {ENTITIES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
          {filters.entity && !ENTITY_LABELS[filters.entity] ? (
            <option value={filters.entity}>{filters.entity}</option>
          ) : null}
        </NativeSelect>
      </FilterField>
      <FilterField id="audit-entityId" label="Entity id" error={errors.entityId}>
        <Input
          id="audit-entityId"
          name="entityId"
          defaultValue={filters.entityId}
          placeholder="Any"
          autoComplete="off"
          maxLength={512}
          {...invalid("entityId")}
        />
      </FilterField>
      <FilterField id="audit-action" label="Action" error={errors.action}>
        <Input
          id="audit-action"
          name="action"
          list="audit-actions"
          defaultValue={filters.action}
          placeholder="Any"
          autoComplete="off"
          maxLength={100}
          {...invalid("action")}
        />
        <datalist id="audit-actions">
          {ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </FilterField>
      <FilterField id="audit-from" label="From (UTC)" error={errors.from}>
        <Input
          id="audit-from"
          name="from"
          type="datetime-local"
          defaultValue={filters.from}
          {...invalid("from")}
        />
      </FilterField>
      <FilterField id="audit-to" label="To (UTC)" error={errors.to}>
        <Input
          id="audit-to"
          name="to"
          type="datetime-local"
          defaultValue={filters.to}
          {...invalid("to")}
        />
      </FilterField>
      <div className="flex items-end gap-2 lg:col-span-2">
        <Button type="submit" variant="secondary">
          <FilterIcon />
          Filter
        </Button>
        {filtered ? (
          <Button asChild variant="ghost" className="text-muted-foreground">
            <Link href="/audit">
              <XIcon />
              Clear
            </Link>
          </Button>
        ) : null}
      </div>
    </form>
  );
}

function ChangeValue({ value }: { value: unknown }) {
  const text = value === undefined ? "—" : formatValue(value);
  return <PiiText value={text} masked={text.includes("•")} />;
}

function EntityLink({ entry }: { entry: Entry }) {
  if (entry.entity === "profile" && !entry.action.startsWith("profile.delete")) {
    return (
      <Link
        href={`/profiles/${encodeURIComponent(entry.entityId)}`}
        prefetch={false}
        className="font-mono text-xs underline-offset-4 hover:underline"
      >
        {entry.entityId}
      </Link>
    );
  }
  return <span className="font-mono text-xs">{entry.entityId}</span>;
}

function AuditTable({ items, filters }: { items: Entry[]; filters: Filters }) {
  return (
    <Table>
      <TableCaption className="sr-only">Audit entries, newest first</TableCaption>
      <TableHeader className="bg-muted/40">
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-4 text-xs font-medium text-muted-foreground">When</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Actor</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Action</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Entity</TableHead>
          <TableHead className="pr-4 text-xs font-medium text-muted-foreground">
            Changes and reason
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {items.map((e) => (
          <TableRow key={e.id} className="align-top" data-testid="audit-entry">
            <TableCell className="py-2.5 pl-4 whitespace-nowrap text-muted-foreground">
              <time dateTime={e.at}>{formatDateTime(e.at)}</time>
            </TableCell>
            <TableCell className="max-w-56">
              <Link
                href={auditHref({ ...filters, actor: e.actorId })}
                className="font-medium underline-offset-4 hover:underline"
                title={`Show only ${e.actorName}’s entries`}
              >
                {e.actorName}
              </Link>
              <div className="truncate text-xs text-muted-foreground">
                {e.actorType === "staff"
                  ? "Staff"
                  : e.actorType === "service"
                    ? "Service"
                    : "System"}
              </div>
            </TableCell>
            <TableCell>
              <Badge variant="outline" className="font-mono font-normal">
                {e.action}
              </Badge>
            </TableCell>
            <TableCell className="max-w-64">
              <div className="text-xs text-muted-foreground">
                {ENTITY_LABELS[e.entity] ?? e.entity}
              </div>
              <div className="truncate">
                <EntityLink entry={e} />
              </div>
            </TableCell>
            <TableCell className="max-w-[40rem] pr-4 whitespace-normal">
              {e.reason ? (
                <p className="mb-1 text-sm">
                  <span className="text-muted-foreground">Reason:</span> {e.reason}
                </p>
              ) : null}
              {e.changes.length === 0 ? (
                <span className="text-sm text-muted-foreground">No field changes recorded</span>
              ) : (
                <details className="group">
                  <summary className="w-fit cursor-pointer rounded-sm text-sm text-muted-foreground outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50">
                    {e.changes.length} {e.changes.length === 1 ? "field" : "fields"} changed
                  </summary>
                  <table className="mt-2 w-full text-xs">
                    <caption className="sr-only">Before and after, by field</caption>
                    <thead>
                      <tr className="text-left text-muted-foreground">
                        <th scope="col" className="py-1 pr-3 font-medium">
                          Field
                        </th>
                        <th scope="col" className="py-1 pr-3 font-medium">
                          Before
                        </th>
                        <th scope="col" className="py-1 font-medium">
                          After
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {e.changes.map((c, i) => (
                        <tr key={`${c.path}-${i}`} className="border-t">
                          <th scope="row" className="py-1 pr-3 text-left font-mono font-normal">
                            {c.path}
                          </th>
                          <td className="py-1 pr-3 break-all text-red-700 line-through decoration-red-700/40 dark:text-red-300">
                            <ChangeValue value={c.before} />
                          </td>
                          <td className="py-1 break-all text-emerald-700 dark:text-emerald-300">
                            <ChangeValue value={c.after} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </details>
              )}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
