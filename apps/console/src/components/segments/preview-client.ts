import type { FieldError, RouterInputs, RouterOutputs } from "@cdp/api";

import { previewSegment } from "@/app/(console)/segments/actions";

export type SegmentPreviewInput = RouterInputs["segment"]["preview"];
export type SegmentPreview = RouterOutputs["segment"]["preview"];
export type ConditionExplanation = NonNullable<SegmentPreview["explanation"]>["explanation"];

export type PreviewResult =
  { ok: true; value: SegmentPreview } | { ok: false; message: string; fieldErrors: FieldError[] };

// Well under the request-line limits of Node (16 KB of headers) and common proxies (8 KB).
const MAX_URL = 6000;

/**
 * A condition too long for a URL goes through the server action instead: it cannot be aborted,
 * so an answer arriving after `signal` aborted is dropped (rejected like an aborted fetch).
 */
async function previewByAction(
  input: SegmentPreviewInput,
  signal: AbortSignal,
): Promise<PreviewResult> {
  let result: Awaited<ReturnType<typeof previewSegment>>;
  try {
    result = await previewSegment(input);
  } catch {
    result = {
      ok: false,
      code: "NETWORK",
      message: "The console could not reach the server.",
      fieldErrors: [],
    };
  }
  signal.throwIfAborted();
  return result.ok
    ? { ok: true, value: result.value }
    : { ok: false, message: result.message, fieldErrors: result.fieldErrors };
}

interface TrpcErrorBody {
  error?: { message?: unknown; data?: { code?: unknown; fieldErrors?: FieldError[] | null } };
}

/**
 * Asks the console's API (`/api/trpc`, as the signed-in member's session) what a condition selects
 * now. Called from the browser rather than through a server action because server actions run one
 * at a time per page: a preview that follows typing must be able to abort the stale request
 * (`signal`) instead of queueing behind it. An abort rejects with the signal's AbortError.
 * (Conditions too long for a URL take the server action; tRPC queries are GET requests.)
 */
export async function fetchSegmentPreview(
  input: SegmentPreviewInput,
  signal: AbortSignal,
): Promise<PreviewResult> {
  const url = `/api/trpc/segment.preview?input=${encodeURIComponent(JSON.stringify(input))}`;
  if (url.length > MAX_URL) return previewByAction(input, signal);
  let response: Response;
  try {
    response = await fetch(url, {
      signal,
      headers: { accept: "application/json" },
      cache: "no-store",
    });
  } catch (error) {
    if (signal.aborted) throw error;
    return { ok: false, message: "The console could not reach the server.", fieldErrors: [] };
  }
  let body: { result?: { data?: SegmentPreview } } & TrpcErrorBody;
  try {
    body = (await response.json()) as typeof body;
  } catch (error) {
    if (signal.aborted) throw error;
    return {
      ok: false,
      message: `The server answered ${response.status} without a readable body.`,
      fieldErrors: [],
    };
  }
  if (response.ok && body.result?.data) return { ok: true, value: body.result.data };
  if (response.status === 401) {
    return {
      ok: false,
      message: "Your session has ended. Sign in again to see the preview.",
      fieldErrors: [],
    };
  }
  const message = typeof body.error?.message === "string" ? body.error.message : null;
  return {
    ok: false,
    message: message ?? `The preview failed (${response.status}).`,
    fieldErrors: body.error?.data?.fieldErrors ?? [],
  };
}
