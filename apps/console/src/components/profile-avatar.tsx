import { cn } from "@cdp/ui";

import { UserIcon } from "@/components/icons";
import { initialsOf } from "@/lib/profile";

// Whole class names, so Tailwind sees them.
const palette = [
  "bg-rose-100 text-rose-700 dark:bg-rose-500/15 dark:text-rose-300",
  "bg-orange-100 text-orange-700 dark:bg-orange-500/15 dark:text-orange-300",
  "bg-amber-100 text-amber-800 dark:bg-amber-500/15 dark:text-amber-300",
  "bg-lime-100 text-lime-800 dark:bg-lime-500/15 dark:text-lime-300",
  "bg-emerald-100 text-emerald-700 dark:bg-emerald-500/15 dark:text-emerald-300",
  "bg-teal-100 text-teal-700 dark:bg-teal-500/15 dark:text-teal-300",
  "bg-sky-100 text-sky-700 dark:bg-sky-500/15 dark:text-sky-300",
  "bg-indigo-100 text-indigo-700 dark:bg-indigo-500/15 dark:text-indigo-300",
  "bg-violet-100 text-violet-700 dark:bg-violet-500/15 dark:text-violet-300",
  "bg-fuchsia-100 text-fuchsia-700 dark:bg-fuchsia-500/15 dark:text-fuchsia-300",
] as const;

function hueOf(seed: string): string {
  let h = 0;
  for (let i = 0; i < seed.length; i++) h = (h * 31 + seed.charCodeAt(i)) >>> 0;
  return palette[h % palette.length] ?? palette[0];
}

/** Initials on a colour picked from the profile id (stable across pages and reloads). */
export function ProfileAvatar({
  id,
  name,
  size = "sm",
  className,
}: {
  id: string;
  name: string | null;
  size?: "sm" | "lg";
  className?: string;
}) {
  const initials = initialsOf(name);
  return (
    <span
      aria-hidden="true"
      data-slot="avatar"
      className={cn(
        "inline-flex shrink-0 select-none items-center justify-center rounded-full font-medium",
        size === "sm" ? "size-7 text-[11px]" : "size-14 text-lg",
        initials
          ? hueOf(id)
          : "border border-dashed border-muted-foreground/30 bg-muted text-muted-foreground",
        className,
      )}
    >
      {initials ?? <UserIcon className={size === "sm" ? "size-4" : "size-6"} />}
    </span>
  );
}
