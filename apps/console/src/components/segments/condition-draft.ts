import {
  checkCondition,
  conditionNode,
  fieldMetadata,
  opsByFieldType,
  parseConditionDuration,
  resolveConditionField,
} from "@cdp/profile-schema";
import type {
  Condition,
  ConditionDurationUnit,
  ConditionFieldType,
  ConditionOp,
  ConditionScalar,
} from "@cdp/profile-schema";

/*
 * The structured builder edits a draft: the condition tree with every value kept as typed (so a
 * half-typed number or an empty value survives re-renders) and a key per node for React. A draft
 * becomes a condition through the shared validator (checkCondition) leaf by leaf, so a problem is
 * reported at the leaf that has it; a condition becomes a draft whenever the text query parses.
 */

/** How a free value (`traits.*`, …) is typed in: free keys hold any JSON. */
export type FreeValueType = "text" | "number" | "bool";

/** What an event count is compared with. */
export type EventCountMode = "at_least" | "at_most" | "exactly" | "between" | "none";

interface DraftBase {
  key: string;
  /** Wrapped in `not`. */
  negated: boolean;
}

export interface DraftGroup extends DraftBase {
  kind: "group";
  op: "and" | "or";
  children: DraftNode[];
}

export interface DraftField extends DraftBase {
  kind: "field";
  field: string;
  op: ConditionOp;
  /** The value, the lower bound of `between`, the comma-separated list of `in`, or an amount. */
  value: string;
  /** The upper bound of `between`. */
  value2: string;
  /** The unit of `within_last` / `before`. */
  unit: ConditionDurationUnit;
  /** For free keys: how the value is read. */
  freeType: FreeValueType;
}

export interface DraftConsent extends DraftBase {
  kind: "consent";
  type: string;
  granted: boolean;
}

export interface DraftSegment extends DraftBase {
  kind: "segment";
  id: string;
}

export interface DraftEvent extends DraftBase {
  kind: "event";
  type: string;
  mode: EventCountMode;
  count: string;
  count2: string;
  amount: string;
  unit: ConditionDurationUnit;
}

export type DraftLeaf = DraftField | DraftConsent | DraftSegment | DraftEvent;
export type DraftNode = DraftGroup | DraftLeaf;

/** A problem of one draft node, for the builder to show beside it. */
export interface DraftIssue {
  key: string;
  /** Which control it is about. */
  at: "field" | "value" | "name" | "count" | "within" | "group";
  message: string;
}

export type DraftResult = { ok: true; condition: Condition } | { ok: false; issues: DraftIssue[] };

let counter = 0;
/** A key unique in this page's lifetime. */
export const newKey = (): string => `n${(counter += 1).toString(36)}`;

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

/** A free root offered in the field picker; the key is typed after it. */
export const FREE_ROOTS = ["traits", "interests", "stats.counters"] as const;

/** The type of the field at `path` as conditions see it (free keys: `json`). */
export function fieldTypeOf(path: string): ConditionFieldType {
  const resolved = resolveConditionField(path);
  return resolved.ok ? resolved.field.type : "json";
}

/** The free root a path is under (`traits.plan` → `traits`), or null for a typed field. */
export function freeRootOf(path: string): (typeof FREE_ROOTS)[number] | null {
  if (fieldMetadata[path]) return null;
  return FREE_ROOTS.find((root) => path === root || path.startsWith(`${root}.`)) ?? null;
}

/** The operators the builder offers for a field: the contract's, for its type. */
export function opsFor(path: string): readonly ConditionOp[] {
  return opsByFieldType[fieldTypeOf(path)];
}

const SECTION_LABELS: [prefix: string, label: string][] = [
  ["data.pii.", "Personal"],
  ["data.contact.address.", "Address"],
  ["data.contact.", "Contact"],
  ["data.job.", "Job"],
  ["data.loyalty.", "Loyalty"],
  ["data.metrics.", "Metrics"],
  ["data.preferences.", "Preferences"],
  ["data.devices.", "Devices & geo"],
  ["data.media.", "Media"],
  ["data.identifier.", "Identifiers"],
  ["stats.", "Activity"],
  ["metadata.", "Times & status"],
];

/** A field the picker offers. */
export interface FieldOption {
  path: string;
  label: string;
  type: ConditionFieldType;
}

/**
 * The fields conditions can test, grouped for the picker: every metadata field but the free maps
 * (they are offered as "Trait / Interest / Counter …" with a key) and the bookkeeping ones.
 */
export function fieldGroups(): { label: string; options: FieldOption[] }[] {
  const groups = new Map<string, FieldOption[]>();
  for (const meta of Object.values(fieldMetadata)) {
    if (meta.type === "map") continue;
    const label = SECTION_LABELS.find(([p]) => meta.path.startsWith(p))?.[1] ?? "Profile";
    const list = groups.get(label) ?? [];
    list.push({ path: meta.path, label: meta.label, type: meta.type });
    groups.set(label, list);
  }
  const order = ["Profile", ...SECTION_LABELS.map(([, l]) => l)];
  return [...groups.entries()]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([label, options]) => ({ label, options }));
}

// ---------------------------------------------------------------------------------------------
// New nodes
// ---------------------------------------------------------------------------------------------

export function emptyGroup(op: "and" | "or" = "and"): DraftGroup {
  return { kind: "group", key: newKey(), negated: false, op, children: [] };
}

export function newLeaf(kind: DraftLeaf["kind"]): DraftLeaf {
  const base = { key: newKey(), negated: false };
  switch (kind) {
    case "field":
      return {
        ...base,
        kind,
        field: "data.contact.address.country",
        op: "eq",
        value: "",
        value2: "",
        unit: "d",
        freeType: "text",
      };
    case "consent":
      return { ...base, kind, type: "", granted: true };
    case "segment":
      return { ...base, kind, id: "" };
    case "event":
      return {
        ...base,
        kind,
        type: "",
        mode: "at_least",
        count: "1",
        count2: "",
        amount: "30",
        unit: "d",
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Condition → draft
// ---------------------------------------------------------------------------------------------

const CANONICAL_MIDNIGHT = /^(\d{4}-\d{2}-\d{2})T00:00:00\.000000Z$/;

// Text the input could not show as itself (empty, edged with spaces, quoted) is shown as a JSON
// string, which scalarOf reads back.
const QUOTED_TEXT = /^$|^\s|\s$|^"/;

function valueText(value: ConditionScalar, type: ConditionFieldType): string {
  if (typeof value === "string") {
    const day = type === "date" ? CANONICAL_MIDNIGHT.exec(value) : null;
    if (day) return day[1] as string;
    return QUOTED_TEXT.test(value) ? JSON.stringify(value) : value;
  }
  return String(value);
}

const NEEDS_QUOTES = /[,"]|^\s|\s$/;

/** The `in` list as typed in the builder: comma-separated, quoted where a value needs it. */
export function listText(values: readonly ConditionScalar[], type: ConditionFieldType): string {
  return values
    .map((v) => {
      if (typeof v !== "string") return String(v);
      const day = type === "date" ? CANONICAL_MIDNIGHT.exec(v) : null;
      if (day) return day[1] as string;
      return NEEDS_QUOTES.test(v) || v === "" ? JSON.stringify(v) : v;
    })
    .join(", ");
}

/** Splits a comma-separated list; `"a, b"` in double quotes is one value (JSON string syntax). */
export function splitList(text: string): { text: string; quoted: boolean }[] | { error: string } {
  const out: { text: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === " ") i += 1;
    if (text[i] === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (j >= text.length) return { error: "A quoted value is not closed" };
      try {
        out.push({ text: JSON.parse(text.slice(i, j + 1)) as string, quoted: true });
      } catch {
        return { error: "A quoted value has an invalid escape" };
      }
      i = j + 1;
      while (text[i] === " ") i += 1;
      if (i < text.length && text[i] !== ",") return { error: "Separate values with commas" };
      i += 1;
      continue;
    }
    const comma = text.indexOf(",", i);
    const end = comma === -1 ? text.length : comma;
    const item = text.slice(i, end).trim();
    if (item !== "") out.push({ text: item, quoted: false });
    i = end + 1;
  }
  return out;
}

function freeTypeOf(value: unknown): FreeValueType {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "number" ? "number" : typeof first === "boolean" ? "bool" : "text";
}

function splitDuration(text: string): { amount: string; unit: ConditionDurationUnit } {
  const parsed = parseConditionDuration(text);
  return parsed
    ? { amount: String(parsed.amount), unit: parsed.unit }
    : { amount: text, unit: "d" };
}

/** A (validated) condition as a draft the builder can show. */
export function toDraft(condition: Condition, negated = false): DraftNode {
  const node = conditionNode(condition);
  const key = newKey();
  switch (node.kind) {
    case "and":
    case "or":
      return {
        kind: "group",
        key,
        negated,
        op: node.kind,
        children: node.children.map((c) => toDraft(c)),
      };
    case "not":
      // `not` is a switch on the node it wraps; `not not x` reads back as x (the same meaning).
      return toDraft(node.child, !negated);
    case "consent":
      return { kind: "consent", key, negated, ...node.consent };
    case "segment":
      return { kind: "segment", key, negated, id: node.segment.id };
    case "event": {
      const { gte, lte } = node.event.count;
      const mode: EventCountMode =
        lte === 0 && gte === undefined
          ? "none"
          : gte !== undefined && lte !== undefined
            ? gte === lte
              ? "exactly"
              : "between"
            : gte !== undefined
              ? "at_least"
              : "at_most";
      const { amount, unit } = splitDuration(node.event.within);
      return {
        kind: "event",
        key,
        negated,
        type: node.event.type,
        mode,
        count: String(mode === "at_most" ? lte : (gte ?? lte ?? "")),
        count2: mode === "between" ? String(lte) : "",
        amount,
        unit,
      };
    }
    case "field": {
      const leaf = node.leaf;
      const type = fieldTypeOf(leaf.field);
      const base: DraftField = {
        kind: "field",
        key,
        negated,
        field: leaf.field,
        op: leaf.op,
        value: "",
        value2: "",
        unit: "d",
        freeType: "value" in leaf ? freeTypeOf(leaf.value) : "text",
      };
      switch (leaf.op) {
        case "exists":
        case "empty":
          return base;
        case "within_last":
        case "before": {
          const { amount, unit } = splitDuration(leaf.value);
          return { ...base, value: amount, unit };
        }
        case "between":
          return {
            ...base,
            value: valueText(leaf.value[0], type),
            value2: valueText(leaf.value[1], type),
          };
        case "in":
          return { ...base, value: listText(leaf.value, type) };
        default:
          return { ...base, value: valueText(leaf.value, type) };
      }
    }
  }
}

/** The draft the builder starts from: the condition as a top-level group. */
export function rootDraft(condition: Condition | null): DraftGroup {
  if (!condition) return emptyGroup();
  const draft = toDraft(condition);
  if (draft.kind === "group" && !draft.negated) return draft;
  return { ...emptyGroup(), children: [draft] };
}

// ---------------------------------------------------------------------------------------------
// Draft → condition
// ---------------------------------------------------------------------------------------------

function quotedText(raw: string): string | null {
  const text = raw.trim();
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "string" ? parsed : null;
  } catch {
    return null;
  }
}

function scalarOf(raw: string, type: ConditionFieldType, freeType: FreeValueType): unknown {
  const text = raw.trim();
  const numeric =
    type === "number" || type === "integer" || (type === "json" && freeType === "number");
  // Not a number stays text, so the validator says what was expected.
  if (numeric) return text === "" || Number.isNaN(Number(text)) ? raw : Number(text);
  if (type === "bool" || (type === "json" && freeType === "bool")) {
    return text === "true" ? true : text === "false" ? false : raw;
  }
  return quotedText(raw) ?? raw;
}

type Built = { ok: true; raw: unknown } | { ok: false; issue: DraftIssue };

function fieldRaw(d: DraftField): Built {
  const fail = (at: DraftIssue["at"], message: string): Built => ({
    ok: false,
    issue: { key: d.key, at, message },
  });
  const root = freeRootOf(d.field);
  if (root && (d.field === root || d.field.endsWith("."))) {
    return fail("field", `Give the key under ${root}, e.g. ${root}.plan`);
  }
  const type = fieldTypeOf(d.field);
  const base = { field: d.field, op: d.op };
  switch (d.op) {
    case "exists":
    case "empty":
      return { ok: true, raw: base };
    case "within_last":
    case "before": {
      const amount = d.value.trim();
      if (!/^[1-9]\d*$/.test(amount)) return fail("value", "Give a whole number above 0");
      return { ok: true, raw: { ...base, value: `${amount}${d.unit}` } };
    }
    case "between":
      if (d.value.trim() === "" || d.value2.trim() === "") {
        return fail("value", "Give both bounds");
      }
      return {
        ok: true,
        raw: {
          ...base,
          value: [scalarOf(d.value, type, d.freeType), scalarOf(d.value2, type, d.freeType)],
        },
      };
    case "in": {
      const items = splitList(d.value);
      if (!Array.isArray(items)) return fail("value", items.error);
      if (items.length === 0) return fail("value", "Give at least one value");
      return {
        ok: true,
        raw: {
          ...base,
          value: items.map((v) => (v.quoted ? v.text : scalarOf(v.text, type, d.freeType))),
        },
      };
    }
    default: {
      const boolean = type === "bool" || (type === "json" && d.freeType === "bool");
      // The yes/no select shows "true" before anything is picked.
      const text = boolean && d.value === "" ? "true" : d.value;
      if (text.trim() === "") return fail("value", 'Give a value (an empty text is written "")');
      return { ok: true, raw: { ...base, value: scalarOf(text, type, d.freeType) } };
    }
  }
}

function leafRaw(d: DraftLeaf): Built {
  const fail = (at: DraftIssue["at"], message: string): Built => ({
    ok: false,
    issue: { key: d.key, at, message },
  });
  switch (d.kind) {
    case "field":
      return fieldRaw(d);
    case "consent":
      if (d.type.trim() === "") return fail("name", "Choose a consent type");
      return { ok: true, raw: { consent: { type: d.type, granted: d.granted } } };
    case "segment":
      if (d.id.trim() === "") return fail("name", "Choose a segment");
      return { ok: true, raw: { segment: { id: d.id } } };
    case "event": {
      if (d.type.trim() === "") return fail("name", "Give the event type, e.g. purchase");
      if (!/^[1-9]\d*$/.test(d.amount.trim())) return fail("within", "Give a whole number above 0");
      const n = Number(d.count.trim());
      const m = Number(d.count2.trim());
      const whole = (s: string) => /^\d+$/.test(s.trim());
      if (d.mode !== "none" && !whole(d.count)) return fail("count", "Give a whole number");
      if (d.mode === "between" && !whole(d.count2)) return fail("count", "Give both counts");
      const count =
        d.mode === "none"
          ? { lte: 0 }
          : d.mode === "at_least"
            ? { gte: n }
            : d.mode === "at_most"
              ? { lte: n }
              : d.mode === "exactly"
                ? { gte: n, lte: n }
                : { gte: n, lte: m };
      return {
        ok: true,
        raw: { event: { type: d.type.trim(), count, within: `${d.amount.trim()}${d.unit}` } },
      };
    }
  }
}

/** Where in a leaf a validator issue belongs, from the path checkCondition gives. */
function issueAt(d: DraftLeaf, path: (string | number)[]): DraftIssue["at"] {
  if (d.kind === "field") return path[0] === "field" ? "field" : "value";
  if (d.kind === "event") {
    return path.includes("count") ? "count" : path.includes("within") ? "within" : "name";
  }
  return "name";
}

function build(d: DraftNode, issues: DraftIssue[]): unknown {
  let raw: unknown;
  if (d.kind === "group") {
    if (d.children.length === 0) {
      issues.push({ key: d.key, at: "group", message: "Add a condition to this group" });
      return undefined;
    }
    raw = { [d.op]: d.children.map((c) => build(c, issues)) };
  } else {
    const built = leafRaw(d);
    if (!built.ok) {
      issues.push(built.issue);
      return undefined;
    }
    // Each leaf is checked alone, so its problem is reported on it.
    const checked = checkCondition(built.raw);
    if (!checked.ok) {
      const first = checked.issues[0];
      issues.push({
        key: d.key,
        at: issueAt(d, first?.path ?? []),
        message: first?.message ?? "Invalid condition",
      });
      return undefined;
    }
    raw = checked.condition;
  }
  return d.negated ? { not: raw } : raw;
}

/** The condition a draft stands for, or the problems of its nodes. */
export function fromDraft(draft: DraftNode): DraftResult {
  const issues: DraftIssue[] = [];
  const raw = build(draft, issues);
  if (issues.length > 0) return { ok: false, issues };
  const checked = checkCondition(raw);
  if (checked.ok) return { ok: true, condition: checked.condition };
  // Whole-tree limits (depth, size): shown on the root.
  return {
    ok: false,
    issues: [
      { key: draft.key, at: "group", message: checked.issues[0]?.message ?? "Invalid condition" },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Editing
// ---------------------------------------------------------------------------------------------

/** The draft with the node `key` replaced by `f(node)` (or removed when `f` returns null). */
export function updateNode(
  root: DraftGroup,
  key: string,
  f: (node: DraftNode) => DraftNode | null,
): DraftGroup {
  const visit = (node: DraftNode): DraftNode | null => {
    if (node.key === key) return f(node);
    if (node.kind !== "group") return node;
    const children = node.children.map(visit).filter((c): c is DraftNode => c !== null);
    return { ...node, children };
  };
  const next = visit(root);
  return next && next.kind === "group" ? next : emptyGroup();
}

/** Nodes of a draft (groups and leaves). */
export function countNodes(node: DraftNode): number {
  return node.kind === "group" ? 1 + node.children.reduce((n, c) => n + countNodes(c), 0) : 1;
}
