"use server";

import { revalidatePath } from "next/cache";
import type { RouterInputs, RouterOutputs } from "@cdp/api";

import { attempt } from "@/components/admin/action-result";
import type { ActionResult } from "@/components/admin/action-result";
import { serverApi } from "@/server/api";

export type ImportJob = RouterOutputs["profile"]["importStatus"];

const MESSAGES = {
  FORBIDDEN: "Your role cannot import profiles. Editors and admins can.",
  NOT_FOUND: "This import job no longer exists.",
};

/** Starts an import job for the file; its progress is followed on the job's page. */
export async function submitImport(
  input: RouterInputs["profile"]["import"],
): Promise<ActionResult<{ jobId: string }>> {
  const api = await serverApi();
  const result = await attempt(() => api.profile.import(input), MESSAGES);
  if (result.ok) revalidatePath("/imports");
  return result;
}

/** Starts a chunked upload (a file larger than one part); its parts follow. */
export async function beginImportUpload(
  input: RouterInputs["profile"]["importBegin"],
): Promise<ActionResult<{ jobId: string }>> {
  const api = await serverApi();
  return attempt(() => api.profile.importBegin(input), MESSAGES);
}

/** Sends the next part of a chunked upload; answers what the upload holds so far. */
export async function uploadImportPart(
  input: RouterInputs["profile"]["importPart"],
): Promise<ActionResult<RouterOutputs["profile"]["importPart"]>> {
  const api = await serverApi();
  return attempt(() => api.profile.importPart(input), MESSAGES);
}

/** Ends a chunked upload and starts its job. */
export async function commitImportUpload(
  input: RouterInputs["profile"]["importCommit"],
): Promise<ActionResult<{ jobId: string }>> {
  const api = await serverApi();
  const result = await attempt(() => api.profile.importCommit(input), MESSAGES);
  if (result.ok) revalidatePath("/imports");
  return result;
}

/** A job's progress, counts and first row errors (polled while it runs). */
export async function importJobStatus(jobId: string): Promise<ActionResult<ImportJob>> {
  const api = await serverApi();
  return attempt(() => api.profile.importStatus({ jobId }), MESSAGES);
}

/** Stops a job after the batch in flight (rows already stored stay); an upload's parts are dropped. */
export async function cancelImportJob(jobId: string): Promise<ActionResult<ImportJob>> {
  const api = await serverApi();
  const result = await attempt(() => api.profile.importCancel({ jobId }), MESSAGES);
  if (result.ok) revalidatePath("/imports");
  return result;
}
