"use server";

import type { FieldError, RouterInputs, RouterOutputs } from "@cdp/api";

import { valueAtPath } from "@/components/profiles/sections";
import { formatValue } from "@/lib/profile";
import { apiRefusal, serverApi } from "@/server/api";

export type RevealInput = RouterInputs["privacy"]["reveal"];

export type RevealResult =
  | { ok: true; values: Record<string, unknown> }
  | { ok: false; message: string; fieldErrors: FieldError[] };

/** A refusal a form can show: the message, and field errors by path. */
export type Refused = { ok: false; code: string; message: string; fieldErrors: FieldError[] };

/** What a domain error said beyond its message (`paths` of an unmerge conflict, …). */
function detailsOf(error: unknown): Record<string, unknown> {
  const details = (error as { cause?: { details?: unknown } } | null)?.cause?.details;
  return details !== null && typeof details === "object"
    ? (details as Record<string, unknown>)
    : {};
}

/** A refused call as a form shows it; anything else (a fault) goes to the error page. */
function refusal(error: unknown, messages: Partial<Record<string, string>> = {}): Refused {
  const refused = apiRefusal(error);
  if (!refused) throw error;
  return {
    ok: false,
    code: refused.code,
    message: messages[refused.code] ?? refused.message,
    fieldErrors: refused.fieldErrors,
  };
}

const GONE = "This profile no longer exists: it may have been merged or erased.";

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
    const refused = refusal(error, {
      FORBIDDEN: "Your role cannot reveal personal data. Privacy officers and admins can.",
      NOT_FOUND: GONE,
    });
    return { ok: false, message: refused.message, fieldErrors: refused.fieldErrors };
  }
}

// ---------------------------------------------------------------------------------------------
// Editing
// ---------------------------------------------------------------------------------------------

export type SaveInput = RouterInputs["profile"]["update"] & {
  /** The paths the form edits: on a conflict, their current values come back. */
  paths: string[];
};

export type SaveResult =
  | { ok: true; version: number; changed: string[] }
  | {
      ok: false;
      code: "CONFLICT";
      message: string;
      /** The version to save at if the person re-applies their changes. */
      version: number;
      /** The edited fields as they are now (masked as the API gives them), by path. */
      theirs: Record<string, string>;
      /** When each edited field last changed, by path (to tell which ones they changed). */
      stamps: Record<string, string | null>;
    }
  | Refused;

/**
 * Saves a merge patch at the version the form was read at. A stale version (someone saved in
 * between) comes back with the edited fields' current values, so the person can review and
 * re-apply; the patch's field errors come back by path (without the `patch.` prefix).
 */
export async function saveProfileFields(input: SaveInput): Promise<SaveResult> {
  const api = await serverApi();
  const { paths, ...update } = input;
  try {
    const saved = await api.profile.update(update);
    return { ok: true, version: saved.version, changed: saved.changed };
  } catch (error) {
    const refused = refusal(error, {
      FORBIDDEN:
        apiRefusal(error)?.message.includes("permission") === true
          ? "Your role cannot edit profiles. Editors and admins can."
          : undefined,
      NOT_FOUND: GONE,
    });
    if (refused.code !== "CONFLICT") {
      return {
        ...refused,
        fieldErrors: refused.fieldErrors.map((e) => ({
          path: e.path.replace(/^patch\./, ""),
          message: e.message,
        })),
      };
    }
    const current = await api.profile.get({ id: update.id });
    return {
      ok: false,
      code: "CONFLICT",
      message: refused.message,
      version: current.version,
      theirs: Object.fromEntries(
        paths.map((p) => [p, formatValue(valueAtPath(current.profile, p))]),
      ),
      stamps: Object.fromEntries(
        paths.map((p) => [p, current.profile.metadata.fields[p]?.[0] ?? null]),
      ),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Consents
// ---------------------------------------------------------------------------------------------

export type ConsentResult = { ok: true } | Refused;

const CONSENT_MESSAGES = {
  FORBIDDEN: "Your role cannot change consents. Editors and admins can.",
  NOT_FOUND: GONE,
};

/** Records a grant with its legal basis (consents:write). */
export async function grantConsent(
  input: RouterInputs["consent"]["grant"],
): Promise<ConsentResult> {
  const api = await serverApi();
  try {
    await api.consent.grant(input);
    return { ok: true };
  } catch (error) {
    return refusal(error, CONSENT_MESSAGES);
  }
}

/** Withdraws a consent in effect (consents:write). */
export async function revokeConsent(
  input: RouterInputs["consent"]["revoke"],
): Promise<ConsentResult> {
  const api = await serverApi();
  try {
    await api.consent.revoke(input);
    return { ok: true };
  } catch (error) {
    return refusal(error, CONSENT_MESSAGES);
  }
}

// ---------------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------------

export type MergePreview = RouterOutputs["profile"]["merge"];

export type MergeResult = { ok: true; merge: MergePreview } | Refused;

/**
 * Merges `from` into `into`, or with `dryRun` only says what the merge would decide (values
 * masked as the API masks them).
 */
export async function mergeProfiles(input: RouterInputs["profile"]["merge"]): Promise<MergeResult> {
  const api = await serverApi();
  try {
    return { ok: true, merge: await api.profile.merge(input) };
  } catch (error) {
    return refusal(error, {
      FORBIDDEN: "Your role cannot merge profiles. Editors and admins can.",
    });
  }
}

export type UnmergeResult = { ok: true; restored: string[] } | (Refused & { paths: string[] });

/** Undoes a merge while the fields it decided are unchanged since; else names those fields. */
export async function undoMerge(mergeId: string): Promise<UnmergeResult> {
  const api = await serverApi();
  try {
    const undone = await api.profile.unmerge({ mergeId });
    return { ok: true, restored: undone.restored.map((r) => r.profile.id) };
  } catch (error) {
    const paths = detailsOf(error)["paths"];
    return {
      ...refusal(error, { FORBIDDEN: "Your role cannot undo merges. Editors and admins can." }),
      paths: Array.isArray(paths) ? paths.filter((p): p is string => typeof p === "string") : [],
    };
  }
}
