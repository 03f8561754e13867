"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import type { FormEvent } from "react";
import { toast } from "sonner";
import { fieldByPath, MergeInput } from "@cdp/profile-schema";
import type { MergeDecision, MergeStrategy } from "@cdp/profile-schema";
import {
  Alert,
  AlertDescription,
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
  Button,
  Field,
  FieldDescription,
  FieldError,
  FieldLabel,
  Input,
  cn,
} from "@cdp/ui";

import { mergeProfiles, undoMerge } from "@/app/(console)/profiles/[id]/actions";
import type { MergePreview } from "@/app/(console)/profiles/[id]/actions";
import { AlertIcon, MergeIcon, SpinnerIcon, UndoIcon } from "@/components/icons";
import { PiiText } from "@/components/pii-text";
import { formatValue } from "@/lib/profile";

const STRATEGY_LABELS: Record<MergeStrategy, string> = {
  "latest-change": "latest change wins",
  union: "lists joined",
  sum: "added up",
  earliest: "earliest kept",
  "latest-time": "latest kept",
  "follows-visit": "follows the latest visit",
};

function labelOf(path: string): string {
  const field = fieldByPath(path);
  if (field) return field.label;
  const dot = path.lastIndexOf(".");
  const parent = dot === -1 ? undefined : fieldByPath(path.slice(0, dot));
  return parent ? `${parent.label} › ${path.slice(dot + 1)}` : path;
}

function Shown({ value }: { value: unknown }) {
  const text = formatValue(value);
  return <PiiText value={text} masked={text.includes("•")} />;
}

/** The per-field decisions of a merge: every profile's value, and which one the result keeps. */
export function MergeDiff({
  merge,
}: {
  merge: { into: string; from: readonly string[]; decisions: readonly MergeDecision[] };
}) {
  const profiles = [merge.into, ...merge.from];
  if (merge.decisions.length === 0) {
    return (
      <p className="text-sm text-muted-foreground">
        The profiles hold the same values: merging only joins their identifiers and history.
      </p>
    );
  }
  return (
    <div className="overflow-x-auto rounded-md border">
      <table className="w-full text-left text-sm" aria-label="Merge differences">
        <thead className="bg-muted/40 text-xs text-muted-foreground">
          <tr>
            <th className="px-3 py-2 font-medium">Field</th>
            {profiles.map((id, i) => (
              <th key={id} className="px-3 py-2 font-medium">
                {i === 0 ? "This profile" : "Merged in"}
                <span className="block max-w-40 truncate font-mono font-normal">{id}</span>
              </th>
            ))}
            <th className="px-3 py-2 font-medium">Result</th>
          </tr>
        </thead>
        <tbody>
          {merge.decisions.map((d) => (
            <tr key={d.path} className="border-t align-top" data-path={d.path}>
              <th scope="row" className="px-3 py-2 font-normal">
                <div className="font-medium">{labelOf(d.path)}</div>
                <div className="text-xs text-muted-foreground">{STRATEGY_LABELS[d.strategy]}</div>
              </th>
              {profiles.map((id) => {
                const candidate = d.values?.find((v) => v.profileId === id);
                const won = d.winner === id && d.strategy === "latest-change";
                return (
                  <td
                    key={id}
                    className={cn(
                      "px-3 py-2 font-mono text-xs",
                      won && "bg-emerald-50 font-semibold dark:bg-emerald-400/10",
                    )}
                  >
                    {candidate ? <Shown value={candidate.value} /> : "—"}
                    {won ? <span className="sr-only"> (kept)</span> : null}
                  </td>
                );
              })}
              <td className="px-3 py-2 font-mono text-xs">
                <Shown value={d.value} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * "Merge into this profile": name the other profiles, see the dry run's per-field decisions, then
 * merge (confirmed). Undo is on each past merge.
 */
export function MergeForm({ profileId }: { profileId: string }) {
  const ids = useId();
  const router = useRouter();
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [preview, setPreview] = useState<MergePreview | null>(null);
  const [busy, setBusy] = useState<"preview" | "merge" | null>(null);

  const from = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

  async function run(dryRun: boolean) {
    setError(null);
    const checked = MergeInput.safeParse({ into: profileId, from, dryRun });
    if (!checked.success) {
      setError(checked.error.issues[0]?.message ?? "Name the profiles to merge");
      return;
    }
    setBusy(dryRun ? "preview" : "merge");
    try {
      const result = await mergeProfiles(checked.data);
      if (!result.ok) {
        setError(result.fieldErrors[0]?.message ?? result.message);
        if (!dryRun) setPreview(null);
        return;
      }
      if (dryRun) {
        setPreview(result.merge);
        return;
      }
      toast.success(
        `Merged ${result.merge.from.length} ${result.merge.from.length === 1 ? "profile" : "profiles"} into this one`,
        { description: "Undo is available under Merges." },
      );
      setPreview(null);
      setText("");
      router.refresh();
    } catch {
      setError("The console could not reach the server. Try again.");
    } finally {
      setBusy(null);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(true);
  }

  return (
    <div className="grid grid-cols-1 gap-4">
      <form
        noValidate
        onSubmit={submit}
        className="flex flex-wrap items-end gap-2"
        aria-label="Merge profiles"
      >
        <Field data-invalid={error ? true : undefined} className="min-w-0 flex-1 basis-80">
          <FieldLabel htmlFor={`${ids}-from`}>Profiles to merge into this one</FieldLabel>
          <Input
            id={`${ids}-from`}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setPreview(null);
            }}
            placeholder="Profile ids, separated by spaces or commas"
            className="font-mono text-[13px]"
            aria-invalid={error ? true : undefined}
            aria-describedby={`${ids}-help${error ? ` ${ids}-error` : ""}`}
          />
          <FieldDescription id={`${ids}-help`}>
            The preview shows every field the profiles disagree on and which value the merge keeps.
          </FieldDescription>
          <FieldError id={`${ids}-error`}>{error}</FieldError>
        </Field>
        <Button type="submit" variant="outline" disabled={busy !== null} className="mb-7">
          {busy === "preview" ? <SpinnerIcon /> : null}
          Preview merge
        </Button>
      </form>

      {preview ? (
        <div className="grid grid-cols-1 gap-3" data-testid="merge-preview">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h3 className="text-sm font-semibold">
              Preview: {preview.decisions.length}{" "}
              {preview.decisions.length === 1 ? "field differs" : "fields differ"}
            </h3>
            <AlertDialog>
              <AlertDialogTrigger asChild>
                <Button type="button" disabled={busy !== null}>
                  {busy === "merge" ? <SpinnerIcon /> : <MergeIcon />}
                  Merge {preview.from.length} {preview.from.length === 1 ? "profile" : "profiles"}
                </Button>
              </AlertDialogTrigger>
              <AlertDialogContent>
                <AlertDialogHeader>
                  <AlertDialogTitle>Merge into this profile?</AlertDialogTitle>
                  <AlertDialogDescription>
                    {preview.from.join(", ")} will be merged into {preview.into}: their identifiers,
                    events and consents move here and the fields take the values shown. You can undo
                    it while those fields stay unchanged.
                  </AlertDialogDescription>
                </AlertDialogHeader>
                <AlertDialogFooter>
                  <AlertDialogCancel>Cancel</AlertDialogCancel>
                  <AlertDialogAction onClick={() => void run(false)}>Merge</AlertDialogAction>
                </AlertDialogFooter>
              </AlertDialogContent>
            </AlertDialog>
          </div>
          <MergeDiff merge={preview} />
        </div>
      ) : null}
    </div>
  );
}

/** "Undo" of a past merge: restores the merged profiles unless the decided fields changed since. */
export function UndoMergeButton({ mergeId }: { mergeId: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ message: string; paths: string[] } | null>(null);

  async function undo() {
    setBusy(true);
    setProblem(null);
    try {
      const result = await undoMerge(mergeId);
      if (result.ok) {
        toast.success("Merge undone", {
          description: `Restored ${result.restored.join(", ")}.`,
        });
        router.refresh();
        return;
      }
      setProblem({ message: result.message, paths: result.paths });
    } catch {
      setProblem({ message: "The console could not reach the server. Try again.", paths: [] });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="grid justify-items-end gap-2">
      <Button type="button" size="sm" variant="outline" disabled={busy} onClick={() => void undo()}>
        {busy ? <SpinnerIcon /> : <UndoIcon />}
        Undo merge
      </Button>
      {problem ? (
        <Alert variant="destructive" className="max-w-md">
          <AlertIcon />
          <AlertDescription className="col-start-2">
            {problem.paths.length > 0
              ? `Cannot undo: ${problem.paths.map(labelOf).join(", ")} changed since the merge, and undoing would lose that change.`
              : problem.message}
          </AlertDescription>
        </Alert>
      ) : null}
    </div>
  );
}

/** A merged-away id, linked: opening it shows the survivor (ids resolve through merges). */
export function MergedIdLink({ id }: { id: string }) {
  return (
    <Link
      href={`/profiles/${encodeURIComponent(id)}`}
      prefetch={false}
      className="rounded-sm font-mono text-xs underline-offset-4 hover:underline"
    >
      {id}
    </Link>
  );
}
