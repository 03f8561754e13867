"use server";

import { revalidatePath } from "next/cache";
import type { RouterInputs, RouterOutputs } from "@cdp/api";

import { attempt } from "@/components/admin/action-result";
import type { ActionResult } from "@/components/admin/action-result";
import { serverApi } from "@/server/api";

type ConsentType = RouterOutputs["consent"]["types"]["get"];

const MESSAGES = {
  FORBIDDEN: "Your role cannot change consent types. Admins can.",
  NOT_FOUND: "This consent type no longer exists. Reload the page.",
};

/** Adds a consent type to the catalogue (admins); the API validates and audits it. */
export async function createConsentType(
  input: RouterInputs["consent"]["types"]["create"],
): Promise<ActionResult<ConsentType>> {
  const api = await serverApi();
  const result = await attempt(() => api.consent.types.create(input), MESSAGES);
  if (result.ok) revalidatePath("/consent-types");
  return result;
}

/** Changes a consent type (any field but its id). */
export async function updateConsentType(
  input: RouterInputs["consent"]["types"]["update"],
): Promise<ActionResult<ConsentType>> {
  const api = await serverApi();
  const result = await attempt(() => api.consent.types.update(input), MESSAGES);
  if (result.ok) revalidatePath("/consent-types");
  return result;
}

/** Archives a type (no new grants or denials) or restores an archived one. */
export async function setConsentTypeArchived(
  id: string,
  archived: boolean,
): Promise<ActionResult<ConsentType>> {
  const api = await serverApi();
  const result = await attempt(
    () => (archived ? api.consent.types.archive({ id }) : api.consent.types.restore({ id })),
    MESSAGES,
  );
  if (result.ok) revalidatePath("/consent-types");
  return result;
}
