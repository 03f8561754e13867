/** postgres.js returns an array, PGlite an object with `rows`: one shape for callers. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/**
 * Postgres prints timestamptz as `2024-05-30 07:44:23.246262+00` (sessions run in UTC); this turns
 * it into ISO 8601 without passing through Date, which would drop the microseconds.
 */
export function pgTimestampToIso(value: string | null): string | null {
  if (value === null) return null;
  const m = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?([+-]\d{2})(?::?(\d{2}))?$/.exec(value);
  if (!m) return value;
  const offset = `${m[4]}:${m[5] ?? "00"}`;
  const iso = `${m[1]}T${m[2]}${m[3] ?? ""}${offset === "+00:00" ? "Z" : offset}`;
  return iso;
}

/** Escapes LIKE wildcards so user text matches literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
