import type { StaffRole } from "@cdp/auth";

/**
 * One staff account per role, created by e2e/serve.sh (e2e/create-staff.ts) in the throwaway
 * database before the console starts.
 */
export const STAFF: Record<StaffRole, { email: string; password: string; name: string }> = {
  viewer: { email: "e2e-viewer@example.com", password: "viewer-password-e2e", name: "Vera Viewer" },
  editor: { email: "e2e-editor@example.com", password: "editor-password-e2e", name: "Ed Editor" },
  privacy: {
    email: "e2e-privacy@example.com",
    password: "privacy-password-e2e",
    name: "Priya Privacy",
  },
  admin: { email: "e2e-admin@example.com", password: "admin-password-e2e", name: "Ada Admin" },
};
