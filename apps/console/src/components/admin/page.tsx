import type { ReactNode } from "react";

/** The frame of a dashboard or admin page: title, one line on what it is for, actions, body. */
export function AdminPage({
  title,
  description,
  badge,
  actions,
  children,
}: {
  title: ReactNode;
  description?: ReactNode;
  /** Beside the title: a count, a status. */
  badge?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
      <header className="mb-6 flex flex-wrap items-end justify-between gap-4">
        <div className="min-w-0">
          <div className="flex items-center gap-2.5">
            <h1 className="text-xl font-semibold tracking-tight">{title}</h1>
            {badge}
          </div>
          {description ? (
            <p className="mt-1 max-w-3xl text-sm text-muted-foreground">{description}</p>
          ) : null}
        </div>
        {actions ? <div className="flex flex-wrap items-center gap-2">{actions}</div> : null}
      </header>
      {children}
    </div>
  );
}

/** A bordered panel for a page's main content (tables, empty states). */
export function Panel({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <div className={`overflow-hidden rounded-lg border bg-card shadow-xs ${className ?? ""}`}>
      {children}
    </div>
  );
}
