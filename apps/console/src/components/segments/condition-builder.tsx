"use client";

import { useMemo } from "react";
import type { ReactNode } from "react";
import { CONDITION_LIMITS, freeFieldRoots } from "@cdp/profile-schema";
import type { ConditionDurationUnit, ConditionOp } from "@cdp/profile-schema";
import {
  Button,
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
  Input,
  NativeSelect,
  cn,
} from "@cdp/ui";

import { PlusIcon, XIcon } from "@/components/icons";
import { opLabel } from "@/components/profiles/filter-builder";
import {
  emptyGroup,
  fieldGroups,
  fieldTypeOf,
  freeRootOf,
  newLeaf,
  opsFor,
  updateNode,
} from "./condition-draft";
import type {
  DraftConsent,
  DraftEvent,
  DraftField,
  DraftGroup,
  DraftIssue,
  DraftLeaf,
  DraftNode,
  DraftSegment,
  EventCountMode,
  FreeValueType,
} from "./condition-draft";

/** What the pickers offer besides the field metadata. */
export interface BuilderOptions {
  consentTypes: { id: string; name: string }[];
  /** Segments a condition may refer to (not the one being edited). */
  segments: { id: string; name: string }[];
}

const UNITS: { value: ConditionDurationUnit; label: string }[] = [
  { value: "m", label: "minutes" },
  { value: "h", label: "hours" },
  { value: "d", label: "days" },
  { value: "w", label: "weeks" },
];

const COUNT_MODES: { value: EventCountMode; label: string }[] = [
  { value: "at_least", label: "at least" },
  { value: "at_most", label: "at most" },
  { value: "exactly", label: "exactly" },
  { value: "between", label: "between" },
  { value: "none", label: "no times" },
];

const FREE_PREFIX = "free:";

const small = "h-8 text-sm md:text-sm";

type Update = (key: string, f: (node: DraftNode) => DraftNode | null) => void;

interface Ctx {
  update: Update;
  issues: Map<string, DraftIssue>;
  options: BuilderOptions;
  idPrefix: string;
}

function Issue({ id, issue }: { id: string; issue: DraftIssue | undefined }) {
  if (!issue) return null;
  return (
    <p id={id} className="basis-full text-xs text-destructive" data-testid="builder-issue">
      {issue.message}
    </p>
  );
}

/** "Not" as a toggle in front of a node. */
function NotToggle({ node, ctx }: { node: DraftNode; ctx: Ctx }) {
  return (
    <Button
      type="button"
      size="sm"
      variant={node.negated ? "default" : "ghost"}
      aria-pressed={node.negated}
      title="Negate: match profiles for which this is not true"
      className={cn("h-8 px-2 font-mono text-xs", !node.negated && "text-muted-foreground")}
      onClick={() => ctx.update(node.key, (n) => ({ ...n, negated: !n.negated }))}
    >
      not
    </Button>
  );
}

function RemoveButton({ node, ctx, what }: { node: DraftNode; ctx: Ctx; what: string }) {
  return (
    <Button
      type="button"
      size="icon-sm"
      variant="ghost"
      className="ml-auto size-8 text-muted-foreground"
      aria-label={`Remove ${what}`}
      onClick={() => ctx.update(node.key, () => null)}
    >
      <XIcon />
    </Button>
  );
}

function describedBy(id: string, issue: DraftIssue | undefined, at: DraftIssue["at"]) {
  return issue?.at === at ? id : undefined;
}

function FieldLeaf({ node, ctx }: { node: DraftField; ctx: Ctx }) {
  const groups = useMemo(fieldGroups, []);
  const issue = ctx.issues.get(node.key);
  const errorId = `${ctx.idPrefix}-${node.key}-error`;
  const root = freeRootOf(node.field);
  const key = root ? node.field.slice(root.length + 1) : "";
  const type = fieldTypeOf(node.field);
  const ops = opsFor(node.field);
  const set = (patch: Partial<DraftField>) =>
    ctx.update(node.key, (n) => {
      const next = { ...(n as DraftField), ...patch };
      const allowed = opsFor(next.field);
      return allowed.includes(next.op) ? next : { ...next, op: allowed[0] ?? "exists" };
    });
  const invalid = (at: DraftIssue["at"]) => (issue?.at === at ? true : undefined);
  const boolValue =
    node.op !== "in" && (type === "bool" || (type === "json" && node.freeType === "bool"));
  const inputType =
    type === "number" || type === "integer" || (type === "json" && node.freeType === "number")
      ? "number"
      : "text";
  const placeholder = type === "date" ? "YYYY-MM-DD" : type === "list" ? "item" : "value";

  let value: ReactNode = null;
  if (node.op === "within_last" || node.op === "before") {
    value = (
      <>
        <Input
          aria-label="Amount"
          type="number"
          min={1}
          value={node.value}
          onChange={(e) => set({ value: e.target.value })}
          aria-invalid={invalid("value")}
          aria-describedby={describedBy(errorId, issue, "value")}
          className={cn(small, "w-20")}
        />
        <div className="w-28">
          <NativeSelect
            aria-label="Unit"
            value={node.unit}
            onChange={(e) => set({ unit: e.target.value as ConditionDurationUnit })}
            className={small}
          >
            {UNITS.map((u) => (
              <option key={u.value} value={u.value}>
                {u.label}
              </option>
            ))}
          </NativeSelect>
        </div>
        {node.op === "before" ? <span className="text-sm text-muted-foreground">ago</span> : null}
      </>
    );
  } else if (node.op === "between") {
    value = (
      <>
        <Input
          aria-label="From"
          type={inputType}
          value={node.value}
          placeholder={placeholder}
          onChange={(e) => set({ value: e.target.value })}
          aria-invalid={invalid("value")}
          aria-describedby={describedBy(errorId, issue, "value")}
          className={cn(small, "w-32")}
        />
        <span className="text-sm text-muted-foreground">and</span>
        <Input
          aria-label="To"
          type={inputType}
          value={node.value2}
          placeholder={placeholder}
          onChange={(e) => set({ value2: e.target.value })}
          aria-invalid={invalid("value")}
          aria-describedby={describedBy(errorId, issue, "value")}
          className={cn(small, "w-32")}
        />
      </>
    );
  } else if (node.op !== "exists" && node.op !== "empty") {
    value = boolValue ? (
      <div className="w-28">
        <NativeSelect
          aria-label="Value"
          value={node.value === "false" ? "false" : "true"}
          onChange={(e) => set({ value: e.target.value })}
          className={small}
        >
          <option value="true">true</option>
          <option value="false">false</option>
        </NativeSelect>
      </div>
    ) : (
      <Input
        aria-label={node.op === "in" ? "Values, separated by commas" : "Value"}
        type={node.op === "in" ? "text" : inputType}
        value={node.value}
        placeholder={node.op === "in" ? "a, b, c" : placeholder}
        onChange={(e) => set({ value: e.target.value })}
        aria-invalid={invalid("value")}
        aria-describedby={describedBy(errorId, issue, "value")}
        className={cn(small, "w-44 flex-1")}
      />
    );
  }

  return (
    <>
      <div className="w-52">
        <NativeSelect
          aria-label="Field"
          value={root ? `${FREE_PREFIX}${root}` : node.field}
          onChange={(e) => {
            const chosen = e.target.value;
            set({
              field: chosen.startsWith(FREE_PREFIX)
                ? `${chosen.slice(FREE_PREFIX.length)}.${key}`
                : chosen,
              value: "",
              value2: "",
            });
          }}
          aria-invalid={invalid("field") && !root ? true : undefined}
          aria-describedby={root ? undefined : describedBy(errorId, issue, "field")}
          className={small}
        >
          {groups.map((g) => (
            <optgroup key={g.label} label={g.label}>
              {g.options.map((o) => (
                <option key={o.path} value={o.path}>
                  {o.label}
                </option>
              ))}
            </optgroup>
          ))}
          <optgroup label="Free keys">
            {freeFieldRoots.map((r) => (
              <option key={r.root} value={`${FREE_PREFIX}${r.root}`}>
                {r.label} ({r.root}.…)
              </option>
            ))}
          </optgroup>
        </NativeSelect>
      </div>
      {root ? (
        <>
          <Input
            aria-label={`Key under ${root}`}
            value={key}
            placeholder="key"
            onChange={(e) => set({ field: `${root}.${e.target.value.trim()}` })}
            aria-invalid={invalid("field")}
            aria-describedby={describedBy(errorId, issue, "field")}
            className={cn(small, "w-32 font-mono")}
          />
          <div className="w-24">
            <NativeSelect
              aria-label="Value type"
              value={node.freeType}
              onChange={(e) => set({ freeType: e.target.value as FreeValueType })}
              className={small}
            >
              <option value="text">text</option>
              <option value="number">number</option>
              <option value="bool">yes/no</option>
            </NativeSelect>
          </div>
        </>
      ) : null}
      <div className="w-40">
        <NativeSelect
          aria-label="Operator"
          value={node.op}
          onChange={(e) => set({ op: e.target.value as ConditionOp })}
          className={small}
        >
          {ops.map((op) => (
            <option key={op} value={op}>
              {opLabel(op, type)}
            </option>
          ))}
        </NativeSelect>
      </div>
      {value}
    </>
  );
}

/** A select whose options are `choices`, plus the current value when it is not one of them. */
function ChoiceSelect({
  label,
  value,
  choices,
  empty,
  onChange,
  invalid,
  describedById,
}: {
  label: string;
  value: string;
  choices: { id: string; name: string }[];
  empty: string;
  onChange: (value: string) => void;
  invalid: boolean;
  describedById: string | undefined;
}) {
  const known = choices.some((c) => c.id === value);
  return (
    <div className="w-60">
      <NativeSelect
        aria-label={label}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={invalid || undefined}
        aria-describedby={describedById}
        className={small}
      >
        <option value="">{empty}</option>
        {!known && value ? <option value={value}>{value} (unknown)</option> : null}
        {choices.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name === c.id ? c.id : `${c.name} (${c.id})`}
          </option>
        ))}
      </NativeSelect>
    </div>
  );
}

function ConsentLeaf({ node, ctx }: { node: DraftConsent; ctx: Ctx }) {
  const issue = ctx.issues.get(node.key);
  const errorId = `${ctx.idPrefix}-${node.key}-error`;
  const set = (patch: Partial<DraftConsent>) =>
    ctx.update(node.key, (n) => ({ ...(n as DraftConsent), ...patch }));
  return (
    <>
      <span className="text-sm font-medium">Consent</span>
      <ChoiceSelect
        label="Consent type"
        value={node.type}
        choices={ctx.options.consentTypes}
        empty="Choose a consent type…"
        onChange={(type) => set({ type })}
        invalid={issue?.at === "name"}
        describedById={describedBy(errorId, issue, "name")}
      />
      <div className="w-36">
        <NativeSelect
          aria-label="Consent state"
          value={node.granted ? "granted" : "not"}
          onChange={(e) => set({ granted: e.target.value === "granted" })}
          className={small}
        >
          <option value="granted">is granted</option>
          <option value="not">is not granted</option>
        </NativeSelect>
      </div>
    </>
  );
}

function SegmentLeaf({ node, ctx }: { node: DraftSegment; ctx: Ctx }) {
  const issue = ctx.issues.get(node.key);
  const errorId = `${ctx.idPrefix}-${node.key}-error`;
  return (
    <>
      <span className="text-sm font-medium">In segment</span>
      <ChoiceSelect
        label="Segment"
        value={node.id}
        choices={ctx.options.segments}
        empty="Choose a segment…"
        onChange={(id) => ctx.update(node.key, (n) => ({ ...(n as DraftSegment), id }))}
        invalid={issue?.at === "name"}
        describedById={describedBy(errorId, issue, "name")}
      />
    </>
  );
}

function EventLeaf({ node, ctx }: { node: DraftEvent; ctx: Ctx }) {
  const issue = ctx.issues.get(node.key);
  const errorId = `${ctx.idPrefix}-${node.key}-error`;
  const set = (patch: Partial<DraftEvent>) =>
    ctx.update(node.key, (n) => ({ ...(n as DraftEvent), ...patch }));
  const invalid = (at: DraftIssue["at"]) => (issue?.at === at ? true : undefined);
  return (
    <>
      <span className="text-sm font-medium">Event</span>
      <Input
        aria-label="Event type"
        value={node.type}
        placeholder="e.g. purchase"
        onChange={(e) => set({ type: e.target.value })}
        aria-invalid={invalid("name")}
        aria-describedby={describedBy(errorId, issue, "name")}
        className={cn(small, "w-36 font-mono")}
      />
      <div className="w-28">
        <NativeSelect
          aria-label="How many times"
          value={node.mode}
          onChange={(e) => set({ mode: e.target.value as EventCountMode })}
          className={small}
        >
          {COUNT_MODES.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </NativeSelect>
      </div>
      {node.mode !== "none" ? (
        <Input
          aria-label={node.mode === "between" ? "Fewest times" : "Times"}
          type="number"
          min={0}
          value={node.count}
          onChange={(e) => set({ count: e.target.value })}
          aria-invalid={invalid("count")}
          aria-describedby={describedBy(errorId, issue, "count")}
          className={cn(small, "w-20")}
        />
      ) : null}
      {node.mode === "between" ? (
        <>
          <span className="text-sm text-muted-foreground">and</span>
          <Input
            aria-label="Most times"
            type="number"
            min={0}
            value={node.count2}
            onChange={(e) => set({ count2: e.target.value })}
            aria-invalid={invalid("count")}
            aria-describedby={describedBy(errorId, issue, "count")}
            className={cn(small, "w-20")}
          />
        </>
      ) : null}
      {node.mode !== "none" ? <span className="text-sm text-muted-foreground">times</span> : null}
      <span className="text-sm text-muted-foreground">in the last</span>
      <Input
        aria-label="Window length"
        type="number"
        min={1}
        value={node.amount}
        onChange={(e) => set({ amount: e.target.value })}
        aria-invalid={invalid("within")}
        aria-describedby={describedBy(errorId, issue, "within")}
        className={cn(small, "w-20")}
      />
      <div className="w-28">
        <NativeSelect
          aria-label="Window unit"
          value={node.unit}
          onChange={(e) => set({ unit: e.target.value as ConditionDurationUnit })}
          className={small}
        >
          {UNITS.map((u) => (
            <option key={u.value} value={u.value}>
              {u.label}
            </option>
          ))}
        </NativeSelect>
      </div>
    </>
  );
}

const LEAF_NAMES: Record<DraftLeaf["kind"], string> = {
  field: "field condition",
  consent: "consent condition",
  segment: "segment condition",
  event: "event condition",
};

function LeafRow({ node, ctx }: { node: DraftLeaf; ctx: Ctx }) {
  const issue = ctx.issues.get(node.key);
  const errorId = `${ctx.idPrefix}-${node.key}-error`;
  return (
    <li
      data-testid="builder-leaf"
      data-kind={node.kind}
      className={cn(
        "flex flex-wrap items-center gap-2 rounded-md border bg-background px-2 py-1.5",
        issue && "border-destructive/50",
      )}
    >
      <NotToggle node={node} ctx={ctx} />
      {node.kind === "field" ? (
        <FieldLeaf node={node} ctx={ctx} />
      ) : node.kind === "consent" ? (
        <ConsentLeaf node={node} ctx={ctx} />
      ) : node.kind === "segment" ? (
        <SegmentLeaf node={node} ctx={ctx} />
      ) : (
        <EventLeaf node={node} ctx={ctx} />
      )}
      <RemoveButton node={node} ctx={ctx} what={LEAF_NAMES[node.kind]} />
      <Issue id={errorId} issue={issue} />
    </li>
  );
}

function AddMenu({ group, ctx, depth }: { group: DraftGroup; ctx: Ctx; depth: number }) {
  const add = (node: DraftNode) =>
    ctx.update(group.key, (g) => ({
      ...(g as DraftGroup),
      children: [...(g as DraftGroup).children, node],
    }));
  return (
    <div className="flex flex-wrap gap-1.5">
      <DropdownMenu>
        <DropdownMenuTrigger asChild>
          <Button type="button" size="sm" variant="outline" className="h-8">
            <PlusIcon />
            Add condition
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align="start">
          <DropdownMenuItem onSelect={() => add(newLeaf("field"))}>Profile field</DropdownMenuItem>
          <DropdownMenuItem onSelect={() => add(newLeaf("consent"))}>Consent</DropdownMenuItem>
          <DropdownMenuItem onSelect={() => add(newLeaf("segment"))}>
            Segment membership
          </DropdownMenuItem>
          <DropdownMenuItem onSelect={() => add(newLeaf("event"))}>Event count</DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>
      {depth < CONDITION_LIMITS.maxDepth - 2 ? (
        <Button
          type="button"
          size="sm"
          variant="ghost"
          className="h-8 text-muted-foreground"
          onClick={() => add(emptyGroup(group.op === "and" ? "or" : "and"))}
        >
          <PlusIcon />
          Add group
        </Button>
      ) : null}
    </div>
  );
}

function GroupNode({ node, ctx, depth }: { node: DraftGroup; ctx: Ctx; depth: number }) {
  const issue = ctx.issues.get(node.key);
  const errorId = `${ctx.idPrefix}-${node.key}-error`;
  const isRoot = depth === 0;
  const body = (
    <>
      <div className="flex flex-wrap items-center gap-2">
        {isRoot ? null : <NotToggle node={node} ctx={ctx} />}
        <span className="text-sm text-muted-foreground">Match</span>
        <div className="w-24">
          <NativeSelect
            aria-label={
              isRoot ? "Match all or any of the conditions" : "Match all or any in this group"
            }
            value={node.op}
            onChange={(e) =>
              ctx.update(node.key, (n) => ({
                ...(n as DraftGroup),
                op: e.target.value as "and" | "or",
              }))
            }
            className={small}
          >
            <option value="and">all</option>
            <option value="or">any</option>
          </NativeSelect>
        </div>
        <span className="text-sm text-muted-foreground">of the following</span>
        {isRoot ? null : <RemoveButton node={node} ctx={ctx} what="group" />}
      </div>
      {node.children.length > 0 ? (
        <ul className="grid gap-2">
          {node.children.map((child) =>
            child.kind === "group" ? (
              <GroupNode key={child.key} node={child} ctx={ctx} depth={depth + 1} />
            ) : (
              <LeafRow key={child.key} node={child} ctx={ctx} />
            ),
          )}
        </ul>
      ) : null}
      {issue && (!isRoot || node.children.length > 0) ? <Issue id={errorId} issue={issue} /> : null}
      <AddMenu group={node} ctx={ctx} depth={depth} />
    </>
  );
  if (isRoot) return <div className="grid gap-2">{body}</div>;
  return (
    <li
      data-testid="builder-group"
      className={cn(
        "grid gap-2 rounded-md border border-dashed bg-muted/30 p-2.5",
        issue && "border-destructive/50",
      )}
    >
      {body}
    </li>
  );
}

/**
 * The structured filter builder: `all` / `any` groups (each may be negated), and leaves for a
 * profile field (picked from the field metadata, operator by its type, value), a consent, a
 * segment's membership or an event count. Problems are shown on the node that has them.
 */
export function ConditionBuilder({
  draft,
  issues,
  onChange,
  options,
  idPrefix,
}: {
  draft: DraftGroup;
  issues: readonly DraftIssue[];
  onChange: (draft: DraftGroup) => void;
  options: BuilderOptions;
  idPrefix: string;
}) {
  const ctx: Ctx = {
    update: (key, f) => onChange(updateNode(draft, key, f)),
    issues: new Map(issues.map((i) => [i.key, i])),
    options,
    idPrefix,
  };
  return <GroupNode node={draft} ctx={ctx} depth={0} />;
}
