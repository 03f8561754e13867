"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { toast } from "sonner";
import { ConsentGrant, ConsentRevocation, legalBases } from "@cdp/profile-schema";
import type { LegalBasis } from "@cdp/profile-schema";
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
  Textarea,
} from "@cdp/ui";

import { grantConsent, revokeConsent } from "@/app/(console)/profiles/[id]/actions";
import type { ConsentResult } from "@/app/(console)/profiles/[id]/actions";
import { AlertIcon, SpinnerIcon } from "@/components/icons";
import { LEGAL_BASIS_LABELS } from "./legal-basis";

// The parts of the API's inputs this dialog asks for; the rest (profile, type) are given.
const GrantForm = ConsentGrant.pick({ legalBasis: true, policyVersion: true });
const RevokeForm = ConsentRevocation.pick({ reason: true });

// An optional field left empty is absent, not an empty (and invalid) text.
const emptyAsUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

interface GrantValues {
  legalBasis: LegalBasis;
  policyVersion?: string;
}
interface RevokeValues {
  reason?: string;
}

/** Shows the outcome of a consent change: a toast and the page re-read, or the refusal. */
function useConsentOutcome(onDone: () => void) {
  const router = useRouter();
  const [problem, setProblem] = useState<string | null>(null);
  async function run(
    call: () => Promise<ConsentResult>,
    success: string,
    place: (path: string, message: string) => boolean,
  ) {
    setProblem(null);
    let result: ConsentResult;
    try {
      result = await call();
    } catch {
      setProblem("The console could not reach the server. Try again.");
      return;
    }
    if (result.ok) {
      toast.success(success);
      onDone();
      router.refresh();
      return;
    }
    const placed = result.fieldErrors.map((e) => place(e.path, e.message)).some(Boolean);
    if (!placed) setProblem(result.message);
  }
  return { problem, setProblem, run };
}

/** "Grant…": records the person's consent with a legal basis (GDPR Art. 6). */
export function GrantConsentButton({
  profileId,
  typeId,
  typeName,
}: {
  profileId: string;
  typeId: string;
  typeName: string;
}) {
  const ids = useId();
  const [open, setOpen] = useState(false);
  const form = useForm<GrantValues>({
    resolver: zodResolver(GrantForm),
    defaultValues: { legalBasis: "consent" },
  });
  const { errors, isSubmitting } = form.formState;
  const { problem, setProblem, run } = useConsentOutcome(() => setOpen(false));

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
        <Button type="button" size="sm" variant="outline" aria-label={`Grant ${typeName}`}>
          Grant…
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-md">
        <form
          noValidate
          className="grid gap-4"
          onSubmit={form.handleSubmit((values) =>
            run(
              () =>
                grantConsent({
                  profileId,
                  typeId,
                  legalBasis: values.legalBasis,
                  policyVersion: values.policyVersion?.trim() || undefined,
                  source: "console",
                }),
              `Consent granted: ${typeName}`,
              (path, message) => {
                if (path !== "legalBasis" && path !== "policyVersion") return false;
                form.setError(path, { type: "server", message });
                return true;
              },
            ),
          )}
        >
          <DialogHeader>
            <DialogTitle>Grant “{typeName}”</DialogTitle>
            <DialogDescription>
              Records that this person gave the consent now. It is added to the consent ledger with
              your name.
            </DialogDescription>
          </DialogHeader>
          {problem ? (
            <Alert variant="destructive">
              <AlertIcon />
              <AlertDescription className="col-start-2">{problem}</AlertDescription>
            </Alert>
          ) : null}
          <Field data-invalid={errors.legalBasis ? true : undefined}>
            <FieldLabel htmlFor={`${ids}-basis`}>Legal basis</FieldLabel>
            <NativeSelect
              id={`${ids}-basis`}
              aria-invalid={errors.legalBasis ? true : undefined}
              aria-describedby={errors.legalBasis ? `${ids}-basis-error` : undefined}
              {...form.register("legalBasis")}
            >
              {legalBases.map((b) => (
                <option key={b} value={b}>
                  {LEGAL_BASIS_LABELS[b]}
                </option>
              ))}
            </NativeSelect>
            <FieldError id={`${ids}-basis-error`}>{errors.legalBasis?.message}</FieldError>
          </Field>
          <Field data-invalid={errors.policyVersion ? true : undefined}>
            <FieldLabel htmlFor={`${ids}-policy`}>Policy version (optional)</FieldLabel>
            <Input
              id={`${ids}-policy`}
              placeholder="e.g. 2025-01"
              aria-invalid={errors.policyVersion ? true : undefined}
              aria-describedby={`${ids}-policy-help${errors.policyVersion ? ` ${ids}-policy-error` : ""}`}
              {...form.register("policyVersion", { setValueAs: emptyAsUndefined })}
            />
            <FieldDescription id={`${ids}-policy-help`}>
              The version of the text the person agreed to.
            </FieldDescription>
            <FieldError id={`${ids}-policy-error`}>{errors.policyVersion?.message}</FieldError>
          </Field>
          <DialogFooter>
            <DialogClose asChild>
              <Button type="button" variant="outline">
                Cancel
              </Button>
            </DialogClose>
            <Button type="submit" disabled={isSubmitting}>
              {isSubmitting ? <SpinnerIcon /> : null}
              Grant consent
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** "Revoke…": withdraws a consent in effect, with an optional reason. */
export function RevokeConsentButton({
  profileId,
  typeId,
  typeName,
}: {
  profileId: string;
  typeId: string;
  typeName: string;
}) {
  const ids = useId();
  const [open, setOpen] = useState(false);
  const form = useForm<RevokeValues>({
    resolver: zodResolver(RevokeForm),
    defaultValues: {},
  });
  const { errors, isSubmitting } = form.formState;
  const { problem, setProblem, run } = useConsentOutcome(() => setOpen(false));

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
        <Button type="button" size="sm" variant="outline" aria-label={`Revoke ${typeName}`}>
          Revoke…
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-md">
        <form
          noValidate
          className="grid gap-4"
          onSubmit={form.handleSubmit((values) =>
            run(
              () =>
                revokeConsent({
                  profileId,
                  typeId,
                  reason: values.reason?.trim() || undefined,
                  source: "console",
                }),
              `Consent revoked: ${typeName}`,
              (path, message) => {
                if (path !== "reason") return false;
                form.setError("reason", { type: "server", message });
                return true;
              },
            ),
          )}
        >
          <DialogHeader>
            <DialogTitle>Revoke “{typeName}”</DialogTitle>
            <DialogDescription>
              Records that this person withdrew the consent now. Segments that need it stop counting
              the profile.
            </DialogDescription>
          </DialogHeader>
          {problem ? (
            <Alert variant="destructive">
              <AlertIcon />
              <AlertDescription className="col-start-2">{problem}</AlertDescription>
            </Alert>
          ) : null}
          <Field data-invalid={errors.reason ? true : undefined}>
            <FieldLabel htmlFor={`${ids}-reason`}>Reason (optional)</FieldLabel>
            <Textarea
              id={`${ids}-reason`}
              rows={3}
              placeholder="e.g. Asked by phone, ticket #1234"
              aria-invalid={errors.reason ? true : undefined}
              aria-describedby={errors.reason ? `${ids}-reason-error` : undefined}
              {...form.register("reason", { setValueAs: emptyAsUndefined })}
            />
            <FieldError id={`${ids}-reason-error`}>{errors.reason?.message}</FieldError>
          </Field>
          <DialogFooter>
            <DialogClose asChild>
              <Button type="button" variant="outline">
                Cancel
              </Button>
            </DialogClose>
            <Button type="submit" variant="destructive" disabled={isSubmitting}>
              {isSubmitting ? <SpinnerIcon /> : null}
              Revoke consent
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
