"use client";

import { useState } from "react";
import type { ReactNode } from "react";
import { toast } from "sonner";
import {
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
} from "@cdp/ui";

import { SpinnerIcon, UndoIcon } from "@/components/icons";

/**
 * A switch with consequences: turning it on (archive, disable) asks for confirmation first;
 * turning it back (restore, enable) is one click. The outcome is a toast either way.
 */
export function ReversibleAction({
  name,
  on,
  apply,
  verb,
  undoVerb,
  icon,
  title,
  description,
  succeeded,
}: {
  /** What it acts on, for labels ("Archive Newsletter"). */
  name: string;
  /** Whether the state is on now (archived, disabled). */
  on: boolean;
  apply: (next: boolean) => Promise<{ ok: true } | { ok: false; message: string }>;
  verb: string;
  undoVerb: string;
  icon: ReactNode;
  title: string;
  description: ReactNode;
  succeeded: (next: boolean) => string;
}) {
  const [busy, setBusy] = useState(false);

  async function run(next: boolean) {
    setBusy(true);
    try {
      const result = await apply(next);
      if (result.ok) toast.success(succeeded(next));
      else toast.error(result.message);
    } catch {
      toast.error("The console could not reach the server. Try again.");
    } finally {
      setBusy(false);
    }
  }

  if (on) {
    return (
      <Button
        size="sm"
        variant="ghost"
        disabled={busy}
        onClick={() => run(false)}
        aria-label={`${undoVerb} ${name}`}
      >
        {busy ? <SpinnerIcon /> : <UndoIcon />}
        {undoVerb}
      </Button>
    );
  }
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button size="sm" variant="ghost" disabled={busy} aria-label={`${verb} ${name}`}>
          {busy ? <SpinnerIcon /> : icon}
          {verb}
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>{description}</AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction variant="destructive" onClick={() => run(true)}>
            {verb}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
