import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * What the tests know about the seeded profiles. The console shows personal data masked (until a
 * privacy officer reveals it), so a test cannot read a real name off the screen; e2e/serve.sh
 * exports them (e2e/export-seeded.ts) between seeding and `next start`.
 */
export interface SeededProfile {
  id: string;
  firstname: string | null;
  lastname: string | null;
  displayName: string | null;
  /** Main and business e-mail. */
  emails: (string | null)[];
  /** Main and mobile phone. */
  phones: (string | null)[];
}

/** Inside the Playwright output directory, which is emptied before the web server starts. */
export const SEEDED_PROFILES_FILE = path.join(
  import.meta.dirname,
  "..",
  "test-results",
  "e2e-seeded-profiles.json",
);

export function readSeededProfiles(): SeededProfile[] {
  return JSON.parse(readFileSync(SEEDED_PROFILES_FILE, "utf8")) as SeededProfile[];
}

/** The documented meaning of the search box: the text occurs in a name, an e-mail or a phone. */
export function matchesSearch(p: SeededProfile, term: string): boolean {
  const haystack = [p.firstname, p.lastname, p.displayName, ...p.emails, ...p.phones]
    .map((v) => v ?? "")
    .join(" ")
    .toLowerCase();
  return haystack.includes(term.trim().toLowerCase());
}
