"use client";

import { useId, useState } from "react";
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import type { Path } from "react-hook-form";
import { toast } from "sonner";
import type { z } from "zod";
import { roles } from "@cdp/api/inputs";
import type { Role } from "@cdp/api/inputs";
import { StaffCreate } from "@cdp/api/inputs";
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
  Field,
  FieldDescription,
  FieldError,
  FieldLabel,
  Input,
  NativeSelect,
} from "@cdp/ui";

import { ReversibleAction } from "@/components/reversible-action";
import { AlertIcon, BanIcon, PlusIcon, SpinnerIcon } from "@/components/icons";
import { placeFieldErrors } from "@/components/admin/form-errors";
import { ROLE_LABELS, ROLE_SUMMARIES } from "@/lib/roles";
import { createStaffAccount, setStaffDisabled, setStaffRole } from "./actions";

type FormInput = z.input<typeof StaffCreate>;
type FormOutput = z.output<typeof StaffCreate>;
const FIELDS: Path<FormInput>[] = ["name", "email", "password", "role"];
const EMPTY: FormInput = { name: "", email: "", password: "", role: "viewer" };

/** A staff member's role, changed on the spot (not one's own: an admin cannot demote themself). */
export function RoleSelect({
  id,
  name,
  role,
  self,
}: {
  id: string;
  name: string;
  role: Role;
  self: boolean;
}) {
  const [value, setValue] = useState(role);
  const [busy, setBusy] = useState(false);

  async function change(next: Role) {
    const before = value;
    setValue(next);
    setBusy(true);
    try {
      const result = await setStaffRole({ id, role: next });
      if (result.ok) toast.success(`${name} is now ${ROLE_LABELS[result.value.role]}`);
      else {
        setValue(before);
        toast.error(result.message);
      }
    } catch {
      setValue(before);
      toast.error("The console could not reach the server. The role is unchanged.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <NativeSelect
      aria-label={`Role of ${name}`}
      value={value}
      disabled={busy || self}
      title={self ? "You cannot change your own role" : undefined}
      onChange={(e) => change(e.target.value as Role)}
      className="h-8"
    >
      {roles.map((r) => (
        <option key={r} value={r}>
          {ROLE_LABELS[r]}
        </option>
      ))}
    </NativeSelect>
  );
}

/** Disable (after a confirmation: it signs the person out) or enable an account. */
export function DisableButton({
  id,
  name,
  disabled,
}: {
  id: string;
  name: string;
  disabled: boolean;
}) {
  return (
    <ReversibleAction
      name={name}
      on={disabled}
      apply={(next) => setStaffDisabled({ id, disabled: next })}
      verb="Disable"
      undoVerb="Enable"
      icon={<BanIcon />}
      title={`Disable ${name}?`}
      description="They are signed out everywhere at once and cannot sign in until an admin enables the account again. Their audit history stays."
      succeeded={(next) =>
        next ? `${name} is disabled and signed out` : `${name} can sign in again`
      }
    />
  );
}

/** "Add staff member": name, e-mail, a first password and a role. */
export function CreateStaffDialog() {
  const ids = useId();
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const form = useForm<FormInput, unknown, FormOutput>({
    resolver: zodResolver(StaffCreate),
    defaultValues: EMPTY,
  });
  const { errors, isSubmitting } = form.formState;
  const role = form.watch("role");

  const describe = (name: keyof FormInput, help = false) =>
    [help ? `${ids}-${name}-help` : null, errors[name] ? `${ids}-${name}-error` : null]
      .filter(Boolean)
      .join(" ") || undefined;

  async function onSubmit(values: FormOutput) {
    setProblem(null);
    let result: Awaited<ReturnType<typeof createStaffAccount>>;
    try {
      result = await createStaffAccount(values);
    } catch {
      setProblem("The console could not reach the server. Your entries are still here: try again.");
      return;
    }
    if (result.ok) {
      toast.success(`Added ${result.value.name} as ${ROLE_LABELS[result.value.role]}`, {
        description:
          "Give them their e-mail address and password in person or through a secure channel.",
      });
      setOpen(false);
      form.reset(EMPTY);
      return;
    }
    const unplaced = placeFieldErrors(form, result.fieldErrors, FIELDS);
    if (unplaced.length > 0 || result.fieldErrors.length === 0)
      setProblem(unplaced[0] ?? result.message);
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          form.reset(EMPTY);
          setProblem(null);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button size="sm">
          <PlusIcon />
          Add staff member
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form noValidate onSubmit={form.handleSubmit(onSubmit)} className="grid gap-5">
          <DialogHeader>
            <DialogTitle>Add a staff member</DialogTitle>
            <DialogDescription>
              They sign in with this e-mail address and password. Choose the smallest role that lets
              them do their work.
            </DialogDescription>
          </DialogHeader>
          {problem ? (
            <Alert variant="destructive" data-testid="staff-error">
              <AlertIcon />
              <AlertDescription className="col-start-2">{problem}</AlertDescription>
            </Alert>
          ) : null}
          <Field data-invalid={errors.name ? true : undefined}>
            <FieldLabel htmlFor={`${ids}-name`}>Name</FieldLabel>
            <Input
              id={`${ids}-name`}
              autoComplete="off"
              aria-invalid={errors.name ? true : undefined}
              aria-describedby={describe("name")}
              {...form.register("name")}
            />
            <FieldError id={`${ids}-name-error`}>{errors.name?.message}</FieldError>
          </Field>
          <Field data-invalid={errors.email ? true : undefined}>
            <FieldLabel htmlFor={`${ids}-email`}>E-mail</FieldLabel>
            <Input
              id={`${ids}-email`}
              type="email"
              autoComplete="off"
              aria-invalid={errors.email ? true : undefined}
              aria-describedby={describe("email")}
              {...form.register("email")}
            />
            <FieldError id={`${ids}-email-error`}>{errors.email?.message}</FieldError>
          </Field>
          <Field data-invalid={errors.password ? true : undefined}>
            <FieldLabel htmlFor={`${ids}-password`}>First password</FieldLabel>
            <Input
              id={`${ids}-password`}
              type="password"
              autoComplete="new-password"
              aria-invalid={errors.password ? true : undefined}
              aria-describedby={describe("password", true)}
              {...form.register("password")}
            />
            <FieldDescription id={`${ids}-password-help`}>At least 10 characters.</FieldDescription>
            <FieldError id={`${ids}-password-error`}>{errors.password?.message}</FieldError>
          </Field>
          <Field data-invalid={errors.role ? true : undefined}>
            <FieldLabel htmlFor={`${ids}-role`}>Role</FieldLabel>
            <NativeSelect
              id={`${ids}-role`}
              aria-describedby={describe("role", true)}
              {...form.register("role")}
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABELS[r]}
                </option>
              ))}
            </NativeSelect>
            <FieldDescription id={`${ids}-role-help`}>{ROLE_SUMMARIES[role]}</FieldDescription>
            <FieldError id={`${ids}-role-error`}>{errors.role?.message}</FieldError>
          </Field>
          <DialogFooter>
            <DialogClose asChild>
              <Button type="button" variant="outline">
                Cancel
              </Button>
            </DialogClose>
            <Button type="submit" disabled={isSubmitting} aria-busy={isSubmitting || undefined}>
              {isSubmitting ? <SpinnerIcon /> : null}
              {isSubmitting ? "Adding…" : "Add staff member"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
