import type { Role } from "@cdp/api";

/** How the console names each staff role. */
export const ROLE_LABELS: Record<Role, string> = {
  viewer: "Viewer",
  editor: "Editor",
  privacy: "Privacy",
  admin: "Admin",
};

/** One line on what a role may do (design §5), shown in the user menu. */
export const ROLE_SUMMARIES: Record<Role, string> = {
  viewer: "Reads profiles and segments; personal data stays masked.",
  editor: "Edits profiles, consents and segments; personal data stays masked.",
  privacy: "Reveals personal data with a reason; handles data-subject requests.",
  admin: "Everything, including staff accounts and service tokens.",
};
