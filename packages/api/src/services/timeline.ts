import { CONSENT_UPDATE_EVENT, IDENTIFICATION_PROPERTIES } from "@cdp/profile-schema";
import type { IdentificationProperty } from "@cdp/profile-schema";
import { DomainError, listEvents, requireProfile } from "@cdp/db";
import type { Database, StoredEvent } from "@cdp/db";

import { seesPii } from "../authz";
import type { Principal } from "../authz";
import { maskString } from "../masking";

/** An event of a profile's timeline as a caller may see it. */
export interface TimelineEvent {
  id: string;
  type: string;
  time: string;
  sessionId: string | null;
  source: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  receivedAt: string;
  /** Property names whose values were masked for this caller. */
  masked: string[];
}

export interface TimelinePage {
  /** The profile's own id (the key asked for may be a merged id, `email:…`, …). */
  profileId: string;
  items: TimelineEvent[];
  nextCursor: string | null;
}

const isIdentification = (key: string): key is IdentificationProperty =>
  Object.prototype.hasOwnProperty.call(IDENTIFICATION_PROPERTIES, key);

/**
 * Event properties as a caller may see them. Events carry personal data in two declared places:
 * identification properties (`email`, `firstname`, …), which set PII fields of the profile, and the
 * proof of a `consent-update`, which the consent ledger also hides. Both are masked like the
 * fields they feed; other properties are free JSON, undeclared like traits.
 */
function presentProperties(
  principal: Principal | null,
  type: string,
  properties: Record<string, unknown>,
): { properties: Record<string, unknown>; masked: string[] } {
  if (seesPii(principal)) return { properties, masked: [] };
  const shown: Record<string, unknown> = {};
  const masked: string[] = [];
  for (const [key, value] of Object.entries(properties)) {
    if (isIdentification(key) && value !== null && value !== undefined) {
      shown[key] =
        typeof value === "string" ? maskString(value, IDENTIFICATION_PROPERTIES[key]) : null;
      masked.push(key);
    } else if (
      type === CONSENT_UPDATE_EVENT &&
      key === "proof" &&
      value !== null &&
      value !== undefined
    ) {
      shown[key] = null;
      masked.push(key);
    } else {
      shown[key] = value;
    }
  }
  return { properties: shown, masked };
}

// The cursor is the last event shown, (time, id): keyset paging, never OFFSET.
function encodeCursor(e: StoredEvent): string {
  return Buffer.from(JSON.stringify([e.time, e.id]), "utf8").toString("base64url");
}

function decodeCursor(cursor: string): { time: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = null;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    typeof parsed[0] === "string" &&
    typeof parsed[1] === "string" &&
    !Number.isNaN(Date.parse(parsed[0]))
  ) {
    return { time: parsed[0], id: parsed[1] };
  }
  throw new DomainError("BAD_REQUEST", "The cursor is not one this timeline produced.", {
    path: ["cursor"],
  });
}

/**
 * One page of a profile's events, newest first, found by any profile key; identification
 * properties and consent proofs masked for callers who do not see personal data.
 * @throws DomainError NOT_FOUND for an unknown profile; BAD_REQUEST for a foreign cursor.
 */
export async function profileTimeline(
  db: Database,
  principal: Principal | null,
  params: { profileId: string; type?: string | null; cursor?: string | null; limit: number },
): Promise<TimelinePage> {
  const before = params.cursor ? decodeCursor(params.cursor) : undefined;
  const { profile } = await requireProfile(db, params.profileId);
  const rows = await listEvents(db, {
    profileId: profile.id,
    type: params.type ?? undefined,
    limit: params.limit + 1,
    before,
  });
  const page = rows.slice(0, params.limit);
  const last = page[page.length - 1];
  return {
    profileId: profile.id,
    items: page.map((e) => {
      const { properties, masked } = presentProperties(principal, e.type, e.properties);
      return {
        id: e.id,
        type: e.type,
        time: e.time,
        sessionId: e.sessionId,
        source: e.source,
        properties,
        context: e.context,
        receivedAt: e.receivedAt,
        masked,
      };
    }),
    nextCursor: rows.length > params.limit && last ? encodeCursor(last) : null,
  };
}
