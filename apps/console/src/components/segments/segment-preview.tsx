"use client";

import Link from "next/link";
import { useId, useState } from "react";
import type { FormEvent } from "react";
import type { Condition, ConsentPurpose } from "@cdp/profile-schema";
import { Badge, Button, Input, Skeleton, cn } from "@cdp/ui";

import { AlertIcon, LockIcon, SpinnerIcon } from "@/components/icons";
import { MASKED_TITLE, PiiText } from "@/components/pii-text";
import {
  ANONYMOUS_NAME,
  COUNTRY_PATH,
  EMAIL_PATH,
  NAME_PATHS,
  formatNumber,
  isMasked,
  nameOf,
} from "@/lib/profile";
import { ExplanationTree } from "./explanation-tree";
import type { SegmentPreview as Preview } from "./preview-client";
import { useSegmentPreview } from "./use-segment-preview";

type SampleItem = Preview["sample"][number];

function Stat({
  label,
  value,
  testId,
  hint,
}: {
  label: string;
  value: number | null;
  testId: string;
  hint?: string;
}) {
  return (
    <div className="rounded-md border bg-background px-3 py-2.5">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="mt-0.5">
        <div className="text-2xl font-semibold tabular-nums" data-testid={testId}>
          {value === null ? <Skeleton className="h-8 w-16" /> : formatNumber(value)}
        </div>
        {hint ? <span className="mt-0.5 block text-xs text-muted-foreground">{hint}</span> : null}
      </dd>
    </div>
  );
}

function SampleRow({
  item,
  selected,
  onExplain,
}: {
  item: SampleItem;
  selected: boolean;
  onExplain: () => void;
}) {
  const { profile, masked } = item;
  const name = nameOf(profile.data.pii);
  const email = profile.data.contact.email.main;
  const country = profile.data.contact.address.country;
  return (
    <li
      data-profile-id={profile.id}
      className={cn(
        "flex items-center gap-3 px-3 py-2 text-sm",
        selected && "bg-accent/60 dark:bg-accent/30",
      )}
    >
      <div className="min-w-0 flex-1">
        <Link
          href={`/profiles/${encodeURIComponent(profile.id)}`}
          className="block truncate font-medium hover:underline"
        >
          {name ? (
            <PiiText value={name} masked={isMasked(masked, NAME_PATHS)} />
          ) : (
            <span className="text-muted-foreground">{ANONYMOUS_NAME}</span>
          )}
        </Link>
        <div className="truncate text-xs text-muted-foreground">
          {email ? <PiiText value={email} masked={isMasked(masked, [EMAIL_PATH])} /> : "No e-mail"}
          {country ? (
            <>
              {" · "}
              <PiiText value={country} masked={isMasked(masked, [COUNTRY_PATH])} />
            </>
          ) : null}
        </div>
      </div>
      <Button
        type="button"
        size="sm"
        variant={selected ? "secondary" : "ghost"}
        aria-pressed={selected}
        onClick={onExplain}
        aria-label={`Why does ${name ?? profile.id} match?`}
      >
        Why?
      </Button>
    </li>
  );
}

/**
 * The live preview beside a condition: how many profiles it selects now (and, with a purpose, how
 * many of them consented), a masked sample of 20, and "why it matched" for a chosen profile.
 * Follows the condition as it changes (debounced; stale requests aborted).
 */
export function SegmentPreview({
  condition,
  purpose,
  blocked,
}: {
  /** The valid condition to preview; null when there is none yet. */
  condition: Condition | null;
  purpose: ConsentPurpose | null;
  /** Why there is nothing to preview (the condition has an error), when that is the case. */
  blocked?: string | null;
}) {
  const ids = useId();
  const [explained, setExplained] = useState<string | null>(null);
  const [lookup, setLookup] = useState("");
  const state = useSegmentPreview(blocked ? null : condition, purpose, explained);

  const { result, loading } = state;
  const explainError =
    result && !result.ok && result.fieldErrors.some((e) => e.path === "profileId")
      ? result.message
      : null;
  // A profile that cannot be explained fails the whole request: the counts shown stay the last.
  const preview = result?.ok ? result.value : explainError ? state.lastOk : null;

  function explainById(event: FormEvent) {
    event.preventDefault();
    const key = lookup.trim();
    if (key) setExplained(key);
  }

  return (
    <section
      aria-labelledby={`${ids}-title`}
      aria-busy={loading || undefined}
      className="rounded-lg border bg-card shadow-xs"
      data-testid="segment-preview"
    >
      <header className="flex items-center justify-between gap-3 border-b px-4 py-3">
        <div>
          <h2 id={`${ids}-title`} className="text-sm font-semibold">
            Live preview
          </h2>
          <p className="text-xs text-muted-foreground">Who the condition selects right now.</p>
        </div>
        <span role="status" className="flex items-center gap-1.5 text-xs text-muted-foreground">
          {loading ? (
            <>
              <SpinnerIcon className="size-3.5" />
              Updating…
            </>
          ) : preview ? (
            "Up to date"
          ) : null}
        </span>
      </header>

      <div className="grid gap-4 p-4">
        {blocked ? (
          <p className="flex items-start gap-2 rounded-md border border-dashed px-3 py-6 text-sm text-muted-foreground">
            <AlertIcon className="mt-0.5 size-4 shrink-0" />
            {blocked} Correct it to see who the condition selects.
          </p>
        ) : !condition ? (
          <p className="rounded-md border border-dashed px-3 py-6 text-center text-sm text-muted-foreground">
            Write a condition or add one in the builder to see who it selects.
          </p>
        ) : result && !result.ok && !explainError ? (
          <p
            role="alert"
            className="flex items-start gap-2 rounded-md border border-destructive/30 bg-destructive/5 px-3 py-3 text-sm text-destructive"
          >
            <AlertIcon className="mt-0.5 size-4 shrink-0" />
            {result.message}
          </p>
        ) : (
          <>
            <dl className={cn("grid grid-cols-2 gap-3", loading && "opacity-70")}>
              <Stat
                label="Matching profiles"
                value={preview?.count ?? null}
                testId="preview-count"
              />
              <Stat
                label={purpose ? "Consented (members)" : "Members"}
                value={preview?.consentedCount ?? null}
                testId="preview-consented"
                hint={
                  purpose
                    ? `Hold a ${purpose.replace("-", " ")} consent granted now`
                    : "No consent purpose: every match"
                }
              />
            </dl>

            <div>
              <div className="mb-1.5 flex items-center justify-between gap-2">
                <h3 className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">
                  Sample
                </h3>
                {preview?.sample.some((s) => s.masked.length > 0) ? (
                  <Badge
                    variant="outline"
                    className="gap-1 text-muted-foreground"
                    title={MASKED_TITLE}
                  >
                    <LockIcon />
                    PII masked
                  </Badge>
                ) : null}
              </div>
              {preview === null ? (
                <div className="grid gap-2" aria-hidden="true">
                  {Array.from({ length: 4 }, (_, i) => (
                    <Skeleton key={i} className="h-10 w-full" />
                  ))}
                </div>
              ) : preview.sample.length === 0 ? (
                <p className="rounded-md border border-dashed px-3 py-6 text-center text-sm text-muted-foreground">
                  No profile matches this condition now.
                </p>
              ) : (
                <ul
                  aria-label="Sample of matching profiles"
                  data-testid="preview-sample"
                  className={cn(
                    "max-h-80 divide-y overflow-y-auto rounded-md border",
                    loading && "opacity-70",
                  )}
                >
                  {preview.sample.map((item) => (
                    <SampleRow
                      key={item.profile.id}
                      item={item}
                      selected={explained === item.profile.id}
                      onExplain={() =>
                        setExplained((current) =>
                          current === item.profile.id ? null : item.profile.id,
                        )
                      }
                    />
                  ))}
                </ul>
              )}
            </div>

            <div className="grid gap-2">
              <h3 className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">
                Why it matched
              </h3>
              <form onSubmit={explainById} className="flex gap-2" aria-label="Explain a profile">
                <label htmlFor={`${ids}-profile`} className="sr-only">
                  Profile id or identifier to explain
                </label>
                <Input
                  id={`${ids}-profile`}
                  value={lookup}
                  onChange={(e) => setLookup(e.target.value)}
                  placeholder="Profile id or identifier"
                  autoComplete="off"
                  aria-invalid={explainError ? true : undefined}
                  aria-describedby={explainError ? `${ids}-profile-error` : undefined}
                  className="h-8 font-mono text-xs"
                />
                <Button type="submit" size="sm" variant="outline">
                  Explain
                </Button>
              </form>
              {explainError ? (
                <p id={`${ids}-profile-error`} className="text-sm text-destructive">
                  {explainError}
                </p>
              ) : null}
              {!explainError && explained && preview?.explanation ? (
                <div data-testid="preview-explanation" className="grid gap-2">
                  <p className="text-sm">
                    <Link
                      href={`/profiles/${encodeURIComponent(preview.explanation.profileId)}`}
                      className="font-mono text-xs hover:underline"
                    >
                      {preview.explanation.profileId}
                    </Link>{" "}
                    {preview.explanation.member ? (
                      <Badge variant="success">would be a member</Badge>
                    ) : (
                      <Badge variant="muted">would not be a member</Badge>
                    )}
                    {preview.explanation.consented === false ? (
                      <span className="ml-1 text-xs text-muted-foreground">
                        (no {purpose} consent granted)
                      </span>
                    ) : null}
                  </p>
                  <ul className="grid gap-1.5" aria-label="Condition, part by part">
                    <ExplanationTree node={preview.explanation.explanation} />
                  </ul>
                </div>
              ) : explained && !explainError ? (
                <Skeleton className="h-16 w-full" />
              ) : (
                <p className="text-xs text-muted-foreground">
                  Choose a profile to see which parts of the condition it satisfies.
                </p>
              )}
            </div>
          </>
        )}
      </div>
    </section>
  );
}
