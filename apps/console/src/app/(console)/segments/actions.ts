"use server";

import { can } from "@cdp/api";
import type { RouterInputs, RouterOutputs } from "@cdp/api";

import { attempt } from "@/components/admin/action-result";
import type { ActionResult } from "@/components/admin/action-result";
import { currentPrincipal, isApiError, serverApi } from "@/server/api";

/*
 * Every segments page renders per request, so nothing here revalidates a path: a client that
 * stays on a page after a change calls router.refresh(), one that moves on navigates.
 */

export type SegmentWithSize = RouterOutputs["segment"]["get"];
export type SavedView = RouterOutputs["view"]["list"][number];

const SEGMENT_MESSAGES = {
  FORBIDDEN: "Your role cannot change segments. Editors and admins can.",
  NOT_FOUND: "This segment no longer exists. It may have been deleted meanwhile.",
};

const VIEW_MESSAGES = {
  NOT_FOUND: "This view no longer exists, or is no longer shared with you.",
};

/** Adds a segment; the API checks the definition (unknown fields, cycles) and computes members. */
export async function createSegment(
  input: RouterInputs["segment"]["create"],
): Promise<ActionResult<SegmentWithSize>> {
  const api = await serverApi();
  const result = await attempt(() => api.segment.create(input), SEGMENT_MESSAGES);
  return result;
}

/** What saving a changed segment answers: on a stale version, also the segment as it is now. */
export type UpdateSegmentResult =
  | ActionResult<SegmentWithSize>
  | {
      ok: false;
      code: "CONFLICT";
      message: string;
      fieldErrors: [];
      /** The segment as someone else saved it, to compare and decide. */
      current: SegmentWithSize;
    };

/** Changes a segment at the version the editor read; a stale version answers the current one. */
export async function updateSegment(
  input: RouterInputs["segment"]["update"],
): Promise<UpdateSegmentResult> {
  const api = await serverApi();
  const result = await attempt(() => api.segment.update(input), SEGMENT_MESSAGES);
  if (result.ok) return result;
  if (result.code === "CONFLICT" && result.fieldErrors.some((e) => e.path === "version")) {
    try {
      const current = await api.segment.get({ id: input.id });
      return { ok: false, code: "CONFLICT", message: result.message, fieldErrors: [], current };
    } catch (error) {
      if (!isApiError(error, "NOT_FOUND")) throw error;
      return { ...result, code: "NOT_FOUND", message: SEGMENT_MESSAGES.NOT_FOUND };
    }
  }
  return result;
}

/** Deletes a segment (refused while another segment refers to it); its members exit. */
export async function deleteSegment(input: {
  id: string;
  version: number;
}): Promise<ActionResult<{ id: string; exited: number }>> {
  const api = await serverApi();
  const result = await attempt(() => api.segment.delete(input), SEGMENT_MESSAGES);
  return result;
}

/** Re-evaluates a segment (and those referring to it) for every profile now. */
export async function refreshSegment(
  id: string,
): Promise<ActionResult<{ entered: number; exited: number; profiles: number }>> {
  const api = await serverApi();
  const result = await attempt(() => api.segment.refresh({ ids: [id] }), SEGMENT_MESSAGES);
  if (!result.ok) return result;
  const counts = result.value.changes[id] ?? { entered: 0, exited: 0 };
  return { ok: true, value: { ...counts, profiles: result.value.profiles } };
}

/**
 * What a condition selects now (see segment.preview). The builder asks the HTTP API directly so it
 * can abort stale requests; this is its fallback for a condition too long for a GET URL.
 */
export async function previewSegment(
  input: RouterInputs["segment"]["preview"],
): Promise<ActionResult<RouterOutputs["segment"]["preview"]>> {
  const api = await serverApi();
  return attempt(() => api.segment.preview(input), SEGMENT_MESSAGES);
}

export type SegmentExportInput = RouterInputs["segment"]["export"];

/**
 * One page of a segment's members as CSV or NDJSON (masked as the API masks it). The browser asks
 * page by page, so it shows progress and keeps what it has when a page fails.
 */
export async function exportSegmentPage(
  input: SegmentExportInput,
): Promise<
  ActionResult<{ chunk: string; rows: number; nextCursor: string | null; total: number | null }>
> {
  const api = await serverApi();
  const result = await attempt(() => api.segment.export(input), {
    ...SEGMENT_MESSAGES,
    FORBIDDEN: "Your role cannot export segment members.",
  });
  if (!result.ok) return result;
  const page = result.value;
  return {
    ok: true,
    value: {
      chunk: page.chunk,
      rows: page.rows,
      nextCursor: page.nextCursor,
      total: page.total ?? null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Saved views of the profiles table
// ---------------------------------------------------------------------------------------------

/** Who is looking at saved views: which are theirs, and what they may do with them. */
export interface ViewViewer {
  /** The owner id their own views carry (`staff:<id>`). */
  ownerId: string;
  /** Admins change anyone's visible views. */
  isAdmin: boolean;
  /** Making a segment of a view needs `segments:write`. */
  canPromote: boolean;
}

/** The viewer of saved views as the signed-in member. */
export async function viewViewer(): Promise<ViewViewer> {
  const principal = await currentPrincipal();
  return {
    ownerId: `${principal.kind}:${principal.id}`,
    isAdmin: can(principal, "admin"),
    canPromote: can(principal, "segments:write"),
  };
}

/** The signed-in member's views and every shared one, by name, and what they may do with them. */
export async function listSavedViews(): Promise<
  ActionResult<{ views: SavedView[]; viewer: ViewViewer }>
> {
  const [api, viewer] = await Promise.all([serverApi(), viewViewer()]);
  const result = await attempt(() => api.view.list(), VIEW_MESSAGES);
  return result.ok ? { ok: true, value: { views: result.value, viewer } } : result;
}

/** Saves the profiles table's query and columns as a view (private unless shared). */
export async function createSavedView(
  input: RouterInputs["view"]["create"],
): Promise<ActionResult<SavedView>> {
  const api = await serverApi();
  const result = await attempt(() => api.view.create(input), VIEW_MESSAGES);
  return result;
}

/** Renames, shares or unshares a view, or replaces what it remembers (its owner, or an admin). */
export async function updateSavedView(
  input: RouterInputs["view"]["update"],
): Promise<ActionResult<SavedView>> {
  const api = await serverApi();
  const result = await attempt(() => api.view.update(input), VIEW_MESSAGES);
  return result;
}

/** Deletes a view (its owner, or an admin). */
export async function deleteSavedView(id: string): Promise<ActionResult<{ id: string }>> {
  const api = await serverApi();
  const result = await attempt(async () => {
    await api.view.delete({ id });
    return { id };
  }, VIEW_MESSAGES);
  return result;
}

/** Makes a segment of a view's condition (editors and admins). */
export async function promoteSavedView(
  input: RouterInputs["view"]["promote"],
): Promise<ActionResult<SegmentWithSize>> {
  const api = await serverApi();
  const result = await attempt(() => api.view.promote(input), {
    ...VIEW_MESSAGES,
    FORBIDDEN: "Your role cannot create segments. Editors and admins can.",
  });
  return result;
}
