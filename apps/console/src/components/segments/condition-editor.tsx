"use client";

import { useState } from "react";
import {
  describeCondition,
  formatCondition,
  MAX_CONDITION_TEXT,
  parseConditionText,
} from "@cdp/profile-schema";
import type { Condition, ConditionTextError } from "@cdp/profile-schema";
import { Textarea } from "@cdp/ui";

import { AlertIcon } from "@/components/icons";
import { errorSnippet } from "@/components/profiles/query-error";
import { ConditionBuilder } from "./condition-builder";
import type { BuilderOptions } from "./condition-builder";
import { emptyGroup, fromDraft, rootDraft } from "./condition-draft";
import type { DraftGroup, DraftIssue } from "./condition-draft";

/**
 * A parse error under the query text, where it is: the line with the offending part underlined
 * and a caret under it, then the message and the column. (The snippet is the profiles query bar's;
 * text stays in the foreground colour so it reads on the tinted box in both themes.)
 */
function TextError({ id, text, error }: { id: string; text: string; error: ConditionTextError }) {
  const s = errorSnippet(text, error);
  return (
    <div
      id={id}
      role="alert"
      data-testid="query-error"
      data-offset={error.position.offset}
      className="rounded-md border border-destructive/40 bg-destructive/5 px-3 py-2 text-sm dark:bg-destructive/10"
    >
      <pre
        aria-hidden="true"
        className="overflow-x-auto font-mono text-xs leading-5 whitespace-pre text-foreground"
      >
        {s.before}
        <span
          data-testid="query-error-mark"
          className="font-semibold underline decoration-destructive decoration-wavy decoration-2 underline-offset-4"
        >
          {s.marked || " "}
        </span>
        {s.after}
        {"\n"}
        <span className="font-semibold">
          {" ".repeat(s.caret)}^{"~".repeat(Math.max(0, s.length - 1))}
        </span>
      </pre>
      <p className="mt-1 flex items-start gap-1.5 text-foreground">
        <AlertIcon className="mt-0.5 size-4 shrink-0 text-destructive" />
        <span>
          {error.message}
          <span className="text-muted-foreground">
            {" "}
            — {error.position.line > 1 ? `line ${error.position.line}, ` : ""}column{" "}
            {error.position.column}
          </span>
        </span>
      </p>
    </div>
  );
}

interface EditorState {
  text: string;
  textError: ConditionTextError | null;
  draft: DraftGroup;
  draftIssues: DraftIssue[];
  /** The condition both views agree on; null while there is none. */
  condition: Condition | null;
}

/** Why the condition cannot be used now (for the preview and the save button), or null. */
export function editorProblem(state: {
  textError: ConditionTextError | null;
  draftIssues: readonly DraftIssue[];
}): string | null {
  if (state.textError) return "The query text has an error.";
  if (state.draftIssues.length > 0) return "A condition in the builder is incomplete.";
  return null;
}

function initialState(condition: Condition | null): EditorState {
  return {
    text: condition ? formatCondition(condition) : "",
    textError: null,
    draft: rootDraft(condition),
    draftIssues: [],
    condition,
  };
}

/**
 * One condition, two ways to write it, kept in sync: the query text (the console's syntax, errors
 * shown at their position) and the structured builder. Editing either rewrites the other as soon
 * as it is valid; the readable sentence follows. Reports the valid condition (or null) and why
 * there is none to `onChange`.
 */
export function ConditionEditor({
  id,
  initial,
  onChange,
  options,
  serverError,
}: {
  /** Id of the query text box (for its label). */
  id: string;
  initial: Condition | null;
  onChange: (condition: Condition | null, problem: string | null) => void;
  options: BuilderOptions;
  /** The API's objection to the condition on save (a cycle, an unknown segment). */
  serverError?: string | null;
}) {
  const [state, setState] = useState<EditorState>(() => initialState(initial));

  function commit(next: EditorState) {
    setState(next);
    onChange(editorProblem(next) ? null : next.condition, editorProblem(next));
  }

  function editText(text: string) {
    if (text.trim() === "") {
      commit({ text, textError: null, draft: emptyGroup(), draftIssues: [], condition: null });
      return;
    }
    const parsed = parseConditionText(text);
    if (!parsed.ok) {
      commit({ ...state, text, textError: parsed.error });
      return;
    }
    commit({
      text,
      textError: null,
      draft: rootDraft(parsed.condition),
      draftIssues: [],
      condition: parsed.condition,
    });
  }

  function editDraft(draft: DraftGroup) {
    if (draft.children.length === 0) {
      commit({ text: "", textError: null, draft, draftIssues: [], condition: null });
      return;
    }
    const built = fromDraft(draft);
    if (!built.ok) {
      commit({ ...state, draft, draftIssues: built.issues });
      return;
    }
    commit({
      text: formatCondition(built.condition),
      textError: null,
      draft,
      draftIssues: [],
      condition: built.condition,
    });
  }

  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const sentence = state.condition && !state.textError ? describeCondition(state.condition) : null;

  return (
    <div className="grid gap-4">
      <div className="grid gap-2">
        <label htmlFor={id} className="text-sm font-medium">
          Query
        </label>
        <Textarea
          id={id}
          value={state.text}
          onChange={(e) => editText(e.target.value)}
          maxLength={MAX_CONDITION_TEXT}
          rows={2}
          spellCheck={false}
          autoComplete="off"
          placeholder='e.g. data.contact.address.country = "Poland" and stats.visits >= 3'
          aria-invalid={state.textError ? true : undefined}
          aria-describedby={state.textError ? errorId : helpId}
          className="min-h-[4.5rem] bg-background font-mono text-[13px]"
          data-testid="condition-text"
        />
        {state.textError ? (
          <TextError id={errorId} text={state.text} error={state.textError} />
        ) : (
          <p id={helpId} className="text-xs text-muted-foreground">
            Fields by path (<span className="font-mono">traits.plan</span>),{" "}
            <span className="font-mono">and</span> / <span className="font-mono">or</span> /{" "}
            <span className="font-mono">not</span>,{" "}
            <span className="font-mono">consent(marketing)</span>,{" "}
            <span className="font-mono">segment(vip)</span>,{" "}
            <span className="font-mono">event(purchase) &gt;= 2 within 30d</span>.
            {state.draftIssues.length > 0
              ? " The builder below has an incomplete condition; this text shows the last complete one."
              : null}
          </p>
        )}
      </div>

      <div
        className="rounded-md border bg-muted/30 px-3 py-2.5 text-sm"
        aria-live="polite"
        data-testid="condition-sentence"
      >
        <span className="font-medium">In words: </span>
        {sentence ? (
          <span>{sentence}</span>
        ) : (
          <span className="text-muted-foreground">
            {state.textError || state.draftIssues.length > 0
              ? "(the condition is incomplete)"
              : "(no condition yet)"}
          </span>
        )}
      </div>

      {serverError ? (
        <p
          role="alert"
          className="flex items-start gap-2 rounded-md border border-destructive/30 bg-destructive/5 px-3 py-2 text-sm text-destructive"
          data-testid="condition-server-error"
        >
          <AlertIcon className="mt-0.5 size-4 shrink-0" />
          {serverError}
        </p>
      ) : null}

      <fieldset
        disabled={state.textError !== null}
        aria-describedby={state.textError ? `${id}-builder-note` : undefined}
        className="grid gap-2 disabled:opacity-60"
        data-testid="condition-builder"
      >
        <legend className="mb-2 text-sm font-medium">Builder</legend>
        {state.textError ? (
          <p id={`${id}-builder-note`} className="text-xs text-muted-foreground">
            The builder shows the last valid condition. Correct the query text to edit it here.
          </p>
        ) : null}
        <ConditionBuilder
          draft={state.draft}
          issues={state.draftIssues}
          onChange={editDraft}
          options={options}
          idPrefix={id}
        />
      </fieldset>
    </div>
  );
}
