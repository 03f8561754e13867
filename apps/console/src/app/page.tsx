import { redirect } from "next/navigation";

/** The console opens on the profiles list. */
export default function Home(): never {
  redirect("/profiles");
}
