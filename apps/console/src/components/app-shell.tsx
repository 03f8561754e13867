import type { ReactNode } from "react";

import { consolePrincipal } from "@/server/api";
import { ShieldIcon, UsersIcon } from "./icons";
import { NavLink } from "./nav-link";

function Logo() {
  return (
    <span
      aria-hidden="true"
      className="inline-flex size-7 items-center justify-center rounded-md bg-primary text-primary-foreground shadow-xs"
    >
      <svg
        viewBox="0 0 24 24"
        className="size-4"
        fill="none"
        stroke="currentColor"
        strokeWidth="2.2"
      >
        <circle cx="12" cy="8.5" r="3.5" />
        <path d="M5 20c.8-3.6 3.6-5.5 7-5.5s6.2 1.9 7 5.5" strokeLinecap="round" />
      </svg>
    </span>
  );
}

/** Sidebar (brand, sections, who is signed in) beside the page. */
export function AppShell({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-dvh flex-col md:flex-row">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-background px-3 py-2 text-sm shadow focus:not-sr-only focus:fixed focus:left-3 focus:top-3"
      >
        Skip to content
      </a>
      {/* The aside runs the page's full height (background, border); its content stays in view. */}
      <aside className="shrink-0 border-b bg-muted/40 md:w-60 md:border-r md:border-b-0">
        <div className="flex flex-col md:sticky md:top-0 md:h-dvh">
          <div className="flex h-14 items-center gap-2.5 px-4">
            <Logo />
            <div className="leading-tight">
              <div className="text-sm font-semibold">Profiles CDP</div>
              <div className="text-xs text-muted-foreground">Staff console</div>
            </div>
          </div>
          <nav aria-label="Main" className="px-3 pb-3 md:flex-1 md:pt-2">
            <div className="mb-1 hidden px-2.5 text-[11px] font-medium uppercase tracking-wider text-muted-foreground/80 md:block">
              Customers
            </div>
            <ul className="flex gap-1 md:flex-col">
              <li>
                <NavLink href="/profiles" icon={<UsersIcon />}>
                  Profiles
                </NavLink>
              </li>
            </ul>
          </nav>
          <div className="hidden items-center gap-2.5 border-t px-4 py-3 md:flex">
            <span className="inline-flex size-7 items-center justify-center rounded-full bg-muted text-muted-foreground ring-1 ring-border">
              <ShieldIcon className="size-3.5" />
            </span>
            <div className="min-w-0 leading-tight">
              <div className="truncate text-xs font-medium">{consolePrincipal.name}</div>
              <div className="text-[11px] text-muted-foreground">Read-only access</div>
            </div>
          </div>
        </div>
      </aside>
      <main id="main" tabIndex={-1} className="min-w-0 flex-1 outline-none">
        {children}
      </main>
    </div>
  );
}
