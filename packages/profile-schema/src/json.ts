import { z } from "zod";

/** A JSON value: what free maps (`traits`, `aux`, …) may hold. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object: the type of every free map. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Keys that reach `Object.prototype` when a map is merged or assigned key by key elsewhere
 * (`target[key] = value`), so they are refused in every map we accept.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);

/** Message used for a refused prototype key. */
export function forbiddenKeyMessage(key: string): string {
  return `Key "${key}" is not allowed: it is a prototype-pollution vector`;
}

/** True for `{}`-literal-like objects (no class instances, dates, maps or arrays). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

type Issue = { path: (string | number)[]; message: string };

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : "a non-finite number";
  if (typeof value === "object") return "a non-plain object";
  return typeof value;
}

/**
 * Validates `value` as JSON and returns a fresh deep copy, or the issues found. The copy keeps
 * parsed profiles from sharing objects with their input, so later mutation of either is safe.
 */
function copyJson(
  value: unknown,
  path: (string | number)[],
  issues: Issue[],
  ancestors: Set<object>,
): JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    issues.push({ path, message: `Expected a JSON value, received ${describe(value)}` });
    return null;
  }
  if (Array.isArray(value)) {
    if (ancestors.has(value)) {
      issues.push({ path, message: "Circular reference is not JSON" });
      return null;
    }
    ancestors.add(value);
    const out = value.map((item: unknown, i) => copyJson(item, [...path, i], issues, ancestors));
    ancestors.delete(value);
    return out;
  }
  if (isPlainObject(value)) {
    if (ancestors.has(value)) {
      issues.push({ path, message: "Circular reference is not JSON" });
      return null;
    }
    ancestors.add(value);
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) {
        issues.push({ path: [...path, key], message: forbiddenKeyMessage(key) });
        continue;
      }
      // An explicit `undefined` falls through to the final rejection: JSON.stringify would drop
      // the key, and guessing which the caller meant would hide a bug.
      out[key] = copyJson(value[key], [...path, key], issues, ancestors);
    }
    ancestors.delete(value);
    return out;
  }
  issues.push({ path, message: `Expected a JSON value, received ${describe(value)}` });
  return null;
}

function jsonSchema<T extends JsonValue>(requireObject: boolean) {
  return z
    .custom<T>(() => true)
    .transform((value, ctx): T => {
      if (requireObject && !isPlainObject(value)) {
        ctx.addIssue({
          code: "custom",
          message: `Expected an object, received ${describe(value)}`,
        });
        return z.NEVER;
      }
      const issues: Issue[] = [];
      const copy = copyJson(value, [], issues, new Set());
      for (const issue of issues) ctx.addIssue({ code: "custom", ...issue });
      // copyJson mirrors the input's shape, and the object check above ran when one is required.
      return copy as T;
    });
}

/**
 * Any JSON value: no functions, `undefined`, symbols, NaN/Infinity, class instances or cycles,
 * and no `__proto__`/`constructor`/`prototype` keys at any depth. The output is a deep copy.
 */
export const JsonValue: z.ZodType<JsonValue, JsonValue> = jsonSchema<JsonValue>(false).meta({
  fieldType: "json",
});

/** A free map of JSON values (`traits`, `interests`, `aux`, …), validated like {@link JsonValue}. */
export const JsonObject: z.ZodType<JsonObject, JsonObject> = jsonSchema<JsonObject>(true).meta({
  fieldType: "map",
});

/** A key of a typed map (`consents`, `metadata.fields`): non-empty and not a prototype key. */
export const MapKey = z
  .string()
  .min(1, "Key must not be empty")
  .refine((key) => !FORBIDDEN_KEYS.has(key), {
    error: (iss) => forbiddenKeyMessage(String(iss.input)),
  });

/**
 * A map with typed values. `__proto__` is checked on the raw input because zod's record drops
 * that key silently; the others fail the key schema with the same message.
 */
export function safeRecord<V extends z.ZodType>(value: V) {
  const record = z.record(MapKey, value, {
    error: (iss) => (iss.code === "invalid_key" ? iss.issues[0]?.message : undefined),
  });
  return z
    .custom<z.input<typeof record>>(isPlainObject, { error: "Expected an object" })
    .superRefine((input, ctx) => {
      if (Object.prototype.hasOwnProperty.call(input, "__proto__")) {
        ctx.addIssue({
          code: "custom",
          path: ["__proto__"],
          message: forbiddenKeyMessage("__proto__"),
        });
      }
    })
    .pipe(record)
    .meta({ fieldType: "map" });
}

// ---------------------------------------------------------------------------------------------
// What a store can keep
// ---------------------------------------------------------------------------------------------

/**
 * Deepest nesting of arrays and objects an input may have. Far beyond any real document, and far
 * below where recursive validation overflows the stack or PostgreSQL's jsonb parser gives up.
 */
export const MAX_JSON_DEPTH = 64;

const LONE_SURROGATE_RE = /\p{Cs}/u;

/**
 * Why a string cannot be stored, or null. PostgreSQL text and jsonb hold neither the NUL
 * character nor unpaired UTF-16 surrogates (the driver would fail, or turn them into U+FFFD).
 */
export function unstorableText(text: string, what = "Text"): string | null {
  if (text.includes("\u0000")) return `${what} must not contain the NUL character`;
  if (LONE_SURROGATE_RE.test(text)) return `${what} must not contain unpaired surrogates`;
  return null;
}

/** At most this many issues are reported for one value. */
const MAX_UNSTORABLE_ISSUES = 20;

/**
 * What in a parsed JSON value no store can keep, by path: strings and keys that fail
 * {@link unstorableText} (a bad key at its object's path, so that the path itself can be stored
 * and shown), and arrays or objects nested deeper than `maxDepth` (the root is level 1).
 * Iterative, so input of any depth is safe to check; values other than arrays and plain objects
 * are not looked into.
 */
export function unstorableJson(
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
): { path: (string | number)[]; message: string }[] {
  const issues: Issue[] = [];
  const stack: { value: unknown; path: (string | number)[]; depth: number }[] = [
    { value, path: [], depth: 0 },
  ];
  while (stack.length > 0 && issues.length < MAX_UNSTORABLE_ISSUES) {
    const { value: current, path, depth } = stack.pop() as (typeof stack)[number];
    if (typeof current === "string") {
      const problem = unstorableText(current);
      if (problem) issues.push({ path, message: problem });
      continue;
    }
    const isArray = Array.isArray(current);
    if (!isArray && !isPlainObject(current)) continue;
    if (depth + 1 > maxDepth) {
      issues.push({ path, message: `Nested deeper than ${maxDepth} levels` });
      continue;
    }
    if (isArray) {
      for (let i = current.length - 1; i >= 0; i--) {
        stack.push({ value: current[i], path: [...path, i], depth: depth + 1 });
      }
      continue;
    }
    const keys = Object.keys(current as Record<string, unknown>);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      const problem = unstorableText(key, "A key");
      if (problem) issues.push({ path, message: problem });
      else {
        stack.push({
          value: (current as Record<string, unknown>)[key],
          path: [...path, key],
          depth: depth + 1,
        });
      }
    }
  }
  return issues.slice(0, MAX_UNSTORABLE_ISSUES);
}
