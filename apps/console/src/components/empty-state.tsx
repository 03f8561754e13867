import type { ReactNode } from "react";

/** A centred message for "nothing here" and "something went wrong" states. */
export function EmptyState({
  icon,
  title,
  description,
  action,
  children,
  headingLevel = 2,
  tone = "default",
}: {
  icon: ReactNode;
  title: ReactNode;
  description?: ReactNode;
  action?: ReactNode;
  children?: ReactNode;
  headingLevel?: 1 | 2;
  tone?: "default" | "destructive";
}) {
  const Heading = headingLevel === 1 ? "h1" : "h2";
  return (
    <div className="mx-auto flex max-w-md flex-col items-center text-center">
      <span
        className={
          tone === "destructive"
            ? "mb-4 inline-flex size-11 items-center justify-center rounded-full bg-destructive/10 text-destructive [&_svg]:size-5"
            : "mb-4 inline-flex size-11 items-center justify-center rounded-full bg-muted text-muted-foreground ring-1 ring-border [&_svg]:size-5"
        }
      >
        {icon}
      </span>
      <Heading className="text-base font-semibold">{title}</Heading>
      {description ? (
        <p className="mt-1.5 text-sm text-balance text-muted-foreground">{description}</p>
      ) : null}
      {children}
      {action ? <div className="mt-5 flex items-center gap-2">{action}</div> : null}
    </div>
  );
}
