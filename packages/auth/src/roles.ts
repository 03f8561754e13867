import { createAccessControl } from "better-auth/plugins/access";
import { adminAc, defaultStatements, userAc } from "better-auth/plugins/admin/access";

/** Staff roles. What each may do in the product is decided by `@cdp/api`'s rolePermissions. */
export const staffRoles = ["viewer", "editor", "privacy", "admin"] as const;
export type StaffRole = (typeof staffRoles)[number];

export const isStaffRole = (value: unknown): value is StaffRole =>
  typeof value === "string" && (staffRoles as readonly string[]).includes(value);

/** better-auth's own user-management permissions: only admins manage staff accounts. */
export const ac = createAccessControl(defaultStatements);
export const authRoles = {
  viewer: ac.newRole(userAc.statements),
  editor: ac.newRole(userAc.statements),
  privacy: ac.newRole(userAc.statements),
  admin: ac.newRole(adminAc.statements),
};
