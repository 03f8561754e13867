"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { toast } from "sonner";
import {
  Alert,
  AlertDescription,
  Badge,
  Button,
  Card,
  CardAction,
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
  FieldLabel,
  Input,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@cdp/ui";
import type { MergeStrategy } from "@cdp/profile-schema";

import { AlertIcon, MergeIcon, SpinnerIcon } from "@/components/icons";
import { PiiText } from "@/components/pii-text";
import { ProfileStatusBadge } from "@/components/profile-status-badge";
import { ANONYMOUS_NAME, formatDateTime, formatNumber, formatValue } from "@/lib/profile";
import { mergeProfiles, previewMerge } from "./actions";
import type { MergePlan } from "./actions";

/** A profile of a duplicate group, as the list shows it (personal data masked by the API). */
export interface GroupMember {
  id: string;
  name: string | null;
  nameMasked: boolean;
  email: string | null;
  emailMasked: boolean;
  phone: string | null;
  phoneMasked: boolean;
  created: string | null;
  createdAt: string | null;
  visits: number;
  anonymous: boolean;
}

const STRATEGY_LABELS: Record<MergeStrategy, string> = {
  "latest-change": "Most recent change",
  union: "Combined",
  sum: "Added up",
  earliest: "Earliest",
  "latest-time": "Latest",
  "follows-visit": "From the latest visit",
};

const dash = <span className="text-muted-foreground/50">—</span>;

function MemberName({ member }: { member: GroupMember }) {
  if (member.name) return <PiiText value={member.name} masked={member.nameMasked} />;
  return (
    <span className="text-muted-foreground">
      {member.anonymous ? ANONYMOUS_NAME : "Unnamed profile"}
    </span>
  );
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** One group of profiles sharing a key, with "Review merge…" for roles that may merge. */
export function DuplicateGroup({
  keyLabel,
  keyValue,
  total,
  members,
  mayMerge,
}: {
  keyLabel: string;
  keyValue: string;
  total: number;
  members: GroupMember[];
  mayMerge: boolean;
}) {
  const titleId = useId();
  return (
    <Card className="gap-0 py-0" role="group" aria-labelledby={titleId}>
      <CardHeader className="border-b px-4 py-3 [.border-b]:pb-3">
        <CardTitle id={titleId} className="flex items-center gap-2 text-sm">
          <span className="text-muted-foreground">{keyLabel}</span>
          <span className="font-mono">
            <PiiText value={keyValue} masked={keyValue.includes("•")} />
          </span>
        </CardTitle>
        <CardDescription>
          {formatNumber(total)} profiles share it
          {total > members.length ? ` (the oldest ${members.length} shown)` : ""}
        </CardDescription>
        {mayMerge ? (
          <CardAction>
            <MergeDialog keyLabel={keyLabel} members={members} />
          </CardAction>
        ) : null}
      </CardHeader>
      <Table className="table-fixed">
        <TableCaption className="sr-only">
          Profiles sharing this {keyLabel.toLowerCase()}, oldest first
        </TableCaption>
        <TableHeader>
          <TableRow className="hover:bg-transparent">
            <TableHead className="w-[34%] pl-4 text-xs font-medium text-muted-foreground">
              Name
            </TableHead>
            <TableHead className="w-[20%] text-xs font-medium text-muted-foreground">
              E-mail
            </TableHead>
            <TableHead className="w-[13%] text-xs font-medium text-muted-foreground">
              Phone
            </TableHead>
            <TableHead className="w-[13%] text-xs font-medium text-muted-foreground">
              Created
            </TableHead>
            <TableHead className="w-[8%] text-right text-xs font-medium text-muted-foreground">
              Visits
            </TableHead>
            <TableHead className="pr-4 text-xs font-medium text-muted-foreground">Status</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {members.map((m) => (
            <TableRow key={m.id}>
              <TableCell className="py-2 pl-4">
                <Link
                  href={`/profiles/${encodeURIComponent(m.id)}`}
                  prefetch={false}
                  className="font-medium underline-offset-4 hover:underline"
                >
                  <MemberName member={m} />
                </Link>
                <div className="truncate font-mono text-xs text-muted-foreground">{m.id}</div>
              </TableCell>
              <TableCell className="truncate">
                {m.email ? <PiiText value={m.email} masked={m.emailMasked} /> : dash}
              </TableCell>
              <TableCell className="tabular-nums">
                {m.phone ? <PiiText value={m.phone} masked={m.phoneMasked} /> : dash}
              </TableCell>
              <TableCell className="text-muted-foreground">
                {m.created ? <time dateTime={m.createdAt ?? undefined}>{m.created}</time> : dash}
              </TableCell>
              <TableCell className="text-right tabular-nums">{formatNumber(m.visits)}</TableCell>
              <TableCell className="pr-4">
                <ProfileStatusBadge anonymous={m.anonymous} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Card>
  );
}

function ValueCell({ value, pii }: { value: unknown; pii: boolean }) {
  const text =
    typeof value === "string" && ISO_INSTANT.test(value)
      ? (formatDateTime(value) ?? value)
      : formatValue(value);
  return <PiiText value={text} masked={pii && text.includes("•")} />;
}

/** Choose the profile to keep and those to merge into it, preview the result, merge. */
function MergeDialog({ keyLabel, members }: { keyLabel: string; members: GroupMember[] }) {
  const router = useRouter();
  const ids = useId();
  const [open, setOpen] = useState(false);
  const [keep, setKeep] = useState(members[0]?.id ?? "");
  const [merged, setMerged] = useState<string[]>(members.slice(1).map((m) => m.id));
  const [plan, setPlan] = useState<MergePlan | null>(null);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState<"preview" | "merge" | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const from = merged.filter((id) => id !== keep);
  const byId = new Map(members.map((m) => [m.id, m]));
  const keptName = (() => {
    const m = byId.get(keep);
    return m?.name && !m.nameMasked ? m.name : keep;
  })();

  function choose(next: { keep?: string; merged?: string[] }) {
    if (next.keep !== undefined) {
      setKeep(next.keep);
      // The profile kept before becomes one to merge: all others stay chosen.
      setMerged(members.map((m) => m.id).filter((id) => id !== next.keep));
    }
    if (next.merged !== undefined) setMerged(next.merged);
    setPlan(null);
    setProblem(null);
  }

  async function preview() {
    setBusy("preview");
    setProblem(null);
    try {
      const result = await previewMerge({ into: keep, from });
      if (result.ok) setPlan(result.value);
      else setProblem(result.message);
    } catch {
      setProblem("The console could not reach the server. Try again.");
    } finally {
      setBusy(null);
    }
  }

  async function merge() {
    if (!plan) return;
    setBusy("merge");
    setProblem(null);
    try {
      const result = await mergeProfiles({
        into: plan.into,
        from: plan.from,
        reason: reason.trim() === "" ? null : reason.trim(),
      });
      if (!result.ok) {
        setProblem(result.message);
        return;
      }
      const into = result.value.into;
      setOpen(false);
      toast.success(
        `Merged ${result.value.merged} ${result.value.merged === 1 ? "profile" : "profiles"} into ${keptName}`,
        {
          description: "The merge can be undone from the kept profile’s page.",
          action: {
            label: "Open",
            onClick: () => router.push(`/profiles/${encodeURIComponent(into)}`),
          },
        },
      );
    } catch {
      setProblem("The console could not reach the server. Nothing was merged; try again.");
    } finally {
      setBusy(null);
    }
  }

  const columns = plan ? [plan.into, ...plan.from] : [];

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          setPlan(null);
          setProblem(null);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button size="sm" variant="outline">
          <MergeIcon />
          Review merge…
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-5xl">
        <DialogHeader>
          <DialogTitle>Merge profiles sharing this {keyLabel.toLowerCase()}</DialogTitle>
          <DialogDescription>
            Choose the profile to keep and the ones to merge into it, then preview what the kept
            profile will hold. Merged profiles’ ids keep working and lead to the kept one.
          </DialogDescription>
        </DialogHeader>

        {problem ? (
          <Alert variant="destructive" data-testid="merge-error">
            <AlertIcon />
            <AlertDescription className="col-start-2">{problem}</AlertDescription>
          </Alert>
        ) : null}

        <fieldset>
          <legend className="mb-2 text-sm font-medium">Profiles</legend>
          <div className="overflow-x-auto rounded-md border">
            <Table>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead className="w-16 pl-3 text-xs">Keep</TableHead>
                  <TableHead className="w-16 text-xs">Merge</TableHead>
                  <TableHead className="text-xs">Profile</TableHead>
                  <TableHead className="text-xs">E-mail</TableHead>
                  <TableHead className="text-xs">Created</TableHead>
                  <TableHead className="pr-3 text-right text-xs">Visits</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {members.map((m) => {
                  const label = m.name && !m.nameMasked ? m.name : m.id;
                  return (
                    <TableRow key={m.id}>
                      <TableCell className="pl-3">
                        <input
                          type="radio"
                          name={`${ids}-keep`}
                          value={m.id}
                          checked={keep === m.id}
                          onChange={() => choose({ keep: m.id })}
                          aria-label={`Keep ${label}`}
                          className="size-4 accent-primary"
                        />
                      </TableCell>
                      <TableCell>
                        <Checkbox
                          checked={m.id !== keep && merged.includes(m.id)}
                          disabled={m.id === keep}
                          onCheckedChange={(c) =>
                            choose({
                              merged:
                                c === true ? [...merged, m.id] : merged.filter((id) => id !== m.id),
                            })
                          }
                          aria-label={`Merge ${label}`}
                        />
                      </TableCell>
                      <TableCell>
                        <div className="font-medium">
                          <MemberName member={m} />
                        </div>
                        <div className="font-mono text-xs text-muted-foreground">{m.id}</div>
                      </TableCell>
                      <TableCell>
                        {m.email ? <PiiText value={m.email} masked={m.emailMasked} /> : dash}
                      </TableCell>
                      <TableCell className="text-muted-foreground">{m.created ?? dash}</TableCell>
                      <TableCell className="pr-3 text-right tabular-nums">
                        {formatNumber(m.visits)}
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </div>
        </fieldset>

        {plan ? (
          <section aria-label="Merge preview" className="grid gap-2">
            <h3 className="text-sm font-medium">
              What changes: {plan.decisions.length}{" "}
              {plan.decisions.length === 1 ? "field differs" : "fields differ"}
            </h3>
            {/* Focusable so the keyboard can scroll a long comparison. */}
            <div
              tabIndex={0}
              role="region"
              aria-label="Fields that differ"
              className="max-h-80 overflow-auto rounded-md border outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
            >
              <Table>
                <TableCaption className="sr-only">
                  Each field where the profiles differ, their values and the merged value
                </TableCaption>
                <TableHeader className="sticky top-0 bg-background">
                  <TableRow className="hover:bg-transparent">
                    <TableHead className="pl-3 text-xs">Field</TableHead>
                    {columns.map((id, i) => (
                      <TableHead key={id} className="h-auto py-2 align-top text-xs">
                        <div>
                          {i === 0 ? "Kept" : columns.length > 2 ? `Merged (${i})` : "Merged"}
                        </div>
                        <div
                          className="max-w-40 truncate font-mono font-normal text-muted-foreground"
                          title={id}
                        >
                          {id}
                        </div>
                      </TableHead>
                    ))}
                    <TableHead className="text-xs">Result</TableHead>
                    <TableHead className="pr-3 text-xs">Rule</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {plan.decisions.map((d) => (
                    <TableRow key={d.path}>
                      <TableCell className="pl-3 align-top">
                        {d.label === d.path ? (
                          <div className="font-mono text-xs">{d.path}</div>
                        ) : (
                          <>
                            <div className="font-medium">{d.label}</div>
                            <div className="font-mono text-xs text-muted-foreground">{d.path}</div>
                          </>
                        )}
                      </TableCell>
                      {columns.map((id) => (
                        <TableCell
                          key={id}
                          className={`max-w-56 align-top break-words whitespace-normal ${
                            d.winner === id && d.strategy !== "sum" && d.strategy !== "union"
                              ? "font-medium"
                              : "text-muted-foreground"
                          }`}
                        >
                          <ValueCell value={d.values[id]} pii={d.pii} />
                        </TableCell>
                      ))}
                      <TableCell className="max-w-56 align-top break-words whitespace-normal">
                        <Badge
                          variant="success"
                          className="max-w-full font-normal whitespace-normal"
                        >
                          <ValueCell value={d.value} pii={d.pii} />
                        </Badge>
                      </TableCell>
                      <TableCell className="pr-3 align-top text-xs text-muted-foreground">
                        {STRATEGY_LABELS[d.strategy]}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </div>
            <Field>
              <FieldLabel htmlFor={`${ids}-reason`}>
                Reason <span className="font-normal text-muted-foreground">(optional)</span>
              </FieldLabel>
              <Input
                id={`${ids}-reason`}
                value={reason}
                maxLength={500}
                onChange={(e) => setReason(e.target.value)}
                aria-describedby={`${ids}-reason-help`}
              />
              <FieldDescription id={`${ids}-reason-help`}>
                Kept with the merge in the audit log.
              </FieldDescription>
            </Field>
          </section>
        ) : null}

        <DialogFooter>
          <DialogClose asChild>
            <Button type="button" variant="outline">
              Cancel
            </Button>
          </DialogClose>
          {plan ? (
            <Button
              onClick={merge}
              disabled={busy !== null}
              aria-busy={busy === "merge" || undefined}
            >
              {busy === "merge" ? <SpinnerIcon /> : <MergeIcon />}
              {busy === "merge"
                ? "Merging…"
                : `Merge ${plan.from.length} ${plan.from.length === 1 ? "profile" : "profiles"}`}
            </Button>
          ) : (
            <Button
              onClick={preview}
              disabled={busy !== null || from.length === 0}
              aria-busy={busy === "preview" || undefined}
            >
              {busy === "preview" ? <SpinnerIcon /> : null}
              {busy === "preview" ? "Preparing preview…" : "Preview merge"}
            </Button>
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
