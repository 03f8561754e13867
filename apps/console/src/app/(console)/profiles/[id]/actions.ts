"use server";

import type { FieldError, RouterInputs } from "@cdp/api";

import { apiRefusal, serverApi } from "@/server/api";

export type RevealInput = RouterInputs["privacy"]["reveal"];

export type RevealResult =
  | { ok: true; values: Record<string, unknown> }
  | { ok: false; message: string; fieldErrors: FieldError[] };

/**
 * Reveals masked personal data of one profile, as the signed-in staff member. The API checks the
 * role, the fields and the reason, and writes the audit row; refusals come back as messages.
 */
export async function revealProfileFields(input: RevealInput): Promise<RevealResult> {
  const api = await serverApi();
  try {
    const { values } = await api.privacy.reveal(input);
    return { ok: true, values };
  } catch (error) {
    const refused = apiRefusal(error);
    if (!refused) throw error;
    const message =
      refused.code === "FORBIDDEN"
        ? "Your role cannot reveal personal data. Privacy officers and admins can."
        : refused.code === "NOT_FOUND"
          ? "This profile no longer exists: it may have been merged or erased."
          : refused.message;
    return { ok: false, message, fieldErrors: refused.fieldErrors };
  }
}
