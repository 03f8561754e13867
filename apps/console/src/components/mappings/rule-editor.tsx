"use client";

import { useEffect, useId, useMemo, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useFieldArray, useForm, useWatch } from "react-hook-form";
import type { UseFormRegisterReturn } from "react-hook-form";
import { toast } from "sonner";
import {
  mappingEventFields,
  mappingEventRoots,
  mappingOps,
  mappingTargets,
  mappingTransforms,
  resolveMappingTarget,
} from "@cdp/profile-schema";
import type { MappingOp } from "@cdp/profile-schema";
import {
  Alert,
  AlertDescription,
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
  Badge,
  Button,
  cn,
  Input,
  Label,
  NativeSelect,
  Textarea,
} from "@cdp/ui";

import {
  AlertIcon,
  ArrowDownIcon,
  ArrowUpIcon,
  PlusIcon,
  RefreshIcon,
  SpinnerIcon,
  TrashIcon,
} from "@/components/icons";
import {
  createMappingRule,
  deleteMappingRule,
  mappingEventPaths,
  updateMappingRule,
} from "@/app/(console)/mappings/actions";
import type {
  MappingPaths,
  MappingRule,
  MappingRuleVersions,
} from "@/app/(console)/mappings/actions";
import { EMPTY_ROW, formFromDefinition, slugify, splitList, toDraft } from "./draft";
import type { DraftIssue, MappingRow, RuleFormValues } from "./draft";
import { FlowView } from "./flow-view";
import { RuleSwitch } from "./rule-switch";
import { TestPanel } from "./test-panel";
import { VersionHistory } from "./version-history";

const OP_LABELS: Record<MappingOp, string> = {
  set: "set",
  set_if_empty: "set if empty",
  append: "append",
  remove: "remove",
  increment: "increment",
  decrement: "decrement",
  add_interest: "add interest",
  add_segment: "add segment",
  remove_segment: "remove segment",
  grant_consent: "grant consent",
  revoke_consent: "revoke consent",
};

const NEW_RULE: RuleFormValues = {
  id: "",
  name: "",
  description: "",
  eventTypes: "",
  condition: "",
  position: "0",
  mappings: [{ ...EMPTY_ROW }],
};

/** The first problem at `path` or below it (`mappings.1.transform.0` is the transform's). */
function issueAt(issues: readonly DraftIssue[], path: string): string | undefined {
  return issues.find((i) => i.path === path || i.path.startsWith(`${path}.`))?.message;
}

function ErrorText({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="text-sm text-destructive" data-testid="field-error">
      {message}
    </p>
  );
}

type Mode = { kind: "create" } | { kind: "edit"; rule: MappingRule; versions: MappingRuleVersions };

/**
 * The mapping rule editor: the rule as a table of mappings with typed path pickers, checked as
 * it is typed (validateMappingRule, the API's own check), beside a flow picture of it and a test
 * panel that runs the draft. Readers without the admin role get the same page, read-only.
 */
export function RuleEditor({ mode, readOnly }: { mode: Mode; readOnly: boolean }) {
  const router = useRouter();
  const ids = useId();
  const rule = mode.kind === "edit" ? mode.rule : null;
  const form = useForm<RuleFormValues>({
    defaultValues: rule ? formFromDefinition(rule.id, rule) : NEW_RULE,
  });
  const rows = useFieldArray({ control: form.control, name: "mappings" });
  const watched = useWatch({ control: form.control }) as RuleFormValues;
  const [version, setVersion] = useState(rule?.version ?? 0);
  const [enabled, setEnabled] = useState(rule?.enabled ?? false);
  const [tab, setTab] = useState<"definition" | "history">("definition");
  const [attempted, setAttempted] = useState(false);
  const [serverIssues, setServerIssues] = useState<DraftIssue[]>([]);
  const [problem, setProblem] = useState<{ message: string; conflict: boolean } | null>(null);
  const [saving, setSaving] = useState(false);
  const [idEdited, setIdEdited] = useState(mode.kind === "edit");
  const [paths, setPaths] = useState<MappingPaths["paths"]>([]);
  // `data-ready` tells the e2e tests the form is hydrated: text typed before that is lost.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  const values: RuleFormValues = { ...NEW_RULE, ...watched, mappings: watched.mappings ?? [] };
  const { draft, issues } = useMemo(() => toDraft(values), [JSON.stringify(values)]); // eslint-disable-line react-hooks/exhaustive-deps
  const eventTypesKey = draft.eventTypes.join(",");

  // The API's errors (and a refused save's message, but not a conflict) are about the draft it
  // was sent: any edit makes them stale.
  useEffect(() => {
    setServerIssues([]);
    setProblem((p) => (p?.conflict ? p : null));
  }, [JSON.stringify(values)]); // eslint-disable-line react-hooks/exhaustive-deps

  // The id follows the name of a new rule until it is typed.
  useEffect(() => {
    if (!idEdited) form.setValue("id", slugify(values.name));
  }, [values.name, idEdited, form]);

  // Property paths of recent events of these types, for the source picker (names and types only).
  useEffect(() => {
    const types = splitList(eventTypesKey);
    if (types.length === 0) return;
    let current = true;
    const timer = setTimeout(() => {
      mappingEventPaths({ eventTypes: types })
        .then((result) => {
          if (current && result.ok) setPaths(result.value.paths);
        })
        .catch(() => undefined);
    }, 400);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [eventTypesKey]);

  // Mapping rows show their problems as soon as both sides are given; the rest after a save.
  const shown = [...serverIssues, ...issues].filter((issue) => {
    if (attempted || serverIssues.includes(issue)) return true;
    const m = /^mappings\.(\d+)\./.exec(issue.path);
    if (!m) return issue.path === "condition" && values.condition.trim() !== "";
    const row = values.mappings[Number(m[1])];
    return Boolean(row && row.from.trim() && row.to.trim());
  });
  const at = (path: string) => issueAt(shown, path);

  async function save() {
    setAttempted(true);
    setProblem(null);
    if (issues.length > 0) {
      setProblem({
        message: `The rule has ${issues.length} problem${issues.length === 1 ? "" : "s"}: ${issues[0]!.message}`,
        conflict: false,
      });
      return;
    }
    setSaving(true);
    try {
      const result =
        mode.kind === "create"
          ? await createMappingRule({ ...draft, id: draft.id ?? "", enabled: false })
          : await updateMappingRule({ ...draft, id: mode.rule.id, version });
      if (result.ok) {
        setAttempted(false);
        if (mode.kind === "create") {
          toast.success(`Created “${result.value.name}” (disabled until you enable it)`);
          router.push(`/mappings/${encodeURIComponent(result.value.id)}`);
        } else {
          toast.success(`Saved “${result.value.name}” as version ${result.value.version}`);
          setVersion(result.value.version);
          router.refresh();
        }
        return;
      }
      setServerIssues(result.fieldErrors);
      setProblem({ message: result.message, conflict: result.code === "CONFLICT" });
    } catch {
      setProblem({
        message: "The console could not reach the server. Your draft is still here: try again.",
        conflict: false,
      });
    } finally {
      setSaving(false);
    }
  }

  async function remove() {
    if (mode.kind !== "edit") return;
    const result = await deleteMappingRule({ id: mode.rule.id, version });
    if (result.ok) {
      toast.success(`Deleted “${mode.rule.name}”`);
      router.push("/mappings");
    } else {
      setProblem({ message: result.message, conflict: result.code === "CONFLICT" });
    }
  }

  const fromOptions = [
    ...mappingEventFields.map((f) => ({ value: f.path, label: `${f.label} · ${f.type}` })),
    ...paths.map((p) => ({
      value: p.path,
      label: `${p.types.join(" or ")} · in ${p.events} recent event${p.events === 1 ? "" : "s"}`,
    })),
    ...mappingEventRoots.map((r) => ({ value: `${r.root}.`, label: `${r.label} (type a key)` })),
  ];
  const toOptions = mappingTargets.map((t) => ({
    value: t.kind === "free" ? t.path.replace(/\*$/, "") : t.path,
    label: `${t.label} · ${t.type}${t.pii ? " · PII" : ""}${t.kind === "free" ? " (type a key)" : ""}`,
  }));
  const described = (...idsOrNull: (string | null)[]) =>
    idsOrNull.filter((v): v is string => v !== null).join(" ") || undefined;

  const definition = (
    <form
      className="grid gap-6"
      data-ready={hydrated ? "" : undefined}
      aria-label="Mapping rule"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <fieldset disabled={readOnly} className="grid gap-6">
        <legend className="sr-only">Rule definition</legend>
        <div className="grid gap-6 xl:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
          <div className="grid content-start gap-4 rounded-lg border bg-card p-5 shadow-xs sm:grid-cols-2 xl:grid-cols-1">
            <div className="grid gap-1.5">
              <Label htmlFor={`${ids}-name`}>Name</Label>
              <Input
                id={`${ids}-name`}
                {...form.register("name")}
                aria-invalid={at("name") ? true : undefined}
                aria-describedby={described(at("name") ? `${ids}-name-error` : null)}
                autoComplete="off"
              />
              <ErrorText id={`${ids}-name-error`} message={at("name")} />
            </div>
            <div className="grid gap-1.5">
              <Label htmlFor={`${ids}-id`}>Id</Label>
              <Input
                id={`${ids}-id`}
                {...form.register("id", { onChange: () => setIdEdited(true) })}
                readOnly={mode.kind === "edit"}
                className="font-mono"
                aria-invalid={at("id") ? true : undefined}
                aria-describedby={described(`${ids}-id-help`, at("id") ? `${ids}-id-error` : null)}
                autoComplete="off"
              />
              <p id={`${ids}-id-help`} className="text-xs text-muted-foreground">
                {mode.kind === "edit"
                  ? "The audit log names the rule by this id."
                  : "Lowercase letters, digits and hyphens; the audit log names the rule by it."}
              </p>
              <ErrorText id={`${ids}-id-error`} message={at("id")} />
            </div>
            <div className="grid gap-1.5">
              <Label htmlFor={`${ids}-types`}>Event types</Label>
              <Input
                id={`${ids}-types`}
                {...form.register("eventTypes")}
                placeholder="signup, purchase"
                className="font-mono"
                aria-invalid={at("eventTypes") ? true : undefined}
                aria-describedby={described(
                  `${ids}-types-help`,
                  at("eventTypes") ? `${ids}-types-error` : null,
                )}
                autoComplete="off"
              />
              <p id={`${ids}-types-help`} className="text-xs text-muted-foreground">
                One or more, separated by commas.
              </p>
              <ErrorText id={`${ids}-types-error`} message={at("eventTypes")} />
            </div>
            <div className="grid gap-1.5">
              <Label htmlFor={`${ids}-position`}>Position</Label>
              <Input
                id={`${ids}-position`}
                type="number"
                min={0}
                step={1}
                {...form.register("position")}
                aria-invalid={at("position") ? true : undefined}
                aria-describedby={described(
                  `${ids}-position-help`,
                  at("position") ? `${ids}-position-error` : null,
                )}
              />
              <p id={`${ids}-position-help`} className="text-xs text-muted-foreground">
                Rules run lowest first; each sees what the previous one wrote.
              </p>
              <ErrorText id={`${ids}-position-error`} message={at("position")} />
            </div>
            <div className="grid gap-1.5 sm:col-span-2 xl:col-span-1">
              <Label htmlFor={`${ids}-condition`}>Condition (optional)</Label>
              <Textarea
                id={`${ids}-condition`}
                {...form.register("condition")}
                rows={2}
                spellCheck={false}
                placeholder={'event.properties.plan = "pro" and traits.country = "FR"'}
                className="font-mono text-sm"
                aria-invalid={at("condition") ? true : undefined}
                aria-describedby={described(
                  `${ids}-condition-help`,
                  at("condition") ? `${ids}-condition-error` : null,
                )}
              />
              <p id={`${ids}-condition-help`} className="text-xs text-muted-foreground">
                The segment query syntax, on the profile and the event (<code>event.type</code>,{" "}
                <code>event.properties.&lt;key&gt;</code>, …). Empty: the rule always runs.
              </p>
              <ErrorText id={`${ids}-condition-error`} message={at("condition")} />
            </div>
            <div className="grid gap-1.5 sm:col-span-2 xl:col-span-1">
              <Label htmlFor={`${ids}-description`}>Description (optional)</Label>
              <Input
                id={`${ids}-description`}
                {...form.register("description")}
                autoComplete="off"
              />
            </div>
          </div>
          <section
            aria-labelledby={`${ids}-flow`}
            className="grid content-start gap-2 xl:sticky xl:top-4 xl:self-start"
          >
            <h2 id={`${ids}-flow`} className="text-sm font-semibold">
              Flow
            </h2>
            <FlowView draft={draft} />
          </section>
        </div>

        <section
          aria-labelledby={`${ids}-mappings`}
          className="rounded-lg border bg-card shadow-xs"
        >
          <div className="flex items-center justify-between gap-3 border-b px-5 py-3">
            <div>
              <h2 id={`${ids}-mappings`} className="text-sm font-semibold">
                Mappings
              </h2>
              <p className="text-xs text-muted-foreground">
                Run in order: from an event path or a constant, through the transform, into a
                profile field.
              </p>
            </div>
            {readOnly ? null : (
              <Button
                type="button"
                variant="outline"
                size="sm"
                onClick={() => rows.append({ ...EMPTY_ROW })}
              >
                <PlusIcon />
                Add mapping
              </Button>
            )}
          </div>
          <ErrorText
            id={`${ids}-mappings-error`}
            message={issueAt(
              shown.filter((i) => i.path === "mappings"),
              "mappings",
            )}
          />
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Mappings, in running order</caption>
              <thead className="bg-muted/40 text-xs text-muted-foreground">
                <tr>
                  <th className="w-8 py-2 pl-5 font-medium">#</th>
                  <th className="py-2 pr-2 font-medium">From</th>
                  <th className="py-2 pr-2 font-medium">Transform</th>
                  <th className="py-2 pr-2 font-medium">Operation</th>
                  <th className="py-2 pr-2 font-medium">To</th>
                  <th className="py-2 pr-5 text-right font-medium">
                    <span className="sr-only">Order and removal</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.fields.map((field, index) => (
                  <MappingRowEditor
                    key={field.id}
                    index={index}
                    count={rows.fields.length}
                    row={values.mappings[index] ?? EMPTY_ROW}
                    register={(name) => form.register(`mappings.${index}.${name}`)}
                    issues={shown}
                    readOnly={readOnly}
                    listIds={{ from: `${ids}-from-options`, to: `${ids}-to-options` }}
                    onMove={(to) => rows.move(index, to)}
                    onRemove={() => rows.remove(index)}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <datalist id={`${ids}-from-options`}>
            {fromOptions.map((o) => (
              <option key={o.value} value={o.value} label={o.label} />
            ))}
          </datalist>
          <datalist id={`${ids}-to-options`}>
            {toOptions.map((o) => (
              <option key={o.value} value={o.value} label={o.label} />
            ))}
          </datalist>
        </section>
      </fieldset>

      {problem ? (
        <Alert variant="destructive" data-testid="rule-problem">
          <AlertIcon />
          <AlertDescription className="flex flex-wrap items-center gap-3 text-destructive!">
            <span>{problem.message}</span>
            {problem.conflict && mode.kind === "edit" ? (
              <Button
                type="button"
                size="sm"
                variant="outline"
                onClick={() => window.location.reload()}
              >
                <RefreshIcon />
                Reload
              </Button>
            ) : null}
          </AlertDescription>
        </Alert>
      ) : null}

      {readOnly ? (
        <p className="text-sm text-muted-foreground">
          Your role reads and tests mapping rules; only admins change them.
        </p>
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          <Button type="submit" disabled={saving}>
            {saving ? <SpinnerIcon /> : null}
            {mode.kind === "create" ? "Create rule" : "Save"}
          </Button>
          <Button asChild variant="ghost">
            <Link href="/mappings">Cancel</Link>
          </Button>
        </div>
      )}
    </form>
  );

  return (
    <div className="grid gap-6">
      {mode.kind === "edit" ? (
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div
            role="tablist"
            aria-label="Rule views"
            className="inline-flex rounded-md border bg-muted/40 p-0.5"
          >
            {(["definition", "history"] as const).map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                id={`${ids}-tab-${t}`}
                aria-selected={tab === t}
                aria-controls={`${ids}-panel-${t}`}
                tabIndex={tab === t ? 0 : -1}
                onClick={() => setTab(t)}
                onKeyDown={(e) => {
                  if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
                    const next = tab === "definition" ? "history" : "definition";
                    setTab(next);
                    document.getElementById(`${ids}-tab-${next}`)?.focus();
                  }
                }}
                className={cn(
                  "rounded-sm px-3 py-1 text-sm outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50",
                  tab === t ? "bg-background font-medium shadow-xs" : "text-muted-foreground",
                )}
              >
                {t === "definition" ? "Definition" : `Version history (${mode.versions.length})`}
              </button>
            ))}
          </div>
          <div className="flex flex-wrap items-center gap-3">
            <Badge variant="muted" className="tabular-nums">
              v{version}
            </Badge>
            <div className="flex items-center gap-2">
              <RuleSwitch
                id={mode.rule.id}
                name={mode.rule.name}
                enabled={enabled}
                version={version}
                disabled={readOnly}
                onChange={(next, v) => {
                  setEnabled(next);
                  setVersion(v);
                }}
              />
              <span className="text-sm" aria-hidden="true">
                {enabled ? "Enabled" : "Disabled"}
              </span>
            </div>
            {readOnly ? null : (
              <AlertDialog>
                <AlertDialogTrigger asChild>
                  <Button type="button" variant="outline" size="sm">
                    <TrashIcon />
                    Delete
                  </Button>
                </AlertDialogTrigger>
                <AlertDialogContent>
                  <AlertDialogHeader>
                    <AlertDialogTitle>Delete “{mode.rule.name}”?</AlertDialogTitle>
                    <AlertDialogDescription>
                      Events stop being mapped by it at once. Its versions stay in the history and
                      the audit log.
                    </AlertDialogDescription>
                  </AlertDialogHeader>
                  <AlertDialogFooter>
                    <AlertDialogCancel>Keep it</AlertDialogCancel>
                    <AlertDialogAction onClick={() => void remove()}>Delete rule</AlertDialogAction>
                  </AlertDialogFooter>
                </AlertDialogContent>
              </AlertDialog>
            )}
          </div>
        </div>
      ) : null}

      <div
        id={`${ids}-panel-definition`}
        role={mode.kind === "edit" ? "tabpanel" : undefined}
        aria-labelledby={mode.kind === "edit" ? `${ids}-tab-definition` : undefined}
        hidden={tab !== "definition"}
        className="grid gap-6"
      >
        {definition}
        <TestPanel draft={draft} issues={issues} onIssues={setServerIssues} />
      </div>
      {mode.kind === "edit" ? (
        <div
          id={`${ids}-panel-history`}
          role="tabpanel"
          aria-labelledby={`${ids}-tab-history`}
          hidden={tab !== "history"}
          className="rounded-lg border bg-card p-5 shadow-xs"
        >
          <VersionHistory versions={mode.versions} />
        </div>
      ) : null}
    </div>
  );
}

type RowField = keyof MappingRow;

function MappingRowEditor({
  index,
  count,
  row,
  register,
  issues,
  readOnly,
  listIds,
  onMove,
  onRemove,
}: {
  index: number;
  count: number;
  row: MappingRow;
  register: (name: RowField) => UseFormRegisterReturn;
  issues: readonly DraftIssue[];
  readOnly: boolean;
  listIds: { from: string; to: string };
  onMove: (to: number) => void;
  onRemove: () => void;
}) {
  const ids = useId();
  const n = index + 1;
  const base = `mappings.${index}`;
  const errors = {
    from: issueAt(issues, `${base}.from`),
    transform: issueAt(issues, `${base}.transform`) ?? issueAt(issues, `${base}.separator`),
    op: issueAt(issues, `${base}.op`),
    to: issueAt(issues, `${base}.to`),
  };
  const rowError = issues.find((i) => i.path === base)?.message;
  const messages = [
    ...new Set([errors.from, errors.transform, errors.op, errors.to, rowError]),
  ].filter((m): m is string => Boolean(m));
  const errorId = `${ids}-errors`;
  const invalid = (m: string | undefined) =>
    m ? { "aria-invalid": true, "aria-describedby": errorId } : {};

  const resolved = row.to.trim() ? resolveMappingTarget(row.to.trim()) : null;
  const target = resolved?.ok ? resolved.target : null;
  const ops = target ? [...new Set([...target.ops, row.op])] : mappingOps;
  const steps = row.transform;
  const transformOptions = [
    { value: "", label: "none" },
    ...mappingTransforms.map((t) => ({ value: t, label: t.replace("_", " ") })),
    ...(steps.includes(",") ? [{ value: steps, label: steps.split(",").join(" → ") }] : []),
  ];

  return (
    <>
      <tr
        className={cn("align-top", messages.length > 0 ? "" : "border-b")}
        data-testid="mapping-row"
      >
        <td className="py-2 pl-5 pt-4 text-xs text-muted-foreground tabular-nums">{n}</td>
        <td className="min-w-52 py-2 pr-2">
          <div className="flex gap-1">
            <div className="w-28 shrink-0">
              <NativeSelect aria-label={`Source kind, mapping ${n}`} {...register("fromKind")}>
                <option value="path">Event</option>
                <option value="const">Constant</option>
              </NativeSelect>
            </div>
            <Input
              aria-label={`From, mapping ${n}`}
              {...register("from")}
              list={row.fromKind === "path" ? listIds.from : undefined}
              placeholder={row.fromKind === "path" ? "properties.plan" : '"pro", 1, true'}
              className="font-mono text-xs"
              autoComplete="off"
              spellCheck={false}
              {...invalid(errors.from)}
            />
          </div>
        </td>
        <td className="w-32 py-2 pr-2">
          <NativeSelect
            aria-label={`Transform, mapping ${n}`}
            {...register("transform")}
            {...invalid(errors.transform)}
          >
            {transformOptions.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </NativeSelect>
          {steps.split(",").includes("split") ? (
            <Input
              aria-label={`Separator, mapping ${n}`}
              {...register("separator")}
              placeholder="separator: ,"
              className="mt-1 font-mono text-xs"
              autoComplete="off"
            />
          ) : null}
        </td>
        <td className="w-36 py-2 pr-2">
          <NativeSelect
            aria-label={`Operation, mapping ${n}`}
            {...register("op")}
            {...invalid(errors.op)}
          >
            {ops.map((op) => (
              <option key={op} value={op}>
                {OP_LABELS[op]}
              </option>
            ))}
          </NativeSelect>
        </td>
        <td className="min-w-52 py-2 pr-2">
          <Input
            aria-label={`To, mapping ${n}`}
            {...register("to")}
            list={listIds.to}
            placeholder="traits.plan"
            className="font-mono text-xs"
            autoComplete="off"
            spellCheck={false}
            {...invalid(errors.to)}
          />
          {target ? (
            <div
              className="mt-1 flex flex-wrap items-center gap-1 text-xs text-muted-foreground"
              data-testid="target-info"
            >
              <span>{target.label}</span>
              <Badge variant="outline" className="px-1 py-0 font-mono text-[10px] font-normal">
                {target.type}
              </Badge>
              {target.pii ? (
                <Badge
                  variant="secondary"
                  className="px-1 py-0 text-[10px]"
                  title="Personal data: masked for staff without access"
                >
                  PII
                </Badge>
              ) : null}
            </div>
          ) : null}
        </td>
        <td className="py-2 pr-5">
          {readOnly ? null : (
            <div className="flex justify-end gap-0.5">
              <Button
                type="button"
                size="icon"
                variant="ghost"
                className="size-8"
                aria-label={`Move mapping ${n} up`}
                disabled={index === 0}
                onClick={() => onMove(index - 1)}
              >
                <ArrowUpIcon />
              </Button>
              <Button
                type="button"
                size="icon"
                variant="ghost"
                className="size-8"
                aria-label={`Move mapping ${n} down`}
                disabled={index === count - 1}
                onClick={() => onMove(index + 1)}
              >
                <ArrowDownIcon />
              </Button>
              <Button
                type="button"
                size="icon"
                variant="ghost"
                className="size-8"
                aria-label={`Remove mapping ${n}`}
                onClick={onRemove}
              >
                <TrashIcon />
              </Button>
            </div>
          )}
        </td>
      </tr>
      {messages.length > 0 ? (
        <tr className="border-b">
          <td />
          <td colSpan={5} className="pr-5 pb-2">
            <div id={errorId} className="grid gap-0.5">
              {messages.map((m) => (
                <p key={m} className="text-sm text-destructive" data-testid="field-error">
                  {m}
                </p>
              ))}
            </div>
          </td>
        </tr>
      ) : null}
    </>
  );
}
