/**
 * What the fuzzer sends, as a tree that can hold what a JS value cannot: keys a JS object literal
 * swallows (`__proto__`), repeated keys, and tokens that are not JSON (`NaN`, `Infinity`) or that
 * only JSON text can carry (`1e400`, deep nesting written out). `toJsonText` writes it exactly.
 */

/** An object as a list of entries: any key, in order, repeats allowed. */
export class RawObject {
  constructor(readonly entries: readonly (readonly [string, Raw])[]) {}
}

/** Text written into the JSON as it is (`NaN`, `1e400`, `[[[…]]]`). */
export class RawToken {
  constructor(readonly text: string) {}
}

/** What the fuzzer knows about the server's state when it sends a case. */
export interface LiveContext {
  /** The current version of a profile (1 when it does not exist). */
  profileVersion(id: string): Promise<number>;
  /** The current version of a segment (1 when it does not exist). */
  segmentVersion(id: string): Promise<number>;
  /** The current version of a mapping rule (1 when it does not exist). */
  mappingVersion(id: string): Promise<number>;
  /** The n-th (modulo) existing row id of a kind, or a placeholder when there is none. */
  existingId(kind: LiveKind, n: number): Promise<string>;
}

export type LiveKind = "view" | "merge" | "importJob" | "token";

/** A value looked up when the case is sent (a current version, an existing id). */
export class Live {
  constructor(
    readonly describe: string,
    readonly resolve: (ctx: LiveContext) => Promise<Raw>,
  ) {}
}

export type Raw =
  | null
  | boolean
  | number
  | string
  | readonly Raw[]
  | RawObject
  | RawToken
  | Live
  | { readonly [key: string]: Raw };

export type RawRecord = { readonly [key: string]: Raw };

export function isRecord(value: Raw): value is RawRecord {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof RawObject) &&
    !(value instanceof RawToken) &&
    !(value instanceof Live)
  );
}

/** The entries of an object node (a record or a RawObject); null for anything else. */
export function entriesOf(value: Raw): (readonly [string, Raw])[] | null {
  if (value instanceof RawObject) return [...value.entries];
  if (isRecord(value)) return Object.entries(value);
  return null;
}

/** The JSON text of a tree: strings as JSON.stringify writes them (lone surrogates escaped). */
export function toJsonText(value: Raw): string {
  if (value instanceof RawToken) return value.text;
  if (value instanceof Live) throw new Error(`unresolved live value: ${value.describe}`);
  if (value === null || typeof value !== "object") {
    // Numbers that JSON cannot write go out as the tokens a careless client would send.
    if (typeof value === "number" && !Number.isFinite(value)) return String(value);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
  const entries = entriesOf(value) ?? [];
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(",")}}`;
}

/** Replaces every Live node by what it resolves to now. */
export async function resolveLive(value: Raw, ctx: LiveContext): Promise<Raw> {
  if (value instanceof Live) return resolveLive(await value.resolve(ctx), ctx);
  if (Array.isArray(value)) {
    const out: Raw[] = [];
    for (const item of value as readonly Raw[]) out.push(await resolveLive(item, ctx));
    return out;
  }
  if (value instanceof RawObject) {
    const out: [string, Raw][] = [];
    for (const [k, v] of value.entries) out.push([k, await resolveLive(v, ctx)]);
    return new RawObject(out);
  }
  if (isRecord(value)) {
    const out: [string, Raw][] = [];
    for (const [k, v] of Object.entries(value)) out.push([k, await resolveLive(v, ctx)]);
    // A RawObject keeps a `__proto__` key a record literal would turn into a prototype.
    return new RawObject(out);
  }
  return value;
}

/** Sets `path` (dotted) in a record tree, creating groups on the way. */
export function setPath(root: Record<string, Raw>, path: string, value: Raw): void {
  const keys = path.split(".");
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next !== undefined && isRecord(next)) {
      node = next as Record<string, Raw>;
    } else {
      const created: Record<string, Raw> = {};
      node[key] = created;
      node = created;
    }
  }
  node[keys[keys.length - 1] ?? ""] = value;
}

/** A short, printable description of a body for failure messages. */
export function preview(text: string, max = 300): string {
  const shown = text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  return JSON.stringify(shown);
}
