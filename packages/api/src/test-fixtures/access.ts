/**
 * Shared by the access-matrix and viewer-PII suites: the designed permission of every procedure,
 * principals for every role and single-scope token, the outcome of a call as data, and a
 * fingerprint of the whole database to prove that a refused call changed nothing.
 */
import { TRPCError } from "@trpc/server";
import { sql } from "drizzle-orm";
import { rowsOf } from "@cdp/db";
import type { Database } from "@cdp/db";

import { permissions, roles } from "../authz";
import { ACCESS_DENIED } from "../trpc";
import type { Permission, Principal, Role } from "../authz";

/**
 * THE SPEC: the permission each procedure needs, written from the design (§5), not read from the
 * code. A procedure added without a row here fails access-matrix.test.ts ("covers exactly the
 * router's procedures"), and a read without a call in viewer-pii.test.ts fails there.
 */
export const DESIGNED: Readonly<Record<string, Permission>> = {
  "audit.list": "profiles:read",

  "consent.types.list": "profiles:read",
  "consent.types.get": "profiles:read",
  // The catalogue is configuration: administrators change it, editors only apply it.
  "consent.types.create": "admin",
  "consent.types.update": "admin",
  "consent.types.archive": "admin",
  "consent.types.restore": "admin",
  "consent.grant": "consents:write",
  "consent.deny": "consents:write",
  "consent.revoke": "consents:write",
  "consent.history": "profiles:read",
  "consent.state": "profiles:read",

  // Mapping rules are configuration, like the consent catalogue: readers see, test (a dry run,
  // masked like any read) and export them; administrators change them.
  "mapping.list": "profiles:read",
  "mapping.get": "profiles:read",
  "mapping.versions": "profiles:read",
  "mapping.test": "profiles:read",
  "mapping.export": "profiles:read",
  "mapping.paths": "profiles:read",
  "mapping.create": "admin",
  "mapping.update": "admin",
  "mapping.delete": "admin",
  "mapping.enable": "admin",
  "mapping.import": "admin",

  "privacy.reveal": "privacy",
  "privacy.export": "privacy",
  "privacy.erase": "privacy",
  "privacy.suppressions": "privacy",
  "privacy.liftSuppression": "privacy",

  "profile.get": "profiles:read",
  "profile.list": "profiles:read",
  "profile.create": "profiles:write",
  "profile.update": "profiles:write",
  "profile.delete": "profiles:write",
  "profile.track": "profiles:write",
  "profile.import": "profiles:write",
  // Import jobs belong to whoever loads data; their row errors quote rows of the file.
  "profile.importStatus": "profiles:write",
  "profile.importList": "profiles:write",
  "profile.importCancel": "profiles:write",
  "profile.importBegin": "profiles:write",
  "profile.importPart": "profiles:write",
  "profile.importCommit": "profiles:write",
  // Exports are masked like every other read.
  "profile.exportPage": "profiles:read",
  "profile.merge": "profiles:write",
  "profile.identify": "profiles:write",
  "profile.unmerge": "profiles:write",
  "profile.duplicates": "profiles:read",
  "profile.mergeHistory": "profiles:read",
  // Identification properties and consent proofs in events are masked like profile PII.
  "profile.events": "profiles:read",

  // Aggregates only: counts, segment names and sizes, consent types and rates.
  "stats.overview": "profiles:read",

  "segment.list": "segments:read",
  "segment.get": "segments:read",
  "segment.preview": "segments:read",
  "segment.members": "segments:read",
  "segment.history": "segments:read",
  "segment.export": "segments:read",
  "segment.create": "segments:write",
  "segment.update": "segments:write",
  "segment.delete": "segments:write",
  "segment.refresh": "segments:write",

  // Saved views are a reader's own table settings; making a segment of one is a segment write.
  "view.list": "profiles:read",
  "view.get": "profiles:read",
  "view.create": "profiles:read",
  "view.update": "profiles:read",
  "view.delete": "profiles:read",
  "view.promote": "segments:write",

  "token.list": "admin",
  "token.create": "admin",
  "token.revoke": "admin",

  "user.list": "admin",
  "user.create": "admin",
  "user.setRole": "admin",
  "user.setDisabled": "admin",
};

export const staff = (role: Role): Principal => ({
  kind: "staff",
  id: `u-${role}`,
  name: `${role} staff member`,
  role,
});

export const serviceToken = (scopes: readonly Permission[]): Principal => ({
  kind: "service",
  id: `t-${scopes.join("+") || "none"}`,
  name: `token ${scopes.join(" ")}`,
  scopes,
});

export interface Caller {
  label: string;
  principal: Principal | null;
}

/** No principal, each staff role, and a service token for each single permission. */
export const everyCaller: readonly Caller[] = [
  { label: "no principal", principal: null },
  ...roles.map((role) => ({ label: `staff ${role}`, principal: staff(role) })),
  ...permissions.map((scope) => ({ label: `token [${scope}]`, principal: serviceToken([scope]) })),
];

/** How a call ended: its value, or the tRPC error code and message it was refused with. */
export type Outcome =
  { ok: true; value: unknown } | { ok: false; code: string; message: string; error: unknown };

/** Runs a call and turns a rejection into data at once, so none is ever left unobserved. */
export async function outcomeOf(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (error instanceof TRPCError) {
      return { ok: false, code: error.code, message: error.message, error };
    }
    return { ok: false, code: "THROWN", message: String(error), error };
  }
}

/** The outcome in a line, for tables of expectations: `ok` or the error code. */
export const verdict = (outcome: Outcome): string => (outcome.ok ? "ok" : outcome.code);

export type DatabaseFingerprint = Record<string, { rows: number; md5: string }>;

/**
 * Row count and an md5 of the ordered rows of every table in the public schema: equal
 * fingerprints before and after mean nothing was written anywhere — except the audit rows that
 * record the refusals themselves, which the matrix tests count separately.
 */
export async function databaseFingerprint(db: Database): Promise<DatabaseFingerprint> {
  const tables = rowsOf<{ tablename: string }>(
    await db.execute(
      sql`select tablename from pg_tables where schemaname = 'public' order by tablename`,
    ),
  ).map((r) => r.tablename);
  const fingerprint: DatabaseFingerprint = {};
  for (const table of tables) {
    const [row] = rowsOf<{ rows: number; md5: string }>(
      await db.execute(
        sql`select count(*)::int as rows,
                   md5(coalesce(string_agg(t::text, E'\n' order by t::text), '')) as md5
            from ${sql.identifier(table)} t
            ${table === "audit_log" ? sql`where t.action <> ${ACCESS_DENIED}` : sql``}`,
      ),
    );
    fingerprint[table] = { rows: Number(row?.rows ?? 0), md5: row?.md5 ?? "" };
  }
  return fingerprint;
}
