import type { ReactNode } from "react";

import { AppShell } from "@/components/app-shell";
import { requireStaff } from "@/server/auth";

/** Every console page: signed-in staff only, inside the sidebar shell. */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const staff = await requireStaff();
  return <AppShell staff={staff}>{children}</AppShell>;
}
