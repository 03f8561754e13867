"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import {
  Alert,
  AlertDescription,
  AlertTitle,
  Button,
  Field,
  FieldError,
  FieldLabel,
  Input,
} from "@cdp/ui";

import { AlertIcon, SpinnerIcon } from "@/components/icons";

/** What the sign-in form checks before asking the server (better-auth checks the rest). */
const SignInForm = z.object({
  email: z
    .string()
    .trim()
    .min(1, "Enter your email address")
    .pipe(z.email("Enter an email address such as name@example.com")),
  password: z.string().min(1, "Enter your password"),
});
type SignInForm = z.infer<typeof SignInForm>;

interface Problem {
  title: string;
  detail: string;
}

/** Why a sign-in was refused, in words a person can act on (better-auth's status and code). */
function refusal(status: number, code: string | null, retryAfter: string | null): Problem {
  if (status === 401) {
    return {
      title: "Wrong email or password",
      detail: "Check both and try again. Passwords are case-sensitive.",
    };
  }
  if (status === 429) {
    const seconds = Number.parseInt(retryAfter ?? "", 10);
    return {
      title: "Too many sign-in attempts",
      detail:
        Number.isFinite(seconds) && seconds > 0
          ? `Sign-in is paused for safety. Try again in ${seconds} ${seconds === 1 ? "second" : "seconds"}.`
          : "Sign-in is paused for safety. Try again in a minute.",
    };
  }
  if (code === "BANNED_USER") {
    return {
      title: "This account is disabled",
      detail: "Ask an administrator to enable it again.",
    };
  }
  if (code === "INVALID_ORIGIN") {
    return {
      title: "The console is opened at an address it does not expect",
      detail: "Open it at its configured address (BETTER_AUTH_URL), or ask an administrator.",
    };
  }
  return {
    title: "Sign-in failed",
    detail: `The server answered with an error (${status}). Try again in a moment.`,
  };
}

/** better-auth's error code from a refused request's body, if it sent one. */
async function errorCode(response: Response): Promise<string | null> {
  try {
    const body: unknown = await response.json();
    const code = (body as { code?: unknown } | null)?.code;
    return typeof code === "string" ? code : null;
  } catch {
    return null;
  }
}

export function LoginForm({ next }: { next: string }) {
  const router = useRouter();
  const form = useForm<SignInForm>({
    resolver: zodResolver(SignInForm),
    defaultValues: { email: "", password: "" },
  });
  const { errors, isSubmitting } = form.formState;
  const [problem, setProblem] = useState<Problem | null>(null);
  // After a successful sign-in the button stays busy until the next page has replaced this one.
  const [leaving, setLeaving] = useState(false);
  const busy = isSubmitting || leaving;

  async function onSubmit(values: SignInForm) {
    setProblem(null);
    let response: Response;
    try {
      response = await fetch("/api/auth/sign-in/email", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(values),
      });
    } catch {
      setProblem({
        title: "Could not reach the console",
        detail: "Check your connection and try again.",
      });
      return;
    }
    if (response.ok) {
      setLeaving(true);
      router.replace(next);
      router.refresh();
      return;
    }
    setProblem(
      refusal(response.status, await errorCode(response), response.headers.get("x-retry-after")),
    );
    form.setFocus("password", { shouldSelect: true });
  }

  return (
    <form noValidate onSubmit={form.handleSubmit(onSubmit)} className="flex flex-col gap-5">
      {problem ? (
        <Alert variant="destructive" data-testid="sign-in-error">
          <AlertIcon />
          <AlertTitle>{problem.title}</AlertTitle>
          <AlertDescription>{problem.detail}</AlertDescription>
        </Alert>
      ) : null}
      <Field data-invalid={errors.email ? true : undefined}>
        <FieldLabel htmlFor="email">Email</FieldLabel>
        <Input
          id="email"
          type="email"
          autoComplete="username"
          autoFocus
          placeholder="name@example.com"
          aria-invalid={errors.email ? true : undefined}
          aria-describedby={errors.email ? "email-error" : undefined}
          {...form.register("email")}
        />
        <FieldError id="email-error">{errors.email?.message}</FieldError>
      </Field>
      <Field data-invalid={errors.password ? true : undefined}>
        <FieldLabel htmlFor="password">Password</FieldLabel>
        <Input
          id="password"
          type="password"
          autoComplete="current-password"
          aria-invalid={errors.password ? true : undefined}
          aria-describedby={errors.password ? "password-error" : undefined}
          {...form.register("password")}
        />
        <FieldError id="password-error">{errors.password?.message}</FieldError>
      </Field>
      <Button type="submit" className="w-full" disabled={busy} aria-busy={busy || undefined}>
        {busy ? (
          <>
            <SpinnerIcon />
            Signing in…
          </>
        ) : (
          "Sign in"
        )}
      </Button>
    </form>
  );
}
