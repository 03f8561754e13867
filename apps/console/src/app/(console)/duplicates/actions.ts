"use server";

import { revalidatePath } from "next/cache";
import { fieldByPath, piiPaths } from "@cdp/profile-schema";
import type { MergeStrategy } from "@cdp/profile-schema";

import { attempt } from "@/components/admin/action-result";
import type { ActionResult } from "@/components/admin/action-result";
import { sectionOf } from "@/lib/profile";
import { serverApi } from "@/server/api";

/** One path where the profiles disagree, as the merge would settle it (masked as the API gives). */
export interface MergeDiffRow {
  path: string;
  label: string;
  section: string;
  strategy: MergeStrategy;
  /** The profile whose value wins (the survivor for sums and unions, which take from all). */
  winner: string;
  /** The merged value. */
  value: unknown;
  /** Each profile's value, by profile id. */
  values: Record<string, unknown>;
  /** Personal data: values are masked unless the caller may see them. */
  pii: boolean;
}

export interface MergePlan {
  into: string;
  from: string[];
  decisions: MergeDiffRow[];
}

const MESSAGES = {
  FORBIDDEN: "Your role cannot merge profiles. Editors and admins can.",
  NOT_FOUND:
    "One of these profiles no longer exists: it may have been merged or erased. Reload the page.",
};

const isPii = (path: string) =>
  fieldByPath(path)?.pii === true || piiPaths.some((p) => path.startsWith(`${p}.`));

/** What merging `from` into `into` would do, path by path, without writing (a dry run). */
export async function previewMerge(input: {
  into: string;
  from: string[];
}): Promise<ActionResult<MergePlan>> {
  const api = await serverApi();
  const result = await attempt(
    () => api.profile.merge({ into: input.into, from: input.from, dryRun: true }),
    MESSAGES,
  );
  if (!result.ok) return result;
  return {
    ok: true,
    value: {
      into: result.value.into,
      from: result.value.from,
      decisions: result.value.decisions.map((d) => ({
        path: d.path,
        label: fieldByPath(d.path)?.label ?? d.path,
        section: sectionOf(d.path),
        strategy: d.strategy,
        winner: d.winner,
        value: d.value,
        values: Object.fromEntries((d.values ?? []).map((v) => [v.profileId, v.value])),
        pii: isPii(d.path),
      })),
    },
  };
}

/** Merges `from` into `into` (recorded, undoable from the survivor's page). */
export async function mergeProfiles(input: {
  into: string;
  from: string[];
  reason: string | null;
}): Promise<ActionResult<{ mergeId: string | null; into: string; merged: number }>> {
  const api = await serverApi();
  const result = await attempt(
    () =>
      api.profile.merge({
        into: input.into,
        from: input.from,
        reason: input.reason,
        dryRun: false,
      }),
    MESSAGES,
  );
  if (!result.ok) return result;
  revalidatePath("/duplicates");
  return {
    ok: true,
    value: {
      mergeId: result.value.mergeId,
      into: result.value.into,
      merged: result.value.from.length,
    },
  };
}
