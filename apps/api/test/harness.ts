/**
 * An API server in-process on a random port, on a fresh database, with service tokens and typed
 * clients ready — for HTTP integration tests of any procedure:
 *
 *   const h = await startHarness();            // PGlite memory:// (or postgres: see below)
 *   await h.client("profiles:write").profile.create.mutate({ id: "p1" });
 *   await h.admin.profile.get.query({ id: "p1" });
 *   await h.anonymous.profile.get.query({ id: "p1" });   // UNAUTHORIZED
 *   await h.reset();                            // empty every table but the tokens
 *   await h.close();
 *
 * With `describe.each(testTargets())` pass the target: `startHarness({ target })`.
 */
import net from "node:net";
import { sql } from "drizzle-orm";
import { permissions } from "@cdp/api";
import type { Permission } from "@cdp/api";
import { createProfileClient } from "@cdp/client";
import type { ProfileClient, ProfileClientOptions } from "@cdp/client";
import { createServiceToken, rowsOf } from "@cdp/db";
import type { Database } from "@cdp/db";
import { createTestDatabase } from "@cdp/db/testing";

import { startServer } from "../src/server";
import type { ServerOptions } from "../src/server";

export { testTargets } from "@cdp/db/testing";

/** A port nothing listens on now, for a server started as its own process. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface HarnessToken {
  id: string;
  secret: string;
  scopes: Permission[];
}

export interface Harness {
  /** The server's origin, e.g. `http://127.0.0.1:43121`. */
  url: string;
  db: Database;
  /** `pglite` or `postgres`, for test names. */
  engine: string;
  /** One token per permission, and `all` holding every permission. */
  tokens: Record<Permission | "all", HarnessToken>;
  /** A client whose token holds exactly `scope`. */
  client(scope: Permission, options?: ClientOverrides): ProfileClient;
  /** A client whose token holds every permission (including admin). */
  admin: ProfileClient;
  /** A client without a token. */
  anonymous: ProfileClient;
  /** A client for a fresh token with exactly these scopes (and an optional expiry). */
  clientFor(
    scopes: Permission[],
    options?: ClientOverrides & { expiresAt?: string | null },
  ): Promise<{ client: ProfileClient; token: HarnessToken }>;
  /** A client for any secret (e.g. a revoked one). */
  clientWithToken(secret: string | null, options?: ClientOverrides): ProfileClient;
  /** `fetch` against the server with an optional bearer token (REST, raw requests). */
  fetch(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** Empties every table except the service tokens. */
  reset(): Promise<void>;
  /** Stops the server and drops the database. */
  close(): Promise<void>;
}

export type ClientOverrides = Omit<ProfileClientOptions, "url" | "token">;

/** Logs nothing: tests assert on responses, and CI output stays readable. */
const quietLogger = { info: () => {}, warn: () => {}, error: () => {} };

export async function startHarness(
  options: {
    target?: "pglite" | "postgres";
    server?: Omit<ServerOptions, "db" | "port">;
  } = {},
): Promise<Harness> {
  const database = await createTestDatabase(options.target);
  const { db } = database;
  const server = await startServer({
    logger: quietLogger,
    ...options.server,
    db,
    port: 0,
  });
  const url = server.url;

  const issue = async (scopes: Permission[], expiresAt: string | null = null) => {
    const { token, secret } = await createServiceToken(db, {
      name: `test ${scopes.join(" ")}`,
      scopes,
      createdBy: "test-harness",
      expiresAt,
    });
    return { id: token.id, secret, scopes };
  };
  const tokens = { all: await issue([...permissions]) } as Record<Permission | "all", HarnessToken>;
  for (const scope of permissions) tokens[scope] = await issue([scope]);

  // Fast failure in tests: a refused call must not wait out retries meant for flaky networks.
  const clientWithToken = (secret: string | null, overrides: ClientOverrides = {}) =>
    createProfileClient({ url, token: secret, retryDelayMs: 10, ...overrides });

  return {
    url,
    db,
    engine: database.label,
    tokens,
    client: (scope, overrides) => clientWithToken(tokens[scope].secret, overrides),
    admin: clientWithToken(tokens.all.secret),
    anonymous: clientWithToken(null),
    clientFor: async (scopes, overrides = {}) => {
      const { expiresAt = null, ...rest } = overrides;
      const token = await issue(scopes, expiresAt);
      return { client: clientWithToken(token.secret, rest), token };
    },
    clientWithToken,
    fetch: (path, init = {}) => {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set("authorization", `Bearer ${token}`);
      return fetch(`${url}${path}`, { ...rest, headers });
    },
    reset: async () => {
      const rows = await db.execute(
        sql`select tablename from pg_tables where schemaname = 'public' and tablename <> 'service_token'`,
      );
      const tables = rowsOf<{ tablename: string }>(rows).map((r) => `"${r.tablename}"`);
      if (tables.length > 0) await db.execute(sql.raw(`TRUNCATE ${tables.join(", ")} CASCADE`));
    },
    close: async () => {
      await server.close();
      await database.close();
    },
  };
}
