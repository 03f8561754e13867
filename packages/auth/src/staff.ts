import { asc, count, eq } from "drizzle-orm";
import type { Database } from "@cdp/db";
import { DomainError, schema } from "@cdp/db";

import type { Auth } from "./auth";
import { isStaffRole } from "./roles";
import type { StaffRole } from "./roles";

export interface StaffUser {
  id: string;
  name: string;
  email: string;
  role: StaffRole;
  banned: boolean;
  createdAt: Date;
}

export const DEMO_ADMIN = {
  email: "admin@example.com",
  password: "demo-admin-password",
  name: "Demo Admin",
} as const;

const toStaff = (u: typeof schema.user.$inferSelect): StaffUser => ({
  id: u.id,
  name: u.name,
  email: u.email,
  role: isStaffRole(u.role) ? u.role : "viewer",
  banned: u.banned ?? false,
  createdAt: u.createdAt,
});

/** Creates a staff account with a password (server-side: no session needed). */
export async function createStaffUser(
  auth: Auth,
  input: { email: string; password: string; name: string; role: StaffRole },
): Promise<StaffUser> {
  try {
    const { user } = await auth.api.createUser({
      body: {
        email: input.email.trim().toLowerCase(),
        password: input.password,
        name: input.name,
        role: input.role,
      },
    });
    return toStaff({ ...user, role: input.role, banned: false, banReason: null, banExpires: null } as typeof schema.user.$inferSelect);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/exist/i.test(message)) {
      throw new DomainError("CONFLICT", `A staff account with ${input.email} already exists.`, {
        path: ["email"],
      });
    }
    throw new DomainError("BAD_REQUEST", message, {});
  }
}

export async function listStaffUsers(db: Database): Promise<StaffUser[]> {
  const rows = await db.select().from(schema.user).orderBy(asc(schema.user.createdAt));
  return rows.map(toStaff);
}

export async function getStaffUser(db: Database, id: string): Promise<StaffUser | null> {
  const [row] = await db.select().from(schema.user).where(eq(schema.user.id, id));
  return row ? toStaff(row) : null;
}

/** Changes a staff member's role; their open sessions pick it up on the next request. */
export async function setStaffRole(db: Database, id: string, role: StaffRole): Promise<StaffUser> {
  const [row] = await db
    .update(schema.user)
    .set({ role, updatedAt: new Date() })
    .where(eq(schema.user.id, id))
    .returning();
  if (!row) throw new DomainError("NOT_FOUND", `Staff user ${id} was not found.`, { id });
  return toStaff(row);
}

/** Blocks or unblocks sign-in; blocking also ends the person's sessions. */
export async function setStaffBanned(db: Database, id: string, banned: boolean): Promise<StaffUser> {
  const [row] = await db
    .update(schema.user)
    .set({ banned, banReason: banned ? "Disabled by an administrator" : null, updatedAt: new Date() })
    .where(eq(schema.user.id, id))
    .returning();
  if (!row) throw new DomainError("NOT_FOUND", `Staff user ${id} was not found.`, { id });
  if (banned) await db.delete(schema.session).where(eq(schema.session.userId, id));
  return toStaff(row);
}

/** The first admin of a fresh install: created only when there are no staff accounts at all. */
export async function ensureDemoAdmin(auth: Auth, db: Database): Promise<StaffUser | null> {
  const [row] = await db.select({ n: count() }).from(schema.user);
  if ((row?.n ?? 0) > 0) return null;
  return createStaffUser(auth, { ...DEMO_ADMIN, role: "admin" });
}

/** The staff member behind a request's session cookie, or null. */
export async function staffFromHeaders(auth: Auth, headers: Headers): Promise<StaffUser | null> {
  const session = await auth.api.getSession({ headers });
  if (!session) return null;
  const u = session.user as typeof session.user & { role?: string | null; banned?: boolean | null };
  if (u.banned) return null;
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    role: isStaffRole(u.role) ? u.role : "viewer",
    banned: false,
    createdAt: u.createdAt,
  };
}
