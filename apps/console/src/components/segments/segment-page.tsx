import Link from "next/link";
import type { ReactNode } from "react";

import { ChevronRightIcon } from "@/components/icons";

/** "Segments › … › <current>" above a page inside the segments section. */
export function SegmentsBreadcrumb({
  trail = [],
  current,
}: {
  trail?: { href: string; label: string }[];
  current: string;
}) {
  const links = [{ href: "/segments", label: "Segments" }, ...trail];
  return (
    <nav aria-label="Breadcrumb">
      <ol className="flex items-center gap-1.5 text-sm text-muted-foreground">
        {links.map((l) => (
          <li key={l.href} className="flex items-center gap-1.5">
            <Link
              href={l.href}
              className="max-w-60 truncate rounded-sm hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring/50 focus-visible:outline-none"
            >
              {l.label}
            </Link>
            <ChevronRightIcon aria-hidden="true" className="size-3.5" />
          </li>
        ))}
        <li aria-current="page" className="max-w-80 truncate text-foreground">
          {current}
        </li>
      </ol>
    </nav>
  );
}

/** The frame of a segments page: breadcrumb, title, one line on it, actions, body. */
export function SegmentsPage({
  breadcrumb,
  title,
  badge,
  description,
  actions,
  children,
}: {
  breadcrumb?: ReactNode;
  title: ReactNode;
  badge?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
      {breadcrumb}
      <header
        className={`mb-6 flex flex-wrap items-end justify-between gap-4 ${breadcrumb ? "mt-3" : ""}`}
      >
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2.5">
            <h1 className="text-xl font-semibold tracking-tight">{title}</h1>
            {badge}
          </div>
          {description ? (
            <div className="mt-1 max-w-3xl text-sm text-muted-foreground">{description}</div>
          ) : null}
        </div>
        {actions ? <div className="flex flex-wrap items-center gap-2">{actions}</div> : null}
      </header>
      {children}
    </div>
  );
}
