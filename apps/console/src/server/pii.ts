import { can, maskProfile } from "@cdp/api";
import type { Principal, ProfileView } from "@cdp/api";

/**
 * A profile as the console shows it: personal data masked for everyone, until someone allowed to
 * reveals it with a reason (privacy.reveal, which audits the look).
 *
 * The API already masks for roles without `profiles:pii`. Roles with it (privacy, admin) receive
 * the values, and the console masks them here with the API's own masking function, so that
 * opening a profile is not an unrecorded look at a person's data.
 */
export function onScreen(principal: Principal, view: ProfileView): ProfileView {
  if (!can(principal, "profiles:pii")) return view;
  const { profile, masked } = maskProfile(view.profile);
  return { profile, version: view.version, masked };
}

/** Whether the principal may reveal masked personal data (with a reason). */
export function canReveal(principal: Principal): boolean {
  return can(principal, "privacy");
}
