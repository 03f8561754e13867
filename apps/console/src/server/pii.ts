import { can } from "@cdp/api";
import type { Principal } from "@cdp/api";

/**
 * Whether the principal may reveal masked personal data (with a reason). The API masks personal
 * data for every staff member (seesPii); this is the one way to see it.
 */
export function canReveal(principal: Principal): boolean {
  return can(principal, "privacy");
}
