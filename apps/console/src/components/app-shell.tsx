import type { ReactNode } from "react";
import { can } from "@cdp/api";
import type { Permission } from "@cdp/api";
import type { StaffUser } from "@cdp/auth";

import { staffPrincipal } from "@/server/auth";
import {
  AuditIcon,
  ConsentIcon,
  DashboardIcon,
  KeyIcon,
  MappingIcon,
  MergeIcon,
  SegmentIcon,
  StaffIcon,
  UploadIcon,
  UsersIcon,
} from "@/components/icons";
import { NavLink } from "./nav-link";
import { UserMenu } from "./user-menu";

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

interface NavItem {
  href: string;
  label: string;
  icon: ReactNode;
  /** The API permission the section's main page needs: without it, the link is not shown. */
  permission: Permission;
}

/** The console's sections, grouped as in the sidebar. New sections are added here. */
const NAVIGATION: { label: string; items: NavItem[] }[] = [
  {
    label: "Overview",
    items: [
      {
        href: "/dashboard",
        label: "Dashboard",
        icon: <DashboardIcon />,
        permission: "profiles:read",
      },
    ],
  },
  {
    label: "Customers",
    items: [
      { href: "/profiles", label: "Profiles", icon: <UsersIcon />, permission: "profiles:read" },
      { href: "/segments", label: "Segments", icon: <SegmentIcon />, permission: "segments:read" },
      {
        href: "/duplicates",
        label: "Duplicates",
        icon: <MergeIcon />,
        permission: "profiles:read",
      },
      { href: "/imports", label: "Imports", icon: <UploadIcon />, permission: "profiles:write" },
      {
        href: "/mappings",
        label: "Mappings",
        icon: <MappingIcon />,
        permission: "profiles:read",
      },
    ],
  },
  {
    label: "Governance",
    items: [
      {
        href: "/consent-types",
        label: "Consent types",
        icon: <ConsentIcon />,
        permission: "profiles:read",
      },
      { href: "/audit", label: "Audit log", icon: <AuditIcon />, permission: "profiles:read" },
    ],
  },
  {
    label: "Administration",
    items: [
      { href: "/users", label: "Staff", icon: <StaffIcon />, permission: "admin" },
      { href: "/tokens", label: "Service tokens", icon: <KeyIcon />, permission: "admin" },
    ],
  },
];

/** Sidebar (brand, the sections the signed-in role may use, the user menu) beside the page. */
export function AppShell({ staff, children }: { staff: StaffUser; children: ReactNode }) {
  const principal = staffPrincipal(staff);
  const sections = NAVIGATION.map((s) => ({
    ...s,
    items: s.items.filter((i) => can(principal, i.permission)),
  })).filter((s) => s.items.length > 0);

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
            <div className="flex-1 leading-tight">
              <div className="text-sm font-semibold">Profiles CDP</div>
              <div className="text-xs text-muted-foreground">Staff console</div>
            </div>
            <div className="md:hidden">
              <UserMenu name={staff.name} email={staff.email} role={staff.role} compact />
            </div>
          </div>
          <nav aria-label="Main" className="px-3 pb-3 md:flex-1 md:pt-2">
            {sections.map((section) => (
              <div key={section.label} className="md:mb-4 md:last:mb-0">
                <div className="mb-1 hidden px-2.5 text-[11px] font-medium uppercase tracking-wider text-muted-foreground md:block">
                  {section.label}
                </div>
                <ul className="flex gap-1 md:flex-col">
                  {section.items.map((item) => (
                    <li key={item.href}>
                      <NavLink href={item.href} icon={item.icon}>
                        {item.label}
                      </NavLink>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </nav>
          <div className="hidden border-t p-2 md:block">
            <UserMenu name={staff.name} email={staff.email} role={staff.role} />
          </div>
        </div>
      </aside>
      <main id="main" tabIndex={-1} className="min-w-0 flex-1 outline-none">
        {children}
      </main>
    </div>
  );
}
