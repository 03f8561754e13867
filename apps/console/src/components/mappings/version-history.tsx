"use client";

import { useId, useState } from "react";
import { formatCondition, mappingDefinitionFields } from "@cdp/profile-schema";
import type { MappingRuleDefinition } from "@cdp/profile-schema";
import { Badge, Label, NativeSelect } from "@cdp/ui";

import { HistoryIcon } from "@/components/icons";
import { EmptyState } from "@/components/empty-state";
import { formatDateTime } from "@/lib/profile";
import type { MappingRuleVersions } from "@/app/(console)/mappings/actions";
import { describeMapping } from "./draft";

type Field = (typeof mappingDefinitionFields)[number];

const FIELD_LABELS: Record<Field, string> = {
  name: "Name",
  description: "Description",
  eventTypes: "Event types",
  condition: "Condition",
  mappings: "Mappings",
  position: "Position",
};

/** A definition's field as lines of text, so two versions compare line by line. */
function lines(def: MappingRuleDefinition, field: Field): string[] {
  switch (field) {
    case "name":
      return [def.name];
    case "description":
      return def.description ? [def.description] : [];
    case "eventTypes":
      return def.eventTypes;
    case "condition":
      return def.condition ? [formatCondition(def.condition)] : ["Always"];
    case "mappings":
      return def.mappings.map((m, i) => `${i + 1}. ${describeMapping(m)}`);
    case "position":
      return [String(def.position)];
  }
}

function Side({ title, items, other }: { title: string; items: string[]; other: string[] }) {
  return (
    <div className="min-w-0">
      <div className="mb-1 text-xs text-muted-foreground">{title}</div>
      {items.length === 0 ? (
        <div className="text-xs text-muted-foreground">—</div>
      ) : (
        <ul className="grid gap-0.5 font-mono text-xs">
          {items.map((line, i) => (
            <li
              key={i}
              className={
                other.includes(line)
                  ? "break-all"
                  : "rounded-sm bg-amber-100 px-1 break-all text-amber-950 dark:bg-amber-400/15 dark:text-amber-100"
              }
            >
              {line}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Every saved definition of the rule, newest first, and what changed between two of them. */
export function VersionHistory({ versions }: { versions: MappingRuleVersions }) {
  const ids = useId();
  const [older, setOlder] = useState(versions[1]?.version ?? versions[0]?.version ?? 0);
  const [newer, setNewer] = useState(versions[0]?.version ?? 0);

  if (versions.length === 0) {
    return (
      <div className="py-10">
        <EmptyState icon={<HistoryIcon />} title="No versions yet" />
      </div>
    );
  }
  const a = versions.find((v) => v.version === older) ?? versions[versions.length - 1]!;
  const b = versions.find((v) => v.version === newer) ?? versions[0]!;
  const changed = mappingDefinitionFields.filter(
    (f) => JSON.stringify(a.definition[f]) !== JSON.stringify(b.definition[f]),
  );

  return (
    <div className="grid gap-6">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Versions of the rule, newest first</caption>
        <thead className="text-xs text-muted-foreground">
          <tr>
            <th className="py-1 pr-4 font-medium">Version</th>
            <th className="py-1 pr-4 font-medium">Saved</th>
            <th className="py-1 pr-4 font-medium">By</th>
            <th className="py-1 font-medium">Definition</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr
              key={v.version}
              className="border-t align-top"
              data-testid={`mapping-version-${v.version}`}
            >
              <td className="py-1.5 pr-4 tabular-nums">v{v.version}</td>
              <td className="py-1.5 pr-4 whitespace-nowrap text-muted-foreground">
                <time dateTime={v.savedAt}>{formatDateTime(v.savedAt)}</time>
              </td>
              <td className="py-1.5 pr-4 font-mono text-xs">{v.savedBy}</td>
              <td className="py-1.5">
                {v.definition.name}
                <span className="text-muted-foreground">
                  {" "}
                  · {v.definition.eventTypes.join(", ")} · {v.definition.mappings.length} mapping
                  {v.definition.mappings.length === 1 ? "" : "s"}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <section aria-labelledby={`${ids}-compare`} className="grid gap-3">
        <h3 id={`${ids}-compare`} className="text-sm font-semibold">
          Compare versions
        </h3>
        <div className="flex flex-wrap items-end gap-3">
          <div className="grid w-36 gap-1.5">
            <Label htmlFor={`${ids}-a`}>From version</Label>
            <NativeSelect
              id={`${ids}-a`}
              value={a.version}
              onChange={(e) => setOlder(Number(e.target.value))}
            >
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </NativeSelect>
          </div>
          <div className="grid w-36 gap-1.5">
            <Label htmlFor={`${ids}-b`}>To version</Label>
            <NativeSelect
              id={`${ids}-b`}
              value={b.version}
              onChange={(e) => setNewer(Number(e.target.value))}
            >
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </NativeSelect>
          </div>
        </div>
        {changed.length === 0 ? (
          <p className="text-sm text-muted-foreground" data-testid="version-diff">
            {a.version === b.version
              ? "The same version on both sides."
              : "These versions define the same rule."}
          </p>
        ) : (
          <ul className="grid gap-3" data-testid="version-diff">
            {changed.map((field) => {
              const before = lines(a.definition, field);
              const after = lines(b.definition, field);
              return (
                <li key={field} className="rounded-md border p-3">
                  <Badge variant="outline" className="mb-2 font-normal">
                    {FIELD_LABELS[field]}
                  </Badge>
                  <div className="grid gap-4 sm:grid-cols-2">
                    <Side title={`v${a.version}`} items={before} other={after} />
                    <Side title={`v${b.version}`} items={after} other={before} />
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
