"use client";

import { useState } from "react";
import type { UseFormReturn } from "react-hook-form";
import type { z } from "zod";
import { SegmentInput } from "@cdp/profile-schema";
import type { FieldError as ApiFieldError } from "@cdp/api";
import {
  Field,
  FieldDescription,
  FieldError,
  FieldLabel,
  Input,
  NativeSelect,
  Textarea,
} from "@cdp/ui";

import { placeFieldErrors } from "@/components/admin/form-errors";
import { PURPOSE_LABELS, PURPOSES, slugOf } from "./labels";

/** A segment's own fields but the condition (edited beside them): the contract's, not a copy. */
export const SegmentDetails = SegmentInput.omit({ condition: true });
export type SegmentDetailsInput = z.input<typeof SegmentDetails>;
export type SegmentDetailsOutput = z.output<typeof SegmentDetails>;
export type SegmentDetailsForm = UseFormReturn<SegmentDetailsInput, unknown, SegmentDetailsOutput>;

export const EMPTY_DETAILS: SegmentDetailsInput = {
  id: "",
  name: "",
  description: null,
  purpose: null,
};

const FIELDS = ["id", "name", "description", "purpose"] as const;

const blankToNull = (v: unknown) => (typeof v === "string" && v.trim() === "" ? null : v);

/**
 * Puts the API's field errors of a segment save on the form (`patch.name` → name) and returns
 * those about the condition and those no field shows, for the caller to show elsewhere.
 */
export function placeSegmentErrors(
  form: SegmentDetailsForm,
  errors: readonly ApiFieldError[],
): { condition: string[]; unplaced: string[] } {
  const paths = errors.map((e) => ({ ...e, path: e.path.replace(/^patch\./, "") }));
  const onCondition = paths.filter(
    (e) => e.path === "condition" || e.path.startsWith("condition."),
  );
  const others = paths.filter((e) => !onCondition.includes(e));
  return {
    condition: onCondition.map((e) => e.message),
    unplaced: placeFieldErrors(form, others, FIELDS),
  };
}

/**
 * Name, id (suggested from the name until typed; fixed once the segment exists), description and
 * consent purpose, with their errors.
 */
export function SegmentDetailsFields({
  form,
  ids,
  fixedId,
  compact = false,
}: {
  form: SegmentDetailsForm;
  ids: string;
  /** The id cannot change (the segment exists). */
  fixedId: boolean;
  /** One column (in a dialog). */
  compact?: boolean;
}) {
  const [idTyped, setIdTyped] = useState(fixedId);
  const { errors } = form.formState;
  const described = (name: keyof SegmentDetailsInput, help = false) =>
    [help ? `${ids}-${name}-help` : null, errors[name] ? `${ids}-${name}-error` : null]
      .filter(Boolean)
      .join(" ") || undefined;

  return (
    <div className="grid gap-5">
      <div className={compact ? "grid gap-5" : "grid gap-5 sm:grid-cols-2"}>
        <Field data-invalid={errors.name ? true : undefined}>
          <FieldLabel htmlFor={`${ids}-name`}>Name</FieldLabel>
          <Input
            id={`${ids}-name`}
            autoComplete="off"
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={described("name")}
            {...form.register("name", {
              onChange: (e: { target: { value: string } }) => {
                if (!idTyped) form.setValue("id", slugOf(e.target.value));
              },
            })}
          />
          <FieldError id={`${ids}-name-error`}>{errors.name?.message}</FieldError>
        </Field>
        <Field data-invalid={errors.id ? true : undefined}>
          <FieldLabel htmlFor={`${ids}-id`}>Id</FieldLabel>
          <Input
            id={`${ids}-id`}
            autoComplete="off"
            className="font-mono"
            readOnly={fixedId}
            aria-readonly={fixedId || undefined}
            placeholder="e.g. frequent-buyers"
            aria-invalid={errors.id ? true : undefined}
            aria-describedby={described("id", true)}
            {...form.register("id", { onChange: () => setIdTyped(true) })}
          />
          <FieldDescription id={`${ids}-id-help`}>
            {fixedId
              ? "Fixed: profiles and other segments refer to it."
              : "Lowercase letters, digits and hyphens; kept in each member’s segments. Cannot change later."}
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
      <Field
        data-invalid={errors.purpose ? true : undefined}
        className={compact ? "" : "sm:max-w-md"}
      >
        <FieldLabel htmlFor={`${ids}-purpose`}>Consent purpose</FieldLabel>
        <NativeSelect
          id={`${ids}-purpose`}
          aria-invalid={errors.purpose ? true : undefined}
          aria-describedby={described("purpose", true)}
          {...form.register("purpose", { setValueAs: blankToNull })}
        >
          <option value="">None: every matching profile is a member</option>
          {PURPOSES.map((p) => (
            <option key={p} value={p}>
              {PURPOSE_LABELS[p]}
            </option>
          ))}
        </NativeSelect>
        <FieldDescription id={`${ids}-purpose-help`}>
          With a purpose, only profiles holding a consent granted now for it are members.
        </FieldDescription>
        <FieldError id={`${ids}-purpose-error`}>{errors.purpose?.message}</FieldError>
      </Field>
    </div>
  );
}
