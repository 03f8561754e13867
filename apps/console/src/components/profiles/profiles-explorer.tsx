"use client";

import Link from "next/link";
import { useEffect, useId, useRef, useState, useTransition } from "react";
import type { FormEvent, ReactNode } from "react";
import { useQueryStates } from "nuqs";
import {
  describeCondition,
  formatCondition,
  parseConditionText,
  MAX_CONDITION_TEXT,
} from "@cdp/profile-schema";
import type { Condition, ConditionTextError, ProfileSortKey } from "@cdp/profile-schema";
import { Badge, Button, Input, cn } from "@cdp/ui";

import {
  ChevronRightIcon,
  ChevronsLeftIcon,
  KeyboardIcon,
  LockIcon,
  SearchIcon,
  XIcon,
} from "@/components/icons";
import { MASKED_TITLE } from "@/components/pii-text";
import { formatNumber } from "@/lib/profile";
import { DEFAULT_COLUMN_IDS, visibleColumnIds } from "./columns";
import type { ProfileRow } from "./columns";
import { ExportButton } from "./export-button";
import { FilterBuilder } from "./filter-builder";
import { ProfilesTable } from "./profiles-table";
import { QueryError } from "./query-error";
import { profilesSearchParams, SEARCH_MAX } from "./search-params";
import { ViewOptions } from "./view-options";

/** What the server found for the URL's query. */
export interface ProfilesResult {
  rows: ProfileRow[];
  total: number;
  /** First row's position, for "Showing 51–100". */
  first: number;
  firstPageHref: string | null;
  nextPageHref: string | null;
  /** Some personal data on the page is masked. */
  masked: boolean;
  /** The filter the rows were found with (parsed from the URL), for the export. */
  condition: Condition | null;
}

/** Joins a leaf to a query's condition with `and` (flattening an `and` at the top). */
function joinWithAnd(current: Condition | null, leaf: Condition): Condition {
  if (!current) return leaf;
  if ("and" in current) return { and: [...current.and, leaf] };
  return { and: [current, leaf] };
}

/**
 * The profiles table with its controls, all in the URL (nuqs): search, the query bar (text syntax,
 * errors shown at their position before anything is sent), the filter builder (writes into the
 * query bar), sort, columns, density, paging and export.
 */
export function ProfilesExplorer({
  result,
  emptyState,
  children,
}: {
  result: ProfilesResult | null;
  /** Shown instead of the table when the query matched nothing or failed. */
  emptyState: ReactNode;
  children?: ReactNode;
}) {
  const ids = useId();
  const [pending, startTransition] = useTransition();
  const [params, setParams] = useQueryStates(profilesSearchParams, {
    shallow: false,
    history: "push",
    startTransition,
  });

  // Drafts of the two boxes: the URL changes only when the query is applied.
  const [q, setQ] = useState(params.q);
  const [where, setWhere] = useState(params.where);
  const [error, setError] = useState<ConditionTextError | null>(null);
  // Once a bad query was submitted, the error follows the text as it is corrected.
  const [checking, setChecking] = useState(false);
  const whereRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setQ(params.q);
    setWhere(params.where);
    setError(null);
    setChecking(false);
  }, [params.q, params.where]);

  const visible = visibleColumnIds(params.columns);
  const reset = { cursor: null, page: null };

  function check(text: string): { ok: true; condition: Condition | null } | { ok: false } {
    if (text.trim() === "") {
      setError(null);
      return { ok: true, condition: null };
    }
    const parsed = parseConditionText(text);
    if (parsed.ok) {
      setError(null);
      return { ok: true, condition: parsed.condition };
    }
    setError(parsed.error);
    return { ok: false };
  }

  function apply(event?: FormEvent) {
    event?.preventDefault();
    const checked = check(where);
    if (!checked.ok) {
      setChecking(true);
      whereRef.current?.focus();
      return;
    }
    void setParams({
      q: q.trim().slice(0, SEARCH_MAX),
      // Stored as the normalised text, so the URL reads back the same condition.
      where: checked.condition ? formatCondition(checked.condition) : "",
      ...reset,
    });
  }

  function addFilter(leaf: Condition) {
    const checked = check(where);
    const current = checked.ok ? checked.condition : null;
    if (!checked.ok) {
      setChecking(true);
      return;
    }
    const text = formatCondition(joinWithAnd(current, leaf));
    setWhere(text);
    void setParams({ q: q.trim().slice(0, SEARCH_MAX), where: text, ...reset });
  }

  function clearAll() {
    setQ("");
    setWhere("");
    setError(null);
    void setParams({ q: null, where: null, ...reset });
  }

  const applied = params.where.trim() ? parseConditionText(params.where) : null;
  const sentence = applied?.ok ? describeCondition(applied.condition) : null;
  const errorId = `${ids}-where-error`;

  return (
    <>
      <form
        role="search"
        aria-label="Profiles"
        action="/profiles"
        method="get"
        noValidate
        onSubmit={apply}
        className="mt-5 grid gap-2"
      >
        <div className="flex flex-wrap items-start gap-2">
          <div className="relative w-full sm:w-72">
            <label htmlFor={`${ids}-q`} className="sr-only">
              Search profiles
            </label>
            <SearchIcon className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground" />
            <Input
              id={`${ids}-q`}
              type="search"
              name="q"
              value={q}
              onChange={(e) => setQ(e.target.value)}
              maxLength={SEARCH_MAX}
              placeholder="Search by name, email or phone"
              autoComplete="off"
              className="bg-background pl-8"
            />
          </div>
          <div className="min-w-0 flex-1 basis-80">
            <label htmlFor={`${ids}-where`} className="sr-only">
              Filter query
            </label>
            <Input
              ref={whereRef}
              id={`${ids}-where`}
              name="where"
              value={where}
              onChange={(e) => {
                setWhere(e.target.value);
                if (checking) check(e.target.value);
              }}
              maxLength={MAX_CONDITION_TEXT}
              placeholder='Filter, e.g. stats.visits > 3 and data.contact.address.country = "Poland"'
              autoComplete="off"
              spellCheck={false}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? errorId : `${ids}-where-help`}
              className="bg-background font-mono text-[13px]"
            />
          </div>
          <Button type="submit" variant="secondary">
            Apply
          </Button>
          {params.q || params.where ? (
            <Button
              type="button"
              variant="ghost"
              className="text-muted-foreground"
              onClick={clearAll}
            >
              <XIcon />
              Clear
            </Button>
          ) : null}
        </div>
        {error ? (
          <QueryError id={errorId} text={where} error={error} />
        ) : (
          <p id={`${ids}-where-help`} className="text-xs text-muted-foreground">
            {sentence ? (
              <>
                <span className="font-medium text-foreground">Filter:</span> {sentence}
              </>
            ) : (
              <>
                Fields by path (<span className="font-mono">data.pii.lastname</span>,{" "}
                <span className="font-mono">traits.plan</span>),{" "}
                <span className="font-mono">and</span> / <span className="font-mono">or</span> /{" "}
                <span className="font-mono">not</span>,{" "}
                <span className="font-mono">consent(marketing)</span>,{" "}
                <span className="font-mono">event(purchase) &gt;= 2 within 30d</span>.
              </>
            )}
          </p>
        )}
      </form>

      <div className="mt-3 mb-3 flex flex-wrap items-center gap-2">
        <FilterBuilder onAdd={addFilter} />
        <ViewOptions
          visible={visible}
          onToggleColumn={(id, shown) => {
            const next = new Set(visible);
            if (shown) next.add(id);
            else next.delete(id);
            const list = DEFAULT_COLUMN_IDS.filter((c) => next.has(c)).concat(
              [...next].filter((c) => !DEFAULT_COLUMN_IDS.includes(c)),
            );
            const isDefault =
              list.length === DEFAULT_COLUMN_IDS.length &&
              DEFAULT_COLUMN_IDS.every((c) => next.has(c));
            void setParams(
              { columns: isDefault ? null : list },
              { history: "replace", shallow: true },
            );
          }}
          onReset={() => void setParams({ columns: null }, { history: "replace", shallow: true })}
          density={params.density}
          onDensity={(density) =>
            void setParams({ density }, { history: "replace", shallow: true })
          }
        />
        {result ? (
          <ExportButton
            total={result.total}
            query={{
              search: params.q.trim() || undefined,
              condition: result.condition ?? undefined,
              sort: params.sort,
              order: params.order,
            }}
          />
        ) : null}
        {pending ? (
          <span role="status" className="text-xs text-muted-foreground">
            Loading…
          </span>
        ) : null}
        {result?.masked ? (
          <Badge
            variant="outline"
            className="ml-auto gap-1.5 text-muted-foreground"
            title={MASKED_TITLE}
          >
            <LockIcon />
            PII masked
          </Badge>
        ) : null}
      </div>

      {children}

      {result && result.rows.length > 0 ? (
        <div className="overflow-hidden rounded-lg border bg-card shadow-xs">
          <ProfilesTable
            rows={result.rows}
            visible={visible}
            sort={params.sort}
            order={params.order}
            density={params.density}
            busy={pending}
            caption={`Profiles, sorted by ${params.sort.replace("_", " ")} (${params.order === "asc" ? "ascending" : "descending"})`}
            onSort={(sort: ProfileSortKey, order) => void setParams({ sort, order, ...reset })}
          />
          <nav
            aria-label="Pagination"
            className="flex flex-wrap items-center justify-between gap-3 border-t bg-muted/30 px-4 py-2.5"
          >
            <p className="text-sm text-muted-foreground" aria-live="polite">
              Showing{" "}
              <span className="font-medium text-foreground tabular-nums">
                {formatNumber(result.first)}–{formatNumber(result.first + result.rows.length - 1)}
              </span>{" "}
              of{" "}
              <span className="font-medium text-foreground tabular-nums">
                {formatNumber(result.total)}
              </span>
            </p>
            <p className="hidden items-center gap-1.5 text-xs text-muted-foreground lg:flex">
              <KeyboardIcon className="size-3.5" />
              <kbd className="rounded border bg-background px-1 font-mono">j</kbd>
              <kbd className="rounded border bg-background px-1 font-mono">k</kbd> to move,{" "}
              <kbd className="rounded border bg-background px-1 font-mono">Enter</kbd> to open
            </p>
            <div className="flex items-center gap-2">
              {result.firstPageHref ? (
                <Button asChild variant="outline" size="sm">
                  <Link href={result.firstPageHref}>
                    <ChevronsLeftIcon />
                    First page
                  </Link>
                </Button>
              ) : (
                <Button variant="outline" size="sm" disabled>
                  <ChevronsLeftIcon />
                  First page
                </Button>
              )}
              {result.nextPageHref ? (
                <Button asChild variant="outline" size="sm">
                  <Link href={result.nextPageHref} rel="next">
                    Next page
                    <ChevronRightIcon />
                  </Link>
                </Button>
              ) : (
                <Button variant="outline" size="sm" disabled>
                  Next page
                  <ChevronRightIcon />
                </Button>
              )}
            </div>
          </nav>
        </div>
      ) : (
        <div className={cn("rounded-lg border bg-card px-6 py-16", pending && "opacity-60")}>
          {emptyState}
        </div>
      )}
    </>
  );
}
