import type { Profile } from "@cdp/profile-schema";
import type { StoredProfile } from "@cdp/db";

import { seesPii } from "../authz";
import type { Principal } from "../authz";
import { maskProfile } from "../masking";

/** A profile as a caller may see it: PII masked unless they see it in the clear (seesPii). */
export interface ProfileView {
  profile: Profile;
  version: number;
  /** PII paths whose values were masked for this caller. */
  masked: string[];
}

export function presentProfile(principal: Principal | null, stored: StoredProfile): ProfileView {
  if (seesPii(principal)) return { ...stored, masked: [] };
  const { profile, masked } = maskProfile(stored.profile);
  return { profile, version: stored.version, masked };
}
