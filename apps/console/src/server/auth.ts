import { createAuth, staffFromHeaders } from "@cdp/auth";
import type { Auth } from "@cdp/auth";
import { serviceTokenPrincipal } from "@cdp/api";
import type { Principal, PrincipalResolver } from "@cdp/api";

import { getDatabase } from "./db";

const store = globalThis as typeof globalThis & { __cdpConsoleAuth?: Promise<Auth> };

/** Staff authentication on the console's database, created once per process. */
export function getAuth(): Promise<Auth> {
  store.__cdpConsoleAuth ??= getDatabase().then(({ db }) => createAuth({ db }));
  return store.__cdpConsoleAuth;
}

/**
 * Who is calling the console's HTTP API: the signed-in staff member (session cookie), otherwise a
 * service token (`Authorization: Bearer`), otherwise nobody.
 */
export const consoleRequestPrincipal: PrincipalResolver = async (req, db) => {
  const staff = await staffFromHeaders(await getAuth(), req.headers);
  if (staff) {
    const principal: Principal = { kind: "staff", id: staff.id, name: staff.name, role: staff.role };
    return principal;
  }
  return serviceTokenPrincipal(req, db);
};
