import {
  formatCondition,
  MappingRuleDraft,
  mappingTransforms,
  parseConditionText,
  validateMappingRule,
} from "@cdp/profile-schema";
import type {
  Condition,
  JsonValue,
  Mapping,
  MappingOp,
  MappingRuleDefinition,
  MappingTransform,
} from "@cdp/profile-schema";

/*
 * The editor keeps what people type (text for a constant, a condition, event types) and turns it
 * into the rule the API takes on every change, so the flow view, the client-side validation and
 * the test panel all see the same draft.
 */

export interface MappingRow {
  fromKind: "path" | "const";
  /** An event path, or a constant as JSON (text that is not JSON is a string). */
  from: string;
  to: string;
  op: MappingOp;
  /** Transform steps joined by "," ("" for none). */
  transform: string;
  separator: string;
}

export interface RuleFormValues {
  id: string;
  name: string;
  description: string;
  /** Event types, comma separated. */
  eventTypes: string;
  /** The condition as query text (or a condition tree as JSON); blank: always. */
  condition: string;
  position: string;
  mappings: MappingRow[];
}

/** The definition as the API takes it (input shape: transforms as lists). */
export type RuleDraft = {
  id?: string;
  name: string;
  description: string | null;
  eventTypes: string[];
  condition: Condition | null;
  mappings: Mapping[];
  position: number;
};

export type DraftIssue = { path: string; message: string };

export const EMPTY_ROW: MappingRow = {
  fromKind: "path",
  from: "",
  to: "",
  op: "set",
  transform: "",
  separator: "",
};

export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
}

export function transformSteps(text: string): MappingTransform[] {
  return splitList(text).filter((t): t is MappingTransform =>
    (mappingTransforms as readonly string[]).includes(t),
  );
}

function constantOf(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

export function rowToMapping(row: MappingRow): Mapping {
  const transform = transformSteps(row.transform);
  return {
    from:
      row.fromKind === "const"
        ? // A null constant is refused by MappingRuleDraft (toDraft reports it at the field).
          { const: constantOf(row.from.trim()) as NonNullable<JsonValue> }
        : row.from.trim(),
    to: row.to.trim(),
    op: row.op,
    transform,
    ...(row.separator !== "" && transform.includes("split") ? { separator: row.separator } : {}),
  };
}

function conditionOf(text: string): { condition: Condition | null; issue: DraftIssue | null } {
  const trimmed = text.trim();
  if (trimmed === "") return { condition: null, issue: null };
  if (trimmed.startsWith("{")) {
    try {
      // The API checks the tree; the editor only needs it to be JSON.
      return { condition: JSON.parse(trimmed) as Condition, issue: null };
    } catch {
      return {
        condition: null,
        issue: { path: "condition", message: "The condition is not JSON" },
      };
    }
  }
  const parsed = parseConditionText(trimmed, { eventFields: true });
  if (parsed.ok) return { condition: parsed.condition, issue: null };
  return {
    condition: null,
    issue: {
      path: "condition",
      message: `${parsed.error.message} (column ${parsed.error.position.column})`,
    },
  };
}

/** The form as a draft rule, with every problem the client can see before the API does. */
export function toDraft(values: RuleFormValues): { draft: RuleDraft; issues: DraftIssue[] } {
  const { condition, issue } = conditionOf(values.condition);
  const position = Number(values.position);
  const draft: RuleDraft = {
    ...(values.id.trim() ? { id: values.id.trim() } : {}),
    name: values.name.trim(),
    description: values.description.trim() === "" ? null : values.description.trim(),
    eventTypes: splitList(values.eventTypes),
    condition,
    mappings: values.mappings.map(rowToMapping),
    position: Number.isInteger(position) ? position : 0,
  };
  const issues: DraftIssue[] = [];
  const add = (i: DraftIssue) => {
    if (!issues.some((seen) => seen.path === i.path && seen.message === i.message)) issues.push(i);
  };
  if (issue) add(issue);
  if (values.position.trim() !== "" && !Number.isInteger(position)) {
    add({ path: "position", message: "Position is a whole number" });
  }
  // The mappings are checked on their own, so a missing name does not hide a type mismatch.
  for (const i of validateMappingRule(draft)) add(i);
  const parsed = MappingRuleDraft.safeParse(issue ? { ...draft, condition: null } : draft);
  if (!parsed.success) {
    for (const i of parsed.error.issues)
      add({ path: i.path.map(String).join("."), message: i.message });
  }
  return { draft, issues };
}

export function rowFromMapping(m: Mapping): MappingRow {
  const isConst = typeof m.from !== "string";
  return {
    fromKind: isConst ? "const" : "path",
    from: typeof m.from === "string" ? m.from : JSON.stringify(m.from.const),
    to: m.to,
    op: m.op,
    transform: m.transform.join(","),
    separator: m.separator ?? "",
  };
}

export function formFromDefinition(
  id: string,
  def: Pick<
    MappingRuleDefinition,
    "name" | "description" | "eventTypes" | "condition" | "mappings" | "position"
  >,
): RuleFormValues {
  return {
    id,
    name: def.name,
    description: def.description ?? "",
    eventTypes: def.eventTypes.join(", "),
    condition: def.condition ? formatCondition(def.condition) : "",
    position: String(def.position),
    mappings: def.mappings.map(rowFromMapping),
  };
}

/** How lists and diffs show a mapping: `properties.plan → lowercase → set traits.plan`. */
export function describeMapping(m: Mapping): string {
  const from = typeof m.from === "string" ? m.from : `const ${JSON.stringify(m.from.const)}`;
  const steps = m.transform.length > 0 ? ` → ${m.transform.join(" → ")}` : "";
  return `${from}${steps} → ${m.op} ${m.to}`;
}

/** A rule id from its name, as the segments form derives one. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}
