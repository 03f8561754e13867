import { z } from "zod";

import { ProfileObject } from "./profile";

/** Value type of a profile field, as the console, conditions and masking see it. */
export type FieldType = "string" | "number" | "integer" | "date" | "bool" | "list" | "map";

/** What is known about one leaf path of the profile. */
export type FieldMeta = {
  /** Dotted path, e.g. `data.contact.email.main`. */
  path: string;
  type: FieldType;
  /** Human label for the console. */
  label: string;
  /** Personal data: masked for viewers, erased on request. */
  pii: boolean;
};

/** A node of the profile's shape: a fixed group or a leaf field. @internal */
export type ShapeNode =
  | { kind: "group"; path: string; children: ReadonlyMap<string, ShapeNode> }
  | {
      kind: "leaf";
      path: string;
      field: FieldMeta;
      /** The field's schema without default/nullable wrappers. */
      base: z.ZodType;
      /** Whether `null` is a valid value (otherwise it only ever holds its default). */
      nullable: boolean;
    };

type Unwrapped = { base: z.core.$ZodType; meta: Record<string, unknown>; nullable: boolean };

function unwrap(schema: z.core.$ZodType): Unwrapped {
  const metas: Record<string, unknown>[] = [];
  let nullable = false;
  let current = schema;
  for (;;) {
    const meta = z.globalRegistry.get(current);
    if (meta) metas.unshift(meta);
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional
    ) {
      current = current.unwrap();
    } else if (current instanceof z.ZodNullable) {
      nullable = true;
      current = current.unwrap();
    } else {
      break;
    }
  }
  // Inner metadata first so the outermost `.meta()` (the field's own) wins.
  return { base: current, meta: Object.assign({}, ...metas) as Record<string, unknown>, nullable };
}

function fieldTypeOf(
  base: z.core.$ZodType,
  meta: Record<string, unknown>,
  path: string,
): FieldType {
  const tagged = meta["fieldType"];
  if (tagged === "date" || tagged === "map") return tagged;
  if (base instanceof z.ZodString) return "string";
  if (base instanceof z.ZodNumber) return base.isInt ? "integer" : "number";
  if (base instanceof z.ZodBoolean) return "bool";
  if (base instanceof z.ZodArray) return "list";
  if (base instanceof z.ZodRecord) return "map";
  throw new Error(`profile-schema: cannot classify the field at "${path}"`);
}

function walk(schema: z.core.$ZodType, path: string): ShapeNode {
  const { base, meta, nullable } = unwrap(schema);
  if (base instanceof z.ZodObject) {
    const children = new Map<string, ShapeNode>();
    for (const [key, child] of Object.entries(base.shape)) {
      children.set(key, walk(child, path ? `${path}.${key}` : key));
    }
    return { kind: "group", path, children };
  }
  if (!(base instanceof z.ZodType)) {
    throw new Error(`profile-schema: the field at "${path}" is not a zod classic schema`);
  }
  const label = meta["label"];
  const pii = meta["pii"];
  if (typeof label !== "string" || typeof pii !== "boolean") {
    // Fails at import, so a field added without `.meta({ label, pii })` cannot ship.
    throw new Error(`profile-schema: the field at "${path}" lacks .meta({ label, pii })`);
  }
  const field: FieldMeta = Object.freeze({ path, type: fieldTypeOf(base, meta, path), label, pii });
  return { kind: "leaf", path, field, base, nullable };
}

/** The profile's shape as a tree, derived from the schema. @internal */
export const profileTree = walk(ProfileObject, "");

function collect(node: ShapeNode, out: Record<string, FieldMeta>): Record<string, FieldMeta> {
  if (node.kind === "leaf") out[node.path] = node.field;
  else for (const child of node.children.values()) collect(child, out);
  return out;
}

/**
 * Every leaf path of the profile with its type, label and PII flag, derived from the schema's
 * `.meta()`. Free maps (`traits`, `consents`, …) are one entry of type `map`; lists are `list`.
 */
export const fieldMetadata: Readonly<Record<string, FieldMeta>> = Object.freeze(
  collect(profileTree, {}),
);

/** The metadata of a leaf path (`data.pii.firstname`), or undefined if it is not one. */
export function fieldByPath(path: string): FieldMeta | undefined {
  return Object.prototype.hasOwnProperty.call(fieldMetadata, path)
    ? fieldMetadata[path]
    : undefined;
}

/** Leaf paths holding personal data, in schema order. */
export const piiPaths: readonly string[] = Object.freeze(
  Object.values(fieldMetadata)
    .filter((field) => field.pii)
    .map((field) => field.path),
);
