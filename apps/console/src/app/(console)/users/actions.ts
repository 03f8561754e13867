"use server";

import { revalidatePath } from "next/cache";
import type { RouterInputs, RouterOutputs } from "@cdp/api";

import { attempt } from "@/components/admin/action-result";
import type { ActionResult } from "@/components/admin/action-result";
import { serverApi } from "@/server/api";

type StaffUser = Pick<RouterOutputs["user"]["create"], "id" | "name" | "email" | "role" | "banned">;
/** What the page needs of an account (Dates do not cross to the browser as Dates). */
export interface StaffSummary {
  id: string;
  name: string;
  email: string;
  role: StaffUser["role"];
  disabled: boolean;
}

const MESSAGES = {
  FORBIDDEN: "Only admins manage staff accounts.",
  NOT_FOUND: "This staff account no longer exists. Reload the page.",
};

const summary = (u: StaffUser): StaffSummary => ({
  id: u.id,
  name: u.name,
  email: u.email,
  role: u.role,
  disabled: u.banned,
});

async function run(call: () => Promise<StaffUser>): Promise<ActionResult<StaffSummary>> {
  const result = await attempt(call, MESSAGES);
  if (!result.ok) return result;
  revalidatePath("/users");
  return { ok: true, value: summary(result.value) };
}

/** Adds a staff account with a password and a role. */
export async function createStaffAccount(
  input: RouterInputs["user"]["create"],
): Promise<ActionResult<StaffSummary>> {
  const api = await serverApi();
  return run(() => api.user.create(input));
}

/** Gives a staff member another role; their open sessions pick it up on the next request. */
export async function setStaffRole(
  input: RouterInputs["user"]["setRole"],
): Promise<ActionResult<StaffSummary>> {
  const api = await serverApi();
  return run(() => api.user.setRole(input));
}

/** Blocks (and signs out) or unblocks a staff member. */
export async function setStaffDisabled(
  input: RouterInputs["user"]["setDisabled"],
): Promise<ActionResult<StaffSummary>> {
  const api = await serverApi();
  return run(() => api.user.setDisabled(input));
}
