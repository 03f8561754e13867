"use client";

import { useId, useState } from "react";
import { zodResolver } from "@hookform/resolvers/zod";
import { Controller, useForm } from "react-hook-form";
import type { Path } from "react-hook-form";
import { toast } from "sonner";
import type { z } from "zod";
import { permissions, TokenCreate } from "@cdp/api/inputs";
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
  AlertTitle,
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
} from "@cdp/ui";

import {
  AlertIcon,
  BanIcon,
  CheckIcon,
  CopyIcon,
  KeyIcon,
  PlusIcon,
  SpinnerIcon,
} from "@/components/icons";
import { placeFieldErrors } from "@/components/admin/form-errors";
import { createToken, revokeToken } from "./actions";
import { SCOPE_SUMMARIES } from "./scopes";

type FormInput = z.input<typeof TokenCreate>;
type FormOutput = z.output<typeof TokenCreate>;
const FIELDS: Path<FormInput>[] = ["name", "scopes", "expiresInDays"];
const EMPTY: FormInput = { name: "", scopes: [], expiresInDays: 90 };
const LIFETIMES = [
  [30, "30 days"],
  [90, "90 days"],
  [365, "1 year"],
] as const;

/** The new token's secret, once: copy it now, it is not shown again. */
function SecretOnce({
  name,
  secret,
  onDone,
}: {
  name: string;
  secret: string;
  onDone: () => void;
}) {
  const ids = useId();
  const [copied, setCopied] = useState(false);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
      toast.success("Secret copied");
    } catch {
      toast.error("Copying is blocked here: select the secret and copy it yourself.");
    }
  }

  return (
    <div className="grid gap-5">
      <DialogHeader>
        <DialogTitle>Token “{name}” created</DialogTitle>
        <DialogDescription>
          Give this secret to the service; it sends it as a Bearer token.
        </DialogDescription>
      </DialogHeader>
      <Alert variant="warning" data-testid="token-secret-warning">
        <AlertIcon />
        <AlertTitle>Copy it now: you will not see it again</AlertTitle>
        <AlertDescription>
          Only a hash of it is stored. If it is lost, revoke this token and create another.
        </AlertDescription>
      </Alert>
      <Field>
        <FieldLabel htmlFor={`${ids}-secret`}>Secret</FieldLabel>
        <div className="flex gap-2">
          <Input
            id={`${ids}-secret`}
            readOnly
            value={secret}
            className="font-mono text-xs"
            onFocus={(e) => e.currentTarget.select()}
            data-testid="token-secret"
          />
          <Button type="button" variant="outline" onClick={copy}>
            {copied ? <CheckIcon /> : <CopyIcon />}
            {copied ? "Copied" : "Copy"}
          </Button>
        </div>
      </Field>
      <DialogFooter>
        <Button type="button" onClick={onDone}>
          I have stored it
        </Button>
      </DialogFooter>
    </div>
  );
}

/** "Create token": name, scopes, lifetime; then the secret, once. */
export function CreateTokenDialog() {
  const ids = useId();
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const form = useForm<FormInput, unknown, FormOutput>({
    resolver: zodResolver(TokenCreate),
    defaultValues: EMPTY,
  });
  const { errors, isSubmitting } = form.formState;

  function close() {
    setOpen(false);
    // The secret leaves memory with the dialog.
    setCreated(null);
    setProblem(null);
    form.reset(EMPTY);
  }

  async function onSubmit(values: FormOutput) {
    setProblem(null);
    let result: Awaited<ReturnType<typeof createToken>>;
    try {
      result = await createToken(values);
    } catch {
      setProblem("The console could not reach the server. Nothing was created; try again.");
      return;
    }
    if (result.ok) {
      setCreated({ name: result.value.name, secret: result.value.secret });
      return;
    }
    const unplaced = placeFieldErrors(form, result.fieldErrors, FIELDS);
    if (unplaced.length > 0 || result.fieldErrors.length === 0)
      setProblem(unplaced[0] ?? result.message);
  }

  return (
    <Dialog open={open} onOpenChange={(next) => (next ? setOpen(true) : close())}>
      <DialogTrigger asChild>
        <Button size="sm">
          <PlusIcon />
          Create token
        </Button>
      </DialogTrigger>
      <DialogContent
        className="sm:max-w-xl"
        // A stray click outside must not throw away a secret that is shown only once.
        onInteractOutside={(e) => {
          if (created) e.preventDefault();
        }}
      >
        {created ? (
          <SecretOnce name={created.name} secret={created.secret} onDone={close} />
        ) : (
          <form noValidate onSubmit={form.handleSubmit(onSubmit)} className="grid gap-5">
            <DialogHeader>
              <DialogTitle>Create a service token</DialogTitle>
              <DialogDescription>
                One token per service, with the fewest scopes it needs. You see its secret once,
                right after creating it.
              </DialogDescription>
            </DialogHeader>
            {problem ? (
              <Alert variant="destructive" data-testid="token-error">
                <AlertIcon />
                <AlertDescription className="col-start-2">{problem}</AlertDescription>
              </Alert>
            ) : null}
            <Field data-invalid={errors.name ? true : undefined}>
              <FieldLabel htmlFor={`${ids}-name`}>Name</FieldLabel>
              <Input
                id={`${ids}-name`}
                autoComplete="off"
                placeholder="e.g. CRM sync"
                aria-invalid={errors.name ? true : undefined}
                aria-describedby={errors.name ? `${ids}-name-error` : undefined}
                {...form.register("name")}
              />
              <FieldError id={`${ids}-name-error`}>{errors.name?.message}</FieldError>
            </Field>
            <Controller
              control={form.control}
              name="scopes"
              render={({ field, fieldState }) => (
                <fieldset
                  className="grid gap-2"
                  aria-describedby={fieldState.error ? `${ids}-scopes-error` : undefined}
                  aria-invalid={fieldState.error ? true : undefined}
                >
                  <legend className="mb-1 text-sm font-medium">Scopes</legend>
                  <div className="grid gap-2 rounded-md border p-3">
                    {permissions.map((p, i) => (
                      <div key={p} className="flex items-start gap-3">
                        <Checkbox
                          id={`${ids}-scope-${p}`}
                          ref={i === 0 ? field.ref : undefined}
                          checked={field.value.includes(p)}
                          onCheckedChange={(c) =>
                            field.onChange(
                              c === true ? [...field.value, p] : field.value.filter((s) => s !== p),
                            )
                          }
                          aria-describedby={`${ids}-scope-${p}-help`}
                          className="mt-0.5"
                        />
                        <div className="grid gap-0.5">
                          <Label htmlFor={`${ids}-scope-${p}`} className="font-mono text-xs">
                            {p}
                          </Label>
                          <span
                            id={`${ids}-scope-${p}-help`}
                            className="text-sm text-muted-foreground"
                          >
                            {SCOPE_SUMMARIES[p]}
                          </span>
                        </div>
                      </div>
                    ))}
                  </div>
                  <FieldError id={`${ids}-scopes-error`}>{fieldState.error?.message}</FieldError>
                </fieldset>
              )}
            />
            <Controller
              control={form.control}
              name="expiresInDays"
              render={({ field, fieldState }) => (
                <Field data-invalid={fieldState.error ? true : undefined}>
                  <FieldLabel htmlFor={`${ids}-expires`}>Expires after</FieldLabel>
                  <NativeSelect
                    id={`${ids}-expires`}
                    ref={field.ref}
                    value={
                      field.value === null || field.value === undefined
                        ? "never"
                        : String(field.value)
                    }
                    onChange={(e) =>
                      field.onChange(e.target.value === "never" ? null : Number(e.target.value))
                    }
                    aria-describedby={`${ids}-expires-help`}
                  >
                    {LIFETIMES.map(([days, label]) => (
                      <option key={days} value={days}>
                        {label}
                      </option>
                    ))}
                    <option value="never">Never</option>
                  </NativeSelect>
                  <FieldDescription id={`${ids}-expires-help`}>
                    A token that expires limits the harm of a leaked secret.
                  </FieldDescription>
                  <FieldError>{fieldState.error?.message}</FieldError>
                </Field>
              )}
            />
            <DialogFooter>
              <DialogClose asChild>
                <Button type="button" variant="outline">
                  Cancel
                </Button>
              </DialogClose>
              <Button type="submit" disabled={isSubmitting} aria-busy={isSubmitting || undefined}>
                {isSubmitting ? <SpinnerIcon /> : <KeyIcon />}
                {isSubmitting ? "Creating…" : "Create token"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

/** Revoke, after a confirmation: services using the token are refused from then on. */
export function RevokeTokenButton({ id, name }: { id: string; name: string }) {
  const [busy, setBusy] = useState(false);

  async function revoke() {
    setBusy(true);
    try {
      const result = await revokeToken(id);
      if (result.ok) toast.success(`Revoked “${result.value.name}”`);
      else toast.error(result.message);
    } catch {
      toast.error("The console could not reach the server. The token still works; try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button size="sm" variant="ghost" disabled={busy} aria-label={`Revoke ${name}`}>
          {busy ? <SpinnerIcon /> : <BanIcon />}
          Revoke
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Revoke “{name}”?</AlertDialogTitle>
          <AlertDialogDescription>
            Every call with this token is refused from now on. This cannot be undone: the service
            needs a new token.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction variant="destructive" onClick={revoke}>
            Revoke
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
