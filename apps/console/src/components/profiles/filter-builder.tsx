"use client";

import { useId, useMemo, useState } from "react";
import type { FormEvent } from "react";
import { checkCondition, fieldMetadata, freeFieldRoots, opsByFieldType } from "@cdp/profile-schema";
import type {
  Condition,
  ConditionFieldType,
  ConditionOp,
  FieldCondition,
} from "@cdp/profile-schema";
import {
  Button,
  Field,
  FieldError,
  FieldLabel,
  Input,
  NativeSelect,
  Popover,
  PopoverContent,
  PopoverTrigger,
} from "@cdp/ui";

import { FilterIcon } from "@/components/icons";
import { PROFILE_SECTIONS, sectionFields } from "./sections";

/** A field the builder offers: a path of the metadata, or a free root asking for a key. */
interface FieldChoice {
  value: string;
  label: string;
  type: ConditionFieldType;
  /** For `traits.*`, `interests.*`, `stats.counters.*`: the root the key goes under. */
  freeRoot?: string;
}

const FREE_PREFIX = "free:";

/** Fields grouped as the profile page groups them; the rest under "Profile". */
function fieldChoices(): { label: string; choices: FieldChoice[] }[] {
  const seen = new Set<string>();
  const groups = PROFILE_SECTIONS.map((section) => ({
    label: section.label,
    choices: sectionFields(section).map((f): FieldChoice => {
      seen.add(f.path);
      return { value: f.path, label: f.label, type: f.type };
    }),
  }));
  const rest = Object.values(fieldMetadata)
    .filter((f) => !seen.has(f.path) && f.path !== "metadata.fields")
    .map((f): FieldChoice => ({ value: f.path, label: f.label, type: f.type }));
  const free = freeFieldRoots.map((r): FieldChoice => ({
    value: `${FREE_PREFIX}${r.root}`,
    label: `${r.label} (${r.root}.…)`,
    type: "json",
    freeRoot: r.root,
  }));
  return [...groups, { label: "Profile", choices: rest }, { label: "Free keys", choices: free }];
}

const OP_LABELS: Record<ConditionOp, string> = {
  eq: "is",
  neq: "is not",
  gt: "greater than",
  gte: "at least",
  lt: "less than",
  lte: "at most",
  between: "between",
  in: "is one of",
  contains: "contains",
  starts_with: "starts with",
  ends_with: "ends with",
  exists: "has a value",
  empty: "is empty",
  within_last: "within the last",
  before: "longer ago than",
};

const DATE_OP_LABELS: Partial<Record<ConditionOp, string>> = {
  gt: "after",
  gte: "on or after",
  lt: "before",
  lte: "on or before",
};

export function opLabel(op: ConditionOp, type: ConditionFieldType): string {
  return (type === "date" ? DATE_OP_LABELS[op] : undefined) ?? OP_LABELS[op];
}

const UNITS = [
  { value: "m", label: "minutes" },
  { value: "h", label: "hours" },
  { value: "d", label: "days" },
  { value: "w", label: "weeks" },
] as const;

type FreeType = "text" | "number" | "bool";

/** A typed value from what was typed, as the field's type (or the chosen free type) wants it. */
function scalarOf(
  raw: string,
  type: ConditionFieldType,
  freeType: FreeType,
): string | number | boolean {
  const text = raw.trim();
  const numeric =
    type === "number" || type === "integer" || (type === "json" && freeType === "number");
  if (numeric) return text === "" ? Number.NaN : Number(text);
  if (type === "bool" || (type === "json" && freeType === "bool")) {
    // Anything but true/false stays text, so the validator names the mistake.
    return text === "true" ? true : text === "false" ? false : raw;
  }
  return raw;
}

/**
 * "Add filter": a field from the field metadata (or a free key), an operator for its type, and
 * the value. Produces a condition leaf, checked with the shared validator before it is handed on.
 */
export function FilterBuilder({ onAdd }: { onAdd: (leaf: Condition) => void }) {
  const id = useId();
  const groups = useMemo(fieldChoices, []);
  const all = useMemo(() => groups.flatMap((g) => g.choices), [groups]);
  const [open, setOpen] = useState(false);
  const [fieldValue, setFieldValue] = useState("data.pii.lastname");
  const [key, setKey] = useState("");
  const [op, setOp] = useState<ConditionOp>("eq");
  const [value, setValue] = useState("");
  const [value2, setValue2] = useState("");
  const [amount, setAmount] = useState("7");
  const [unit, setUnit] = useState<(typeof UNITS)[number]["value"]>("d");
  const [freeType, setFreeType] = useState<FreeType>("text");
  const [problem, setProblem] = useState<{ at: "key" | "value" | "form"; message: string } | null>(
    null,
  );

  const choice = all.find((c) => c.value === fieldValue) ?? all[0]!;
  const ops = opsByFieldType[choice.type];
  const boolValue =
    op !== "in" && (choice.type === "bool" || (choice.type === "json" && freeType === "bool"));

  function chooseField(next: string) {
    setFieldValue(next);
    const nextChoice = all.find((c) => c.value === next);
    if (nextChoice && !opsByFieldType[nextChoice.type].includes(op)) {
      setOp(opsByFieldType[nextChoice.type][0] ?? "exists");
    }
    setProblem(null);
  }

  function leaf(): FieldCondition | { problem: { at: "key" | "value"; message: string } } {
    let path = choice.value;
    if (choice.freeRoot) {
      if (key.trim() === "") return { problem: { at: "key", message: "Give the key, e.g. plan" } };
      path = `${choice.freeRoot}.${key.trim()}`;
    }
    switch (op) {
      case "exists":
      case "empty":
        return { field: path, op };
      case "within_last":
      case "before":
        return { field: path, op, value: `${amount.trim()}${unit}` };
      case "between":
        return {
          field: path,
          op,
          value: [scalarOf(value, choice.type, freeType), scalarOf(value2, choice.type, freeType)],
        };
      case "in":
        return {
          field: path,
          op,
          value: value
            .split(",")
            .map((v) => v.trim())
            .filter((v) => v !== "")
            .map((v) => scalarOf(v, choice.type, freeType)),
        };
      default: {
        // The yes/no select shows "true" before anything is picked.
        const typed = boolValue ? (value === "false" ? "false" : "true") : value;
        if (typed.trim() === "") return { problem: { at: "value", message: "Give a value" } };
        return { field: path, op, value: scalarOf(typed, choice.type, freeType) };
      }
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    event.stopPropagation();
    const built = leaf();
    if ("problem" in built) {
      setProblem(built.problem);
      return;
    }
    const checked = checkCondition(built);
    if (!checked.ok) {
      const issue = checked.issues[0]!;
      const at = issue.path[0] === "field" && choice.freeRoot ? "key" : "value";
      setProblem({ at, message: issue.message });
      return;
    }
    setProblem(null);
    setOpen(false);
    setValue("");
    setValue2("");
    onAdd(checked.condition);
  }

  const inputType =
    choice.type === "number" ||
    choice.type === "integer" ||
    (choice.type === "json" && freeType === "number")
      ? "number"
      : choice.type === "date"
        ? "date"
        : "text";
  const valueError = problem?.at === "value" ? problem.message : null;
  const described = (extra: string | null) =>
    valueError ? `${id}-value-error` : (extra ?? undefined);

  return (
    <Popover
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setProblem(null);
      }}
    >
      <PopoverTrigger asChild>
        <Button type="button" variant="outline" className="bg-background">
          <FilterIcon />
          Add filter
        </Button>
      </PopoverTrigger>
      <PopoverContent align="start" className="w-[22rem]">
        <form noValidate onSubmit={submit} className="grid gap-3" aria-label="Add a filter">
          <div>
            <h2 className="text-sm font-semibold">Add a filter</h2>
            <p className="text-xs text-muted-foreground">
              Joined to the query with <span className="font-mono">and</span>.
            </p>
          </div>
          <Field>
            <FieldLabel htmlFor={`${id}-field`}>Field</FieldLabel>
            <NativeSelect
              id={`${id}-field`}
              value={fieldValue}
              onChange={(e) => chooseField(e.target.value)}
            >
              {groups.map((g) => (
                <optgroup key={g.label} label={g.label}>
                  {g.choices.map((c) => (
                    <option key={c.value} value={c.value}>
                      {c.label}
                    </option>
                  ))}
                </optgroup>
              ))}
            </NativeSelect>
          </Field>
          {choice.freeRoot ? (
            <div className="grid grid-cols-2 gap-3">
              <Field data-invalid={problem?.at === "key" || undefined}>
                <FieldLabel htmlFor={`${id}-key`}>Key</FieldLabel>
                <Input
                  id={`${id}-key`}
                  value={key}
                  placeholder="plan"
                  aria-invalid={problem?.at === "key" || undefined}
                  aria-describedby={problem?.at === "key" ? `${id}-key-error` : undefined}
                  onChange={(e) => setKey(e.target.value)}
                  className="font-mono"
                />
                <FieldError id={`${id}-key-error`}>
                  {problem?.at === "key" ? problem.message : null}
                </FieldError>
              </Field>
              <Field>
                <FieldLabel htmlFor={`${id}-free-type`}>Value type</FieldLabel>
                <NativeSelect
                  id={`${id}-free-type`}
                  value={freeType}
                  onChange={(e) => setFreeType(e.target.value as FreeType)}
                >
                  <option value="text">Text</option>
                  <option value="number">Number</option>
                  <option value="bool">Yes / no</option>
                </NativeSelect>
              </Field>
            </div>
          ) : null}
          <Field>
            <FieldLabel htmlFor={`${id}-op`}>Operator</FieldLabel>
            <NativeSelect
              id={`${id}-op`}
              value={op}
              onChange={(e) => {
                setOp(e.target.value as ConditionOp);
                setProblem(null);
              }}
            >
              {ops.map((o) => (
                <option key={o} value={o}>
                  {opLabel(o, choice.type)}
                </option>
              ))}
            </NativeSelect>
          </Field>

          {op === "exists" || op === "empty" ? null : op === "within_last" || op === "before" ? (
            <div className="grid grid-cols-2 gap-3">
              <Field data-invalid={valueError ? true : undefined}>
                <FieldLabel htmlFor={`${id}-amount`}>Amount</FieldLabel>
                <Input
                  id={`${id}-amount`}
                  type="number"
                  min={1}
                  value={amount}
                  aria-invalid={valueError ? true : undefined}
                  aria-describedby={described(null)}
                  onChange={(e) => setAmount(e.target.value)}
                />
              </Field>
              <Field>
                <FieldLabel htmlFor={`${id}-unit`}>Unit</FieldLabel>
                <NativeSelect
                  id={`${id}-unit`}
                  value={unit}
                  onChange={(e) => setUnit(e.target.value as (typeof UNITS)[number]["value"])}
                >
                  {UNITS.map((u) => (
                    <option key={u.value} value={u.value}>
                      {u.label}
                    </option>
                  ))}
                </NativeSelect>
              </Field>
            </div>
          ) : op === "between" ? (
            <div className="grid grid-cols-2 gap-3">
              <Field data-invalid={valueError ? true : undefined}>
                <FieldLabel htmlFor={`${id}-from`}>From</FieldLabel>
                <Input
                  id={`${id}-from`}
                  type={inputType}
                  value={value}
                  aria-invalid={valueError ? true : undefined}
                  aria-describedby={described(null)}
                  onChange={(e) => setValue(e.target.value)}
                />
              </Field>
              <Field data-invalid={valueError ? true : undefined}>
                <FieldLabel htmlFor={`${id}-to`}>To</FieldLabel>
                <Input
                  id={`${id}-to`}
                  type={inputType}
                  value={value2}
                  aria-invalid={valueError ? true : undefined}
                  aria-describedby={described(null)}
                  onChange={(e) => setValue2(e.target.value)}
                />
              </Field>
            </div>
          ) : boolValue ? (
            <Field>
              <FieldLabel htmlFor={`${id}-bool`}>Value</FieldLabel>
              <NativeSelect
                id={`${id}-bool`}
                value={value === "false" ? "false" : "true"}
                onChange={(e) => setValue(e.target.value)}
              >
                <option value="true">Yes (true)</option>
                <option value="false">No (false)</option>
              </NativeSelect>
            </Field>
          ) : (
            <Field data-invalid={valueError ? true : undefined}>
              <FieldLabel htmlFor={`${id}-value`}>
                {op === "in" ? "Values (comma-separated)" : "Value"}
              </FieldLabel>
              <Input
                id={`${id}-value`}
                type={op === "in" ? "text" : inputType}
                value={value}
                aria-invalid={valueError ? true : undefined}
                aria-describedby={described(null)}
                onChange={(e) => setValue(e.target.value)}
              />
            </Field>
          )}
          <FieldError id={`${id}-value-error`}>{valueError}</FieldError>
          <div className="flex justify-end gap-2">
            <Button type="button" variant="ghost" size="sm" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" size="sm">
              Add filter
            </Button>
          </div>
        </form>
      </PopoverContent>
    </Popover>
  );
}
