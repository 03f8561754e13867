import { createHash } from "node:crypto";
import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Name } from "drizzle-orm";

import type { Database } from "../client";
import { NotFoundError } from "../errors";
import { suppression } from "../schema";
import type { SuppressionRow } from "../schema";
import { rowsOf } from "../sql";
import type { Identifier } from "./profile";

/** The suppression hash of an identifier (already normalised, as `identifiersOf` gives them). */
export function suppressionHash(identifier: Identifier): string {
  return createHash("sha256").update(`${identifier.type}:${identifier.value}`).digest("hex");
}

/** Adds identifiers to the suppression list (re-activating lifted ones). */
export async function suppressIdentifiers(
  db: Database,
  identifiers: Identifier[],
  meta: { createdBy: string; reason?: string | null },
): Promise<number> {
  const rows = identifiers
    .filter((i) => i.type !== "id")
    .map((i) => ({
      hash: suppressionHash(i),
      type: i.type,
      createdBy: meta.createdBy,
      reason: meta.reason ?? null,
    }));
  if (rows.length === 0) return 0;
  await db
    .insert(suppression)
    .values(rows)
    .onConflictDoUpdate({
      target: suppression.hash,
      set: { liftedAt: null, liftedBy: null, createdBy: meta.createdBy, createdAt: sql`now()` },
    });
  return rows.length;
}

/** The subset of `identifiers` that is suppressed now. */
export async function suppressedAmong(
  db: Database,
  identifiers: Identifier[],
): Promise<Identifier[]> {
  if (identifiers.length === 0) return [];
  const byHash = new Map(identifiers.map((i) => [suppressionHash(i), i]));
  const rows = await db
    .select({ hash: suppression.hash })
    .from(suppression)
    .where(and(inArray(suppression.hash, [...byHash.keys()]), isNull(suppression.liftedAt)));
  return rows.map((r) => byHash.get(r.hash)).filter((i): i is Identifier => i !== undefined);
}

export async function liftSuppression(
  db: Database,
  identifier: Identifier,
  liftedBy: string,
): Promise<SuppressionRow> {
  const [row] = await db
    .update(suppression)
    .set({ liftedAt: sql`now()`, liftedBy })
    .where(eq(suppression.hash, suppressionHash(identifier)))
    .returning();
  if (!row) throw new NotFoundError("Suppression", identifier.type);
  return row;
}

export async function listSuppressions(db: Database, limit = 200): Promise<SuppressionRow[]> {
  return db.select().from(suppression).orderBy(desc(suppression.createdAt)).limit(limit);
}

/** Every text and jsonb column of the application's tables (for erase and its verification). */
export async function textColumns(
  db: Database,
): Promise<{ table: string; column: string; type: string }[]> {
  const rows = rowsOf<{ table_name: string; column_name: string; data_type: string }>(
    await db.execute(sql`
      select c.table_name, c.column_name, c.data_type
      from information_schema.columns c
      join information_schema.tables t
        on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
        and c.data_type in ('text', 'jsonb', 'character varying')
        and c.is_generated = 'NEVER'
      order by c.table_name, c.column_name`),
  );
  return rows.map((r) => ({ table: r.table_name, column: r.column_name, type: r.data_type }));
}

/** How a value appears inside jsonb's text form (quotes, backslashes and controls escaped). */
const jsonInner = (value: string) => JSON.stringify(value).slice(1, -1);

/**
 * Replaces every occurrence of the given values in the listed columns with `[erased]`. Values
 * are bound as parameters; table and column names come from the catalogue, never from input.
 * Returns the number of rows changed.
 */
export async function redactValues(
  db: Database,
  params: { values: string[]; columns: { table: string; column: string; type: string }[] },
): Promise<number> {
  const values = [...new Set(params.values)].sort((a, b) => b.length - a.length);
  let changed = 0;
  for (const { table, column, type } of params.columns) {
    const col = sql.identifier(column);
    const tbl = sql.identifier(table);
    if (type === "jsonb") {
      changed += await redactJsonColumn(db, tbl, col, values);
      continue;
    }
    for (const value of values) {
      const result = await db.execute(
        sql`update ${tbl} set ${col} = replace(${col}, ${value}, ${ERASED}) where strpos(${col}, ${value}) > 0`,
      );
      changed += affected(result);
    }
  }
  return changed;
}

const ERASED = "[erased]";

/**
 * A jsonb column is redacted as a document, not as text: a value can stand outside quotes (a
 * number) or inside a key, where replacing its text would leave invalid JSON. Rows are found by
 * their text, then rewritten by their physical id within the erase's transaction.
 */
async function redactJsonColumn(
  db: Database,
  tbl: Name,
  col: Name,
  values: string[],
): Promise<number> {
  if (values.length === 0) return 0;
  const found = sql.join(
    values.map((value) => sql`strpos(${col}::text, ${jsonInner(value)}) > 0`),
    sql` or `,
  );
  const rows = rowsOf<{ ctid: string; doc: string }>(
    await db.execute(
      sql`select ctid::text as ctid, ${col}::text as doc from ${tbl} where ${found}`,
    ),
  );
  for (const row of rows) {
    const redacted = redactJson(JSON.parse(row.doc), values);
    await db.execute(
      sql`update ${tbl} set ${col} = ${JSON.stringify(redacted)}::text::jsonb where ctid = ${row.ctid}::tid`,
    );
  }
  return rows.length;
}

/** Text loses every occurrence of the values; a number or a key showing one is replaced whole. */
function redactJson(node: unknown, values: string[]): unknown {
  if (typeof node === "string") {
    return values.reduce((text, value) => text.split(value).join(ERASED), node);
  }
  if (typeof node === "number") {
    const text = String(node);
    return values.some((value) => text.includes(value)) ? ERASED : node;
  }
  if (Array.isArray(node)) return node.map((item) => redactJson(item, values));
  if (node !== null && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node).map(([key, item]) => [
        redactJson(key, values) as string,
        redactJson(item, values),
      ]),
    );
  }
  return node;
}

/** Rows (table, column) where any of the values still appears: the erase verification. */
export async function findValues(
  db: Database,
  values: string[],
): Promise<{ table: string; column: string; value: string }[]> {
  const found: { table: string; column: string; value: string }[] = [];
  for (const { table, column, type } of await textColumns(db)) {
    for (const value of values) {
      const needle = type === "jsonb" ? jsonInner(value) : value;
      const rows = rowsOf<{ n: number }>(
        await db.execute(
          sql`select count(*)::int as n from ${sql.identifier(table)} where strpos(${sql.identifier(column)}::text, ${needle}) > 0`,
        ),
      );
      if ((rows[0]?.n ?? 0) > 0) found.push({ table, column, value });
    }
  }
  return found;
}

function affected(result: unknown): number {
  const r = result as { count?: number; affectedRows?: number; rowCount?: number };
  return r.count ?? r.affectedRows ?? r.rowCount ?? 0;
}
