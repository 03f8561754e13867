"use server";

import type { RouterInputs } from "@cdp/api";

import { apiRefusal, serverApi } from "@/server/api";

export type ExportPageInput = RouterInputs["profile"]["exportPage"];

export type ExportPageResult =
  | { ok: true; chunk: string; rows: number; nextCursor: string | null; total: number | null }
  | { ok: false; message: string };

/**
 * One page of a bulk export, as the signed-in staff member (masked as the API masks it). The
 * browser asks page by page, so it can show progress and keep what it has if a page fails.
 */
export async function exportProfilesPage(input: ExportPageInput): Promise<ExportPageResult> {
  const api = await serverApi();
  try {
    const page = await api.profile.exportPage(input);
    return {
      ok: true,
      chunk: page.chunk,
      rows: page.rows,
      nextCursor: page.nextCursor,
      total: page.total ?? null,
    };
  } catch (error) {
    const refused = apiRefusal(error);
    if (!refused) throw error;
    return {
      ok: false,
      message: refused.code === "FORBIDDEN" ? "Your role cannot export profiles." : refused.message,
    };
  }
}
