import type { ReactNode } from "react";
import type { FieldMeta, Profile } from "@cdp/profile-schema";
import { Badge, Card, CardContent, CardDescription, CardHeader, CardTitle } from "@cdp/ui";

import { PiiValue } from "@/app/(console)/profiles/[id]/reveal";
import { formatDateTime, formatNumber, formatValue } from "@/lib/profile";
import type { ProfileSection } from "./sections";
import { sectionGroups, valueAtPath } from "./sections";

const none = <span className="text-muted-foreground">—</span>;

function isEmpty(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    value === "" ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0)
  );
}

/** When and by what a path last changed (`metadata.fields`), as a short line. */
function Stamp({ profile, path }: { profile: Profile; path: string }) {
  const stamp = profile.metadata.fields[path];
  if (!stamp) return null;
  return (
    <div className="mt-0.5 truncate text-xs text-muted-foreground" title={stamp[1] ?? undefined}>
      changed {formatDateTime(stamp[0])}
      {stamp[1] ? ` · ${stamp[1]}` : ""}
    </div>
  );
}

/** A field's value as staff may see it: masked PII through PiiValue (revealable), else as typed. */
export function FieldValue({
  field,
  value,
  masked,
}: {
  field: FieldMeta;
  value: unknown;
  masked: boolean;
}): ReactNode {
  if (isEmpty(value)) return none;
  if (masked) {
    return <PiiValue path={field.path} value={formatValue(value)} masked />;
  }
  switch (field.type) {
    case "date":
      return typeof value === "string" ? (
        <time dateTime={value}>{formatDateTime(value) ?? value}</time>
      ) : (
        formatValue(value)
      );
    case "number":
    case "integer":
      return typeof value === "number" ? (
        <span className="tabular-nums">{formatNumber(value)}</span>
      ) : (
        formatValue(value)
      );
    case "bool":
      return value === true ? "Yes" : "No";
    case "list":
      return Array.isArray(value) ? (
        <span className="flex flex-wrap gap-1">
          {value.map((item, i) => (
            <Badge key={i} variant="secondary" className="font-normal">
              {formatValue(item)}
            </Badge>
          ))}
        </span>
      ) : (
        formatValue(value)
      );
    case "map":
      return <MapValue value={value as Record<string, unknown>} />;
    default:
      return <span className="break-words">{formatValue(value)}</span>;
  }
}

function MapValue({ value }: { value: Record<string, unknown> }) {
  return (
    <dl className="grid grid-cols-[minmax(6rem,auto)_1fr] gap-x-4 gap-y-1 text-sm">
      {Object.entries(value).map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="truncate font-mono text-xs leading-5 text-muted-foreground">{k}</dt>
          <dd className="min-w-0 break-words tabular-nums">
            {typeof v === "number" ? formatNumber(v) : formatValue(v)}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * A seed section rendered from the field metadata: one card per group of fields, each field with
 * its label, its value (masked PII stays masked until revealed) and when it last changed.
 */
export function SectionView({
  section,
  profile,
  masked,
}: {
  section: ProfileSection;
  profile: Profile;
  masked: readonly string[];
}) {
  const groups = sectionGroups(section);
  return (
    <div className="grid grid-cols-1 gap-4">
      {groups.map((group) => {
        const maps = group.fields.filter((f) => f.type === "map");
        const leaves = group.fields.filter((f) => f.type !== "map");
        return (
          <div key={group.label} className="contents">
            {leaves.length > 0 ? (
              <Card className="gap-3 py-5">
                <CardHeader className="px-5">
                  <CardTitle className="text-sm">{group.label}</CardTitle>
                </CardHeader>
                <CardContent className="px-5">
                  <dl className="grid gap-x-8 gap-y-3 sm:grid-cols-2 xl:grid-cols-3">
                    {leaves.map((field) => (
                      <div key={field.path} className="min-w-0" data-path={field.path}>
                        <dt className="text-xs text-muted-foreground">{field.label}</dt>
                        <dd className="mt-0.5 min-w-0 text-sm">
                          <FieldValue
                            field={field}
                            value={valueAtPath(profile, field.path)}
                            masked={masked.includes(field.path)}
                          />
                          <Stamp profile={profile} path={field.path} />
                        </dd>
                      </div>
                    ))}
                  </dl>
                </CardContent>
              </Card>
            ) : null}
            {maps.map((field) => {
              const value = valueAtPath(profile, field.path);
              const entries =
                value && typeof value === "object" && !Array.isArray(value)
                  ? Object.keys(value).length
                  : 0;
              return (
                <Card key={field.path} className="gap-3 py-5" data-path={field.path}>
                  <CardHeader className="px-5">
                    <CardTitle className="text-sm">{field.label}</CardTitle>
                    <CardDescription>
                      {entries === 0
                        ? "None recorded."
                        : `${formatNumber(entries)} ${entries === 1 ? "key" : "keys"}`}
                      {masked.includes(field.path) ? " · masked" : ""}
                    </CardDescription>
                  </CardHeader>
                  {entries > 0 ? (
                    <CardContent className="px-5">
                      <FieldValue
                        field={field}
                        value={value}
                        masked={masked.includes(field.path)}
                      />
                    </CardContent>
                  ) : null}
                </Card>
              );
            })}
          </div>
        );
      })}
    </div>
  );
}
