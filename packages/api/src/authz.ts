/**
 * Who is calling and what they may do. Staff roles and service-token scopes resolve to the same
 * permissions, so every procedure declares exactly one permission it needs.
 */
export const permissions = [
  "profiles:read",
  "profiles:write",
  "profiles:pii",
  "segments:read",
  "segments:write",
  "consents:write",
  "privacy",
  "admin",
] as const;
export type Permission = (typeof permissions)[number];

export const isPermission = (s: unknown): s is Permission =>
  typeof s === "string" && (permissions as readonly string[]).includes(s);

export const roles = ["viewer", "editor", "privacy", "admin"] as const;
export type Role = (typeof roles)[number];

export const rolePermissions: Record<Role, readonly Permission[]> = {
  viewer: ["profiles:read", "segments:read"],
  editor: ["profiles:read", "profiles:write", "segments:read", "segments:write", "consents:write"],
  privacy: ["profiles:read", "segments:read", "privacy"],
  admin: permissions,
};

export type Principal =
  | { kind: "staff"; id: string; name: string; role: Role }
  | { kind: "service"; id: string; name: string; scopes: readonly Permission[] }
  | { kind: "system"; id: string; name: string; permissions: readonly Permission[] };

export function permissionsOf(principal: Principal): readonly Permission[] {
  switch (principal.kind) {
    case "staff":
      return rolePermissions[principal.role];
    case "service":
      return principal.scopes;
    case "system":
      return principal.permissions;
  }
}

export function can(principal: Principal | null, permission: Permission): boolean {
  if (!principal) return false;
  const granted = permissionsOf(principal);
  return granted.includes(permission) || granted.includes("admin");
}

/**
 * Whether responses to this principal carry personal data in the clear. Services and system jobs
 * holding `profiles:pii` do (they act on it); staff never do, whatever their role: a person looks
 * at someone's personal data only through `privacy.reveal`, which asks for a reason and is audited.
 */
export function seesPii(principal: Principal | null): boolean {
  return principal !== null && principal.kind !== "staff" && can(principal, "profiles:pii");
}
