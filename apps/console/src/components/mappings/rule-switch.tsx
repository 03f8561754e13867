"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { cn } from "@cdp/ui";

import { enableMappingRule } from "@/app/(console)/mappings/actions";

/**
 * Turns a rule on or off at the version shown (the API refuses a stale one), for admins; others
 * see the same switch disabled, so the state reads the same for every role.
 */
export function RuleSwitch({
  id,
  name,
  enabled,
  version,
  disabled = false,
  onChange,
}: {
  id: string;
  name: string;
  enabled: boolean;
  version: number;
  disabled?: boolean;
  onChange?: (enabled: boolean, version: number) => void;
}) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);

  async function toggle() {
    setBusy(true);
    try {
      const result = await enableMappingRule({ id, enabled: !enabled, version });
      if (result.ok) {
        toast.success(`${result.value.enabled ? "Enabled" : "Disabled"} “${name}”`);
        onChange?.(result.value.enabled, result.value.version);
        router.refresh();
      } else {
        toast.error(result.message);
      }
    } catch {
      toast.error("The console could not reach the server. Try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <button
      type="button"
      role="switch"
      aria-checked={enabled}
      aria-label={`Enabled: ${name}`}
      disabled={disabled || busy}
      onClick={() => void toggle()}
      data-testid={`rule-switch-${id}`}
      className={cn(
        "relative inline-flex h-5 w-9 shrink-0 items-center rounded-full border-2 border-transparent transition-colors outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50 disabled:cursor-not-allowed disabled:opacity-60",
        enabled ? "bg-primary" : "bg-input dark:bg-input/80",
      )}
    >
      <span
        aria-hidden="true"
        className={cn(
          "pointer-events-none block size-4 rounded-full bg-background shadow-sm ring-0 transition-transform",
          enabled ? "translate-x-4" : "translate-x-0",
        )}
      />
    </button>
  );
}
