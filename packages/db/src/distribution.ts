/**
 * Where every table goes when the store moves to Citus (distributed PostgreSQL): the single source
 * `docs/scaling.md` and `distribution.test.ts` read. The test holds the migrated catalogue to it
 * (every unique key includes the distribution column, every foreign key is one Citus accepts), and
 * the document embeds {@link distributionTableMarkdown} and {@link citusSetupSql} verbatim.
 */
import { is } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";

import * as schema from "./schema";

type SchemaTable = Extract<(typeof schema)[keyof typeof schema], PgTable>;

/** Every table the Drizzle schema declares, by its SQL name. */
export type TableName = SchemaTable["_"]["name"];

type ColumnsOf<N extends TableName> = Extract<SchemaTable, { _: { name: N } }>["_"]["columns"];

/**
 * The SQL names of one table's columns. Columns declared through a helper taking a plain `string`
 * name (`tstz`) have no literal name and are left out: no timestamp is a distribution column.
 */
export type ColumnName<N extends TableName> = {
  [K in keyof ColumnsOf<N>]: ColumnsOf<N>[K] extends { _: { name: infer S extends string } }
    ? string extends S
      ? never
      : S
    : never;
}[keyof ColumnsOf<N>];

/**
 * One table's place in the cluster:
 * - `distributed`: hash-sharded by `column`. `colocateWith: "profile"` puts shard N of it on the
 *   node holding shard N of `profile`, so a profile's rows across these tables are one node's
 *   rows (joins and transactions on one profile stay on one shard). `"none"`: its own group.
 * - `reference`: one shard, copied to every node; joins and foreign keys from any shard read it
 *   locally; every write goes to every node.
 * - `local`: a plain table on the coordinator only.
 */
export type TablePlacement<Column extends string = string> =
  | { kind: "distributed"; column: Column; colocateWith: "profile" | "none"; why: string }
  | { kind: "reference"; why: string }
  | { kind: "local"; why: string };

/** A placement for every table, with its distribution column typed from the schema. */
export type DistributionPlan = { readonly [N in TableName]: TablePlacement<ColumnName<N>> };

/** The colocation group every profile-owned table joins. */
export const PROFILE_GROUP = "profile" satisfies TableName;

export const distributionPlan: DistributionPlan = {
  profile: {
    kind: "distributed",
    column: "id",
    colocateWith: "profile",
    why: "The anchor of the profile group: every write, read and lock names one profile id.",
  },
  event: {
    kind: "distributed",
    column: "profile_id",
    colocateWith: "profile",
    why: "The largest table; timelines and event-window conditions read one profile's events beside its row.",
  },
  consent_event: {
    kind: "distributed",
    column: "profile_id",
    colocateWith: "profile",
    why: "The consent ledger of one profile, written in the same transaction as its row.",
  },
  profile_identity_key: {
    kind: "distributed",
    column: "profile_id",
    colocateWith: "profile",
    why: "Kept equal to profile.identity_keys by a trigger on profile, which can only write shard-local rows.",
  },
  segment_membership: {
    kind: "distributed",
    column: "profile_id",
    colocateWith: "profile",
    why: "Changes with every profile write, beside the row whose segments it mirrors.",
  },
  segment_membership_event: {
    kind: "distributed",
    column: "profile_id",
    colocateWith: "profile",
    why: "Per-profile entry/exit history, appended by the same writes as segment_membership.",
  },
  profile_merge: {
    kind: "distributed",
    column: "into_id",
    colocateWith: "profile",
    why: "A merge record (with full snapshots) lives with its survivor, which undo locks and rewrites.",
  },
  audit_log: {
    kind: "distributed",
    column: "entity_id",
    colocateWith: "profile",
    why: "One row per write: a profile's audit rows land on its shard, so a profile write stays single-shard and erase redacts locally.",
  },
  profile_identifier: {
    kind: "distributed",
    column: "value",
    colocateWith: "none",
    why: "An inverted index (identifier -> profile) read by value on every track, import and get: sharded by value the lookup is one shard and (type, value) stays globally unique.",
  },
  consent_type: {
    kind: "reference",
    why: "Small catalogue referenced by consent_event's foreign key and read by every consent write.",
  },
  segment: {
    kind: "reference",
    why: "Small catalogue referenced by segment_membership's foreign key and read by every profile write.",
  },
  mapping_rule: {
    kind: "reference",
    why: "Small catalogue of mapping rules, read by every track batch on whichever node runs it.",
  },
  suppression: {
    kind: "reference",
    why: "Hashes of erased identifiers, read by track and import for new identifiers; small and rarely written.",
  },
  import_job: {
    kind: "local",
    why: "A handful of rows tracking imports, updated once per batch by the import worker; never joined with profile tables.",
  },
  import_job_part: {
    kind: "local",
    why: "The uploaded files in parts of up to 8 MB, beside their job (foreign key, cascade) and read one at a time by the import worker; never joined with profile tables.",
  },
  service_token: {
    kind: "local",
    why: "Read once per API request to authenticate; never joined with profile tables.",
  },
  mapping_rule_version: {
    kind: "local",
    why: "Every saved definition of a rule, read by the console's history; never joined with profile tables.",
  },
  saved_view: {
    kind: "local",
    why: "Console-only list state per staff user; never joined with profile tables.",
  },
  user: { kind: "local", why: "better-auth staff accounts: few rows, coordinator-only." },
  session: {
    kind: "local",
    why: "better-auth sessions, read per console request; coordinator-only.",
  },
  account: { kind: "local", why: "better-auth credentials: few rows, coordinator-only." },
  verification: { kind: "local", why: "better-auth one-time tokens: few rows, coordinator-only." },
  rate_limit: {
    kind: "local",
    why: "better-auth sign-in throttling counters, shared by every app instance.",
  },
};

/** The Drizzle table of each SQL name. */
function schemaTables(): Map<string, PgTable> {
  const tables = new Map<string, PgTable>();
  for (const value of Object.values(schema)) {
    if (is(value, PgTable)) tables.set(getTableConfig(value).name, value);
  }
  return tables;
}

/** Tables each table references by foreign key (per the Drizzle schema). */
function referencedTables(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, table] of schemaTables()) {
    const targets = getTableConfig(table).foreignKeys.map(
      (fk) => getTableConfig(fk.reference().foreignTable).name,
    );
    out.set(
      name,
      [...new Set(targets)].filter((t) => t !== name),
    );
  }
  return out;
}

type Entry = [TableName, TablePlacement];

function entriesOf(plan: DistributionPlan): Entry[] {
  return Object.entries(plan) as Entry[];
}

const rank = ([name, p]: Entry): number =>
  p.kind === "reference" ? 0 : p.kind === "local" ? 3 : name === PROFILE_GROUP ? 1 : 2;

/**
 * The tables in the order Citus must convert them: a table's foreign-key targets before it
 * (create_distributed_table refuses a key to a table Citus does not know yet); otherwise
 * reference tables, then `profile`, then its group and the other distributed tables, then local
 * ones, each by name.
 */
export function conversionOrder(plan: DistributionPlan = distributionPlan): Entry[] {
  const refs = referencedTables();
  const pending = entriesOf(plan).sort((a, b) => rank(a) - rank(b) || a[0].localeCompare(b[0]));
  const done = new Set<string>();
  const ordered: Entry[] = [];
  while (pending.length > 0) {
    const index = pending.findIndex(([name]) =>
      (refs.get(name) ?? []).every((target) => done.has(target) || !(target in plan)),
    );
    // A foreign-key cycle: Citus cannot convert it table by table either, so keep the order.
    const [entry] = pending.splice(Math.max(index, 0), 1);
    if (!entry) break;
    done.add(entry[0]);
    ordered.push(entry);
  }
  return ordered;
}

/**
 * The statements that turn a migrated single-node database into the planned cluster, run once on
 * the coordinator after `CREATE EXTENSION citus` and adding the workers.
 */
export function citusSetupSql(plan: DistributionPlan = distributionPlan): string {
  const lines: string[] = [];
  const local: string[] = [];
  for (const [name, p] of conversionOrder(plan)) {
    if (p.kind === "reference") lines.push(`SELECT create_reference_table('${name}');`);
    if (p.kind === "distributed") {
      const group = name === PROFILE_GROUP || p.colocateWith === "none" ? "none" : p.colocateWith;
      lines.push(
        `SELECT create_distributed_table('${name}', '${p.column}', colocate_with => '${group}');`,
      );
    }
    if (p.kind === "local") local.push(name);
  }
  if (local.length > 0)
    lines.push(`-- Stay on the coordinator as plain tables: ${local.join(", ")}.`);
  return lines.join("\n");
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** The plan as a Markdown table, in conversion order. */
export function distributionTableMarkdown(plan: DistributionPlan = distributionPlan): string {
  const rows = conversionOrder(plan).map(([name, p]) => {
    const column = p.kind === "distributed" ? `\`${p.column}\`` : "—";
    const group =
      p.kind === "distributed"
        ? p.colocateWith === "none"
          ? `own (\`${name}\`)`
          : `\`${p.colocateWith}\``
        : "—";
    return `| \`${name}\` | ${p.kind} | ${column} | ${group} | ${cell(p.why)} |`;
  });
  return [
    "| Table | Placement | Distribution column | Co-location group | Why |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
