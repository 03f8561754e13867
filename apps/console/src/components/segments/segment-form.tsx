"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useState } from "react";
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { describeCondition } from "@cdp/profile-schema";
import type { Condition } from "@cdp/profile-schema";
import { Alert, AlertDescription, AlertTitle, Button } from "@cdp/ui";

import { createSegment, updateSegment } from "@/app/(console)/segments/actions";
import type { SegmentWithSize } from "@/app/(console)/segments/actions";
import { AlertIcon, SpinnerIcon } from "@/components/icons";
import { formatDateTime } from "@/lib/profile";
import { ConditionEditor } from "./condition-editor";
import type { BuilderOptions } from "./condition-builder";
import {
  EMPTY_DETAILS,
  placeSegmentErrors,
  SegmentDetails,
  SegmentDetailsFields,
} from "./segment-details";
import type { SegmentDetailsInput, SegmentDetailsOutput } from "./segment-details";
import { SegmentPreview } from "./segment-preview";

type Conflict = { message: string; current: SegmentWithSize };

/**
 * The segment builder: name, id, description, consent purpose and the condition (query text and
 * structured builder in sync), with the live preview beside it. Creates a segment, or saves a
 * changed one at the version it was opened with (a stale version is shown, nothing is lost).
 */
export function SegmentForm(
  props: {
    options: BuilderOptions;
  } & (
    | { mode: "create"; initialCondition: Condition | null; segment?: undefined }
    | { mode: "edit"; segment: SegmentWithSize; initialCondition?: undefined }
  ),
) {
  const { mode, segment, options } = props;
  const router = useRouter();
  const ids = useId();
  const initialCondition = segment ? segment.condition : props.initialCondition;
  const [condition, setCondition] = useState<Condition | null>(initialCondition);
  const [conditionProblem, setConditionProblem] = useState<string | null>(null);
  const [conditionError, setConditionError] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [version, setVersion] = useState(segment?.version ?? 1);
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);
  // The editor starts again from a condition when someone else's version is loaded.
  const [editorKey, setEditorKey] = useState(0);
  const [editorInitial, setEditorInitial] = useState<Condition | null>(initialCondition);

  const defaults: SegmentDetailsInput = segment
    ? {
        id: segment.id,
        name: segment.name,
        description: segment.description,
        purpose: segment.purpose,
      }
    : EMPTY_DETAILS;
  const form = useForm<SegmentDetailsInput, unknown, SegmentDetailsOutput>({
    resolver: zodResolver(SegmentDetails),
    defaultValues: defaults,
  });
  const { isSubmitting } = form.formState;
  const purpose = form.watch("purpose") ?? null;

  function showRefusal(result: {
    message: string;
    fieldErrors: { path: string; message: string }[];
  }) {
    const placed = placeSegmentErrors(form, result.fieldErrors);
    if (placed.condition.length > 0) setConditionError(placed.condition.join(" "));
    if (placed.unplaced.length > 0 || result.fieldErrors.length === 0) {
      setProblem(placed.unplaced[0] ?? result.message);
    }
  }

  async function save(values: SegmentDetailsOutput, atVersion = version) {
    setProblem(null);
    setConditionError(null);
    if (!condition) {
      setConditionError(
        conditionProblem
          ? `${conditionProblem} Correct it before saving.`
          : "Give the segment a condition: write it as text or build it below.",
      );
      return;
    }
    try {
      if (mode === "create") {
        const result = await createSegment({ ...values, condition });
        if (!result.ok) return showRefusal(result);
        toast.success(`Created “${result.value.name}” with ${result.value.size} members`);
        router.push(`/segments/${encodeURIComponent(result.value.id)}`);
        return;
      }
      const result = await updateSegment({
        id: values.id,
        version: atVersion,
        patch: {
          name: values.name,
          description: values.description,
          purpose: values.purpose,
          condition,
        },
      });
      if (!result.ok) {
        if ("current" in result) {
          setConflict({ message: result.message, current: result.current });
          return;
        }
        return showRefusal(result);
      }
      setConflict(null);
      setVersion(result.value.version);
      toast.success(`Saved “${result.value.name}”`);
      router.push(`/segments/${encodeURIComponent(result.value.id)}`);
    } catch {
      setProblem("The console could not reach the server. Your changes are still here: try again.");
    }
  }

  function loadTheirs(current: SegmentWithSize) {
    form.reset({
      id: current.id,
      name: current.name,
      description: current.description,
      purpose: current.purpose,
    });
    setVersion(current.version);
    setCondition(current.condition);
    setConditionProblem(null);
    setEditorInitial(current.condition);
    setEditorKey((k) => k + 1);
    setConflict(null);
    toast.info(`Loaded version ${current.version}`);
  }

  return (
    <div className="grid items-start gap-6 xl:grid-cols-[minmax(0,1fr)_24rem] 2xl:grid-cols-[minmax(0,1fr)_28rem]">
      <form
        noValidate
        onSubmit={form.handleSubmit((values) => save(values))}
        // Set once the form is interactive (hydrated): end-to-end tests wait for it.
        data-ready={ready || undefined}
        className="grid min-w-0 gap-6"
        aria-label={mode === "create" ? "New segment" : `Edit segment ${segment?.name ?? ""}`}
      >
        {problem ? (
          <Alert variant="destructive" data-testid="segment-form-error">
            <AlertIcon />
            <AlertDescription className="col-start-2">{problem}</AlertDescription>
          </Alert>
        ) : null}

        {conflict ? (
          <Alert variant="destructive" data-testid="segment-conflict">
            <AlertIcon />
            <AlertTitle>Someone else saved this segment while you were editing</AlertTitle>
            <AlertDescription className="col-start-2 grid gap-2">
              <p>
                You opened version {version}; it is now version {conflict.current.version}
                {formatDateTime(conflict.current.updatedAt)
                  ? `, saved ${formatDateTime(conflict.current.updatedAt)}`
                  : ""}
                . Nothing was saved, and your changes are still here.
              </p>
              <p className="text-foreground">
                <span className="font-medium">Their condition: </span>
                {describeCondition(conflict.current.condition)}
              </p>
              <div className="flex flex-wrap gap-2">
                <Button
                  type="button"
                  size="sm"
                  variant="destructive"
                  disabled={isSubmitting}
                  onClick={() =>
                    void form.handleSubmit((values) => save(values, conflict.current.version))()
                  }
                >
                  Save mine over theirs
                </Button>
                <Button
                  type="button"
                  size="sm"
                  variant="outline"
                  onClick={() => loadTheirs(conflict.current)}
                >
                  Discard mine, load theirs
                </Button>
              </div>
            </AlertDescription>
          </Alert>
        ) : null}

        <section
          aria-labelledby={`${ids}-details`}
          className="rounded-lg border bg-card p-5 shadow-xs"
        >
          <h2 id={`${ids}-details`} className="mb-4 text-sm font-semibold">
            Details
          </h2>
          <SegmentDetailsFields form={form} ids={ids} fixedId={mode === "edit"} />
        </section>

        <section
          aria-labelledby={`${ids}-condition`}
          className="rounded-lg border bg-card p-5 shadow-xs"
        >
          <h2 id={`${ids}-condition`} className="mb-4 text-sm font-semibold">
            Condition
          </h2>
          <ConditionEditor
            key={editorKey}
            id={`${ids}-query`}
            initial={editorInitial}
            options={options}
            serverError={conditionError}
            onChange={(next, why) => {
              setCondition(next);
              setConditionProblem(why);
              setConditionError(null);
            }}
          />
        </section>

        <div className="flex flex-wrap items-center justify-end gap-2">
          <Button asChild variant="outline">
            <Link href={segment ? `/segments/${encodeURIComponent(segment.id)}` : "/segments"}>
              Cancel
            </Link>
          </Button>
          <Button type="submit" disabled={isSubmitting} aria-busy={isSubmitting || undefined}>
            {isSubmitting ? <SpinnerIcon /> : null}
            {mode === "create"
              ? isSubmitting
                ? "Creating…"
                : "Create segment"
              : isSubmitting
                ? "Saving…"
                : "Save changes"}
          </Button>
        </div>
      </form>

      {/* Beside the form, not in it: the preview has its own small form (explain a profile). */}
      <div className="xl:sticky xl:top-6">
        <SegmentPreview condition={condition} purpose={purpose} blocked={conditionProblem} />
      </div>
    </div>
  );
}
