import type { Permission } from "@cdp/api/inputs";

/** What each scope lets a service do (design §5), for the token form and list. */
export const SCOPE_SUMMARIES: Record<Permission, string> = {
  "profiles:read": "Read and export profiles; personal data masked.",
  "profiles:write": "Create, update, track, merge and import profiles.",
  "profiles:pii": "Receive personal data in the clear (with profiles:read).",
  "segments:read": "Read segments, their members and previews.",
  "segments:write": "Create, change, delete and refresh segments.",
  "consents:write": "Record consent grants, denials and revocations.",
  privacy: "Reveal, export and erase personal data (data-subject requests).",
  admin: "Everything, including staff accounts and tokens.",
};
