"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import type { ReactNode } from "react";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { ProfilePatch } from "@cdp/profile-schema";
import type { FieldType } from "@cdp/profile-schema";
import { toast } from "sonner";
import {
  Alert,
  AlertDescription,
  AlertTitle,
  Button,
  Field,
  FieldDescription,
  FieldError,
  FieldLabel,
  Input,
  cn,
} from "@cdp/ui";

import { saveProfileFields } from "@/app/(console)/profiles/[id]/actions";
import type { SaveResult } from "@/app/(console)/profiles/[id]/actions";
import { AlertIcon, PencilIcon, SpinnerIcon, UndoIcon, XIcon } from "@/components/icons";
import { PiiText } from "@/components/pii-text";
import { formatDateTime } from "@/lib/profile";
import { valueAtPath } from "./sections";

/** A field the form edits. */
export interface EditableField {
  path: string;
  label: string;
  type: FieldType;
  group: string;
}

/** The field's current value as the page shows it (masked by the API where it is PII). */
export interface CurrentValue {
  text: string | null;
  masked: boolean;
}

/** What the inputs hold, nested by path: "" keeps the value, null clears it. */
type FormValues = Record<string, unknown>;

/** The merge patch the typed values make: only fields typed into or cleared. */
function toPatch(values: unknown, fields: readonly EditableField[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = valueAtPath(values, field.path);
    if (raw === undefined || raw === "") continue;
    let value: unknown = raw;
    if (typeof raw === "string") {
      const text = raw.trim();
      if (field.type === "number" || field.type === "integer") {
        // Not a number stays text, so the schema names the field ("Enter a number").
        value = text !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
      } else if (field.type === "list") {
        value = text
          .split(",")
          .map((v) => v.trim())
          .filter((v) => v !== "");
      } else {
        value = text;
      }
    }
    const keys = field.path.split(".");
    let node = patch;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]!] = value;
  }
  return patch;
}

function blankValues(fields: readonly EditableField[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const keys = field.path.split(".");
    let node = values;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as FormValues;
    }
    node[keys[keys.length - 1]!] = "";
  }
  return values;
}

const HINTS: Partial<Record<FieldType, string>> = {
  date: "YYYY-MM-DD",
  list: "Comma-separated",
  number: "A number",
  integer: "A whole number",
};

type Conflict = Extract<SaveResult, { code: "CONFLICT" }>;

/**
 * A seed section with "Edit": personal data is edited without being read (ADR 0005) — each input
 * starts empty over the masked current value, and only what is typed (or cleared) is saved, at
 * the version the page was read at. Field errors come from the shared ProfilePatch schema before
 * saving and from the server after; a stale version shows whose values changed, to re-apply.
 */
export function EditSection({
  profileId,
  version,
  title,
  fields,
  current,
  stamps,
  canEdit,
  children,
}: {
  profileId: string;
  version: number;
  title: string;
  fields: EditableField[];
  current: Record<string, CurrentValue>;
  stamps: Record<string, string | null>;
  canEdit: boolean;
  children: ReactNode;
}) {
  const router = useRouter();
  const ids = useId();
  const [editing, setEditing] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [saveAt, setSaveAt] = useState(version);
  const [cleared, setCleared] = useState<Set<string>>(new Set());

  const schema = z.preprocess(
    (values) => toPatch(values, fields),
    ProfilePatch,
  ) as unknown as z.ZodType<ProfilePatch, FormValues>;
  const form = useForm<FormValues, unknown, ProfilePatch>({
    resolver: zodResolver(schema, {
      error: (issue) =>
        issue.code === "invalid_type" && issue.expected === "number" ? "Enter a number" : undefined,
    }),
    defaultValues: blankValues(fields),
  });
  const { errors, isSubmitting } = form.formState;

  function close() {
    setEditing(false);
    setProblem(null);
    setConflict(null);
    setCleared(new Set());
    form.reset(blankValues(fields));
  }

  async function save(patch: ProfilePatch, at: number) {
    setProblem(null);
    if (Object.keys(patch).length === 0) {
      setProblem("Type a new value or clear a field first: nothing would change.");
      return;
    }
    let result: SaveResult;
    try {
      result = await saveProfileFields({
        id: profileId,
        version: at,
        patch,
        paths: fields.map((f) => f.path),
      });
    } catch {
      setProblem("The console could not reach the server. Your changes are still here: try again.");
      return;
    }
    if (result.ok) {
      const n = result.changed.length;
      toast.success(n === 0 ? "Nothing changed" : `Saved ${n} ${n === 1 ? "field" : "fields"}`, {
        description:
          n === 0 ? "The values typed were the same as before." : `${title} of this profile.`,
      });
      close();
      setSaveAt(result.version);
      router.refresh();
      return;
    }
    if ("theirs" in result) {
      setConflict(result);
      return;
    }
    let placed = false;
    for (const e of result.fieldErrors) {
      if (fields.some((f) => f.path === e.path)) {
        form.setError(e.path, { type: "server", message: e.message }, { shouldFocus: !placed });
        placed = true;
      }
    }
    if (!placed) setProblem(result.message);
  }

  if (!editing) {
    return (
      <div>
        {canEdit ? (
          <div className="mb-3 flex justify-end">
            <Button type="button" size="sm" variant="outline" onClick={() => setEditing(true)}>
              <PencilIcon />
              Edit {title.toLowerCase()}
            </Button>
          </div>
        ) : null}
        {children}
      </div>
    );
  }

  // Values typed, for the conflict review.
  const typed = toPatch(form.getValues(), fields);
  const edited = fields.filter((f) => valueAtPath(typed, f.path) !== undefined);
  const groups = [...new Set(fields.map((f) => f.group))];

  return (
    <form
      noValidate
      aria-label={`Edit ${title.toLowerCase()}`}
      onSubmit={form.handleSubmit((patch) => save(patch, conflict ? conflict.version : saveAt))}
      className="grid grid-cols-1 gap-4"
    >
      <div className="flex flex-wrap items-start justify-between gap-3 rounded-lg border bg-muted/30 px-4 py-3 text-sm">
        <p className="max-w-prose text-muted-foreground">
          Type a new value to replace one; empty fields stay as they are. Current values show
          masked: you change personal data without reading it.
        </p>
        <div className="flex gap-2">
          <Button type="button" variant="outline" size="sm" onClick={close}>
            Cancel
          </Button>
          <Button
            type="submit"
            size="sm"
            disabled={isSubmitting}
            aria-busy={isSubmitting || undefined}
          >
            {isSubmitting ? <SpinnerIcon /> : null}
            {isSubmitting ? "Saving…" : "Save changes"}
          </Button>
        </div>
      </div>

      {problem ? (
        <Alert variant="destructive" data-testid="edit-error">
          <AlertIcon />
          <AlertDescription className="col-start-2">{problem}</AlertDescription>
        </Alert>
      ) : null}

      {conflict ? (
        <Alert variant="warning" data-testid="edit-conflict">
          <AlertIcon />
          <AlertTitle>Changed by someone else — review</AlertTitle>
          <AlertDescription className="col-start-2">
            <p>
              This profile was saved by someone else after you opened it (now version{" "}
              {conflict.version}). Nothing of yours was saved. Compare, then apply your changes over
              theirs or discard them.
            </p>
            <table className="mt-2 w-full text-left text-sm" aria-label="Their values and yours">
              <thead>
                <tr className="text-xs">
                  <th className="py-1 pr-4 font-medium">Field</th>
                  <th className="py-1 pr-4 font-medium">Theirs now</th>
                  <th className="py-1 font-medium">Yours</th>
                </tr>
              </thead>
              <tbody>
                {edited.map((f) => {
                  const mine = valueAtPath(typed, f.path);
                  const theirs = conflict.theirs[f.path] ?? "—";
                  const changed = (conflict.stamps[f.path] ?? null) !== (stamps[f.path] ?? null);
                  return (
                    <tr key={f.path} className="border-t border-amber-600/20 align-top">
                      <th scope="row" className="py-1 pr-4 font-normal">
                        {f.label}
                        {changed ? (
                          <span className="ml-1.5 rounded bg-amber-600/15 px-1 text-xs">
                            changed
                          </span>
                        ) : null}
                      </th>
                      <td className="py-1 pr-4 font-mono text-xs">
                        <PiiText value={theirs} masked={theirs.includes("•")} />
                      </td>
                      <td className="py-1 font-mono text-xs">
                        {mine === null ? (
                          <em>cleared</em>
                        ) : Array.isArray(mine) ? (
                          mine.join(", ")
                        ) : (
                          String(mine)
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <div className="mt-3 flex flex-wrap gap-2">
              <Button type="submit" size="sm" disabled={isSubmitting}>
                Apply my changes again
              </Button>
              <Button
                type="button"
                size="sm"
                variant="outline"
                onClick={() => {
                  close();
                  router.refresh();
                }}
              >
                <UndoIcon />
                Discard mine and reload
              </Button>
            </div>
          </AlertDescription>
        </Alert>
      ) : null}

      {groups.map((group) => (
        <fieldset key={group} className="rounded-xl border bg-card p-5 shadow-xs">
          {/* Floated, the legend sits inside the card like the read view's titles. */}
          <legend className="float-left mb-4 w-full text-sm font-semibold">{group}</legend>
          <div className="clear-both grid gap-x-6 gap-y-4 sm:grid-cols-2 xl:grid-cols-3">
            {fields
              .filter((f) => f.group === group)
              .map((f) => {
                const error = valueAtPath(errors, f.path) as { message?: string } | undefined;
                const now = current[f.path];
                const isCleared = cleared.has(f.path);
                const inputId = `${ids}-${f.path}`;
                return (
                  <Field key={f.path} data-invalid={error ? true : undefined}>
                    <div className="flex items-center justify-between gap-2">
                      <FieldLabel htmlFor={inputId}>{f.label}</FieldLabel>
                      {now?.text ? (
                        <button
                          type="button"
                          className={cn(
                            "inline-flex items-center gap-1 rounded-sm text-xs text-muted-foreground outline-none hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring/50",
                            isCleared && "text-foreground",
                          )}
                          aria-pressed={isCleared}
                          aria-label={isCleared ? `Keep ${f.label}` : `Clear ${f.label}`}
                          onClick={() => {
                            const next = new Set(cleared);
                            if (isCleared) next.delete(f.path);
                            else next.add(f.path);
                            setCleared(next);
                            form.setValue(f.path, isCleared ? "" : null, { shouldDirty: true });
                            form.clearErrors(f.path);
                          }}
                        >
                          {isCleared ? (
                            <UndoIcon className="size-3" />
                          ) : (
                            <XIcon className="size-3" />
                          )}
                          {isCleared ? "Keep" : "Clear"}
                        </button>
                      ) : null}
                    </div>
                    <Input
                      id={inputId}
                      readOnly={isCleared}
                      placeholder={
                        isCleared ? "Will be cleared" : (HINTS[f.type] ?? "Type a new value")
                      }
                      inputMode={
                        f.type === "number" || f.type === "integer" ? "decimal" : undefined
                      }
                      autoComplete="off"
                      aria-invalid={error ? true : undefined}
                      aria-describedby={`${inputId}-now${error ? ` ${inputId}-error` : ""}`}
                      {...form.register(f.path)}
                    />
                    <FieldDescription id={`${inputId}-now`} className="text-xs">
                      Now:{" "}
                      {now?.text ? (
                        <PiiText value={now.text} masked={now.masked} />
                      ) : (
                        <span className="text-muted-foreground">empty</span>
                      )}
                      {stamps[f.path] ? (
                        <span className="text-muted-foreground">
                          {" "}
                          · changed {formatDateTime(stamps[f.path])}
                        </span>
                      ) : null}
                    </FieldDescription>
                    <FieldError id={`${inputId}-error`}>{error?.message}</FieldError>
                  </Field>
                );
              })}
          </div>
        </fieldset>
      ))}
    </form>
  );
}
