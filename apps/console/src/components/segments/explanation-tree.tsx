import { describeCondition } from "@cdp/profile-schema";
import { cn } from "@cdp/ui";

import type { ConditionExplanation } from "./preview-client";
import { CheckCircleIcon, XCircleIcon } from "@/components/icons";

function Verdict({ matched }: { matched: boolean }) {
  return matched ? (
    <span className="inline-flex shrink-0 items-center gap-1 text-xs font-medium text-emerald-700 dark:text-emerald-400">
      <CheckCircleIcon className="size-3.5" />
      matched
    </span>
  ) : (
    <span className="inline-flex shrink-0 items-center gap-1 text-xs font-medium text-muted-foreground">
      <XCircleIcon className="size-3.5" />
      not matched
    </span>
  );
}

function groupLabel(node: ConditionExplanation): string {
  if (node.kind === "and") return "All of";
  if (node.kind === "or") return "Any of";
  return "Not";
}

/**
 * "Why it matched": the condition part by part, each with whether the profile satisfied it (events
 * with the count seen). Holds no profile values: only the condition's own words.
 */
export function ExplanationTree({ node }: { node: ConditionExplanation }) {
  if (node.kind === "and" || node.kind === "or" || node.kind === "not") {
    const children = node.kind === "not" ? [node.child] : node.children;
    return (
      <li data-matched={node.matched} className="grid gap-1.5">
        <div className="flex items-center justify-between gap-3">
          <span className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">
            {groupLabel(node)}
          </span>
          <Verdict matched={node.matched} />
        </div>
        <ul className="grid gap-1.5 border-l-2 pl-3">
          {children.map((child, i) => (
            <ExplanationTree key={i} node={child} />
          ))}
        </ul>
      </li>
    );
  }
  return (
    <li
      data-matched={node.matched}
      className={cn(
        "flex items-start justify-between gap-3 rounded-md border px-2.5 py-1.5 text-sm",
        node.matched
          ? "border-emerald-600/25 bg-emerald-50/60 dark:border-emerald-400/20 dark:bg-emerald-400/5"
          : "bg-muted/40",
      )}
    >
      <span className="min-w-0">
        {describeCondition(node.condition)}
        {node.kind === "event" ? (
          <span className="text-muted-foreground"> (counted {node.count})</span>
        ) : null}
      </span>
      <Verdict matched={node.matched} />
    </li>
  );
}
