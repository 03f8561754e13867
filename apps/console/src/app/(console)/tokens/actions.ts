"use server";

import { revalidatePath } from "next/cache";
import type { RouterInputs } from "@cdp/api";

import { attempt } from "@/components/admin/action-result";
import type { ActionResult } from "@/components/admin/action-result";
import { serverApi } from "@/server/api";

const MESSAGES = {
  FORBIDDEN: "Only admins manage service tokens.",
  NOT_FOUND: "This token no longer exists. Reload the page.",
};

/**
 * Creates a service token. The secret is in this answer only: the console shows it once and
 * keeps it nowhere.
 */
export async function createToken(
  input: RouterInputs["token"]["create"],
): Promise<ActionResult<{ id: string; name: string; secret: string }>> {
  const api = await serverApi();
  const result = await attempt(() => api.token.create(input), MESSAGES);
  if (!result.ok) return result;
  revalidatePath("/tokens");
  return {
    ok: true,
    value: {
      id: result.value.token.id,
      name: result.value.token.name,
      secret: result.value.secret,
    },
  };
}

/** Revokes a token: calls with it are refused from now on. */
export async function revokeToken(id: string): Promise<ActionResult<{ name: string }>> {
  const api = await serverApi();
  const result = await attempt(() => api.token.revoke({ id }), MESSAGES);
  if (!result.ok) return result;
  revalidatePath("/tokens");
  return { ok: true, value: { name: result.value.name } };
}
