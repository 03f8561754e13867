import type { ConditionTextError } from "@cdp/profile-schema";

// Characters of context kept either side of the error in the snippet under the query bar.
const CONTEXT = 36;

/** The line of the query holding an error, cut around it, with where the error starts in it. */
export function errorSnippet(text: string, error: ConditionTextError) {
  const offset = Math.min(error.position.offset, text.length);
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const newline = text.indexOf("\n", offset);
  const line = text.slice(lineStart, newline === -1 ? text.length : newline);
  const column = offset - lineStart;
  const length = Math.max(1, Math.min(error.length, line.length - column || 1));
  const from = Math.max(0, column - CONTEXT);
  const to = Math.min(line.length, column + length + CONTEXT);
  const lead = from > 0 ? "…" : "";
  return {
    before: lead + line.slice(from, column),
    marked: line.slice(column, column + length),
    after: line.slice(column + length, to) + (to < line.length ? "…" : ""),
    caret: column - from + lead.length,
    length,
  };
}

/**
 * A parse error of the query bar shown where it is: the query's line with the offending part
 * underlined and a caret under it, then the message and the column.
 */
export function QueryError({
  id,
  text,
  error,
}: {
  id: string;
  text: string;
  error: ConditionTextError;
}) {
  const s = errorSnippet(text, error);
  return (
    <div
      id={id}
      role="alert"
      data-testid="query-error"
      data-offset={error.position.offset}
      className="mt-2 rounded-md border border-destructive/30 bg-destructive/5 px-3 py-2 text-sm dark:bg-destructive/10"
    >
      <pre
        aria-hidden="true"
        className="overflow-x-auto font-mono text-xs leading-5 whitespace-pre text-foreground"
      >
        {s.before}
        <span
          data-testid="query-error-mark"
          className="rounded-[2px] bg-destructive/15 text-destructive underline decoration-destructive decoration-wavy underline-offset-4"
        >
          {s.marked || " "}
        </span>
        {s.after}
        {"\n"}
        <span className="text-destructive">
          {" ".repeat(s.caret)}^{"~".repeat(Math.max(0, s.length - 1))}
        </span>
      </pre>
      <p className="mt-1 text-destructive">
        {error.message}
        <span className="text-muted-foreground">
          {" "}
          — {error.position.line > 1 ? `line ${error.position.line}, ` : ""}column{" "}
          {error.position.column}
        </span>
      </p>
    </div>
  );
}
