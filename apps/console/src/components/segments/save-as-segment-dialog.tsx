"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { describeCondition, formatCondition } from "@cdp/profile-schema";
import type { Condition } from "@cdp/profile-schema";
import {
  Alert,
  AlertDescription,
  Button,
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
  Skeleton,
} from "@cdp/ui";

import { createSegment } from "@/app/(console)/segments/actions";
import { AlertIcon, CopyPlusIcon, SegmentIcon, SpinnerIcon } from "@/components/icons";
import { formatNumber } from "@/lib/profile";
import { slugOf } from "./labels";
import {
  EMPTY_DETAILS,
  placeSegmentErrors,
  SegmentDetails,
  SegmentDetailsFields,
} from "./segment-details";
import type { SegmentDetailsInput, SegmentDetailsOutput } from "./segment-details";
import { useSegmentPreview } from "./use-segment-preview";

/** How many profiles the condition selects now, while the dialog is open. */
function LiveCount({
  condition,
  purpose,
}: {
  condition: Condition;
  purpose: SegmentDetailsOutput["purpose"];
}) {
  const { result, loading } = useSegmentPreview(condition, purpose, null);
  if (!result) return <Skeleton className="h-5 w-48" />;
  if (!result.ok) return <span className="text-destructive">{result.message}</span>;
  const { count, consentedCount } = result.value;
  return (
    <span className={loading ? "opacity-70" : undefined} data-testid="save-as-segment-count">
      <span className="font-semibold tabular-nums">{formatNumber(consentedCount)}</span>{" "}
      {consentedCount === 1 ? "profile" : "profiles"} would be members now
      {purpose ? ` (of ${formatNumber(count)} matching, with a ${purpose} consent)` : ""}.
    </span>
  );
}

/**
 * "Save as segment": a new segment from a condition (the profiles table's filter, or a segment's
 * own for "Duplicate") without leaving the page. Shows the condition in words and how many
 * profiles it selects now; the full builder is a link away. For editors and admins (mount it only
 * for them): the API refuses others.
 */
export function SaveAsSegmentDialog({
  condition,
  search,
  variant = "save",
  suggestedName,
}: {
  /** The condition to save; null when the table is not filtered. */
  condition: Condition | null;
  /** Search text applied beside the condition: not part of a segment, so it is pointed out. */
  search?: string | null;
  /** "duplicate": the trigger reads "Duplicate" (a copy of an existing segment). */
  variant?: "save" | "duplicate";
  suggestedName?: string;
}) {
  const ids = useId();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const defaults: SegmentDetailsInput = {
    ...EMPTY_DETAILS,
    name: suggestedName ?? "",
    id: slugOf(suggestedName ?? ""),
  };
  const form = useForm<SegmentDetailsInput, unknown, SegmentDetailsOutput>({
    resolver: zodResolver(SegmentDetails),
    defaultValues: defaults,
  });
  const { isSubmitting } = form.formState;
  const purpose = form.watch("purpose") ?? null;

  async function onSubmit(values: SegmentDetailsOutput) {
    if (!condition) return;
    setProblem(null);
    let result: Awaited<ReturnType<typeof createSegment>>;
    try {
      result = await createSegment({ ...values, condition });
    } catch {
      setProblem("The console could not reach the server. Your entries are still here: try again.");
      return;
    }
    if (!result.ok) {
      const placed = placeSegmentErrors(form, result.fieldErrors);
      const rest = [...placed.condition, ...placed.unplaced];
      if (rest.length > 0 || result.fieldErrors.length === 0) setProblem(rest[0] ?? result.message);
      return;
    }
    const href = `/segments/${encodeURIComponent(result.value.id)}`;
    toast.success(
      `Created “${result.value.name}” with ${formatNumber(result.value.size)} members`,
      {
        action: { label: "Open", onClick: () => router.push(href) },
      },
    );
    setOpen(false);
    form.reset(defaults);
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          form.reset(defaults);
          setProblem(null);
        }
      }}
    >
      <DialogTrigger asChild>
        {/* Sized like the toolbar it sits in: the profiles table's, or a segment page's actions. */}
        <Button
          type="button"
          variant="outline"
          size={variant === "duplicate" ? "sm" : "default"}
          className={variant === "duplicate" ? undefined : "bg-background"}
        >
          {variant === "duplicate" ? <CopyPlusIcon /> : <SegmentIcon />}
          {variant === "duplicate" ? "Duplicate" : "Save as segment"}
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-lg">
        <DialogHeader>
          <DialogTitle>
            {variant === "duplicate" ? "Duplicate as a new segment" : "Save as segment"}
          </DialogTitle>
          <DialogDescription>
            {variant === "duplicate"
              ? "A new segment with the same condition; change its name, id or purpose."
              : "A segment keeps the profiles matching this filter, updated on every change."}
          </DialogDescription>
        </DialogHeader>
        {!condition ? (
          <p className="rounded-md border border-dashed px-3 py-6 text-center text-sm text-muted-foreground">
            Filter the profiles first: a segment is defined by a condition.
          </p>
        ) : (
          <form noValidate onSubmit={form.handleSubmit(onSubmit)} className="grid gap-5">
            {problem ? (
              <Alert variant="destructive" data-testid="save-as-segment-error">
                <AlertIcon />
                <AlertDescription className="col-start-2">{problem}</AlertDescription>
              </Alert>
            ) : null}
            <div className="grid gap-1.5 rounded-md border bg-muted/30 px-3 py-2.5 text-sm">
              <p>
                <span className="font-medium">In words: </span>
                {describeCondition(condition)}
              </p>
              <LiveCount condition={condition} purpose={purpose} />
              {search?.trim() ? (
                <p className="text-xs text-muted-foreground">
                  The search text “{search.trim()}” is not part of the segment: segments are defined
                  by conditions only.
                </p>
              ) : null}
            </div>
            <SegmentDetailsFields form={form} ids={ids} fixedId={false} compact />
            <DialogFooter className="items-center sm:justify-between">
              <Button asChild variant="link" className="px-0">
                <Link
                  href={`/segments/new?where=${encodeURIComponent(formatCondition(condition))}`}
                >
                  Open in the builder
                </Link>
              </Button>
              <div className="flex gap-2">
                <DialogClose asChild>
                  <Button type="button" variant="outline">
                    Cancel
                  </Button>
                </DialogClose>
                <Button type="submit" disabled={isSubmitting} aria-busy={isSubmitting || undefined}>
                  {isSubmitting ? <SpinnerIcon /> : null}
                  {isSubmitting ? "Creating…" : "Create segment"}
                </Button>
              </div>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
