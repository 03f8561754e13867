import { conditionNode, parseConditionDuration, resolveConditionField } from "./condition";
import type { Condition, ConditionScalar, FieldCondition } from "./condition";

const UNIT_WORDS = { m: "minute", h: "hour", d: "day", w: "week" } as const;

/** `7d` → "7 days", `1h` → "1 hour". */
export function describeConditionDuration(duration: string): string {
  const parsed = parseConditionDuration(duration);
  if (!parsed) return duration;
  const word = UNIT_WORDS[parsed.unit];
  return `${parsed.amount} ${word}${parsed.amount === 1 ? "" : "s"}`;
}

const CANONICAL_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})\.(\d{6})Z$/;

function describeValue(value: ConditionScalar, isDate: boolean): string {
  if (isDate && typeof value === "string") {
    const m = CANONICAL_RE.exec(value);
    if (m) {
      if (m[2] === "00:00" && m[3] === ":00" && m[4] === "000000") return String(m[1]);
      const seconds = m[3] === ":00" && m[4] === "000000" ? "" : m[3];
      return `${m[1]} ${m[2]}${seconds} UTC`;
    }
  }
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function list(values: string[], conjunction: string): string {
  if (values.length <= 1) return values.join("");
  return `${values.slice(0, -1).join(", ")} ${conjunction} ${values[values.length - 1]}`;
}

function describeField(leaf: FieldCondition): string {
  // Describing names fields only, so the event's (mapping rules' conditions) are named too.
  const resolved = resolveConditionField(leaf.field, { eventFields: true });
  const label = resolved.ok
    ? resolved.field.kind === "typed"
      ? resolved.field.meta.label
      : resolved.field.label
    : leaf.field;
  const type = resolved.ok ? resolved.field.type : "json";
  const isDate = type === "date";
  const v = (value: ConditionScalar) => describeValue(value, isDate);
  switch (leaf.op) {
    case "eq":
      return `${label} is ${v(leaf.value)}`;
    case "neq":
      return `${label} is not ${v(leaf.value)}`;
    case "gt":
      return `${label} is ${isDate ? "after" : "greater than"} ${v(leaf.value)}`;
    case "gte":
      return `${label} is ${isDate ? "at or after" : "at least"} ${v(leaf.value)}`;
    case "lt":
      return `${label} is ${isDate ? "before" : "less than"} ${v(leaf.value)}`;
    case "lte":
      return `${label} is ${isDate ? "at or before" : "at most"} ${v(leaf.value)}`;
    case "between":
      return `${label} is between ${v(leaf.value[0])} and ${v(leaf.value[1])}`;
    case "in":
      return leaf.value.length === 1
        ? `${label} is ${v(leaf.value[0] as ConditionScalar)}`
        : `${label} is one of ${list(leaf.value.map(v), "or")}`;
    case "contains":
      return `${label} contains ${v(leaf.value)}`;
    case "starts_with":
      return `${label} starts with ${v(leaf.value)}`;
    case "ends_with":
      return `${label} ends with ${v(leaf.value)}`;
    case "exists":
      return `${label} is set`;
    case "empty":
      return `${label} is empty`;
    case "within_last":
      return `${label} is within the last ${describeConditionDuration(leaf.value)}`;
    case "before":
      return `${label} is more than ${describeConditionDuration(leaf.value)} ago`;
  }
}

function times(n: number): string {
  return n === 1 ? "once" : `${n} times`;
}

function describeNode(c: Condition, parent: "and" | "or" | "not" | null): string {
  const node = conditionNode(c);
  switch (node.kind) {
    case "and":
    case "or": {
      const text = node.children
        .map((child) => describeNode(child, node.kind))
        .join(` ${node.kind} `);
      // Brackets whenever a group sits inside another group or a negation, so the sentence keeps
      // the tree's grouping.
      return parent === null ? text : `(${text})`;
    }
    case "not":
      return `not ${describeNode(node.child, "not")}`;
    case "field": {
      const text = describeField(node.leaf);
      return parent === "not" ? `(${text})` : text;
    }
    case "consent":
      return node.consent.granted
        ? `has granted ${node.consent.type} consent`
        : `has not granted ${node.consent.type} consent`;
    case "segment":
      return `is in segment ${JSON.stringify(node.segment.id)}`;
    case "event": {
      const { gte, lte } = node.event.count;
      const type = JSON.stringify(node.event.type);
      const since = `in the last ${describeConditionDuration(node.event.within)}`;
      if (lte === 0) return `had no ${type} events ${since}`;
      const count =
        gte !== undefined && lte !== undefined
          ? gte === lte
            ? `exactly ${times(gte)}`
            : `between ${gte} and ${lte} times`
          : gte !== undefined
            ? `at least ${times(gte)}`
            : `at most ${times(lte ?? 0)}`;
      return `had ${type} events ${count} ${since}`;
    }
  }
}

/**
 * A readable sentence for a condition, with field labels from the metadata: `E-mail contains
 * "@acme.com" and Visits is greater than 10 and has granted marketing consent`. Groups inside
 * groups are bracketed so the sentence is unambiguous.
 */
export function describeCondition(condition: Condition): string {
  return describeNode(condition, null);
}
