import { sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import {
  checkCondition,
  conditionNode,
  conditionNow,
  instantBefore,
  resolveConditionField,
} from "@cdp/profile-schema";
import type {
  Condition,
  ConditionField,
  ConditionScalar,
  EventCondition,
  FieldCondition,
} from "@cdp/profile-schema";

import { DomainError } from "../errors";
import { event, profile } from "../schema";

/*
 * Compiles the condition tree (profile-schema/condition.ts, which states the meaning) to a
 * predicate on `profile`. Every value is a bound parameter; column references come from the
 * fixed map below and jsonb paths are bound text[] parameters, so nothing from the input is ever
 * spliced into the SQL text. Every leaf is true or false, never NULL, so `not` is exact.
 */

/** Options of {@link compileCondition}. */
export interface CompileConditionOptions {
  /** The instant time-relative leaves are measured from; the in-process evaluator gets the same. */
  now: string | Date;
}

// ---------------------------------------------------------------------------------------------
// 1. Where each field lives
// ---------------------------------------------------------------------------------------------

type Access =
  /** A column equal to the stored value (text: the stored string; NULL when missing). */
  | { kind: "text" | "integer" | "bool" | "time"; column: AnyPgColumn; nullable: boolean }
  /**
   * A jsonb value. `prefilter` is an indexed promoted column that holds a function of the value,
   * tested first so the index serves `eq`/`in`; the exact test on the jsonb still decides.
   */
  | { kind: "json"; column: AnyPgColumn; path: string[]; prefilter?: "email" | "display_name" };

const column = (
  kind: "text" | "integer" | "bool" | "time",
  col: AnyPgColumn,
  nullable = true,
): Access => ({ kind, column: col, nullable });

const nativeColumns: Record<string, Access> = {
  id: column("text", profile.id, false),
  primary_id: column("text", profile.primaryId),
  active: column("bool", profile.active, false),
  "metadata.time.insert": column("time", profile.insertedAt, false),
  "metadata.time.create": column("time", profile.createdAt),
  "metadata.time.update": column("time", profile.updatedAt),
  "metadata.time.segmentation": column("time", profile.segmentedAt),
  "metadata.time.visit.last": column("time", profile.visitLast),
  "metadata.time.visit.current": column("time", profile.visitCurrent),
  "metadata.time.visit.count": column("integer", profile.visitCount, false),
  "metadata.time.visit.tz": column("text", profile.visitTz),
  // Promoted (generated) columns that equal the stored value exactly; visits and views are
  // generated with coalesce(…, 0), so never NULL.
  "stats.visits": column("integer", profile.visits, false),
  "stats.views": column("integer", profile.views, false),
  "data.contact.phone.main": column("text", profile.phone),
  "data.pii.firstname": column("text", profile.firstname),
  "data.pii.lastname": column("text", profile.lastname),
  "data.contact.address.country": column("text", profile.country),
};

/** jsonb columns by the profile's top-level key (`metadata` holds everything but `time`). */
const jsonColumns: Record<string, AnyPgColumn> = {
  ids: profile.ids,
  metadata: profile.metadata,
  stats: profile.stats,
  traits: profile.traits,
  interests: profile.interests,
  consents: profile.consents,
  segments: profile.segments,
  aux: profile.aux,
  data: profile.data,
};

function accessOf(field: ConditionField): Access {
  const native = nativeColumns[field.path];
  if (native) return native;
  const [top, ...path] = field.segments;
  const column = top === undefined ? undefined : jsonColumns[top];
  if (!column) {
    // Every metadata path has a home above; a new top-level field needs one too.
    throw new DomainError("BAD_REQUEST", `Field "${field.path}" cannot be queried`, {
      path: ["field"],
    });
  }
  const prefilter =
    field.path === "data.contact.email.main"
      ? "email"
      : field.path === "data.pii.display_name"
        ? "display_name"
        : undefined;
  return { kind: "json", column, path, prefilter };
}

// ---------------------------------------------------------------------------------------------
// 2. Parameters
// ---------------------------------------------------------------------------------------------

const FALSE = sql`false`;
const TRUE = sql`true`;

/** A boolean that is false instead of NULL. */
const definite = (predicate: SQL): SQL => sql`coalesce(${predicate}, false)`;

// Every parameter is sent as text and cast in SQL: postgres.js otherwise serialises a value by
// the type the server infers (a string for a boolean parameter becomes false, one for a
// timestamptz goes through Date and loses its microseconds, one for jsonb is JSON-encoded again).
const textParam = (value: string): SQL => sql`${value}::text`;
// Integers go as bigint so an integer column's btree index serves the comparison; others as
// numeric, which compares exactly with the stored JSON numbers (shortest round-trip decimals).
const numberParam = (value: number): SQL =>
  Number.isSafeInteger(value)
    ? sql`${String(value)}::text::bigint`
    : sql`${String(value)}::text::numeric`;
const numericParam = (value: number): SQL => sql`${String(value)}::text::numeric`;
const boolParam = (value: boolean): SQL => sql`${value ? "true" : "false"}::text::boolean`;
const timeParam = (value: string): SQL => sql`${value}::text::timestamptz`;
const jsonParam = (value: ConditionScalar): SQL => sql`${JSON.stringify(value)}::text::jsonb`;
const countParam = (value: number): SQL => sql`${String(value)}::text::bigint`;

function jsonValue(access: Extract<Access, { kind: "json" }>): SQL {
  if (access.path.length === 0) return sql`${access.column}`;
  const keys = sql.join(
    access.path.map((key) => sql`${key}::text`),
    sql`, `,
  );
  return sql`(${access.column} #> array[${keys}]::text[])`;
}

// ---------------------------------------------------------------------------------------------
// 3. Leaves on native columns
// ---------------------------------------------------------------------------------------------

type Ordering = "gt" | "gte" | "lt" | "lte";
const ORDER_SQL: Record<Ordering, SQL> = {
  gt: sql`>`,
  gte: sql`>=`,
  lt: sql`<`,
  lte: sql`<=`,
};

function columnParam(access: Access, value: ConditionScalar): SQL | null {
  switch (access.kind) {
    case "text":
      return typeof value === "string" ? textParam(value) : null;
    case "time":
      return typeof value === "string" ? timeParam(value) : null;
    case "integer":
      return typeof value === "number" ? numberParam(value) : null;
    case "bool":
      return typeof value === "boolean" ? boolParam(value) : null;
    case "json":
      return null;
  }
}

/** The column as compared for ordering: text in code-point order. */
function ordered(access: Access): SQL {
  return access.kind === "text" ? sql`(${access.column} collate "C")` : sql`${access.column}`;
}

function columnLeaf(
  access: Exclude<Access, { kind: "json" }>,
  leaf: FieldCondition,
  now: string,
): SQL {
  const col = access.column;
  // `p and col is not null` is never NULL (a NULL column makes it `NULL and false`), and unlike
  // coalesce(p, false) it leaves `p` where the planner can match it to the column's index.
  const known = (predicate: SQL): SQL =>
    access.nullable ? sql`(${predicate} and ${col} is not null)` : sql`(${predicate})`;
  switch (leaf.op) {
    case "exists":
      return sql`(${col} is not null)`;
    case "empty":
      return access.kind === "text" ? sql`coalesce(${col} = '', true)` : sql`(${col} is null)`;
    case "eq":
    case "neq": {
      const p = columnParam(access, leaf.value);
      const eq = p ? known(sql`${col} = ${p}`) : FALSE;
      return leaf.op === "eq" ? eq : sql`(not ${eq})`;
    }
    case "in": {
      const params = leaf.value
        .map((v) => columnParam(access, v))
        .filter((p): p is SQL => p !== null);
      return params.length === 0 ? FALSE : known(sql`${col} in (${sql.join(params, sql`, `)})`);
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const p = columnParam(access, leaf.value);
      return p ? known(sql`${ordered(access)} ${ORDER_SQL[leaf.op]} ${p}`) : FALSE;
    }
    case "between": {
      const low = columnParam(access, leaf.value[0]);
      const high = columnParam(access, leaf.value[1]);
      if (!low || !high) return FALSE;
      return known(sql`${ordered(access)} >= ${low} and ${ordered(access)} <= ${high}`);
    }
    case "contains":
      return typeof leaf.value === "string" && access.kind === "text"
        ? known(sql`strpos(${col}, ${textParam(leaf.value)}) > 0`)
        : FALSE;
    case "starts_with":
      return access.kind === "text" && typeof leaf.value === "string"
        ? known(sql`starts_with(${col}, ${textParam(leaf.value)})`)
        : FALSE;
    case "ends_with":
      return access.kind === "text" && typeof leaf.value === "string"
        ? known(sql`right(${col}, length(${textParam(leaf.value)})) = ${textParam(leaf.value)}`)
        : FALSE;
    case "within_last":
      return known(
        sql`${col} >= ${timeParam(instantBefore(now, leaf.value))} and ${col} <= ${timeParam(now)}`,
      );
    case "before":
      return known(sql`${col} < ${timeParam(instantBefore(now, leaf.value))}`);
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Leaves on jsonb values (typed paths and free keys alike)
// ---------------------------------------------------------------------------------------------

type JsonType = "string" | "number" | "boolean";

const jsonTypeOf = (value: ConditionScalar): JsonType =>
  typeof value === "string" ? "string" : typeof value === "number" ? "number" : "boolean";

/** The stored value read as the SQL type matching a JSON type (only inside a type check). */
function asType(x: SQL, type: JsonType): SQL {
  if (type === "string") return sql`(${x} #>> '{}')`;
  if (type === "number") return sql`(${x})::numeric`;
  return sql`(${x})::boolean`;
}

function paramOf(value: ConditionScalar): SQL {
  if (typeof value === "string") return textParam(value);
  if (typeof value === "number") return numericParam(value);
  return boolParam(value);
}

const TYPE_NAME = {
  string: sql`'string'`,
  number: sql`'number'`,
  boolean: sql`'boolean'`,
  array: sql`'array'`,
} as const;

/**
 * `case jsonb_typeof(x) when 'string' then … else false end`: each branch only runs on its type,
 * so casts cannot fail, and a value of another type (or missing) is false.
 */
function byType(x: SQL, branches: Partial<Record<JsonType | "array", SQL>>): SQL {
  const whens = (Object.keys(TYPE_NAME) as (keyof typeof TYPE_NAME)[]).flatMap((type) => {
    const predicate = branches[type];
    return predicate ? [sql` when ${TYPE_NAME[type]} then ${predicate}`] : [];
  });
  if (whens.length === 0) return FALSE;
  return sql`(case jsonb_typeof(${x})${sql.join(whens, sql``)} else false end)`;
}

function jsonOrdered(x: SQL, value: ConditionScalar): SQL {
  return typeof value === "string"
    ? sql`(${x} #>> '{}') collate "C"`
    : asType(x, jsonTypeOf(value));
}

function jsonLeaf(access: Extract<Access, { kind: "json" }>, leaf: FieldCondition, now: string) {
  const x = jsonValue(access);
  switch (leaf.op) {
    case "exists":
      return definite(sql`jsonb_typeof(${x}) <> 'null'`);
    case "empty":
      return sql`coalesce(${x} in ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb), true)`;
    case "eq":
    case "neq": {
      const type = jsonTypeOf(leaf.value);
      const eq = byType(x, { [type]: sql`${asType(x, type)} = ${paramOf(leaf.value)}` });
      return leaf.op === "eq" ? withPrefilter(access, [leaf.value], eq) : sql`not ${eq}`;
    }
    case "in": {
      const branches: Partial<Record<JsonType, SQL>> = {};
      for (const type of ["string", "number", "boolean"] as const) {
        const values = leaf.value.filter((v) => jsonTypeOf(v) === type);
        if (values.length > 0) {
          branches[type] = sql`${asType(x, type)} in (${sql.join(values.map(paramOf), sql`, `)})`;
        }
      }
      return withPrefilter(access, leaf.value, byType(x, branches));
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return byType(x, {
        [jsonTypeOf(leaf.value)]:
          sql`${jsonOrdered(x, leaf.value)} ${ORDER_SQL[leaf.op]} ${paramOf(leaf.value)}`,
      });
    case "between": {
      const [low, high] = leaf.value;
      if (jsonTypeOf(low) !== jsonTypeOf(high)) return FALSE;
      return byType(x, {
        [jsonTypeOf(low)]:
          sql`(${jsonOrdered(x, low)} >= ${paramOf(low)} and ${jsonOrdered(x, high)} <= ${paramOf(high)})`,
      });
    }
    case "contains": {
      const element = sql`exists (select 1 from jsonb_array_elements(${x}) as element(value) where element.value = ${jsonParam(leaf.value)})`;
      return byType(x, {
        ...(typeof leaf.value === "string"
          ? { string: sql`strpos(${asType(x, "string")}, ${textParam(leaf.value)}) > 0` }
          : {}),
        array: element,
      });
    }
    case "starts_with":
      if (typeof leaf.value !== "string") return FALSE;
      return byType(x, {
        string: sql`starts_with(${asType(x, "string")}, ${textParam(leaf.value)})`,
      });
    case "ends_with":
      if (typeof leaf.value !== "string") return FALSE;
      return byType(x, {
        string: sql`right(${asType(x, "string")}, length(${textParam(leaf.value)})) = ${textParam(leaf.value)}`,
      });
    case "within_last":
      return byType(x, {
        string: sql`((${x} #>> '{}') collate "C" >= ${textParam(instantBefore(now, leaf.value))} and (${x} #>> '{}') collate "C" <= ${textParam(now)})`,
      });
    case "before":
      return byType(x, {
        string: sql`(${x} #>> '{}') collate "C" < ${textParam(instantBefore(now, leaf.value))}`,
      });
  }
}

/**
 * Puts the promoted column's indexed test in front of an exact jsonb test. Sound because the
 * column is a function of the stored value (`email = lower(data…)`; `display_name` equals a
 * non-empty `data.pii.display_name`). Left bare for the index: it is NULL only when the value is
 * not a string, and then the exact test is false, so the conjunction is never NULL.
 */
function withPrefilter(
  access: Extract<Access, { kind: "json" }>,
  values: ConditionScalar[],
  exact: SQL,
): SQL {
  const strings = values.filter((v): v is string => typeof v === "string");
  if (!access.prefilter || strings.length !== values.length) return exact;
  if (access.prefilter === "email") {
    const lowered = strings.map((v) => sql`lower(${textParam(v)})`);
    return sql`(${profile.email} in (${sql.join(lowered, sql`, `)}) and ${exact})`;
  }
  if (strings.some((v) => v === "")) return exact;
  const params = strings.map(textParam);
  return sql`(${profile.displayName} in (${sql.join(params, sql`, `)}) and ${exact})`;
}

// ---------------------------------------------------------------------------------------------
// 5. Consents, segments, events and the tree
// ---------------------------------------------------------------------------------------------

function consentGranted(type: string, now: string): SQL {
  const entry = sql`(${profile.consents} -> ${textParam(type)})`;
  const revoke = sql`(${entry} -> 'revoke')`;
  // A missing `revoke` reads as null (no expiry), as in the evaluator.
  return sql`(case when coalesce(jsonb_typeof(${entry}) = 'object', false) then (case when ${revoke} is null then true when jsonb_typeof(${revoke}) = 'null' then true when jsonb_typeof(${revoke}) = 'string' then (${revoke} #>> '{}') collate "C" > ${textParam(now)} else false end) else false end)`;
}

function eventCount(e: EventCondition["event"], now: string): SQL {
  const since = instantBefore(now, e.within);
  const { gte, lte } = e.count;
  if (gte === 0 && lte === undefined) return TRUE;
  // Counting stops one past the largest bound that matters, so a busy profile costs no more
  // than the bound.
  const cap = (lte ?? (gte as number) - 1) + 1;
  const counted = sql`(select count(*) from (select 1 from ${event} where ${event.profileId} = ${profile.id} and ${event.type} = ${textParam(e.type)} and ${event.time} >= ${timeParam(since)} limit ${countParam(cap)}) as counted)`;
  if (gte !== undefined && gte > 0 && lte !== undefined) {
    return sql`(${counted} between ${countParam(gte)} and ${countParam(lte)})`;
  }
  return lte !== undefined
    ? sql`(${counted} <= ${countParam(lte)})`
    : sql`(${counted} >= ${countParam(gte ?? 0)})`;
}

function compileNode(c: Condition, now: string): SQL {
  const node = conditionNode(c);
  switch (node.kind) {
    case "and":
    case "or":
      return sql`(${sql.join(
        node.children.map((child) => compileNode(child, now)),
        node.kind === "and" ? sql` and ` : sql` or `,
      )})`;
    case "not":
      return sql`(not ${compileNode(node.child, now)})`;
    case "consent": {
      const granted = consentGranted(node.consent.type, now);
      return node.consent.granted ? granted : sql`(not ${granted})`;
    }
    case "segment":
      return definite(sql`${profile.segments} @> jsonb_build_array(${textParam(node.segment.id)})`);
    case "event":
      return eventCount(node.event, now);
    case "field": {
      const resolved = resolveConditionField(node.leaf.field);
      if (!resolved.ok) {
        throw new DomainError("BAD_REQUEST", resolved.message, { path: ["field"] });
      }
      const access = accessOf(resolved.field);
      return access.kind === "json"
        ? jsonLeaf(access, node.leaf, now)
        : columnLeaf(access, node.leaf, now);
    }
  }
}

/**
 * Compiles a condition into a predicate on the `profile` table (for `listProfiles({ where })`,
 * counts and segment membership). The condition is validated first: an unknown field, an operator
 * the field's type does not take, a wrong value or a tree over the limits is a BAD_REQUEST
 * DomainError with `details.path` pointing into the condition.
 */
export function compileCondition(condition: Condition, options: CompileConditionOptions): SQL {
  const checked = checkCondition(condition);
  if (!checked.ok) {
    const first = checked.issues[0] ?? { path: [], message: "Invalid condition" };
    throw new DomainError("BAD_REQUEST", first.message, {
      path: first.path,
      issues: checked.issues,
    });
  }
  return compileNode(checked.condition, conditionNow(options.now));
}
