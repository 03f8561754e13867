import { fieldByPath, piiPaths } from "@cdp/profile-schema";
import { insertAudit } from "@cdp/db";
import type { AuditChange, AuditEntry, Database } from "@cdp/db";

import { seesPii } from "../authz";
import type { Principal } from "../authz";
import { maskString } from "../masking";

export interface AuditOrigin {
  principal: Principal;
  requestId: string;
  reason?: string | null;
}

/** Writes one audit row for a mutation, in the caller's transaction. */
export async function audit(
  db: Database,
  origin: AuditOrigin,
  entry: { action: string; entity: string; entityId: string; changes?: AuditChange[] },
): Promise<void> {
  await insertAudit(db, [auditEntry(origin, entry)]);
}

export function auditEntry(
  origin: AuditOrigin,
  entry: { action: string; entity: string; entityId: string; changes?: AuditChange[] },
): AuditEntry {
  return {
    actorType: origin.principal.kind,
    actorId: origin.principal.id,
    actorName: origin.principal.name,
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId,
    changes: entry.changes ?? [],
    reason: origin.reason ?? null,
    requestId: origin.requestId,
  };
}

/** The value at a dotted document path (free-map keys containing dots are read as nesting). */
export function valueAt(document: unknown, path: string): unknown {
  let node: unknown = document;
  for (const key of path.split(".")) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const piiSet = new Set(piiPaths);

/** True when a path is, or lies inside, a PII field. */
export function isPiiPath(path: string): boolean {
  if (piiSet.has(path)) return true;
  return piiPaths.some((p) => path.startsWith(`${p}.`)) || fieldByPath(path)?.pii === true;
}

/** Audit changes as a reader may see them: PII values masked without `profiles:pii`. */
export function presentChanges(principal: Principal | null, changes: AuditChange[]): AuditChange[] {
  if (seesPii(principal)) return changes;
  return changes.map((c) =>
    isPiiPath(c.path)
      ? { path: c.path, before: maskAny(c.before, c.path), after: maskAny(c.after, c.path) }
      : c,
  );
}

function maskAny(value: unknown, path: string): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === "string") return maskString(value, path);
  if (Array.isArray(value)) return value.map((v) => maskAny(v, path));
  if (typeof value === "object") return "•••";
  return null;
}
