"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import type { Role } from "@cdp/api";
import {
  Badge,
  cn,
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuGroup,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@cdp/ui";

import { initialsOf } from "@/lib/profile";
import { LOGIN_PATH } from "@/lib/next-path";
import { ROLE_LABELS, ROLE_SUMMARIES } from "@/lib/roles";
import { ChevronsUpDownIcon, LogOutIcon } from "@/components/icons";
import { ThemeMenuItems } from "./theme-menu";

/** The role as a small badge; the colour tells at a glance who may see personal data. */
export function RoleBadge({ role, className }: { role: Role; className?: string }) {
  return (
    <Badge
      variant={role === "viewer" || role === "editor" ? "muted" : "outline"}
      data-testid="role-badge"
      className={cn(
        "px-1.5 py-0 text-[11px]",
        role === "privacy" &&
          "border-violet-600/20 bg-violet-50 text-violet-700 dark:border-violet-400/25 dark:bg-violet-400/10 dark:text-violet-300",
        role === "admin" &&
          "border-amber-600/25 bg-amber-50 text-amber-800 dark:border-amber-400/25 dark:bg-amber-400/10 dark:text-amber-200",
        className,
      )}
    >
      {ROLE_LABELS[role]}
    </Badge>
  );
}

/** Who is signed in (name, email, role), the theme, and sign out. */
export function UserMenu({
  name,
  email,
  role,
  compact = false,
}: {
  name: string;
  email: string;
  role: Role;
  /** Only the avatar (narrow screens). */
  compact?: boolean;
}) {
  const router = useRouter();
  const [signingOut, setSigningOut] = useState(false);

  async function signOut() {
    setSigningOut(true);
    try {
      const response = await fetch("/api/auth/sign-out", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      if (!response.ok) throw new Error(`sign-out answered ${response.status}`);
      router.replace(LOGIN_PATH);
      router.refresh();
      toast.success("Signed out");
    } catch {
      setSigningOut(false);
      toast.error("Could not sign out", { description: "Check the connection and try again." });
    }
  }

  const initials = initialsOf(name) ?? "?";
  return (
    <DropdownMenu>
      <DropdownMenuTrigger
        // Named by its visible text where it shows the name; by this label where it is an avatar.
        aria-label={compact ? `Account: ${name}` : undefined}
        className={cn(
          "flex items-center gap-2.5 rounded-md text-left outline-none hover:bg-accent focus-visible:ring-[3px] focus-visible:ring-ring/50 data-[state=open]:bg-accent",
          compact ? "p-1" : "w-full px-2 py-1.5",
        )}
      >
        <span
          aria-hidden="true"
          className="inline-flex size-8 shrink-0 items-center justify-center rounded-full bg-primary text-xs font-semibold text-primary-foreground"
        >
          {initials}
        </span>
        {compact ? null : (
          <>
            <span className="min-w-0 flex-1 leading-tight">
              <span className="sr-only">Account: </span>
              <span className="block truncate text-sm font-medium" data-testid="user-name">
                {name}
              </span>
              <span className="mt-0.5 block">
                <RoleBadge role={role} />
              </span>
            </span>
            <ChevronsUpDownIcon className="size-4 shrink-0 text-muted-foreground" />
          </>
        )}
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" side={compact ? "bottom" : "top"} className="w-64">
        <DropdownMenuLabel className="font-normal">
          <div className="flex items-center justify-between gap-2">
            <span className="truncate text-sm font-medium">{name}</span>
            <RoleBadge role={role} />
          </div>
          <div className="mt-0.5 truncate text-xs text-muted-foreground">{email}</div>
          <p className="mt-2 text-xs leading-snug text-muted-foreground">{ROLE_SUMMARIES[role]}</p>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuGroup>
          <ThemeMenuItems />
        </DropdownMenuGroup>
        <DropdownMenuSeparator />
        <DropdownMenuItem
          disabled={signingOut}
          onSelect={(event) => {
            // Keep the menu open while signing out, so a failure is seen where it was asked for.
            event.preventDefault();
            void signOut();
          }}
        >
          <LogOutIcon />
          {signingOut ? "Signing out…" : "Sign out"}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
