"use client";

import { useEffect, useState } from "react";
import type { Condition, ConsentPurpose } from "@cdp/profile-schema";

import { fetchSegmentPreview } from "./preview-client";
import type { PreviewResult, SegmentPreview, SegmentPreviewInput } from "./preview-client";

/** How long the condition must stay unchanged before it is sent (typing stays cheap). */
export const PREVIEW_DEBOUNCE_MS = 300;

export interface PreviewState {
  /** A request is waiting or running for the current input. */
  loading: boolean;
  /** The answer to the latest finished request (null before the first, or with no condition). */
  result: PreviewResult | null;
  /** The latest successful answer, kept while a newer one loads or fails. */
  lastOk: SegmentPreview | null;
}

const IDLE: PreviewState = { loading: false, result: null, lastOk: null };

/**
 * The live preview of a condition: asked again ~300 ms after the condition, purpose or explained
 * profile stops changing; a request still running when they change is aborted, so an old answer
 * never replaces a newer one. Null condition: nothing is asked.
 */
export function useSegmentPreview(
  condition: Condition | null,
  purpose: ConsentPurpose | null,
  profileId: string | null,
): PreviewState {
  const [state, setState] = useState<PreviewState>(IDLE);
  // One string stands for the request, so an equal condition rebuilt by a render asks nothing.
  const request = condition
    ? JSON.stringify({ condition, purpose, profileId: profileId ?? undefined })
    : null;

  useEffect(() => {
    if (request === null) {
      setState(IDLE);
      return;
    }
    setState((s) => ({ ...s, loading: true }));
    const controller = new AbortController();
    const timer = setTimeout(() => {
      fetchSegmentPreview(JSON.parse(request) as SegmentPreviewInput, controller.signal)
        .then((result) => {
          if (controller.signal.aborted) return;
          setState((s) => ({
            loading: false,
            result,
            lastOk: result.ok ? result.value : s.lastOk,
          }));
        })
        .catch(() => {
          // Aborted: a newer request owns the state.
        });
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [request]);

  return state;
}
