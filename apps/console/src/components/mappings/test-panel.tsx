"use client";

import { useEffect, useId, useState } from "react";
import {
  Alert,
  AlertDescription,
  AlertTitle,
  Badge,
  Button,
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
  Input,
  Label,
  Textarea,
} from "@cdp/ui";

import { AlertIcon, CheckCircleIcon, PlayIcon, SpinnerIcon } from "@/components/icons";
import { PiiText } from "@/components/pii-text";
import { formatValue } from "@/lib/profile";
import { testMappingRule } from "@/app/(console)/mappings/actions";
import type { MappingTestOutput } from "@/app/(console)/mappings/actions";
import type { DraftIssue, RuleDraft } from "./draft";

function Value({ value }: { value: unknown }) {
  const text = formatValue(value);
  return <PiiText value={text} masked={text.includes("•")} />;
}

/**
 * A dry run of the draft (not the saved rule) on an event pasted here: what `profile.track` would
 * change, built-in mappings included. The API masks personal data the reader may not see.
 */
export function TestPanel({
  draft,
  issues,
  onIssues,
}: {
  draft: RuleDraft;
  /** Problems of the draft the client already knows: the test is not sent with them. */
  issues: readonly DraftIssue[];
  /** The API's field errors about the rule (`mappings.1.to`), for the editor to place. */
  onIssues: (issues: DraftIssue[]) => void;
}) {
  const ids = useId();
  const firstType = draft.eventTypes[0] ?? "signup";
  const sample = (type: string) => JSON.stringify({ type, properties: {} }, null, 2);
  const [eventText, setEventText] = useState(() => sample(firstType));
  const [edited, setEdited] = useState(false);
  // The sample follows the rule's first event type until it is edited.
  useEffect(() => {
    if (!edited) setEventText(sample(firstType));
  }, [firstType, edited]);
  const [profileId, setProfileId] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<MappingTestOutput | null>(null);

  async function run() {
    setProblem(null);
    setResult(null);
    if (issues.length > 0) {
      setProblem(`Fix the rule first: ${issues[0]!.message}`);
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(eventText);
    } catch {
      setProblem("The event is not JSON.");
      return;
    }
    if (typeof event !== "object" || event === null || Array.isArray(event)) {
      setProblem("The event is a JSON object with a type, and properties.");
      return;
    }
    setBusy(true);
    try {
      const answer = await testMappingRule({
        rule: draft,
        // The API validates the event (its type, time, properties) and says what is wrong.
        event: event as Parameters<typeof testMappingRule>[0]["event"],
        ...(profileId.trim() ? { profileId: profileId.trim() } : {}),
      });
      if (answer.ok) {
        setResult(answer.value);
        return;
      }
      const ruleIssues = answer.fieldErrors
        .filter((e) => e.path.startsWith("rule."))
        .map((e) => ({ path: e.path.slice("rule.".length), message: e.message }));
      onIssues(ruleIssues);
      const other = answer.fieldErrors.find((e) => !e.path.startsWith("rule."));
      setProblem(
        other ? `${other.path}: ${other.message}` : (ruleIssues[0]?.message ?? answer.message),
      );
    } catch {
      setProblem("The console could not reach the server. Try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card className="gap-3 py-5" data-testid="mapping-test-panel">
      <CardHeader className="px-5">
        <CardTitle className="text-sm">
          <h2>Test the draft</h2>
        </CardTitle>
        <CardDescription>
          Runs this draft on an event as tracking would, without writing anything.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-x-8 gap-y-3 px-5 lg:grid-cols-2">
        <div className="grid content-start gap-3">
          <div className="grid gap-1.5">
            <Label htmlFor={`${ids}-event`}>Event JSON</Label>
            <Textarea
              id={`${ids}-event`}
              value={eventText}
              onChange={(e) => {
                setEventText(e.target.value);
                setEdited(true);
              }}
              rows={7}
              spellCheck={false}
              className="font-mono text-xs"
            />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor={`${ids}-profile`}>Profile id (optional)</Label>
            <Input
              id={`${ids}-profile`}
              value={profileId}
              onChange={(e) => setProfileId(e.target.value)}
              placeholder="A new profile when empty"
              autoComplete="off"
            />
          </div>
          <div>
            <Button
              type="button"
              variant="secondary"
              size="sm"
              onClick={() => void run()}
              disabled={busy}
            >
              {busy ? <SpinnerIcon /> : <PlayIcon />}
              Run test
            </Button>
          </div>
        </div>
        <div className="grid content-start gap-3" aria-live="polite">
          {problem ? (
            <Alert variant="destructive">
              <AlertIcon />
              <AlertDescription className="text-destructive!">{problem}</AlertDescription>
            </Alert>
          ) : null}
          {result ? <TestResult result={result} /> : null}
          {!problem && !result ? (
            <p className="text-sm text-muted-foreground">
              The profile changes the draft would make show here: path, before and after.
            </p>
          ) : null}
        </div>
      </CardContent>
    </Card>
  );
}

function TestResult({ result }: { result: MappingTestOutput }) {
  return (
    <section aria-label="Test result" className="grid gap-3" data-testid="mapping-test-result">
      {result.result.ok ? (
        <Alert>
          <CheckCircleIcon />
          <AlertTitle>
            {result.changes.length === 0
              ? "Tracking this event would change nothing"
              : `Tracking this event would change ${result.changes.length} path${result.changes.length === 1 ? "" : "s"}`}
          </AlertTitle>
          <AlertDescription>
            {result.created ? "On a new profile" : `On profile ${result.profileId}`}
            {result.result.duplicate ? " (a duplicate event: ignored)" : ""}
          </AlertDescription>
        </Alert>
      ) : (
        <Alert variant="destructive">
          <AlertIcon />
          <AlertTitle>Tracking would refuse this event</AlertTitle>
          <AlertDescription className="text-destructive!">
            {result.result.error.message}
          </AlertDescription>
        </Alert>
      )}
      {result.changes.length > 0 ? (
        <table className="w-full text-left text-xs">
          <caption className="sr-only">Profile changes</caption>
          <thead className="text-muted-foreground">
            <tr>
              <th className="py-1 pr-3 font-medium">Path</th>
              <th className="py-1 pr-3 font-medium">Before</th>
              <th className="py-1 font-medium">After</th>
            </tr>
          </thead>
          <tbody className="font-mono">
            {result.changes.map((c) => (
              <tr key={c.path} className="border-t align-top" data-testid="mapping-test-change">
                <td className="py-1 pr-3">{c.path}</td>
                <td className="max-w-32 py-1 pr-3 break-all text-muted-foreground">
                  <Value value={c.before} />
                </td>
                <td className="max-w-40 py-1 break-all">
                  <Value value={c.after} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {result.rules.length > 0 ? (
        <ul className="grid gap-1 text-xs" aria-label="Rules that ran">
          {result.rules.map((r) => (
            <li key={`${r.id}:${r.version}`} className="flex flex-wrap items-center gap-2">
              <span className="font-medium">{r.name}</span>
              <Badge variant={r.matched ? "outline" : "muted"} className="font-normal">
                {r.matched
                  ? `${r.changes.length} change${r.changes.length === 1 ? "" : "s"}`
                  : "condition did not hold"}
              </Badge>
              {r.consents.map((c) => (
                <Badge key={c.typeId} variant="outline" className="font-normal">
                  consent {c.typeId} {c.action}
                </Badge>
              ))}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
