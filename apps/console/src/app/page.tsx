import { redirect } from "next/navigation";

import { HOME_PATH } from "@/lib/next-path";

/** The console opens on the dashboard (every staff role may read it). */
export default function Home(): never {
  redirect(HOME_PATH);
}
