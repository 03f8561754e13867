import { checkCondition, conditionNode } from "./condition";
import type { Condition, ConditionScalar, ConditionScope, FieldCondition } from "./condition";

/*
 * The query bar's syntax. Grammar (keywords case-insensitive, precedence not > and > or):
 *
 *   query      := or
 *   or         := and ("or" and)*
 *   and        := unary ("and" unary)*
 *   unary      := "not" unary | primary
 *   primary    := "(" query ")" | consent | segment | event | comparison
 *   consent    := "consent" "(" name ")" [ "=" ("true" | "false") ]
 *   segment    := "segment" "(" name ")"
 *   event      := "event" "(" name ")" [count] "within" DURATION
 *   count      := (">=" | "<=" | "=" | ">" | "<") NUMBER | "between" NUMBER "and" NUMBER
 *   comparison := FIELD ( ("=" | "!=" | ">" | ">=" | "<" | "<=") value
 *                       | "in" "(" value ("," value)* ")" | "between" value "and" value
 *                       | "contains" value | "starts" "with" value | "ends" "with" value
 *                       | "exists" | ["is"] "empty" | "within" "last" DURATION
 *                       | "before" DURATION ["ago"] )
 *   value      := STRING | NUMBER | "true" | "false" | "null"
 *   name       := WORD | STRING
 *
 * FIELD and WORD are dotted names (`data.pii.firstname`, `traits.plan`); STRING is double-quoted
 * with JSON escapes; DURATION is `30m`, `12h`, `7d` or `2w`. `event(x) within 7d` means at least
 * once. Meaning and validation are the tree's (checkCondition); errors point at the token.
 */

/** Where in the query text an error is. Offsets and columns count UTF-16 code units. */
export type TextPosition = { offset: number; line: number; column: number };

/** A parse error of the query bar, pointing at the offending token. */
export type ConditionTextError = { message: string; position: TextPosition; length: number };

/** Result of {@link parseConditionText}. */
export type ConditionTextResult =
  { ok: true; condition: Condition } | { ok: false; error: ConditionTextError };

/** Longest query text accepted. */
export const MAX_CONDITION_TEXT = 20_000;
// Bracket and `not` nesting the parser follows before giving up (the tree allows far less; this
// only keeps hostile input from exhausting the stack).
const MAX_PARSE_NESTING = 64;

// ---------------------------------------------------------------------------------------------
// 1. Tokens
// ---------------------------------------------------------------------------------------------

type Span = { start: number; end: number };
type Token =
  | (Span & { kind: "word"; text: string })
  | (Span & { kind: "string"; value: string })
  | (Span & { kind: "number"; value: number })
  | (Span & { kind: "duration"; text: string })
  | (Span & { kind: "op"; text: "=" | "!=" | ">" | ">=" | "<" | "<=" })
  | (Span & { kind: "(" | ")" | "," | "eof" });

class TextError extends Error {
  constructor(
    message: string,
    readonly span: Span,
  ) {
    super(message);
  }
}

const WORD_START_RE = /[\p{L}_]/uy;
const WORD_RE = /[\p{L}_][\p{L}\p{N}_.-]*/uy;
const NUMBER_RE = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LETTERS_RE = /[A-Za-z]+/y;
const BARE_NAME_RE = /^[\p{L}_][\p{L}\p{N}_.-]*$/u;

const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

function readString(text: string, start: number): Token {
  let out = "";
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') return { kind: "string", value: out, start, end: i + 1 };
    if (ch === "\\") {
      const next = text[i + 1];
      if (next === "u") {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          throw new TextError("Invalid \\u escape: expected four hex digits", {
            start: i,
            end: Math.min(i + 6, text.length),
          });
        }
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined) {
        throw new TextError(
          next === undefined
            ? "Unterminated string"
            : `Invalid escape "\\${next}": use \\", \\\\, \\n, \\t or \\uXXXX`,
          next === undefined ? { start, end: text.length } : { start: i, end: i + 2 },
        );
      }
      out += escaped;
      i += 2;
      continue;
    }
    if (ch < " ") {
      throw new TextError(
        "Line break or control character inside a string: use \\n, \\t or \\uXXXX",
        {
          start: i,
          end: i + 1,
        },
      );
    }
    out += ch;
    i += 1;
  }
  throw new TextError('Unterminated string: close it with "', { start, end: text.length });
}

function startsWord(text: string, at: number): boolean {
  WORD_START_RE.lastIndex = at;
  return WORD_START_RE.test(text);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      i += 1;
      continue;
    }
    const start = i;
    if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ kind: ch, start, end: i + 1 });
      i += 1;
      continue;
    }
    if (ch === '"') {
      const token = readString(text, i);
      tokens.push(token);
      i = token.end;
      continue;
    }
    if (ch === "=" || ch === "!" || ch === "<" || ch === ">") {
      const two = text.slice(i, i + 2);
      if (two === "!=" || two === ">=" || two === "<=") {
        tokens.push({ kind: "op", text: two, start, end: i + 2 });
        i += 2;
      } else if (ch === "!") {
        throw new TextError('Unexpected "!": did you mean "!=" or "not"?', { start, end: i + 1 });
      } else if (two === "==") {
        throw new TextError('Use "=" to compare', { start, end: i + 2 });
      } else {
        tokens.push({ kind: "op", text: ch as "=" | "<" | ">", start, end: i + 1 });
        i += 1;
      }
      continue;
    }
    NUMBER_RE.lastIndex = i;
    const num = /[-\d]/.test(ch) ? NUMBER_RE.exec(text) : null;
    if (num) {
      const literal = num[0];
      let end = i + literal.length;
      LETTERS_RE.lastIndex = end;
      const letters = LETTERS_RE.exec(text);
      if (letters && /^\d+$/.test(literal)) {
        end += letters[0].length;
        tokens.push({ kind: "duration", text: text.slice(i, end), start, end });
      } else if (letters || startsWord(text, end)) {
        throw new TextError(`Unexpected "${text.slice(i, end + 1)}"`, { start, end: end + 1 });
      } else {
        tokens.push({ kind: "number", value: Number(literal), start, end });
      }
      i = end;
      continue;
    }
    WORD_RE.lastIndex = i;
    const word = WORD_RE.exec(text);
    if (word) {
      tokens.push({ kind: "word", text: word[0], start, end: i + word[0].length });
      i += word[0].length;
      continue;
    }
    const cp = text.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    throw new TextError(
      ch === "'"
        ? "Unexpected ': strings are written in double quotes"
        : `Unexpected character "${text.slice(i, i + width)}"`,
      { start, end: i + width },
    );
  }
  tokens.push({ kind: "eof", start: text.length, end: text.length });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// 2. Parser
// ---------------------------------------------------------------------------------------------

/** Where the parts of one node were written, to point issues of the tree back at the text. */
type NodeSpans = {
  node: Span;
  field?: Span;
  op?: Span;
  value?: Span;
  values?: Span[];
  name?: Span;
  granted?: Span;
  count?: Span;
  within?: Span;
};

const RESERVED = new Set([
  "and",
  "or",
  "in",
  "between",
  "contains",
  "starts",
  "ends",
  "with",
  "exists",
  "is",
  "empty",
  "within",
  "last",
  "before",
  "ago",
  "true",
  "false",
  "null",
]);

function describeToken(token: Token): string {
  switch (token.kind) {
    case "eof":
      return "the end of the query";
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "duration":
    case "word":
    case "op":
      return `"${token.text}"`;
    default:
      return `"${token.kind}"`;
  }
}

type Input = Record<string, unknown>;

class Parser {
  private index = 0;
  readonly spans = new Map<object, NodeSpans>();

  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== "eof") this.index += 1;
    return token;
  }

  private isWord(token: Token, word: string): boolean {
    return token.kind === "word" && token.text.toLowerCase() === word;
  }

  private expectWord(word: string, context: string): Token {
    const token = this.next();
    if (!this.isWord(token, word)) {
      throw new TextError(`Expected "${word}" ${context}, found ${describeToken(token)}`, token);
    }
    return token;
  }

  private expect(kind: "(" | ")", context: string): Token {
    const token = this.next();
    if (token.kind !== kind) {
      throw new TextError(`Expected "${kind}" ${context}, found ${describeToken(token)}`, token);
    }
    return token;
  }

  parseQuery(): Input {
    const node = this.parseOr(0);
    const token = this.peek();
    if (token.kind !== "eof") {
      throw new TextError(
        token.kind === ")"
          ? 'Unmatched ")"'
          : `Expected "and", "or" or the end of the query, found ${describeToken(token)}`,
        token,
      );
    }
    return node;
  }

  private group(kind: "and" | "or", items: Input[]): Input {
    if (items.length === 1) return items[0] as Input;
    const node = { [kind]: items };
    const first = this.spans.get(items[0] as Input)?.node;
    const last = this.spans.get(items[items.length - 1] as Input)?.node;
    this.spans.set(node, { node: { start: first?.start ?? 0, end: last?.end ?? 0 } });
    return node;
  }

  private parseOr(depth: number): Input {
    const items = [this.parseAnd(depth)];
    while (this.isWord(this.peek(), "or")) {
      this.next();
      items.push(this.parseAnd(depth));
    }
    return this.group("or", items);
  }

  private parseAnd(depth: number): Input {
    const items = [this.parseUnary(depth)];
    while (this.isWord(this.peek(), "and")) {
      this.next();
      items.push(this.parseUnary(depth));
    }
    return this.group("and", items);
  }

  private nest(depth: number, token: Token): number {
    if (depth >= MAX_PARSE_NESTING) throw new TextError("The query is nested too deeply", token);
    return depth + 1;
  }

  private parseUnary(depth: number): Input {
    const token = this.peek();
    if (this.isWord(token, "not")) {
      this.next();
      const child = this.parseUnary(this.nest(depth, token));
      const node = { not: child };
      this.spans.set(node, {
        node: { start: token.start, end: this.spans.get(child)?.node.end ?? token.end },
      });
      return node;
    }
    return this.parsePrimary(depth);
  }

  private parsePrimary(depth: number): Input {
    const token = this.peek();
    if (token.kind === "(") {
      this.next();
      const inner = this.parseOr(this.nest(depth, token));
      this.expect(")", "to close the bracket");
      return inner;
    }
    if (token.kind !== "word" || RESERVED.has(token.text.toLowerCase())) {
      throw new TextError(
        `Expected a condition (a field, consent(…), segment(…), event(…), "not" or "("), found ${describeToken(token)}`,
        token,
      );
    }
    const lower = token.text.toLowerCase();
    if (lower === "consent" || lower === "segment" || lower === "event") {
      if (this.peek(1).kind !== "(") {
        throw new TextError(`Expected "(" after ${lower}: ${lower}(name)`, this.peek(1));
      }
      if (lower === "consent") return this.parseConsent();
      if (lower === "segment") return this.parseSegment();
      return this.parseEvent();
    }
    return this.parseComparison();
  }

  private parseName(what: string): { name: string; span: Span; end: number } {
    this.expect("(", `after ${what}`);
    const token = this.next();
    if (token.kind !== "word" && token.kind !== "string") {
      throw new TextError(
        `Expected a ${what} name (a word or a "string"), found ${describeToken(token)}`,
        token,
      );
    }
    const close = this.expect(")", `after the ${what} name`);
    return {
      name: token.kind === "word" ? token.text : token.value,
      span: token,
      end: close.end,
    };
  }

  private parseConsent(): Input {
    const start = this.next().start;
    const { name, span, end } = this.parseName("consent");
    let granted = true;
    let grantedSpan: Span | undefined;
    let stop = end;
    const op = this.peek();
    if (op.kind === "op" && op.text === "=") {
      this.next();
      const value = this.next();
      if (!this.isWord(value, "true") && !this.isWord(value, "false")) {
        throw new TextError(
          `Expected true or false after consent(${name}) =, found ${describeToken(value)}`,
          value,
        );
      }
      granted = (value as { text: string }).text.toLowerCase() === "true";
      grantedSpan = value;
      stop = value.end;
    }
    const node = { consent: { type: name, granted } };
    this.spans.set(node, { node: { start, end: stop }, name: span, granted: grantedSpan });
    return node;
  }

  private parseSegment(): Input {
    const start = this.next().start;
    const { name, span, end } = this.parseName("segment");
    const node = { segment: { id: name } };
    this.spans.set(node, { node: { start, end }, name: span });
    return node;
  }

  private countNumber(): { value: number; token: Token } {
    const token = this.next();
    if (token.kind !== "number") {
      throw new TextError(`Expected a number of events, found ${describeToken(token)}`, token);
    }
    return { value: token.value, token };
  }

  private parseEvent(): Input {
    const start = this.next().start;
    const { name, span } = this.parseName("event");
    const count: { gte?: number; lte?: number } = {};
    let countSpan: Span | undefined;
    const op = this.peek();
    if (op.kind === "op") {
      this.next();
      const { value, token } = this.countNumber();
      countSpan = { start: op.start, end: token.end };
      if (op.text === ">=") count.gte = value;
      else if (op.text === "<=") count.lte = value;
      else if (op.text === ">") count.gte = value + 1;
      else if (op.text === "<") count.lte = value - 1;
      else if (op.text === "=") Object.assign(count, { gte: value, lte: value });
      else throw new TextError(`"${op.text}" does not apply to an event count`, op);
    } else if (this.isWord(op, "between")) {
      this.next();
      const low = this.countNumber();
      this.expectWord("and", "between the two counts");
      const high = this.countNumber();
      Object.assign(count, { gte: low.value, lte: high.value });
      countSpan = { start: op.start, end: high.token.end };
    } else {
      count.gte = 1;
    }
    const within = this.peek();
    if (!this.isWord(within, "within")) {
      throw new TextError(
        `Expected "within" and a duration after event(${name}), e.g. within 30d; found ${describeToken(within)}`,
        within,
      );
    }
    this.next();
    const duration = this.next();
    if (duration.kind !== "duration") {
      throw new TextError(
        `Expected a duration like 30m, 12h, 7d or 2w, found ${describeToken(duration)}`,
        duration,
      );
    }
    const node = { event: { type: name, count, within: duration.text } };
    this.spans.set(node, {
      node: { start, end: duration.end },
      name: span,
      count: countSpan ?? span,
      within: duration,
    });
    return node;
  }

  private parseValue(): { value: unknown; span: Span } {
    const token = this.next();
    switch (token.kind) {
      case "string":
      case "number":
        return { value: token.value, span: token };
      case "word": {
        const lower = token.text.toLowerCase();
        if (lower === "true" || lower === "false") return { value: lower === "true", span: token };
        if (lower === "null") return { value: null, span: token };
        throw new TextError(
          `Expected a value, found ${describeToken(token)}: write text in double quotes ("${token.text}")`,
          token,
        );
      }
      default:
        throw new TextError(
          `Expected a value (a "string", a number, true, false or null), found ${describeToken(token)}`,
          token,
        );
    }
  }

  private parseComparison(): Input {
    const fieldToken = this.next() as Span & { text: string };
    const field = fieldToken.text;
    const opToken = this.next();
    const spans: NodeSpans = {
      node: { start: fieldToken.start, end: opToken.end },
      field: fieldToken,
      op: opToken,
    };
    const done = (node: Input, end: number): Input => {
      spans.node.end = end;
      this.spans.set(node, spans);
      return node;
    };
    const single = (op: string): Input => {
      const { value, span } = this.parseValue();
      spans.value = span;
      return done({ field, op, value }, span.end);
    };
    if (opToken.kind === "op") {
      const ops = { "=": "eq", "!=": "neq", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte" };
      return single(ops[opToken.text]);
    }
    const word = opToken.kind === "word" ? opToken.text.toLowerCase() : "";
    switch (word) {
      case "contains":
        return single("contains");
      case "starts":
      case "ends": {
        const withToken = this.expectWord("with", `after "${word}"`);
        spans.op = { start: opToken.start, end: withToken.end };
        return single(word === "starts" ? "starts_with" : "ends_with");
      }
      case "exists":
        return done({ field, op: "exists" }, opToken.end);
      case "empty":
        return done({ field, op: "empty" }, opToken.end);
      case "is": {
        const empty = this.expectWord("empty", 'after "is"');
        spans.op = { start: opToken.start, end: empty.end };
        return done({ field, op: "empty" }, empty.end);
      }
      case "between": {
        const low = this.parseValue();
        this.expectWord("and", "between the two bounds");
        const high = this.parseValue();
        spans.values = [low.span, high.span];
        spans.value = { start: low.span.start, end: high.span.end };
        return done({ field, op: "between", value: [low.value, high.value] }, high.span.end);
      }
      case "in": {
        this.expect("(", 'after "in"');
        const values: unknown[] = [];
        spans.values = [];
        for (;;) {
          const { value, span } = this.parseValue();
          values.push(value);
          spans.values.push(span);
          const sep = this.next();
          if (sep.kind === ")") {
            spans.value = { start: spans.values[0]?.start ?? span.start, end: sep.end };
            return done({ field, op: "in", value: values }, sep.end);
          }
          if (sep.kind !== ",") {
            throw new TextError(
              `Expected "," or ")" in the list, found ${describeToken(sep)}`,
              sep,
            );
          }
        }
      }
      case "within":
      case "before": {
        if (word === "within") {
          const last = this.expectWord("last", 'after "within"');
          spans.op = { start: opToken.start, end: last.end };
        }
        const duration = this.next();
        if (duration.kind !== "duration") {
          throw new TextError(
            `Expected a duration like 30m, 12h, 7d or 2w, found ${describeToken(duration)}${word === "before" ? ' (to compare with a date use "<")' : ""}`,
            duration,
          );
        }
        spans.value = duration;
        let end = duration.end;
        if (word === "before" && this.isWord(this.peek(), "ago")) end = this.next().end;
        return done(
          { field, op: word === "within" ? "within_last" : "before", value: duration.text },
          end,
        );
      }
      default:
        throw new TextError(
          `Expected an operator after ${field} (=, !=, >, >=, <, <=, in, between, contains, starts with, ends with, exists, empty, within last, before), found ${describeToken(opToken)}`,
          opToken,
        );
    }
  }

  /** The text span of the part of the tree an issue path names. */
  spanOf(root: Input, path: (string | number)[]): Span {
    let node: unknown = root;
    let best = this.spans.get(root)?.node ?? { start: 0, end: 0 };
    for (let i = 0; i < path.length; i++) {
      const key = path[i];
      const spans = typeof node === "object" && node !== null ? this.spans.get(node) : undefined;
      if ((key === "and" || key === "or") && typeof path[i + 1] === "number") {
        node = ((node as Input)[key] as unknown[])[path[i + 1] as number];
        i += 1;
      } else if (key === "not") {
        node = (node as Input)["not"];
      } else {
        if (!spans) return best;
        const next = path[i + 1];
        if (key === "field") return spans.field ?? best;
        if (key === "op") return spans.op ?? best;
        if (key === "value") {
          return (
            (typeof next === "number" ? spans.values?.[next] : undefined) ??
            spans.value ??
            spans.op ??
            best
          );
        }
        if (next === "type" || next === "id") return spans.name ?? best;
        if (next === "granted") return spans.granted ?? best;
        if (next === "count") return spans.count ?? best;
        if (next === "within") return spans.within ?? best;
        return best;
      }
      const found = typeof node === "object" && node !== null ? this.spans.get(node) : undefined;
      if (found) best = found.node;
    }
    return best;
  }
}

function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

function failure(text: string, message: string, span: Span): ConditionTextResult {
  return {
    ok: false,
    error: {
      message,
      position: positionAt(text, span.start),
      length: Math.max(span.end - span.start, 0),
    },
  };
}

/**
 * Parses the query bar's text into a validated, normalised condition. Never throws: a syntax or
 * validation problem is returned with the position and length of the offending token (an unknown
 * field at the field, a bad value at the value). `scope.eventFields` also admits `event.*` fields
 * (a mapping rule's condition).
 */
export function parseConditionText(text: string, scope: ConditionScope = {}): ConditionTextResult {
  if (text.length > MAX_CONDITION_TEXT) {
    return failure(text, `The query is longer than ${MAX_CONDITION_TEXT} characters`, {
      start: MAX_CONDITION_TEXT,
      end: text.length,
    });
  }
  let parser: Parser;
  let tree: Input;
  try {
    const tokens = tokenize(text);
    if (tokens.length === 1)
      return failure(text, "The query is empty", { start: 0, end: text.length });
    parser = new Parser(tokens);
    tree = parser.parseQuery();
  } catch (error) {
    if (error instanceof TextError) return failure(text, error.message, error.span);
    throw error;
  }
  const checked = checkCondition(tree, scope);
  if (checked.ok) return { ok: true, condition: checked.condition };
  const issue = checked.issues[0] ?? { path: [], message: "Invalid condition" };
  return failure(text, issue.message, parser.spanOf(tree, issue.path));
}

// ---------------------------------------------------------------------------------------------
// 3. Printer
// ---------------------------------------------------------------------------------------------

function formatValue(value: ConditionScalar): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function formatName(name: string): string {
  return BARE_NAME_RE.test(name) ? name : JSON.stringify(name);
}

const OP_TEXT = {
  eq: "=",
  neq: "!=",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<=",
  contains: "contains",
  starts_with: "starts with",
  ends_with: "ends with",
} as const;

function formatField(leaf: FieldCondition): string {
  switch (leaf.op) {
    case "exists":
      return `${leaf.field} exists`;
    case "empty":
      return `${leaf.field} is empty`;
    case "between":
      return `${leaf.field} between ${formatValue(leaf.value[0])} and ${formatValue(leaf.value[1])}`;
    case "in":
      return `${leaf.field} in (${leaf.value.map(formatValue).join(", ")})`;
    case "within_last":
      return `${leaf.field} within last ${leaf.value}`;
    case "before":
      return `${leaf.field} before ${leaf.value} ago`;
    default:
      return `${leaf.field} ${OP_TEXT[leaf.op]} ${formatValue(leaf.value)}`;
  }
}

function formatNode(c: Condition): string {
  const node = conditionNode(c);
  switch (node.kind) {
    case "and":
    case "or":
      // A group inside a group is bracketed so parsing gives back the same tree.
      return node.children
        .map((child) => {
          const kind = conditionNode(child).kind;
          const text = formatNode(child);
          return kind === "and" || kind === "or" ? `(${text})` : text;
        })
        .join(` ${node.kind} `);
    case "not": {
      const kind = conditionNode(node.child).kind;
      const text = formatNode(node.child);
      return kind === "and" || kind === "or" ? `not (${text})` : `not ${text}`;
    }
    case "field":
      return formatField(node.leaf);
    case "consent":
      return `consent(${formatName(node.consent.type)})${node.consent.granted ? "" : " = false"}`;
    case "segment":
      return `segment(${formatName(node.segment.id)})`;
    case "event": {
      const { gte, lte } = node.event.count;
      const count =
        gte !== undefined && lte !== undefined
          ? `between ${gte} and ${lte}`
          : gte !== undefined
            ? `>= ${gte}`
            : `<= ${lte ?? 0}`;
      return `event(${formatName(node.event.type)}) ${count} within ${node.event.within}`;
    }
  }
}

/**
 * Prints a condition in the query bar's syntax; `parseConditionText(formatCondition(c))` gives
 * back `c` for every valid, normalised condition.
 */
export function formatCondition(condition: Condition): string {
  return formatNode(condition);
}
