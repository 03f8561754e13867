import Link from "next/link";
import { cn } from "@cdp/ui";

import { ACTIVITY_TABS, PROFILE_SECTIONS } from "./sections";

/** A profile page's tab as a URL (the overview has none). */
export function profileTabHref(
  id: string,
  tab: string,
  extra: Record<string, string> = {},
): string {
  const qs = new URLSearchParams(tab === "overview" ? extra : { tab, ...extra }).toString();
  return `/profiles/${encodeURIComponent(id)}${qs ? `?${qs}` : ""}`;
}

function TabLink({
  id,
  tab,
  label,
  current,
}: {
  id: string;
  tab: string;
  label: string;
  current: boolean;
}) {
  return (
    <li>
      <Link
        href={profileTabHref(id, tab)}
        aria-current={current ? "page" : undefined}
        scroll={false}
        className={cn(
          "flex h-8 items-center rounded-md px-2.5 text-sm whitespace-nowrap text-muted-foreground outline-none hover:bg-accent hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring/50",
          current && "bg-accent font-medium text-foreground",
        )}
      >
        {label}
      </Link>
    </li>
  );
}

/**
 * The profile's tabs: the seed sections, then activity and governance. Links (the tab is in the
 * URL), so each can be opened, shared and reloaded; a list beside the content on wide screens.
 */
export function ProfileNav({ id, tab }: { id: string; tab: string }) {
  return (
    <nav aria-label="Profile sections" className="lg:sticky lg:top-4 lg:self-start">
      <div className="flex gap-4 overflow-x-auto pb-2 lg:block lg:overflow-visible lg:pb-0">
        <ul className="flex gap-0.5 lg:flex-col">
          <TabLink id={id} tab="overview" label="Overview" current={tab === "overview"} />
        </ul>
        <div className="lg:mt-4">
          <div className="mb-1 hidden px-2.5 text-[11px] font-medium tracking-wider text-muted-foreground uppercase lg:block">
            Data
          </div>
          <ul className="flex gap-0.5 lg:flex-col">
            {PROFILE_SECTIONS.map((s) => (
              <TabLink key={s.id} id={id} tab={s.id} label={s.label} current={tab === s.id} />
            ))}
          </ul>
        </div>
        <div className="lg:mt-4">
          <div className="mb-1 hidden px-2.5 text-[11px] font-medium tracking-wider text-muted-foreground uppercase lg:block">
            Activity
          </div>
          <ul className="flex gap-0.5 lg:flex-col">
            {ACTIVITY_TABS.map((t) => (
              <TabLink key={t.id} id={id} tab={t.id} label={t.label} current={tab === t.id} />
            ))}
          </ul>
        </div>
      </div>
    </nav>
  );
}
