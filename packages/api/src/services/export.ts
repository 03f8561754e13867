import { stringify } from "csv-stringify/sync";
import { ZodError } from "zod";
import {
  csvCellOf,
  DEFAULT_EXPORT_COLUMNS,
  ExportInput,
  MAX_PAGE_SIZE,
  unstorableJson,
} from "@cdp/profile-schema";
import type { ExportInputInput, ExportFormat } from "@cdp/profile-schema";
import { compileCondition, DomainError, listProfiles } from "@cdp/db";
import type { Database, ProfilePage, StoredProfile } from "@cdp/db";

import { can } from "../authz";
import type { Permission, Principal } from "../authz";
import { presentProfile } from "./present";

/** One page of an export. */
export interface ExportPage {
  /** The page's text: NDJSON lines, or CSV rows (after the header on the first page). */
  chunk: string;
  /** Cursor of the next page; null after the last. */
  nextCursor: string | null;
  /** Profiles in this page. */
  rows: number;
  /** Profiles matching the query, counted on the first page only. */
  total?: number;
}

export interface ExportPageParams {
  cursor?: string | null;
  /** Profiles in the page (read in list pages of at most 200). */
  limit?: number;
  /** Count the matches (first page of a progress bar). */
  withTotal?: boolean;
  /** Instant the condition's time-relative leaves are measured from (fixed over a whole export). */
  now?: string;
  /**
   * The permission that lets this caller read these profiles: `segments:read` when they are a
   * segment's members (as `segment.members` lists them), else `profiles:read`.
   */
  permission?: Extract<Permission, "profiles:read" | "segments:read">;
}

function requireRead(
  principal: Principal | null,
  permission: Permission = "profiles:read",
): Principal {
  if (!principal || !can(principal, permission)) {
    throw new DomainError("FORBIDDEN", `Exporting profiles needs the "${permission}" permission.`);
  }
  return principal;
}

function render(
  format: ExportFormat,
  columns: readonly string[],
  profiles: StoredProfile[],
  principal: Principal,
  header: boolean,
): string {
  const shown = profiles.map((stored) => presentProfile(principal, stored).profile);
  if (format === "ndjson") return shown.map((profile) => `${JSON.stringify(profile)}\n`).join("");
  const records = shown.map((profile) => columns.map((path) => csvCellOf(profile, path)));
  // The BOM lets spreadsheet programs read the file as UTF-8; the CSV import skips it.
  return stringify(header ? [[...columns], ...records] : records, { bom: header });
}

/**
 * One page of an export: profiles matching the query in its sort order (keyset-paged, never
 * OFFSET), masked for callers without `profiles:pii`, as text. The first page (no cursor) of a
 * CSV export starts with the header row.
 * @throws DomainError FORBIDDEN without `profiles:read`; BAD_REQUEST for an invalid input.
 */
export async function exportPage(
  db: Database,
  principal: Principal | null,
  input: ExportInputInput,
  params: ExportPageParams = {},
): Promise<ExportPage> {
  const caller = requireRead(principal, params.permission);
  const { query, format, columns } = ExportInput.parse(input);
  const where = query.condition
    ? compileCondition(query.condition, { now: params.now ?? new Date().toISOString() })
    : undefined;
  const limit = Math.max(1, params.limit ?? MAX_PAGE_SIZE);
  const profiles: StoredProfile[] = [];
  let cursor = params.cursor ?? null;
  let total: number | undefined;
  do {
    const page = await listProfiles(db, {
      search: query.search,
      sort: query.sort,
      order: query.order,
      where,
      cursor,
      limit: Math.min(limit - profiles.length, MAX_PAGE_SIZE),
      withTotal: params.withTotal === true && total === undefined,
    });
    total ??= page.total;
    profiles.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && profiles.length < limit);
  const chunk = render(
    format,
    columns ?? DEFAULT_EXPORT_COLUMNS,
    profiles,
    caller,
    format === "csv" && !params.cursor,
  );
  return {
    chunk,
    nextCursor: cursor,
    rows: profiles.length,
    ...(total === undefined ? {} : { total }),
  };
}

/**
 * Exports every profile matching the query as text chunks, one list page (≤ 200 profiles) at a
 * time: memory stays flat however many match. Same order, masking and CSV header as
 * {@link exportPage}. The next page is read while this one is rendered, so the database and the
 * JSON work overlap instead of taking turns.
 * @throws DomainError FORBIDDEN without `profiles:read`; BAD_REQUEST for an invalid input.
 */
export async function* exportProfiles(
  db: Database,
  principal: Principal | null,
  input: ExportInputInput,
): AsyncGenerator<string, void, undefined> {
  const caller = requireRead(principal);
  const { query, format, columns } = ExportInput.parse(input);
  // One instant for the whole export: a time-relative condition must not drift between pages.
  const where = query.condition
    ? compileCondition(query.condition, { now: new Date().toISOString() })
    : undefined;
  const read = (cursor: string | null): Promise<ProfilePage> =>
    listProfiles(db, {
      search: query.search,
      sort: query.sort,
      order: query.order,
      where,
      cursor,
      limit: MAX_PAGE_SIZE,
    });
  let next: Promise<ProfilePage> | null = read(null);
  let first = true;
  try {
    while (next) {
      const page: ProfilePage = await next;
      next = page.nextCursor === null ? null : read(page.nextCursor);
      const chunk = render(
        format,
        columns ?? DEFAULT_EXPORT_COLUMNS,
        page.items,
        caller,
        format === "csv" && first,
      );
      first = false;
      if (chunk !== "") yield chunk;
    }
  } finally {
    // A reader gone mid-export leaves one page in flight: its outcome no longer matters.
    next?.catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP: a plain streaming route (tRPC is not made for large bodies)
// ---------------------------------------------------------------------------------------------

export interface ExportHandlerOptions {
  db: Database;
  /** Who is calling (service token, staff session); null is refused with 401. */
  resolvePrincipal: (req: Request) => Promise<Principal | null>;
}

function jsonError(
  status: number,
  message: string,
  fieldErrors: { path: string; message: string }[] = [],
) {
  return new Response(JSON.stringify({ error: message, fieldErrors }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

/** The export input a query string states (`format`, `q`, `sort`, `order`, `columns`, `condition`). */
function inputFromQuery(params: URLSearchParams): ExportInputInput {
  const query: Record<string, unknown> = {};
  const search = params.get("q") ?? params.get("search");
  if (search !== null) query["search"] = search;
  const sort = params.get("sort");
  if (sort !== null) query["sort"] = sort;
  const order = params.get("order");
  if (order !== null) query["order"] = order;
  const condition = params.get("condition");
  if (condition !== null) query["condition"] = JSON.parse(condition);
  const columns = params.get("columns");
  return {
    query: query as ExportInputInput["query"],
    format: (params.get("format") ?? undefined) as ExportFormat | undefined,
    ...(columns
      ? {
          columns: columns
            .split(",")
            .map((c) => c.trim())
            .filter(Boolean),
        }
      : {}),
  };
}

/**
 * `GET /api/export?format=ndjson|csv&q=…&sort=…&order=…&columns=a,b&condition=<json>`: streams
 * the matching profiles as a download (`Content-Disposition: attachment`), page by page with
 * back-pressure, masked for callers without `profiles:pii`. 401 without a principal, 403 without
 * `profiles:read`, 400 for a bad query (JSON `{ error, fieldErrors }`). A failure mid-stream
 * aborts the body, so a truncated file never looks complete.
 */
export function createExportHandler(
  options: ExportHandlerOptions,
): (req: Request) => Promise<Response> {
  return async (req) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response(null, { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const principal = await options.resolvePrincipal(req);
    if (!principal) return jsonError(401, "Sign in or send a service token.");
    if (!can(principal, "profiles:read")) {
      return jsonError(403, 'This needs the "profiles:read" permission.');
    }
    let input: ExportInput;
    try {
      input = ExportInput.parse(inputFromQuery(new URL(req.url).searchParams));
      // Checked before the 200 goes out: a search text PostgreSQL refuses would cut the stream.
      const unstorable = unstorableJson(input);
      if (unstorable.length > 0) {
        const fieldErrors = unstorable.map((i) => ({ path: i.path.join("."), message: i.message }));
        return jsonError(400, "Invalid export query.", fieldErrors);
      }
      if (input.query.condition) compileCondition(input.query.condition, { now: new Date() });
    } catch (error) {
      if (error instanceof ZodError) {
        const fieldErrors = error.issues.map((i) => ({
          path: i.path.map(String).join("."),
          message: i.message,
        }));
        return jsonError(400, "Invalid export query.", fieldErrors);
      }
      if (error instanceof SyntaxError)
        return jsonError(400, `condition is not JSON: ${error.message}`);
      if (error instanceof DomainError) return jsonError(400, error.message);
      throw error;
    }
    const extension = input.format === "csv" ? "csv" : "ndjson";
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const headers = {
      "content-type":
        input.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="profiles-${stamp}.${extension}"`,
      // Profiles are personal data: never kept by a cache on the way.
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    };
    if (req.method === "HEAD") return new Response(null, { status: 200, headers });
    const chunks = exportProfiles(options.db, principal, input);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    return new Response(body, { status: 200, headers });
  };
}
