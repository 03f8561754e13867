"use client";

import { useEffect } from "react";
import { Button } from "@cdp/ui";

import { EmptyState } from "./empty-state";
import { AlertIcon, RetryIcon } from "@/components/icons";

/** The body of an error.tsx: what failed, a reference for the server logs, and a retry. */
export function LoadError({
  title,
  error,
  retry,
}: {
  title: string;
  error: unknown;
  retry: () => void;
}) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest =
    error instanceof Error && "digest" in error && typeof error.digest === "string"
      ? error.digest
      : null;
  return (
    <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
      <div role="alert" className="rounded-lg border bg-card px-6 py-16">
        <EmptyState
          tone="destructive"
          headingLevel={1}
          icon={<AlertIcon />}
          title={title}
          description="The console could not reach the profile store. This is usually temporary."
          action={
            <Button onClick={() => retry()} variant="outline" size="sm">
              <RetryIcon />
              Try again
            </Button>
          }
        >
          {digest ? (
            <p className="mt-3 font-mono text-xs text-muted-foreground">Reference: {digest}</p>
          ) : null}
        </EmptyState>
      </div>
    </div>
  );
}
