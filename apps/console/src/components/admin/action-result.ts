import type { FieldError } from "@cdp/api";

import { apiRefusal } from "@/server/api";

/** What a server action of the admin pages answers: the value, or why the API refused. */
export type ActionResult<T> =
  { ok: true; value: T } | { ok: false; code: string; message: string; fieldErrors: FieldError[] };

/**
 * Runs an API call for a server action: its value, or the refusal as a message and field errors
 * (`messages` rewords codes for people, e.g. FORBIDDEN). Failures that are not refusals (the
 * database is down) are thrown, for the page's error boundary.
 */
export async function attempt<T>(
  call: () => Promise<T>,
  messages: Partial<Record<string, string>> = {},
): Promise<ActionResult<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    const refused = apiRefusal(error);
    if (!refused) throw error;
    return {
      ok: false,
      code: refused.code,
      message: messages[refused.code] ?? refused.message,
      fieldErrors: refused.fieldErrors,
    };
  }
}
