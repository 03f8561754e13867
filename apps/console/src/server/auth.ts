import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { createAuth, staffFromHeaders } from "@cdp/auth";
import type { Auth, StaffUser } from "@cdp/auth";
import { serviceTokenPrincipal } from "@cdp/api";
import type { Principal, PrincipalResolver } from "@cdp/api";

import { loginHref, REQUESTED_PATH_HEADER } from "@/lib/next-path";
import { getDatabase } from "./db";

const store = globalThis as typeof globalThis & { __cdpConsoleAuth?: Promise<Auth> };

/** Staff authentication on the console's database, created once per process. */
export function getAuth(): Promise<Auth> {
  store.__cdpConsoleAuth ??= getDatabase().then(({ db }) => createAuth({ db }));
  return store.__cdpConsoleAuth;
}

/** The console's own origin, as staff authentication knows it (BETTER_AUTH_URL). */
export async function consoleOrigin(): Promise<string> {
  const { baseURL } = (await getAuth()).options;
  return new URL(typeof baseURL === "string" ? baseURL : "http://localhost:3000").origin;
}

/** The API principal of a signed-in staff member: what they may do follows from their role. */
export function staffPrincipal(staff: StaffUser): Principal {
  return { kind: "staff", id: staff.id, name: staff.name, role: staff.role };
}

/**
 * Who is calling the console's HTTP API: the signed-in staff member (session cookie), otherwise a
 * service token (`Authorization: Bearer`), otherwise nobody.
 */
export const consoleRequestPrincipal: PrincipalResolver = async (req, db) => {
  const staff = await staffFromHeaders(await getAuth(), req.headers);
  return staff ? staffPrincipal(staff) : serviceTokenPrincipal(req, db);
};

/**
 * The staff member signed in on this request, or null. One session lookup per request, however
 * many server components ask.
 */
export const currentStaff = cache(async (): Promise<StaffUser | null> => {
  return staffFromHeaders(await getAuth(), new Headers(await headers()));
});

/**
 * The signed-in staff member; without a live session (none, expired, signed out elsewhere, account
 * disabled) the request goes to the sign-in page, which brings the person back here afterwards.
 */
export async function requireStaff(): Promise<StaffUser> {
  const staff = await currentStaff();
  if (staff) return staff;
  redirect(loginHref((await headers()).get(REQUESTED_PATH_HEADER)));
}
