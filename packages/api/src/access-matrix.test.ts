import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAuth } from "@cdp/auth";
import { MAPPING_EXPORT_FORMAT, SavedViewInput } from "@cdp/profile-schema";
import type { MappingRuleDefinitionInput } from "@cdp/profile-schema";
import type { Auth } from "@cdp/auth";
import { createServiceToken, schema } from "@cdp/db";
import type { Database } from "@cdp/db";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import { can, permissions } from "./authz";
import type { Principal } from "./authz";
import { appRouter } from "./root";
import { addImportPart, beginImport, importWorkerIdle, submitImport } from "./services/import";
import { createView } from "./services/saved-view";
import {
  databaseFingerprint,
  DESIGNED,
  everyCaller,
  outcomeOf,
  staff,
  verdict,
} from "./test-fixtures/access";
import type { Outcome } from "./test-fixtures/access";
import { ACCESS_DENIED, createCallerFactory, createTRPCContext } from "./trpc";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const createCaller = createCallerFactory(appRouter);
type Api = ReturnType<typeof createCaller>;

interface Env {
  db: Database;
  /** Prepares fixtures with every permission. */
  admin: Api;
  /** The caller under test, for fixtures it must own (saved views). */
  principal: Principal | null;
}

/**
 * A valid call of one procedure: `prepare` writes what the call needs (its own profiles, types,
 * jobs…, so allowed calls never disturb one another) and returns the call.
 */
type Case = (env: Env) => Promise<(api: Api) => Promise<unknown>>;

const email = (local: string) => `${local}@example.com`;

async function newProfile(env: Env, id: string, withEmail = false) {
  const created = await env.admin.profile.create({
    id,
    data: withEmail ? { contact: { email: { main: email(id) } } } : {},
  });
  return created.profile.id;
}

async function newConsentType(env: Env, id: string, archived = false) {
  await env.admin.consent.types.create({ id, name: `Type ${id}`, purpose: "marketing" });
  if (archived) await env.admin.consent.types.archive({ id });
  return id;
}

async function newStaffRow(env: Env, id: string) {
  await env.db
    .insert(schema.user)
    .values({ id, name: `Staff ${id}`, email: email(id), role: "viewer" });
  return id;
}

const GOLD = { field: "traits.plan", op: "eq", value: "gold" } as const;

async function newSegment(env: Env, id: string) {
  await env.admin.segment.create({ id, name: `Segment ${id}`, condition: GOLD });
  return id;
}

const RULE = {
  name: "Plan from sign-ups",
  eventTypes: ["signup"],
  mappings: [{ from: "properties.plan", to: "traits.plan", op: "set" }],
} satisfies MappingRuleDefinitionInput;

async function newRule(env: Env, id: string) {
  await env.admin.mapping.create({ id, ...RULE });
  return id;
}

/** A saved view owned by the caller under test (owners alone may change their views). */
async function newView(env: Env, name: string) {
  const owner = env.principal ?? staff("admin");
  const view = await createView(
    env.db,
    { principal: owner, requestId: "fixture" },
    SavedViewInput.parse({ name, query: { condition: GOLD } }),
  );
  return view.id;
}

const ndjson = (...ids: string[]) => ids.map((id) => JSON.stringify({ id })).join("\n");

const cases: Record<string, Case> = {
  "audit.list": async () => (api) => api.audit.list({ limit: 10 }),

  "consent.types.list": async () => (api) => api.consent.types.list(),
  "consent.types.get": async () => (api) => api.consent.types.get({ id: "marketing" }),
  "consent.types.create": async () => (api) =>
    api.consent.types.create({ id: "analytics", name: "Analytics", purpose: "analytics" }),
  "consent.types.update": async (env) => {
    const id = await newConsentType(env, "to-update");
    return (api) => api.consent.types.update({ id, patch: { description: "Changed" } });
  },
  "consent.types.archive": async (env) => {
    const id = await newConsentType(env, "to-archive");
    return (api) => api.consent.types.archive({ id });
  },
  "consent.types.restore": async (env) => {
    const id = await newConsentType(env, "to-restore", true);
    return (api) => api.consent.types.restore({ id });
  },
  "consent.grant": async (env) => {
    const profileId = await newProfile(env, "c-grant");
    return (api) => api.consent.grant({ profileId, typeId: "marketing", legalBasis: "consent" });
  },
  "consent.deny": async (env) => {
    const profileId = await newProfile(env, "c-deny");
    return (api) => api.consent.deny({ profileId, typeId: "marketing" });
  },
  "consent.revoke": async (env) => {
    const profileId = await newProfile(env, "c-revoke");
    await env.admin.consent.grant({ profileId, typeId: "marketing", legalBasis: "consent" });
    return (api) => api.consent.revoke({ profileId, typeId: "marketing" });
  },
  "consent.history": async (env) => {
    const profileId = await newProfile(env, "c-history");
    await env.admin.consent.grant({ profileId, typeId: "marketing", legalBasis: "consent" });
    return (api) => api.consent.history({ profileId });
  },
  "consent.state": async (env) => {
    const profileId = await newProfile(env, "c-state");
    return (api) => api.consent.state({ profileId });
  },

  "mapping.list": async () => (api) => api.mapping.list(),
  "mapping.get": async (env) => {
    const id = await newRule(env, "rule-get");
    return (api) => api.mapping.get({ id });
  },
  "mapping.versions": async (env) => {
    const id = await newRule(env, "rule-versions");
    return (api) => api.mapping.versions({ id });
  },
  "mapping.test": async () => (api) =>
    api.mapping.test({
      profileId: "p-base",
      event: { type: "signup", properties: { plan: "pro" } },
      rule: RULE,
    }),
  "mapping.export": async () => (api) => api.mapping.export(),
  "mapping.paths": async () => (api) => api.mapping.paths({ eventTypes: ["signup"] }),
  "mapping.create": async () => (api) => api.mapping.create({ id: "rule-new", ...RULE }),
  "mapping.update": async (env) => {
    const id = await newRule(env, "rule-update");
    return (api) => api.mapping.update({ id, version: 1, ...RULE, name: "Renamed" });
  },
  "mapping.delete": async (env) => {
    const id = await newRule(env, "rule-delete");
    return (api) => api.mapping.delete({ id, version: 1 });
  },
  "mapping.enable": async (env) => {
    const id = await newRule(env, "rule-enable");
    return (api) => api.mapping.enable({ id, enabled: true });
  },
  "mapping.import": async () => (api) =>
    api.mapping.import({
      format: MAPPING_EXPORT_FORMAT,
      rules: [{ id: "rule-imported", ...RULE }],
    }),

  "privacy.reveal": async (env) => {
    const profileId = await newProfile(env, "pv-reveal", true);
    return (api) =>
      api.privacy.reveal({
        profileId,
        fields: ["data.contact.email.main"],
        reason: "Ticket 4711: customer asked",
      });
  },
  "privacy.export": async (env) => {
    const profileId = await newProfile(env, "pv-export", true);
    return (api) => api.privacy.export({ profileId });
  },
  "privacy.erase": async (env) => {
    const profileId = await newProfile(env, "pv-erase", true);
    return (api) => api.privacy.erase({ profileId, reason: "Erasure request 12" });
  },
  "privacy.suppressions": async () => (api) => api.privacy.suppressions(),
  "privacy.liftSuppression": async (env) => {
    const profileId = await newProfile(env, "pv-lift", true);
    await env.admin.privacy.erase({ profileId, reason: "Erasure request 13" });
    return (api) =>
      api.privacy.liftSuppression({
        type: "email",
        value: email(profileId),
        reason: "The person signed up again",
      });
  },

  "profile.get": async (env) => {
    const id = await newProfile(env, "p-get");
    return (api) => api.profile.get({ id });
  },
  "profile.list": async () => (api) => api.profile.list({ limit: 5 }),
  "profile.create": async () => (api) => api.profile.create({ id: "p-created" }),
  "profile.update": async (env) => {
    const id = await newProfile(env, "p-update");
    return (api) => api.profile.update({ id, version: 1, patch: { traits: { plan: "gold" } } });
  },
  "profile.delete": async (env) => {
    const id = await newProfile(env, "p-delete");
    return (api) => api.profile.delete({ id, reason: "Test data" });
  },
  "profile.track": async (env) => {
    const profileId = await newProfile(env, "p-track");
    return (api) =>
      api.profile.track({
        events: [{ profileId, type: "page-view", time: new Date().toISOString() }],
      });
  },
  "profile.import": async () => (api) =>
    api.profile.import({ format: "ndjson", content: ndjson("imp-1", "imp-2") }),
  "profile.importStatus": async (env) => {
    const { jobId } = await submitImport(
      env.db,
      staff("admin"),
      { format: "ndjson", content: ndjson("imp-status") },
      { start: false },
    );
    return (api) => api.profile.importStatus({ jobId });
  },
  "profile.importList": async () => (api) => api.profile.importList({ limit: 5 }),
  "profile.importCancel": async (env) => {
    const { jobId } = await submitImport(
      env.db,
      staff("admin"),
      { format: "ndjson", content: ndjson("imp-cancel") },
      { start: false },
    );
    return (api) => api.profile.importCancel({ jobId });
  },
  "profile.importBegin": async () => (api) => api.profile.importBegin({ format: "ndjson" }),
  "profile.importPart": async (env) => {
    const { jobId } = await beginImport(env.db, staff("admin"), { format: "ndjson" });
    return (api) => api.profile.importPart({ jobId, part: 0, content: ndjson("imp-part") });
  },
  "profile.importCommit": async (env) => {
    const { jobId } = await beginImport(env.db, staff("admin"), { format: "ndjson" });
    await addImportPart(env.db, { jobId, part: 0, content: ndjson("imp-commit") });
    return (api) => api.profile.importCommit({ jobId, parts: 1 });
  },
  "profile.exportPage": async () => (api) => api.profile.exportPage({ format: "csv", limit: 10 }),
  "profile.merge": async (env) => {
    const into = await newProfile(env, "m-into");
    const from = await newProfile(env, "m-from");
    return (api) => api.profile.merge({ into, from: [from] });
  },
  "profile.identify": async (env) => {
    const profileId = await newProfile(env, "i-first", true);
    await env.admin.profile.create({
      id: "i-second",
      data: { contact: { email: { main: email(profileId) } } },
    });
    return (api) => api.profile.identify({ profileId });
  },
  "profile.unmerge": async (env) => {
    const into = await newProfile(env, "u-into");
    const from = await newProfile(env, "u-from");
    const { mergeId } = await env.admin.profile.merge({ into, from: [from] });
    if (!mergeId) throw new Error("the fixture merge recorded no merge id");
    return (api) => api.profile.unmerge({ mergeId });
  },
  "profile.duplicates": async () => (api) => api.profile.duplicates({ limit: 5 }),
  "profile.mergeHistory": async (env) => {
    const into = await newProfile(env, "h-into");
    const from = await newProfile(env, "h-from");
    await env.admin.profile.merge({ into, from: [from] });
    return (api) => api.profile.mergeHistory({ profileId: into });
  },
  "profile.events": async (env) => {
    const profileId = await newProfile(env, "ev-timeline");
    return (api) => api.profile.events({ profileId });
  },

  "stats.overview": async () => (api) => api.stats.overview({ days: 7 }),

  "segment.list": async () => (api) => api.segment.list(),
  "segment.get": async (env) => {
    const id = await newSegment(env, "seg-get");
    return (api) => api.segment.get({ id });
  },
  "segment.preview": async () => (api) =>
    api.segment.preview({ condition: GOLD, profileId: "p-base" }),
  "segment.members": async (env) => {
    const id = await newSegment(env, "seg-members");
    return (api) => api.segment.members({ id, limit: 5 });
  },
  "segment.history": async (env) => {
    const segmentId = await newSegment(env, "seg-history");
    return (api) => api.segment.history({ segmentId });
  },
  "segment.export": async (env) => {
    const id = await newSegment(env, "seg-export");
    return (api) => api.segment.export({ id, format: "csv" });
  },
  "segment.create": async () => (api) =>
    api.segment.create({ id: "seg-new", name: "Gold customers", condition: GOLD }),
  "segment.update": async (env) => {
    const id = await newSegment(env, "seg-update");
    return (api) => api.segment.update({ id, version: 1, patch: { name: "Renamed" } });
  },
  "segment.delete": async (env) => {
    const id = await newSegment(env, "seg-delete");
    return (api) => api.segment.delete({ id });
  },
  "segment.refresh": async (env) => {
    const id = await newSegment(env, "seg-refresh");
    return (api) => api.segment.refresh({ ids: [id] });
  },

  "view.list": async () => (api) => api.view.list(),
  "view.get": async (env) => {
    const id = await newView(env, "To read");
    return (api) => api.view.get({ id });
  },
  "view.create": async () => (api) =>
    api.view.create({ name: "My gold customers", query: { condition: GOLD } }),
  "view.update": async (env) => {
    const id = await newView(env, "To rename");
    return (api) => api.view.update({ id, patch: { name: "Renamed" } });
  },
  "view.delete": async (env) => {
    const id = await newView(env, "To delete");
    return (api) => api.view.delete({ id });
  },
  "view.promote": async (env) => {
    const id = await newView(env, "To promote");
    return (api) => api.view.promote({ id, segmentId: "seg-promoted" });
  },

  "token.list": async () => (api) => api.token.list(),
  "token.create": async () => (api) =>
    api.token.create({ name: "crm sync", scopes: ["profiles:read"], expiresInDays: 30 }),
  "token.revoke": async (env) => {
    const { token } = await createServiceToken(env.db, {
      name: "to revoke",
      scopes: ["profiles:read"],
      createdBy: "test",
    });
    return (api) => api.token.revoke({ id: token.id });
  },

  "user.list": async () => (api) => api.user.list(),
  "user.create": async () => (api) =>
    api.user.create({
      email: "new.staff@example.com",
      name: "New Staff",
      password: "a-long-enough-password",
      role: "viewer",
    }),
  "user.setRole": async (env) => {
    const id = await newStaffRow(env, "staff-role");
    return (api) => api.user.setRole({ id, role: "editor" });
  },
  "user.setDisabled": async (env) => {
    const id = await newStaffRow(env, "staff-disabled");
    return (api) => api.user.setDisabled({ id, disabled: true });
  },
};

/** What the design says `principal` gets from `path`. */
function designedVerdict(principal: Principal | null, path: string): string {
  const needed = DESIGNED[path];
  if (!needed) return "no designed outcome";
  if (!principal) return "UNAUTHORIZED";
  return can(principal, needed) ? "ok" : "FORBIDDEN";
}

const routerPaths = Object.keys(appRouter._def.procedures).sort();

describe("the designed access table", () => {
  it("covers exactly the router's procedures, each with a valid call", () => {
    expect(Object.keys(DESIGNED).sort()).toEqual(routerPaths);
    expect(Object.keys(cases).sort()).toEqual(routerPaths);
  });

  it("names only known permissions", () => {
    for (const needed of Object.values(DESIGNED)) expect(permissions).toContain(needed);
  });

  it("gives each role what the design says", () => {
    const open = (principal: Principal) =>
      Object.keys(DESIGNED).filter((path) => designedVerdict(principal, path) === "ok");
    const viewer = open(staff("viewer"));
    expect(new Set(viewer.map((p) => DESIGNED[p]))).toEqual(
      new Set(["profiles:read", "segments:read"]),
    );
    expect(viewer).toContain("profile.get");
    expect(open(staff("editor"))).toEqual(
      expect.arrayContaining(["profile.update", "consent.grant", "profile.merge"]),
    );
    expect(open(staff("editor"))).not.toContain("privacy.erase");
    expect(open(staff("privacy"))).toEqual(
      expect.arrayContaining(["privacy.reveal", "privacy.export", "privacy.erase"]),
    );
    expect(open(staff("privacy"))).not.toContain("profile.update");
    expect(open(staff("admin"))).toEqual(Object.keys(DESIGNED));
  });
});

describe.each(testTargets())("every procedure × every caller on %s", (target) => {
  let t: TestDatabase;
  let auth: Auth;

  beforeAll(async () => {
    t = await createTestDatabase(target);
    auth = createAuth({ db: t.db });
  });
  afterAll(async () => {
    await importWorkerIdle(t.db);
    await t.close();
  });

  const api = (principal: Principal | null) =>
    createCaller(createTRPCContext({ db: t.db, principal, auth }));

  it.each(everyCaller)("$label gets exactly the designed outcome", async ({ principal }) => {
    await t.truncate();
    const env: Env = { db: t.db, admin: api(staff("admin")), principal };
    await env.admin.consent.types.create({
      id: "marketing",
      name: "Marketing",
      purpose: "marketing",
    });
    await newProfile(env, "p-base", true);

    const calls = new Map<string, (api: Api) => Promise<unknown>>();
    for (const path of routerPaths) {
      const prepare = cases[path];
      if (prepare) calls.set(path, await prepare(env));
    }
    const caller = api(principal);
    const expected = Object.fromEntries(routerPaths.map((p) => [p, designedVerdict(principal, p)]));
    const refused = routerPaths.filter((p) => expected[p] !== "ok");
    const allowed = routerPaths.filter((p) => expected[p] === "ok");
    const outcomes: Record<string, Outcome> = {};

    const before = await databaseFingerprint(t.db);
    for (const path of refused) {
      const call = calls.get(path);
      if (call) outcomes[path] = await outcomeOf(() => call(caller));
    }
    expect(await databaseFingerprint(t.db), "a refused call changed the database").toEqual(before);
    const denials = await t.db
      .select({ entityId: schema.auditLog.entityId, actorId: schema.auditLog.actorId })
      .from(schema.auditLog)
      .where(eq(schema.auditLog.action, ACCESS_DENIED));
    expect(
      denials.map((d) => d.entityId).sort(),
      "each call refused for a missing permission is audited once",
    ).toEqual(refused.filter((p) => expected[p] === "FORBIDDEN").sort());
    if (principal) for (const d of denials) expect(d.actorId).toBe(principal.id);

    for (const path of allowed) {
      const call = calls.get(path);
      if (call) outcomes[path] = await outcomeOf(() => call(caller));
    }
    await importWorkerIdle(t.db);

    const seen = Object.fromEntries(
      routerPaths.map((p) => {
        const outcome = outcomes[p];
        if (!outcome) return [p, "not called"];
        // The message says why an allowed call failed, right in the diff.
        return [
          p,
          outcome.ok || expected[p] !== "ok"
            ? verdict(outcome)
            : `${outcome.code}: ${outcome.message}`,
        ];
      }),
    );
    expect(seen).toEqual(expected);
  });
});
