"use client";

import Link from "next/link";
import { useEffect, useMemo, useRef, useState } from "react";
import type { ReactNode } from "react";
import { flexRender, getCoreRowModel, useReactTable } from "@tanstack/react-table";
import type { ColumnDef, SortingState, VisibilityState } from "@tanstack/react-table";
import type { ProfileSortKey } from "@cdp/profile-schema";
import {
  Badge,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  cn,
} from "@cdp/ui";

import { PiiText } from "@/components/pii-text";
import { ProfileAvatar } from "@/components/profile-avatar";
import { ProfileStatusBadge } from "@/components/profile-status-badge";
import { ANONYMOUS_NAME, formatDate, formatNumber } from "@/lib/profile";
import { PROFILE_COLUMNS, UNNAMED_CUSTOMER } from "./columns";
import type { ProfileCell, ProfileColumn, ProfileRow } from "./columns";
import { ArrowDownIcon, ArrowUpDownIcon, ArrowUpIcon } from "@/components/icons";
import type { Density } from "./search-params";

const dash = <span className="text-muted-foreground">—</span>;

function CellView({
  column,
  cell,
  id,
  anonymous,
}: {
  column: ProfileColumn;
  cell: ProfileCell;
  id: string;
  anonymous: boolean;
}) {
  const { value, masked } = cell;
  switch (column.kind) {
    case "name": {
      const name = typeof value === "string" ? value : null;
      return (
        <div className="flex items-center gap-3">
          <ProfileAvatar id={id} name={name} />
          <Link
            href={`/profiles/${encodeURIComponent(id)}`}
            // Fifty rows would mean fifty background requests per page view.
            prefetch={false}
            data-row-link=""
            // The link stretches over the row (after:inset-0), so the whole row opens it.
            className="max-w-64 truncate font-medium outline-none after:absolute after:inset-0 after:content-[''] focus-visible:after:rounded-sm focus-visible:after:ring-2 focus-visible:after:ring-ring/60 focus-visible:after:ring-inset"
          >
            {name ? (
              <PiiText value={name} masked={masked} />
            ) : (
              <span className="text-muted-foreground">
                {anonymous ? ANONYMOUS_NAME : UNNAMED_CUSTOMER}
              </span>
            )}
          </Link>
        </div>
      );
    }
    case "number":
      return (
        <span className="tabular-nums">
          {typeof value === "number" ? formatNumber(value) : dash}
        </span>
      );
    case "date": {
      const shown = typeof value === "string" ? formatDate(value) : null;
      return shown && typeof value === "string" ? (
        <time dateTime={value} className="whitespace-nowrap text-muted-foreground">
          {shown}
        </time>
      ) : (
        dash
      );
    }
    case "list":
      return Array.isArray(value) && value.length > 0 ? (
        <span className="flex flex-wrap gap-1">
          {value.slice(0, 3).map((v) => (
            <Badge key={v} variant="secondary" className="font-normal">
              {v}
            </Badge>
          ))}
          {value.length > 3 ? (
            <span className="text-xs text-muted-foreground">+{value.length - 3}</span>
          ) : null}
        </span>
      ) : (
        dash
      );
    case "status":
      return <ProfileStatusBadge anonymous={value !== false} />;
    case "text":
      return typeof value === "string" && value !== "" ? (
        <PiiText value={value} masked={masked} />
      ) : (
        dash
      );
  }
}

function SortIcon({ state }: { state: false | "asc" | "desc" }) {
  if (state === "asc") return <ArrowUpIcon className="size-3.5" />;
  if (state === "desc") return <ArrowDownIcon className="size-3.5" />;
  return <ArrowUpDownIcon className="size-3.5 opacity-40 group-hover/sort:opacity-80" />;
}

/** True while a key press belongs to a text field, a menu or a dialog, not to the table. */
function typingIn(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    target.closest(
      "input, textarea, select, [contenteditable='true'], [role='dialog'], [role='menu'], [role='listbox']",
    ) !== null
  );
}

/**
 * The profiles table (TanStack Table in manual mode: the server sorts and pages). Column headers
 * sort; j/k or the arrow keys move between rows, Enter opens the focused one.
 */
export function ProfilesTable({
  rows,
  visible,
  sort,
  order,
  onSort,
  density,
  caption,
  busy,
}: {
  rows: ProfileRow[];
  visible: ReadonlySet<string>;
  sort: ProfileSortKey;
  order: "asc" | "desc";
  onSort: (sort: ProfileSortKey, order: "asc" | "desc") => void;
  density: Density;
  caption: string;
  busy: boolean;
}) {
  const bodyRef = useRef<HTMLTableSectionElement>(null);

  const columns = useMemo<ColumnDef<ProfileRow>[]>(
    () =>
      PROFILE_COLUMNS.map((column) => ({
        id: column.id,
        header: column.label,
        enableSorting: column.sort !== undefined,
        enableHiding: !column.fixed,
        meta: column,
        cell: ({ row }) => (
          <CellView
            column={column}
            cell={row.original.cells[column.id] ?? { value: null, masked: false }}
            id={row.original.id}
            anonymous={row.original.cells["status"]?.value !== false}
          />
        ),
      })),
    [],
  );

  const sortedColumn = PROFILE_COLUMNS.find((c) => c.sort === sort);
  const sorting: SortingState = sortedColumn
    ? [{ id: sortedColumn.id, desc: order === "desc" }]
    : [];
  const columnVisibility: VisibilityState = Object.fromEntries(
    PROFILE_COLUMNS.map((c) => [c.id, c.fixed === true || visible.has(c.id)]),
  );

  const table = useReactTable({
    data: rows,
    columns,
    getRowId: (row) => row.id,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualPagination: true,
    enableSortingRemoval: false,
    state: { sorting, columnVisibility },
  });

  // Shown on the table once j / k work, so a keyboard user (or a test) is never ahead of hydration.
  const [keysReady, setKeysReady] = useState(false);
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      if (typingIn(event.target)) return;
      const body = bodyRef.current;
      if (!body) return;
      const inTable = event.target instanceof Node && body.contains(event.target);
      const step =
        event.key === "j" || (inTable && event.key === "ArrowDown")
          ? 1
          : event.key === "k" || (inTable && event.key === "ArrowUp")
            ? -1
            : 0;
      if (step === 0) return;
      const links = [...body.querySelectorAll<HTMLAnchorElement>("a[data-row-link]")];
      if (links.length === 0) return;
      event.preventDefault();
      const current = links.findIndex((a) => a.closest("tr")?.contains(document.activeElement));
      const next =
        current === -1
          ? step === 1
            ? 0
            : links.length - 1
          : Math.min(links.length - 1, Math.max(0, current + step));
      const link = links[next];
      link?.focus();
      link?.closest("tr")?.scrollIntoView({ block: "nearest" });
    }
    document.addEventListener("keydown", onKeyDown);
    setKeysReady(true);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);

  const compact = density === "compact";

  return (
    <Table
      aria-busy={busy || undefined}
      data-keys={keysReady ? "ready" : undefined}
      className={cn(busy && "opacity-60 transition-opacity")}
    >
      <TableCaption className="sr-only">{caption}</TableCaption>
      <TableHeader className="bg-muted/40">
        {table.getHeaderGroups().map((group) => (
          <TableRow key={group.id} className="hover:bg-transparent">
            {group.headers.map((header, i) => {
              const column = header.column.columnDef.meta as ProfileColumn;
              const state = header.column.getIsSorted();
              const label = flexRender(
                header.column.columnDef.header,
                header.getContext(),
              ) as ReactNode;
              return (
                <TableHead
                  key={header.id}
                  aria-sort={
                    state === "asc" ? "ascending" : state === "desc" ? "descending" : undefined
                  }
                  className={cn(
                    "text-xs font-medium text-muted-foreground",
                    i === 0 && "pl-4",
                    i === group.headers.length - 1 && "pr-4",
                    column.align === "right" && "text-right",
                  )}
                >
                  {column.sort ? (
                    <button
                      type="button"
                      onClick={() =>
                        onSort(
                          column.sort!,
                          state === "asc"
                            ? "desc"
                            : state === "desc"
                              ? "asc"
                              : column.kind === "text" || column.kind === "name"
                                ? "asc"
                                : "desc",
                        )
                      }
                      title={
                        column.id === "name"
                          ? "Sort by last name"
                          : `Sort by ${column.label.toLowerCase()}`
                      }
                      className={cn(
                        "group/sort -mx-1.5 inline-flex h-7 items-center gap-1 rounded-md px-1.5 outline-none hover:bg-accent hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring/50",
                        state && "text-foreground",
                        column.align === "right" && "flex-row-reverse",
                      )}
                    >
                      {label}
                      <SortIcon state={state} />
                    </button>
                  ) : (
                    label
                  )}
                </TableHead>
              );
            })}
          </TableRow>
        ))}
      </TableHeader>
      <TableBody ref={bodyRef}>
        {table.getRowModel().rows.map((row) => (
          <TableRow
            key={row.id}
            data-profile-id={row.id}
            className="relative focus-within:bg-muted/60"
          >
            {row.getVisibleCells().map((cell, i, cells) => {
              const column = cell.column.columnDef.meta as ProfileColumn;
              return (
                <TableCell
                  key={cell.id}
                  className={cn(
                    compact ? "py-1 text-[13px]" : "py-2.5",
                    i === 0 && "pl-4",
                    i === cells.length - 1 && "pr-4",
                    column.align === "right" && "text-right",
                    column.kind === "text" && "max-w-72 truncate",
                  )}
                >
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </TableCell>
              );
            })}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
