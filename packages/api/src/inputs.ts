/**
 * Inputs of the staff and token procedures, shared with the console's forms (`@cdp/api/inputs`,
 * safe in the browser: zod and the permission names only). Profile-shaped inputs live in
 * `@cdp/profile-schema`.
 */
import { z } from "zod";

import { permissions, roles } from "./authz";

/** `user.create`: a staff account with a password and a role. */
export const StaffCreate = z.object({
  email: z.email("Enter a valid email address").max(254),
  name: z.string().trim().min(1, "Enter a name").max(100),
  password: z.string().min(10, "At least 10 characters").max(200),
  role: z.enum(roles),
});
export type StaffCreate = z.output<typeof StaffCreate>;

/** `token.create`: a service token's name, scopes and optional lifetime. */
export const TokenCreate = z.object({
  name: z.string().trim().min(1, "Give the token a name").max(100),
  scopes: z.array(z.enum(permissions)).min(1, "Choose at least one scope"),
  expiresInDays: z.number().int().min(1).max(3650).nullish(),
});
export type TokenCreate = z.output<typeof TokenCreate>;

export { permissions, roles } from "./authz";
export type { Permission, Role } from "./authz";
