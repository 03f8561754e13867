import { consentPurposes, SegmentId } from "@cdp/profile-schema";
import type { ConsentPurpose } from "@cdp/profile-schema";

/** How the console names each consent purpose. */
export const PURPOSE_LABELS: Record<ConsentPurpose, string> = {
  necessary: "Necessary",
  marketing: "Marketing",
  analytics: "Analytics",
  personalization: "Personalization",
  profiling: "Profiling",
  "third-party": "Third party",
  other: "Other",
};

export const PURPOSES = consentPurposes;

const MAX_ID = 64;

/**
 * A segment id suggested from its name: lowercase ASCII letters and digits joined by hyphens
 * ("Über-Käufer 2024" → "uber-kaufer-2024"), cut to the id's length; empty when nothing is left.
 */
export function slugOf(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_ID)
    .replace(/-+$/, "");
  return SegmentId.safeParse(slug).success ? slug : "";
}

/** What caused a membership change, in words (`source` of segment history). */
export function membershipSource(source: string): string {
  if (source === "segment.create") return "Segment created";
  if (source === "segment.update") return "Definition changed";
  if (source === "segment.delete") return "Segment deleted";
  if (source === "refresh") return "Scheduled refresh";
  if (source.startsWith("track:")) return "Tracked event";
  if (source.startsWith("staff:")) return "Staff action";
  if (source.startsWith("service:")) return "Service token";
  if (source.startsWith("system:")) return "System";
  return source;
}

/** A condition's sentence as a sentence: first letter capitalised ("has granted …" → "Has …"). */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
