import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Database } from "./client";
import { citusSetupSql, distributionPlan, distributionTableMarkdown } from "./distribution";
import type { TablePlacement } from "./distribution";
import { findRepoRoot } from "./env";
import { rowsOf } from "./sql";
import { createTestDatabase, testTargets } from "./testing";
import type { TestDatabase } from "./testing";

// ---------------------------------------------------------------------------------------------
// What the catalogue says
// ---------------------------------------------------------------------------------------------

type Plan = Readonly<Record<string, TablePlacement>>;

interface ColumnRow {
  table: string;
  column: string;
  type: string;
  notNull: boolean;
}

/** A unique index, or the index behind a primary key, unique or exclusion constraint. */
interface KeyRow {
  table: string;
  name: string;
  /** p, u, x for constraints; i for a unique index without one. */
  kind: "p" | "u" | "x" | "i";
  /** Key columns in order (INCLUDE columns left out); null for an expression. */
  columns: (string | null)[];
  /** Exclusion operators, per key column (empty otherwise). */
  operators: string[];
}

interface ForeignKeyRow {
  table: string;
  name: string;
  columns: string[];
  target: string;
  targetColumns: string[];
  /** pg_constraint action codes: a no action, r restrict, c cascade, n set null, d set default. */
  onDelete: string;
  onUpdate: string;
}

interface Catalog {
  tables: string[];
  columns: ColumnRow[];
  keys: KeyRow[];
  foreignKeys: ForeignKeyRow[];
}

async function readCatalog(db: Database, schemaName: string): Promise<Catalog> {
  const tables = rowsOf<{ table: string }>(
    await db.execute(sql`
      select c.relname::text as "table"
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schemaName} and c.relkind in ('r', 'p')
      order by 1`),
  ).map((r) => r.table);

  const columns = rowsOf<ColumnRow>(
    await db.execute(sql`
      select c.relname::text as "table", a.attname::text as "column",
        format_type(a.atttypid, a.atttypmod) as "type", a.attnotnull as "notNull"
      from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schemaName} and c.relkind in ('r', 'p') and a.attnum > 0
        and not a.attisdropped`),
  );

  const keys = rowsOf<KeyRow>(
    await db.execute(sql`
      select t.relname::text as "table", ic.relname::text as "name",
        coalesce(con.contype::text, 'i') as "kind",
        array(
          select a.attname::text
          from unnest(i.indkey::int2[]) with ordinality as k(attnum, n)
            left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
          where k.n <= i.indnkeyatts
          order by k.n
        ) as "columns",
        array(
          select o.oprname::text
          from unnest(coalesce(con.conexclop, '{}'::oid[])) with ordinality as e(op, n)
            join pg_operator o on o.oid = e.op
          order by e.n
        ) as "operators"
      from pg_index i
        join pg_class ic on ic.oid = i.indexrelid
        join pg_class t on t.oid = i.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        left join pg_constraint con on con.conindid = i.indexrelid and con.conrelid = t.oid
          and con.contype in ('p', 'u', 'x')
      where n.nspname = ${schemaName} and (i.indisunique or i.indisexclusion)`),
  );

  const foreignKeys = rowsOf<ForeignKeyRow>(
    await db.execute(sql`
      select src.relname::text as "table", con.conname::text as "name",
        array(
          select a.attname::text
          from unnest(con.conkey) with ordinality as k(attnum, n)
            join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
          order by k.n
        ) as "columns",
        dst.relname::text as "target",
        array(
          select a.attname::text
          from unnest(con.confkey) with ordinality as k(attnum, n)
            join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum
          order by k.n
        ) as "targetColumns",
        con.confdeltype::text as "onDelete", con.confupdtype::text as "onUpdate"
      from pg_constraint con
        join pg_class src on src.oid = con.conrelid
        join pg_class dst on dst.oid = con.confrelid
        join pg_namespace n on n.oid = src.relnamespace
      where n.nspname = ${schemaName} and con.contype = 'f'`),
  );

  return { tables, columns, keys, foreignKeys };
}

// ---------------------------------------------------------------------------------------------
// The rules Citus enforces, each broken one named
// ---------------------------------------------------------------------------------------------

type Distributed = Extract<TablePlacement, { kind: "distributed" }>;

const groupOf = (table: string, p: Distributed) =>
  p.colocateWith === "none" ? table : p.colocateWith;

const list = (columns: readonly (string | null)[]) =>
  `(${columns.map((c) => c ?? "<expression>").join(", ")})`;

/** Tables in the database without a placement, and placements without a table. */
function coverageViolations(catalog: Catalog, plan: Plan): string[] {
  const existing = new Set(catalog.tables);
  return [
    ...catalog.tables
      .filter((t) => !(t in plan))
      .map((t) => `${t}: exists in the database but has no placement in distribution.ts`),
    ...Object.keys(plan)
      .filter((t) => !existing.has(t))
      .map((t) => `${t}: placed in distribution.ts but no such table exists`),
  ];
}

/** Distribution columns that are missing, nullable, or of another type than their group's. */
function distributionColumnViolations(catalog: Catalog, plan: Plan): string[] {
  const column = (table: string, name: string) =>
    catalog.columns.find((c) => c.table === table && c.column === name);
  const out: string[] = [];
  for (const [table, p] of Object.entries(plan)) {
    if (p.kind !== "distributed" || !catalog.tables.includes(table)) continue;
    const own = column(table, p.column);
    if (!own) {
      out.push(`${table}: distribution column ${p.column} does not exist`);
      continue;
    }
    if (!own.notNull) {
      out.push(
        `${table}: distribution column ${p.column} is nullable (Citus refuses rows without one)`,
      );
    }
    const anchorPlacement = plan[p.colocateWith];
    if (p.colocateWith === "none" || anchorPlacement?.kind !== "distributed") continue;
    const anchor = column(p.colocateWith, anchorPlacement.column);
    if (anchor && anchor.type !== own.type) {
      out.push(
        `${table}: distribution column ${p.column} is ${own.type} but ${p.colocateWith}.${anchorPlacement.column} is ${anchor.type} (co-located tables need one type)`,
      );
    }
  }
  return out;
}

const keyLabel: Record<KeyRow["kind"], string> = {
  p: "primary key",
  u: "unique constraint",
  x: "exclusion constraint",
  i: "unique index",
};

/**
 * Unique keys a shard cannot enforce alone: on a distributed table every primary key, unique
 * index or constraint and exclusion constraint must include the distribution column (with `=`
 * in an exclusion constraint).
 */
function uniqueKeyViolations(catalog: Catalog, plan: Plan): string[] {
  const out: string[] = [];
  for (const key of catalog.keys) {
    const p = plan[key.table];
    if (p?.kind !== "distributed") continue;
    const at = key.columns.indexOf(p.column);
    const label = `${keyLabel[key.kind]} ${key.name} ${list(key.columns)}`;
    if (at === -1) {
      out.push(`${key.table}: ${label} does not include the distribution column ${p.column}`);
    } else if (key.kind === "x" && key.operators[at] !== "=") {
      out.push(
        `${key.table}: ${label} compares the distribution column ${p.column} with ${key.operators[at] ?? "?"}, not =`,
      );
    }
  }
  return out;
}

const SETS = ["n", "d"];

/**
 * Foreign keys Citus refuses: distributed → distributed only within one co-location group and
 * pairing the two distribution columns; distributed → reference; reference → reference or
 * (without cascading actions) → local; local → reference or local. Never → distributed from a
 * reference or local table, never distributed → local; no SET NULL / SET DEFAULT (nor ON UPDATE
 * CASCADE) over a distribution column.
 */
function foreignKeyViolations(catalog: Catalog, plan: Plan): string[] {
  const out: string[] = [];
  for (const fk of catalog.foreignKeys) {
    const from = plan[fk.table];
    const to = plan[fk.target];
    if (!from || !to) continue;
    const label = `foreign key ${fk.name} ${list(fk.columns)} → ${fk.target} ${list(fk.targetColumns)}`;
    const refuse = (why: string) => out.push(`${fk.table}: ${label}: ${why}`);
    if (from.kind !== "distributed") {
      if (to.kind === "distributed") {
        refuse(`a ${from.kind} table cannot reference a distributed table`);
      } else if (from.kind === "reference" && to.kind === "local") {
        const cascading = [fk.onDelete, fk.onUpdate].some((a) => a !== "a" && a !== "r");
        if (cascading)
          refuse("a reference table's key to a local table must not cascade or set values");
      }
      continue;
    }
    if (to.kind === "local") {
      refuse("a distributed table cannot reference a coordinator-only table");
      continue;
    }
    const own = fk.columns.indexOf(from.column);
    if (own !== -1 && SETS.includes(fk.onDelete)) {
      refuse(`ON DELETE SET NULL/DEFAULT would change the distribution column ${from.column}`);
    }
    if (own !== -1 && [...SETS, "c"].includes(fk.onUpdate)) {
      refuse(`ON UPDATE actions would change the distribution column ${from.column}`);
    }
    if (to.kind === "reference") continue;
    if (groupOf(fk.table, from) !== groupOf(fk.target, to)) {
      refuse(
        `joins co-location groups ${groupOf(fk.table, from)} and ${groupOf(fk.target, to)}; keys between distributed tables must stay in one group`,
      );
    } else if (own === -1 || fk.targetColumns[own] !== to.column) {
      refuse(`does not pair the distribution columns (${from.column} → ${to.column})`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The migrated schema against distribution.ts
// ---------------------------------------------------------------------------------------------

const report = (violations: string[]) =>
  violations.length === 0 ? "" : `Citus would refuse:\n  ${violations.join("\n  ")}`;

describe.each(testTargets())("Citus distribution plan on %s", (target) => {
  let t: TestDatabase;
  let catalog: Catalog;
  beforeAll(async () => {
    t = await createTestDatabase(target);
    catalog = await readCatalog(t.db, "public");
  });
  afterAll(async () => {
    await t.close();
  });

  it("places every table of the migrated database, and only those", () => {
    const violations = coverageViolations(catalog, distributionPlan);
    expect(violations, report(violations)).toEqual([]);
  });

  it("distributes by non-null columns of one type per co-location group", () => {
    const violations = distributionColumnViolations(catalog, distributionPlan);
    expect(violations, report(violations)).toEqual([]);
  });

  it("includes the distribution column in every unique key of a distributed table", () => {
    const violations = uniqueKeyViolations(catalog, distributionPlan);
    expect(violations, report(violations)).toEqual([]);
  });

  it("keeps every foreign key to one Citus can enforce", () => {
    const violations = foreignKeyViolations(catalog, distributionPlan);
    expect(violations, report(violations)).toEqual([]);
  });

  // The rules above pass on a conforming schema; this shows each one catches what it names.
  it("names every index, constraint and key that breaks a rule", async () => {
    const ddl = `
        create schema citus_probe;
        create table citus_probe.profile (id text primary key);
        create table citus_probe.loc_target (id text primary key);
        create table citus_probe.ref (id text primary key, owner text references citus_probe.profile (id));
        create table citus_probe.ref_cascade (
          id text primary key,
          target text references citus_probe.loc_target (id) on delete cascade
        );
        create table citus_probe.child (
          profile_id text not null references citus_probe.profile (id) on delete cascade,
          id text not null,
          email text,
          tag text references citus_probe.ref (id) on delete set null,
          primary key (profile_id, id),
          constraint child_id_fk foreign key (id) references citus_probe.profile (id)
        );
        create unique index child_email_idx on citus_probe.child (email);
        create unique index child_profile_email_idx on citus_probe.child (profile_id, email)
          where email is not null;
        create table citus_probe.child_include (
          profile_id text not null,
          other text not null,
          constraint child_include_other_key unique (other) include (profile_id)
        );
        create table citus_probe.child_nullable (profile_id text);
        create table citus_probe.child_int (profile_id integer not null);
        create table citus_probe.lookup (
          value text primary key,
          profile_id text not null references citus_probe.profile (id)
        );
        create table citus_probe.booking (
          profile_id text not null references citus_probe.ref (id) on update cascade,
          during tstzrange not null,
          constraint booking_during_excl exclude using gist (during with &&)
        );
        create table citus_probe.loc (
          id text primary key,
          profile_id text references citus_probe.profile (id),
          ref_id text references citus_probe.ref (id)
        );
        create table citus_probe.stray (id integer);`;
    // One statement per call: the drivers prepare each, and a prepared statement holds one.
    for (const statement of ddl.split(";").filter((s) => s.trim() !== "")) {
      await t.db.execute(sql.raw(statement));
    }
    const inGroup = {
      kind: "distributed",
      column: "profile_id",
      colocateWith: "profile",
      why: "",
    } as const;
    const probePlan: Plan = {
      profile: { kind: "distributed", column: "id", colocateWith: "profile", why: "" },
      child: inGroup,
      child_include: inGroup,
      child_nullable: inGroup,
      child_int: inGroup,
      booking: inGroup,
      lookup: { kind: "distributed", column: "value", colocateWith: "none", why: "" },
      ref: { kind: "reference", why: "" },
      ref_cascade: { kind: "reference", why: "" },
      loc: { kind: "local", why: "" },
      loc_target: { kind: "local", why: "" },
      ghost: { kind: "local", why: "" },
    };
    const probe = await readCatalog(t.db, "citus_probe");
    const violations = [
      ...coverageViolations(probe, probePlan),
      ...distributionColumnViolations(probe, probePlan),
      ...uniqueKeyViolations(probe, probePlan),
      ...foreignKeyViolations(probe, probePlan),
    ].sort();
    expect(violations).toEqual(
      [
        "stray: exists in the database but has no placement in distribution.ts",
        "ghost: placed in distribution.ts but no such table exists",
        "child_nullable: distribution column profile_id is nullable (Citus refuses rows without one)",
        "child_int: distribution column profile_id is integer but profile.id is text (co-located tables need one type)",
        "child: unique index child_email_idx (email) does not include the distribution column profile_id",
        "child_include: unique constraint child_include_other_key (other) does not include the distribution column profile_id",
        "booking: exclusion constraint booking_during_excl (during) does not include the distribution column profile_id",
        "child: foreign key child_id_fk (id) → profile (id): does not pair the distribution columns (profile_id → id)",
        "lookup: foreign key lookup_profile_id_fkey (profile_id) → profile (id): joins co-location groups lookup and profile; keys between distributed tables must stay in one group",
        "ref: foreign key ref_owner_fkey (owner) → profile (id): a reference table cannot reference a distributed table",
        "ref_cascade: foreign key ref_cascade_target_fkey (target) → loc_target (id): a reference table's key to a local table must not cascade or set values",
        "loc: foreign key loc_profile_id_fkey (profile_id) → profile (id): a local table cannot reference a distributed table",
        "booking: foreign key booking_profile_id_fkey (profile_id) → ref (id): ON UPDATE actions would change the distribution column profile_id",
      ].sort(),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The document readers use
// ---------------------------------------------------------------------------------------------

describe("docs/scaling.md", () => {
  const doc = readFileSync(path.join(findRepoRoot(), "docs", "scaling.md"), "utf8");

  it("shows the plan as distribution.ts has it", () => {
    expect(doc, "paste distributionTableMarkdown() into docs/scaling.md").toContain(
      distributionTableMarkdown(),
    );
  });

  it("gives the conversion statements in the order the plan needs", () => {
    expect(doc, "paste citusSetupSql() into docs/scaling.md").toContain(citusSetupSql());
  });
});
