"use client";

import { useId, useState } from "react";
import { zodResolver } from "@hookform/resolvers/zod";
import { Controller, useForm } from "react-hook-form";
import type { Path } from "react-hook-form";
import { toast } from "sonner";
import type { z } from "zod";
import type { RouterOutputs } from "@cdp/api";
import { consentPurposes, ConsentTypeInput } from "@cdp/profile-schema";
import {
  Alert,
  AlertDescription,
  Button,
  Checkbox,
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
  Field,
  FieldDescription,
  FieldError,
  FieldLabel,
  Input,
  Label,
  NativeSelect,
  Textarea,
} from "@cdp/ui";

import { AlertIcon, ArchiveIcon, PencilIcon, PlusIcon, SpinnerIcon } from "@/components/icons";
import { ReversibleAction } from "@/components/reversible-action";
import { placeFieldErrors } from "@/components/admin/form-errors";
import { createConsentType, setConsentTypeArchived, updateConsentType } from "./actions";

type ConsentType = RouterOutputs["consent"]["types"]["get"];
type FormInput = z.input<typeof ConsentTypeInput>;
type FormOutput = z.output<typeof ConsentTypeInput>;

const FIELDS: Path<FormInput>[] = [
  "id",
  "name",
  "description",
  "purpose",
  "defaultValue",
  "revokable",
  "required",
  "enabled",
  "tags",
  "autoRevoke",
];

const PURPOSE_LABELS: Record<(typeof consentPurposes)[number], string> = {
  necessary: "Necessary",
  marketing: "Marketing",
  analytics: "Analytics",
  personalization: "Personalization",
  profiling: "Profiling",
  "third-party": "Third party",
  other: "Other",
};

const EMPTY: FormInput = {
  id: "",
  name: "",
  description: null,
  purpose: "marketing",
  defaultValue: "deny",
  revokable: true,
  required: false,
  enabled: true,
  tags: [],
  autoRevoke: null,
};

/** The message for the tags: about the list, or about the first bad tag in it. */
function tagsMessage(error: unknown): string | undefined {
  if (Array.isArray(error)) {
    return error
      .map((e: { message?: unknown } | undefined) => e?.message)
      .find((m) => typeof m === "string") as string | undefined;
  }
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message : undefined;
}

const blankToNull = (v: unknown) => (typeof v === "string" && v.trim() === "" ? null : v);

/** Tags typed as "a, b": the field keeps what was typed; the form gets the list. */
function TagsInput({
  id,
  value,
  onChange,
  invalid,
  describedBy,
}: {
  id: string;
  value: string[];
  onChange: (tags: string[]) => void;
  invalid: boolean;
  describedBy: string;
}) {
  const [text, setText] = useState(value.join(", "));
  return (
    <Input
      id={id}
      value={text}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      autoComplete="off"
      onChange={(e) => {
        setText(e.target.value);
        onChange(
          e.target.value
            .split(",")
            .map((t) => t.trim())
            .filter((t) => t !== ""),
        );
      }}
    />
  );
}

/** "New consent type" or "Edit" with the form in a dialog (admins). */
export function ConsentTypeDialog(
  props: { mode: "create"; type?: undefined } | { mode: "edit"; type: ConsentType },
) {
  const { mode, type } = props;
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const ids = useId();
  const defaults: FormInput = type
    ? {
        id: type.id,
        name: type.name,
        description: type.description,
        purpose: type.purpose,
        defaultValue: type.defaultValue,
        revokable: type.revokable,
        required: type.required,
        enabled: type.enabled,
        tags: type.tags,
        autoRevoke: type.autoRevoke,
      }
    : EMPTY;
  const form = useForm<FormInput, unknown, FormOutput>({
    resolver: zodResolver(ConsentTypeInput),
    defaultValues: defaults,
  });
  const { errors, isSubmitting } = form.formState;

  const described = (name: string, help = false) =>
    [
      help ? `${ids}-${name}-help` : null,
      errors[name as keyof typeof errors] ? `${ids}-${name}-error` : null,
    ]
      .filter(Boolean)
      .join(" ") || undefined;

  async function onSubmit(values: FormOutput) {
    setProblem(null);
    let result: Awaited<ReturnType<typeof createConsentType>>;
    try {
      if (mode === "create") {
        result = await createConsentType(values);
      } else {
        const { id, ...patch } = values;
        result = await updateConsentType({ id, patch });
      }
    } catch {
      setProblem("The console could not reach the server. Your changes are still here: try again.");
      return;
    }
    if (result.ok) {
      toast.success(
        mode === "create" ? `Added “${result.value.name}”` : `Saved “${result.value.name}”`,
      );
      setOpen(false);
      form.reset(mode === "create" ? EMPTY : values);
      return;
    }
    const unplaced = placeFieldErrors(
      form,
      result.fieldErrors.map((e) => ({ ...e, path: e.path.replace(/^patch\./, "") })),
      FIELDS,
    );
    if (unplaced.length > 0 || result.fieldErrors.length === 0) {
      setProblem(unplaced[0] ?? result.message);
    }
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
        {mode === "create" ? (
          <Button size="sm">
            <PlusIcon />
            New consent type
          </Button>
        ) : (
          <Button size="sm" variant="ghost" aria-label={`Edit ${type.name}`}>
            <PencilIcon />
            Edit
          </Button>
        )}
      </DialogTrigger>
      <DialogContent className="sm:max-w-2xl">
        <form noValidate onSubmit={form.handleSubmit(onSubmit)} className="grid gap-5">
          <DialogHeader>
            <DialogTitle>
              {mode === "create" ? "New consent type" : `Edit “${type.name}”`}
            </DialogTitle>
            <DialogDescription>
              {mode === "create"
                ? "A consent customers can grant or deny. Its id is the key in every profile’s consents and cannot change later."
                : "Changes apply to decisions recorded from now on; the ledger keeps earlier ones as they were."}
            </DialogDescription>
          </DialogHeader>

          {problem ? (
            <Alert variant="destructive" data-testid="consent-type-error">
              <AlertIcon />
              <AlertDescription className="col-start-2">{problem}</AlertDescription>
            </Alert>
          ) : null}

          <div className="grid gap-5 sm:grid-cols-2">
            <Field data-invalid={errors.name ? true : undefined}>
              <FieldLabel htmlFor={`${ids}-name`}>Name</FieldLabel>
              <Input
                id={`${ids}-name`}
                autoComplete="off"
                aria-invalid={errors.name ? true : undefined}
                aria-describedby={described("name")}
                {...form.register("name")}
              />
              <FieldError id={`${ids}-name-error`}>{errors.name?.message}</FieldError>
            </Field>
            <Field data-invalid={errors.id ? true : undefined}>
              <FieldLabel htmlFor={`${ids}-id`}>Id</FieldLabel>
              <Input
                id={`${ids}-id`}
                autoComplete="off"
                className="font-mono"
                readOnly={mode === "edit"}
                aria-readonly={mode === "edit" || undefined}
                placeholder="e.g. marketing-email"
                aria-invalid={errors.id ? true : undefined}
                aria-describedby={described("id", true)}
                {...form.register("id")}
              />
              <FieldDescription id={`${ids}-id-help`}>
                {mode === "edit"
                  ? "Fixed: profiles and the ledger refer to it."
                  : "Lowercase letters, digits and hyphens."}
              </FieldDescription>
              <FieldError id={`${ids}-id-error`}>{errors.id?.message}</FieldError>
            </Field>
          </div>

          <Field data-invalid={errors.description ? true : undefined}>
            <FieldLabel htmlFor={`${ids}-description`}>
              Description <span className="font-normal text-muted-foreground">(optional)</span>
            </FieldLabel>
            <Textarea
              id={`${ids}-description`}
              rows={2}
              aria-invalid={errors.description ? true : undefined}
              aria-describedby={described("description")}
              {...form.register("description", { setValueAs: blankToNull })}
            />
            <FieldError id={`${ids}-description-error`}>{errors.description?.message}</FieldError>
          </Field>

          <div className="grid gap-5 sm:grid-cols-2">
            <Field data-invalid={errors.purpose ? true : undefined}>
              <FieldLabel htmlFor={`${ids}-purpose`}>Purpose</FieldLabel>
              <NativeSelect
                id={`${ids}-purpose`}
                aria-invalid={errors.purpose ? true : undefined}
                aria-describedby={described("purpose", true)}
                {...form.register("purpose")}
              >
                {consentPurposes.map((p) => (
                  <option key={p} value={p}>
                    {PURPOSE_LABELS[p]}
                  </option>
                ))}
              </NativeSelect>
              <FieldDescription id={`${ids}-purpose-help`}>
                Segments restricted to a purpose count only profiles consenting to it.
              </FieldDescription>
              <FieldError id={`${ids}-purpose-error`}>{errors.purpose?.message}</FieldError>
            </Field>
            <Field data-invalid={errors.defaultValue ? true : undefined}>
              <FieldLabel htmlFor={`${ids}-default`}>Default</FieldLabel>
              <NativeSelect
                id={`${ids}-default`}
                aria-describedby={described("defaultValue", true)}
                {...form.register("defaultValue")}
              >
                <option value="deny">Denied until the customer grants it</option>
                <option value="grant">Granted until the customer denies it</option>
              </NativeSelect>
              <FieldDescription id={`${ids}-defaultValue-help`}>
                What forms preselect for someone who has not decided.
              </FieldDescription>
              <FieldError id={`${ids}-defaultValue-error`}>
                {errors.defaultValue?.message}
              </FieldError>
            </Field>
          </div>

          <fieldset className="grid gap-3">
            <legend className="mb-2 text-sm font-medium">Rules</legend>
            {(
              [
                ["enabled", "Enabled", "Offered to customers now."],
                ["required", "Required", "Customers must grant it to use the service."],
                ["revokable", "Revokable", "A customer can withdraw it after granting it."],
              ] as const
            ).map(([name, label, help]) => (
              <Controller
                key={name}
                control={form.control}
                name={name}
                render={({ field }) => (
                  <div className="flex items-start gap-3">
                    <Checkbox
                      id={`${ids}-${name}`}
                      ref={field.ref}
                      checked={field.value === true}
                      onCheckedChange={(c) => field.onChange(c === true)}
                      aria-describedby={`${ids}-${name}-help`}
                      className="mt-0.5"
                    />
                    <div className="grid gap-0.5">
                      <Label htmlFor={`${ids}-${name}`}>{label}</Label>
                      <span id={`${ids}-${name}-help`} className="text-sm text-muted-foreground">
                        {help}
                      </span>
                    </div>
                  </div>
                )}
              />
            ))}
          </fieldset>

          <div className="grid gap-5 sm:grid-cols-2">
            <Field data-invalid={errors.autoRevoke ? true : undefined}>
              <FieldLabel htmlFor={`${ids}-autoRevoke`}>
                Expires after <span className="font-normal text-muted-foreground">(optional)</span>
              </FieldLabel>
              <Input
                id={`${ids}-autoRevoke`}
                className="font-mono"
                placeholder="P1Y"
                autoComplete="off"
                aria-invalid={errors.autoRevoke ? true : undefined}
                aria-describedby={described("autoRevoke", true)}
                {...form.register("autoRevoke", { setValueAs: blankToNull })}
              />
              <FieldDescription id={`${ids}-autoRevoke-help`}>
                An ISO-8601 duration such as P1Y, P6M or P30D. Empty: until revoked.
              </FieldDescription>
              <FieldError id={`${ids}-autoRevoke-error`}>{errors.autoRevoke?.message}</FieldError>
            </Field>
            <Controller
              control={form.control}
              name="tags"
              render={({ field }) => (
                <Field data-invalid={errors.tags ? true : undefined}>
                  <FieldLabel htmlFor={`${ids}-tags`}>
                    Tags <span className="font-normal text-muted-foreground">(optional)</span>
                  </FieldLabel>
                  <TagsInput
                    id={`${ids}-tags`}
                    value={field.value ?? []}
                    onChange={field.onChange}
                    invalid={!!errors.tags}
                    describedBy={`${ids}-tags-help${errors.tags ? ` ${ids}-tags-error` : ""}`}
                  />
                  <FieldDescription id={`${ids}-tags-help`}>Separated by commas.</FieldDescription>
                  <FieldError id={`${ids}-tags-error`}>{tagsMessage(errors.tags)}</FieldError>
                </Field>
              )}
            />
          </div>

          <DialogFooter>
            <DialogClose asChild>
              <Button type="button" variant="outline">
                Cancel
              </Button>
            </DialogClose>
            <Button type="submit" disabled={isSubmitting} aria-busy={isSubmitting || undefined}>
              {isSubmitting ? <SpinnerIcon /> : null}
              {mode === "create"
                ? isSubmitting
                  ? "Adding…"
                  : "Add consent type"
                : isSubmitting
                  ? "Saving…"
                  : "Save changes"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** Archive (after a confirmation) or restore a type. */
export function ArchiveButton({
  id,
  name,
  archived,
}: {
  id: string;
  name: string;
  archived: boolean;
}) {
  return (
    <ReversibleAction
      name={name}
      on={archived}
      apply={(archive) => setConsentTypeArchived(id, archive)}
      verb="Archive"
      undoVerb="Restore"
      icon={<ArchiveIcon />}
      title={`Archive “${name}”?`}
      description="No new grants or denials can be recorded for it. Consents already given stay in effect and can still be revoked; the ledger keeps its history. You can restore it later."
      succeeded={(archive) => (archive ? `Archived “${name}”` : `Restored “${name}”`)}
    />
  );
}
