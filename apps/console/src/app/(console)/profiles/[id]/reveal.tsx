"use client";

import { createContext, useContext, useId, useState } from "react";
import type { ReactNode } from "react";
import { Controller, useForm } from "react-hook-form";
import { toast } from "sonner";
import {
  Alert,
  AlertDescription,
  Button,
  Card,
  CardAction,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
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
  Label,
  Textarea,
} from "@cdp/ui";

import { AlertIcon, EyeIcon, EyeOffIcon, SpinnerIcon } from "@/components/icons";
import { PiiText } from "@/components/pii-text";
import { formatValue, nameOf } from "@/lib/profile";
import { revealProfileFields } from "./actions";

/** A masked personal-data field of the profile on screen. */
export interface MaskedField {
  path: string;
  label: string;
  section: string;
}

interface Revealed {
  values: Record<string, unknown>;
  reason: string;
}

const RevealContext = createContext<{
  revealed: Revealed | null;
  add: (values: Record<string, unknown>, reason: string) => void;
  hide: () => void;
} | null>(null);

function useRevealed() {
  const context = useContext(RevealContext);
  if (!context) throw new Error("Revealed values are read inside <RevealProvider>.");
  return context;
}

/**
 * Holds the values revealed on this page. They live only in this page's memory: leaving or
 * reloading the page masks them again, and a new look needs a new reason.
 */
export function RevealProvider({ children }: { children: ReactNode }) {
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  return (
    <RevealContext.Provider
      value={{
        revealed,
        add: (values, reason) =>
          setRevealed((r) => ({ values: { ...r?.values, ...values }, reason })),
        hide: () => setRevealed(null),
      }}
    >
      {children}
    </RevealContext.Provider>
  );
}

function has(revealed: Revealed | null, path: string): revealed is Revealed {
  return revealed !== null && Object.hasOwn(revealed.values, path);
}

function RevealedMark({ children }: { children: ReactNode }) {
  return (
    <span
      data-revealed=""
      title="Revealed: recorded in the audit log"
      className="rounded-sm bg-violet-50 px-1 text-violet-900 ring-1 ring-violet-600/15 dark:bg-violet-400/10 dark:text-violet-200 dark:ring-violet-400/25"
    >
      {children}
    </span>
  );
}

/** A personal-data value: masked as the page was rendered, or the value once revealed. */
export function PiiValue({
  path,
  value,
  masked,
}: {
  path: string;
  value: string;
  masked: boolean;
}) {
  const { revealed } = useRevealed();
  if (has(revealed, path)) return <RevealedMark>{formatValue(revealed.values[path])}</RevealedMark>;
  return <PiiText value={value} masked={masked} />;
}

const NAME_PARTS = ["display_name", "firstname", "lastname"] as const;

/**
 * The person's name, built as `nameOf` builds it, from the revealed parts once every masked part
 * is revealed.
 */
export function PiiName({
  parts,
  maskedPaths,
  fallback,
}: {
  parts: Record<(typeof NAME_PARTS)[number], string | null>;
  maskedPaths: string[];
  fallback: string;
}) {
  const { revealed } = useRevealed();
  const shown = nameOf(parts);
  if (!shown) return <>{fallback}</>;
  const paths = NAME_PARTS.map((k) => `data.pii.${k}`).filter((p) => maskedPaths.includes(p));
  if (paths.length > 0 && paths.every((p) => has(revealed, p))) {
    const real = Object.fromEntries(
      NAME_PARTS.map((k) => {
        const path = `data.pii.${k}`;
        const v = has(revealed, path) ? revealed.values[path] : parts[k];
        return [k, typeof v === "string" ? v : null];
      }),
    ) as typeof parts;
    return <RevealedMark>{nameOf(real) ?? fallback}</RevealedMark>;
  }
  return <PiiText value={shown} masked={paths.length > 0} />;
}

/** Every value revealed on this page, with the reason given, and a way to mask them again. */
export function RevealedPanel({ fields }: { fields: MaskedField[] }) {
  const { revealed, hide } = useRevealed();
  if (!revealed) return null;
  const shown = fields.filter((f) => has(revealed, f.path));
  return (
    <Card
      role="region"
      aria-label="Revealed personal data"
      className="mt-4 gap-3 border-violet-600/20 py-5 dark:border-violet-400/25"
    >
      <CardHeader className="px-5">
        <CardTitle className="text-sm">Revealed personal data</CardTitle>
        <CardDescription>
          Reason: “{revealed.reason}”. Recorded in the audit log; masked again when you leave this
          page.
        </CardDescription>
        <CardAction>
          <Button variant="outline" size="sm" onClick={hide}>
            <EyeOffIcon />
            Mask again
          </Button>
        </CardAction>
      </CardHeader>
      <CardContent className="px-5">
        <dl className="grid gap-x-8 sm:grid-cols-2 lg:grid-cols-3">
          {shown.map((f) => (
            <div
              key={f.path}
              className="grid grid-cols-[9rem_1fr] items-baseline gap-3 py-1.5 text-sm"
            >
              <dt className="truncate text-muted-foreground" title={f.path}>
                {f.label}
                <span className="sr-only"> ({f.section})</span>
              </dt>
              <dd className="min-w-0 break-words" data-path={f.path}>
                {formatValue(revealed.values[f.path])}
              </dd>
            </div>
          ))}
        </dl>
      </CardContent>
    </Card>
  );
}

interface RevealFormValues {
  fields: string[];
  reason: string;
}

/** "Reveal…": choose fields, give a reason, see the values (privacy and admin roles). */
export function RevealButton({ profileId, fields }: { profileId: string; fields: MaskedField[] }) {
  const { add } = useRevealed();
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const ids = useId();
  const form = useForm<RevealFormValues>({ defaultValues: { fields: [], reason: "" } });
  const { errors, isSubmitting } = form.formState;

  const sections = [...new Set(fields.map((f) => f.section))];

  async function onSubmit(values: RevealFormValues) {
    setProblem(null);
    let result: Awaited<ReturnType<typeof revealProfileFields>>;
    try {
      result = await revealProfileFields({
        profileId,
        fields: values.fields,
        reason: values.reason,
      });
    } catch {
      setProblem("The console could not reach the server. Try again.");
      return;
    }
    if (result.ok) {
      add(result.values, values.reason.trim());
      setOpen(false);
      form.reset();
      const n = Object.keys(result.values).length;
      toast.success(`Revealed ${n} ${n === 1 ? "field" : "fields"}`, {
        description: "Recorded in the audit log with your reason.",
      });
      return;
    }
    let placed = false;
    for (const e of result.fieldErrors) {
      const name = e.path.startsWith("fields") ? "fields" : e.path === "reason" ? "reason" : null;
      if (name) {
        form.setError(name, { type: "server", message: e.message }, { shouldFocus: true });
        placed = true;
      }
    }
    if (!placed) setProblem(result.message);
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          form.reset();
          setProblem(null);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button size="sm" variant="outline" className="shrink-0 bg-background">
          <EyeIcon />
          Reveal…
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-xl">
        <form noValidate onSubmit={form.handleSubmit(onSubmit)} className="grid gap-5">
          <DialogHeader>
            <DialogTitle>Reveal personal data</DialogTitle>
            <DialogDescription>
              Choose what you need to see and say why. Your name, the fields and the reason are
              recorded in the audit log; the values are not.
            </DialogDescription>
          </DialogHeader>

          {problem ? (
            <Alert variant="destructive" data-testid="reveal-error">
              <AlertIcon />
              <AlertDescription className="col-start-2">{problem}</AlertDescription>
            </Alert>
          ) : null}

          <Controller
            control={form.control}
            name="fields"
            rules={{ validate: (v) => v.length > 0 || "Choose at least one field to reveal" }}
            render={({ field, fieldState }) => {
              const all = fields.map((f) => f.path);
              const allChecked = field.value.length === all.length;
              const toggle = (path: string, on: boolean) =>
                field.onChange(on ? [...field.value, path] : field.value.filter((p) => p !== path));
              return (
                <fieldset
                  className="grid gap-3"
                  aria-describedby={fieldState.error ? `${ids}-fields-error` : undefined}
                >
                  <legend className="sr-only">Fields to reveal</legend>
                  <div className="flex items-center justify-between gap-3">
                    <span aria-hidden="true" className="text-sm font-medium">
                      Fields
                    </span>
                    <Label className="text-sm font-normal">
                      <Checkbox
                        ref={field.ref}
                        checked={
                          allChecked ? true : field.value.length > 0 ? "indeterminate" : false
                        }
                        onCheckedChange={(c) => field.onChange(c === true ? all : [])}
                      />
                      All {fields.length} fields
                    </Label>
                  </div>
                  <div className="max-h-64 overflow-y-auto rounded-md border p-3">
                    {sections.map((section) => (
                      <div key={section} className="mb-3 last:mb-0">
                        <div className="mb-1.5 text-xs font-medium text-muted-foreground">
                          {section}
                        </div>
                        <div className="grid gap-x-4 gap-y-2 sm:grid-cols-2">
                          {fields
                            .filter((f) => f.section === section)
                            .map((f) => (
                              <Label key={f.path} className="font-normal">
                                <Checkbox
                                  checked={field.value.includes(f.path)}
                                  onCheckedChange={(c) => toggle(f.path, c === true)}
                                  aria-label={`${f.label} (${section})`}
                                />
                                {f.label}
                              </Label>
                            ))}
                        </div>
                      </div>
                    ))}
                  </div>
                  <FieldError id={`${ids}-fields-error`}>{fieldState.error?.message}</FieldError>
                </fieldset>
              );
            }}
          />

          <Field data-invalid={errors.reason ? true : undefined}>
            <FieldLabel htmlFor={`${ids}-reason`}>Reason</FieldLabel>
            <Textarea
              id={`${ids}-reason`}
              rows={3}
              placeholder="e.g. Data-subject access request #1234"
              aria-invalid={errors.reason ? true : undefined}
              aria-describedby={`${ids}-reason-help${errors.reason ? ` ${ids}-reason-error` : ""}`}
              {...form.register("reason", {
                validate: (v) => v.trim() !== "" || "Give a reason for revealing this data",
              })}
            />
            <FieldDescription id={`${ids}-reason-help`}>
              Kept with the audit entry: a ticket or request number helps reviewers.
            </FieldDescription>
            <FieldError id={`${ids}-reason-error`}>{errors.reason?.message}</FieldError>
          </Field>

          <DialogFooter>
            <DialogClose asChild>
              <Button type="button" variant="outline">
                Cancel
              </Button>
            </DialogClose>
            <Button type="submit" disabled={isSubmitting} aria-busy={isSubmitting || undefined}>
              {isSubmitting ? (
                <>
                  <SpinnerIcon />
                  Revealing…
                </>
              ) : (
                <>
                  <EyeIcon />
                  Reveal
                </>
              )}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
