import type { Profile } from "@cdp/profile-schema";
import { fieldByPath } from "@cdp/profile-schema";
import {
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@cdp/ui";

import { formatDateTime } from "@/lib/profile";
import { serverApi } from "@/server/api";

/** A field's label; a free map key (`traits.plan`) as its map's label and the key. */
function labelOf(path: string): string {
  const field = fieldByPath(path);
  if (field) return field.label;
  const dot = path.lastIndexOf(".");
  const parent = dot === -1 ? undefined : fieldByPath(path.slice(0, dot));
  return parent ? `${parent.label} › ${path.slice(dot + 1)}` : path;
}

/**
 * The mapping rule behind each field whose last change a rule made: the newest `mapping.apply`
 * audit row that changed the path and names the stamped event (its reason reads `Mapping rule "x"
 * (version 2), event e-1`; a long event list ends in "and N more", which is taken as naming it).
 */
function rulesByPath(
  rows: readonly { reason: string | null; changes: { path: string }[] }[],
  stamps: Record<string, [string, string | null]>,
): Map<string, string> {
  const found = new Map<string, string>();
  for (const row of rows) {
    const reason = row.reason ?? "";
    const split = reason.lastIndexOf(", event");
    if (split === -1) continue;
    const rule = reason.slice(0, split);
    const events = reason.slice(split + 2);
    for (const { path } of row.changes) {
      const source = stamps[path]?.[1];
      if (found.has(path) || !source) continue;
      if (events.split(/[ ,]+/).includes(source) || / more$/.test(events)) found.set(path, rule);
    }
  }
  return found;
}

/**
 * Field history from `metadata.fields`: when each field last changed and by what (an event, an
 * import, a staff member, and the mapping rule when one made the change), newest first.
 */
export async function FieldHistory({ profile }: { profile: Profile }) {
  const entries = Object.entries(profile.metadata.fields).sort(([, a], [, b]) =>
    a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0,
  );
  const api = await serverApi();
  const applied = await api.audit.list({
    entity: "profile",
    entityId: profile.id,
    action: "mapping.apply",
    limit: 200,
  });
  const rules = rulesByPath(applied.items, profile.metadata.fields);
  return (
    <Card className="gap-3 py-5">
      <CardHeader className="px-5">
        <CardTitle className="text-sm">Field history</CardTitle>
        <CardDescription>
          The last change of each field and where it came from. Older values are in the audit log.
        </CardDescription>
      </CardHeader>
      <CardContent className="px-0">
        {entries.length === 0 ? (
          <p className="px-5 text-sm text-muted-foreground">No field changes recorded yet.</p>
        ) : (
          <Table>
            <TableCaption className="sr-only">Field history, newest first</TableCaption>
            <TableHeader className="bg-muted/40">
              <TableRow className="hover:bg-transparent">
                <TableHead className="pl-5 text-xs">Field</TableHead>
                <TableHead className="text-xs">Path</TableHead>
                <TableHead className="text-xs">Changed</TableHead>
                <TableHead className="pr-5 text-xs">Source</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {entries.map(([path, [at, source]]) => (
                <TableRow key={path} data-path={path}>
                  <TableCell className="py-2 pl-5 font-medium">{labelOf(path)}</TableCell>
                  <TableCell className="font-mono text-xs text-muted-foreground">{path}</TableCell>
                  <TableCell className="whitespace-nowrap">
                    <time dateTime={at}>{formatDateTime(at)}</time>
                  </TableCell>
                  <TableCell className="pr-5 text-xs text-muted-foreground">
                    <span className="font-mono">{source ?? "—"}</span>
                    {rules.has(path) ? (
                      <span className="block" data-testid="field-rule">
                        by {rules.get(path)}
                      </span>
                    ) : null}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}
