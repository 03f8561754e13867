import type { ReactNode } from "react";
import { NuqsAdapter } from "nuqs/adapters/next/app";

/** The profiles screens keep their table state in the URL (nuqs). */
export default function ProfilesLayout({ children }: { children: ReactNode }) {
  return <NuqsAdapter>{children}</NuqsAdapter>;
}
