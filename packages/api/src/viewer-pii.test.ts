import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { piiPaths } from "@cdp/profile-schema";
import type { Condition, Profile, ProfileCreateInput } from "@cdp/profile-schema";
import { identifiersOf, listProfiles } from "@cdp/db";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import { can } from "./authz";
import type { Principal } from "./authz";
import type { RequestLogger } from "./http";
import { createRequestHandler } from "./http";
import { appRouter } from "./root";
import { createExportHandler } from "./services/export";
import { valueAt } from "./services/audit";
import { importWorkerIdle } from "./services/import";
import { DESIGNED, outcomeOf, serviceToken, staff } from "./test-fixtures/access";
import { createCallerFactory, createTRPCContext } from "./trpc";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const createCaller = createCallerFactory(appRouter);
type Api = ReturnType<typeof createCaller>;

// Every value below is distinctive (no word of it occurs elsewhere in a response), so finding
// one in a response can only mean it leaked.

/** Fills almost every kind of PII field: names, dates, lists, maps, contacts, ids, devices. */
const ophelia = {
  id: "prof-a",
  data: {
    pii: {
      firstname: "Ophelia",
      lastname: "Quarrington",
      display_name: "Ophelia Quarrington-Vane",
      birthday: "1984-07-19",
      language: { native: "Cornish", spoken: ["Scottish Gaelic"] },
      education: { level: "Doctorate in Heraldry" },
    },
    contact: {
      email: { main: "ophelia.quarrington@example.net", business: "oq@quarrington-works.example" },
      phone: { main: "+44 7700 900123", mobile: "+44 7700 900456" },
      app: { telegram: "ophelia_q_tg", other: { skype: "live:ophelia.q.skype" } },
      address: {
        street: "Wexford Crescent 88",
        town: "Lower Slaughterham",
        postcode: "GL54 2XY",
        country: "Liechtenstein",
      },
    },
    identifier: {
      id: "crm-oq-91827",
      pk: "pk-oq-55510",
      passport: "PX9918273",
      coupons: ["SPRING-OQ-4471"],
    },
    devices: {
      push: ["push-token-oq-b7c1e9"],
      last: { geo: { city: "Chipping Norton", postal: "OX7 5QH" } },
    },
    media: { webpage: "https://ophelia-q.example/about", social: { linkedin: "in/ophelia-qv" } },
    loyalty: { card: { id: "LOY-77123-QV" } },
  },
  traits: { plan: "gold" },
} satisfies ProfileCreateInput;

/** Two people sharing an e-mail: a duplicate group. */
const bartholomew = {
  id: "prof-b",
  data: {
    pii: { firstname: "Bartholomew", lastname: "Zwinglemeyer" },
    contact: { email: { main: "b.zwinglemeyer@example.org" }, phone: { main: "+48 501 234 987" } },
  },
} satisfies ProfileCreateInput;
const bartosz = {
  id: "prof-c",
  data: {
    pii: { firstname: "Bartosz", lastname: "Zwinglemeyer" },
    contact: { email: { main: "b.zwinglemeyer@example.org" }, address: { town: "Szczebrzeszyn" } },
  },
} satisfies ProfileCreateInput;

/** Two records of one person, merged by an editor: the merge keeps both sides' values. */
const cordelia = {
  id: "prof-d",
  data: {
    pii: { firstname: "Cordelia", lastname: "Fenwright-Ashby" },
    contact: { email: { main: "cordelia.fa@example.com" } },
  },
} satisfies ProfileCreateInput;
const cordula = {
  id: "prof-e",
  data: {
    pii: { firstname: "Cordula", lastname: "Fenwrighton" },
    contact: {
      email: { main: "cordula.fenwrighton@example.com" },
      phone: { main: "+1 415 555 0199" },
    },
  },
} satisfies ProfileCreateInput;

/** What an editor changes on Ophelia: the old values live on in audit diffs. */
const OPHELIA_NEW_EMAIL = "ophelia.q.renamed@example.net";
const OPHELIA_NEW_STREET = "Wexford Crescent 90";
/** Evidence kept with a consent: personal data, shown only with `profiles:pii`. */
const PROOF = { ip: "203.0.113.77", signature: "signed by O. Quarrington-Vane" };
/** Identification that arrives with a tracked event. */
const TRACKED = {
  email: "felix.trackwell@example.com",
  firstname: "Felixandro",
  lastname: "Trackwellson",
};
/** A file an editor imports: one good row, one with a bad e-mail. */
const IMPORTED = {
  firstname: "Gwendolyn",
  lastname: "Importova",
  email: "gwen.importova@example.com",
};
const IMPORT_FILE = [
  JSON.stringify({
    id: "prof-g",
    data: {
      pii: { firstname: IMPORTED.firstname, lastname: IMPORTED.lastname },
      contact: { email: { main: IMPORTED.email } },
    },
  }),
  JSON.stringify({ id: "prof-h", active: "sometimes", data: { pii: { firstname: "Hieronymus" } } }),
].join("\n");

/** Values that are seeded but no longer on any profile (or never were on one). */
const EXTRA_PII = [
  "ophelia.quarrington@example.net",
  "Wexford Crescent 88",
  PROOF.ip,
  PROOF.signature,
];

/** A segment whose condition names no whole seeded value (a prefix is not one). */
const SEGMENT: Condition = {
  or: [
    { field: "traits.plan", op: "eq", value: "gold" },
    { field: "data.pii.lastname", op: "starts_with", value: "Zwingle" },
  ],
};

/** Calls a viewer may make that return only what the viewer sent: no need to collect them. */
const OWN_VIEW_WRITES = ["view.create", "view.update", "view.delete"];

/** A lookup key that matches nobody: a reply must not repeat it either. */
const UNKNOWN_EMAIL = "nobody.by.this.name@example.org";

const quietLogger: RequestLogger = { info: () => {}, warn: () => {}, error: () => {} };

const stringsIn = (value: unknown): string[] =>
  typeof value === "string"
    ? [value]
    : typeof value === "number"
      ? [String(value)]
      : Array.isArray(value)
        ? value.flatMap(stringsIn)
        : value !== null && typeof value === "object"
          ? Object.values(value).flatMap(stringsIn)
          : [];

/** Every value a profile holds at a PII path (list items and map values one by one). */
const piiOf = (profile: Profile) => piiPaths.flatMap((path) => stringsIn(valueAt(profile, path)));

/** The forms the store looks identifiers up by (`+447700900123`), which also must not leak. */
const lookupFormsOf = (profile: Profile) =>
  identifiersOf(profile)
    .filter((i) => i.type !== "id")
    .map((i) => i.value);

/** JSON text of a response, with any base64url token (cursors) decoded beside it. */
function readable(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const decoded = (text.match(/[A-Za-z0-9_-]{12,}={0,2}/g) ?? [])
    .map((token) => Buffer.from(token, "base64url").toString("utf8"))
    .filter((s) => /^[\x20-\x7e\u00a0-\uffff]+$/.test(s) && !s.includes("\ufffd"));
  return [text, ...decoded].join("\n");
}

interface Observation {
  label: string;
  text: string;
}

/** The seeded values found in the observations (case-insensitive), with where they were. */
function leaks(observations: Observation[], values: readonly string[]) {
  const found: { value: string; in: string }[] = [];
  for (const { label, text } of observations) {
    const haystack = text.toLowerCase();
    for (const value of values) {
      if (haystack.includes(value.toLowerCase())) found.push({ value, in: label });
    }
  }
  return found;
}

describe.each(testTargets())("what a viewer can see on %s", (target) => {
  let t: TestDatabase;
  /** Seeded values at PII paths (and kept in audit diffs and consent proofs). */
  let piiValues: string[] = [];
  /** The same, plus the normalised lookup forms no response shows even to an admin. */
  let piiAndLookupForms: string[] = [];
  let jobId = "";
  let opheliaVersion = 0;

  const api = (principal: Principal | null): Api =>
    createCaller(createTRPCContext({ db: t.db, principal }));

  beforeAll(async () => {
    t = await createTestDatabase(target);
    const admin = api(staff("admin"));
    const editor = api(staff("editor"));
    await admin.consent.types.create({ id: "marketing", name: "Marketing", purpose: "marketing" });
    for (const person of [ophelia, bartholomew, bartosz, cordelia, cordula]) {
      await editor.profile.create(person);
    }
    const edited = await editor.profile.update({
      id: ophelia.id,
      version: 1,
      patch: {
        data: {
          contact: { email: { main: OPHELIA_NEW_EMAIL }, address: { street: OPHELIA_NEW_STREET } },
        },
      },
    });
    opheliaVersion = edited.version;
    await editor.consent.grant({
      profileId: ophelia.id,
      typeId: "marketing",
      legalBasis: "consent",
      proof: { ...PROOF, email: OPHELIA_NEW_EMAIL },
    });
    await editor.profile.merge({ into: cordelia.id, from: [cordula.id], reason: "same person" });
    await admin.mapping.create({
      id: "identify-extras",
      name: "Identify extras",
      eventTypes: ["identify"],
      enabled: true,
      mappings: [
        { from: "type", to: "traits.last_event", op: "set" },
        { from: "properties.lastname", to: "data.pii.display_name", op: "set_if_empty" },
      ],
    });
    await api(serviceToken(["profiles:write"])).profile.track({
      events: [
        {
          identifiers: { email: TRACKED.email },
          type: "identify",
          time: new Date().toISOString(),
          properties: { ...TRACKED },
        },
      ],
    });
    await editor.segment.create({
      id: "gold-or-zwingle",
      name: "Gold or Zwingle",
      condition: SEGMENT,
    });
    await editor.view.create({
      name: "Zwingle family",
      shared: true,
      query: { condition: SEGMENT, sort: "email" },
      columns: ["data.pii.firstname", "data.contact.email.main"],
    });
    ({ jobId } = await editor.profile.import({
      format: "ndjson",
      content: IMPORT_FILE,
      fileName: "people.ndjson",
    }));
    await importWorkerIdle(t.db);

    const everyone = await listProfiles(t.db, { limit: 200 });
    piiValues = [...new Set([...everyone.items.flatMap((s) => piiOf(s.profile)), ...EXTRA_PII])];
    piiAndLookupForms = [
      ...new Set([...piiValues, ...everyone.items.flatMap((s) => lookupFormsOf(s.profile))]),
    ];
  });
  afterAll(async () => {
    await importWorkerIdle(t.db);
    await t.close();
  });

  /** Every read a viewer may make, with inputs that return data. */
  async function reads(principal: Principal): Promise<Observation[]> {
    const caller = api(principal);
    const out: Observation[] = [];
    const observe = async <T>(label: string, call: () => Promise<T>): Promise<T> => {
      const outcome = await outcomeOf(call);
      // A failed read here is a broken fixture, not a finding: say so at once.
      if (!outcome.ok) throw new Error(`${label} failed: ${outcome.code} ${outcome.message}`);
      out.push({ label, text: readable(outcome.value) });
      return outcome.value as T;
    };
    const ids = (page: { items: { profile: { id: string } }[] }) =>
      page.items.map((i) => i.profile.id).sort();

    const everyone = await caller.profile.list({ limit: 200 });
    for (const { profile } of everyone.items) {
      await observe(`profile.get ${profile.id}`, () => caller.profile.get({ id: profile.id }));
    }
    for (const key of [
      `email:${OPHELIA_NEW_EMAIL}`,
      `phone:${ophelia.data.contact.phone.main}`,
      ophelia.data.identifier.id,
      `ext:${ophelia.data.identifier.pk}`,
      cordula.id,
    ]) {
      await observe(`profile.get ${key}`, () => caller.profile.get({ id: key }));
    }
    await observe("profile.list", () => caller.profile.list({ limit: 200, withTotal: true }));
    const searched = await observe("profile.list search", () =>
      caller.profile.list({ search: "quarrington" }),
    );
    expect(ids(searched)).toEqual([ophelia.id]);
    const searchedByEmail = await observe("profile.list search email", () =>
      caller.profile.list({ search: "zwinglemeyer@example" }),
    );
    expect(ids(searchedByEmail)).toEqual([bartholomew.id, bartosz.id]);
    for (const sort of ["email", "phone", "lastname", "display_name", "country"] as const) {
      await observe(`profile.list sort ${sort}`, () =>
        caller.profile.list({ sort, order: "asc", limit: 200 }),
      );
    }
    const matched = await observe("profile.list condition", () =>
      caller.profile.list({
        condition: {
          or: [
            { field: "data.contact.email.main", op: "eq", value: OPHELIA_NEW_EMAIL },
            { field: "data.pii.lastname", op: "starts_with", value: "Zwingle" },
          ],
        },
      }),
    );
    expect(ids(matched)).toEqual([ophelia.id, bartholomew.id, bartosz.id]);
    await observe("profile.exportPage ndjson", () =>
      caller.profile.exportPage({ format: "ndjson", limit: 200 }),
    );
    await observe("profile.exportPage csv", () =>
      caller.profile.exportPage({
        format: "csv",
        limit: 200,
        columns: [
          "id",
          "data.pii.firstname",
          "data.pii.birthday",
          "data.pii.language.spoken",
          "data.contact.email.main",
          "data.contact.phone.main",
          "data.contact.address.street",
          "data.contact.app.other",
          "data.identifier.coupons",
          "data.devices.push",
        ],
      }),
    );
    const audited = await observe("audit.list", () => caller.audit.list({ limit: 200 }));
    expect(audited.items.map((a) => a.action)).toEqual(
      expect.arrayContaining(["profile.update", "consent.grant", "profile.merge"]),
    );
    await observe("audit.list prof-a", () => caller.audit.list({ entityId: ophelia.id }));
    await observe("consent.types.list", () => caller.consent.types.list());
    await observe("consent.types.get", () => caller.consent.types.get({ id: "marketing" }));
    const history = await observe("consent.history", () =>
      caller.consent.history({ profileId: `email:${OPHELIA_NEW_EMAIL}` }),
    );
    expect(history.items).toHaveLength(1);
    await observe("consent.state", () => caller.consent.state({ profileId: ophelia.id }));
    const merges = await observe("profile.mergeHistory", () =>
      caller.profile.mergeHistory({ profileId: cordelia.id }),
    );
    expect(merges).toHaveLength(1);
    await observe("profile.mergeHistory by merged id", () =>
      caller.profile.mergeHistory({ profileId: cordula.id }),
    );
    const timeline = await observe("profile.events", () =>
      caller.profile.events({ profileId: `email:${TRACKED.email}` }),
    );
    expect(timeline.items.map((e) => e.type)).toEqual(["identify"]);
    const stats = await observe("stats.overview", () => caller.stats.overview({ days: 7 }));
    expect(stats.totals.profiles).toBeGreaterThan(0);
    const duplicates = await observe("profile.duplicates", () =>
      caller.profile.duplicates({ limit: 100 }),
    );
    expect(duplicates.items.length).toBeGreaterThan(0);

    if (can(principal, "segments:read")) {
      await observe("segment.list", () => caller.segment.list());
      await observe("segment.get", () => caller.segment.get({ id: "gold-or-zwingle" }));
      const preview = await observe("segment.preview", () =>
        caller.segment.preview({
          condition: { field: "data.pii.lastname", op: "starts_with", value: "Quarr" },
          profileId: `email:${OPHELIA_NEW_EMAIL}`,
        }),
      );
      expect(preview.explanation?.member).toBe(true);
      const members = await observe("segment.members", () =>
        caller.segment.members({ id: "gold-or-zwingle", sort: "email", limit: 200 }),
      );
      expect(ids(members)).toEqual([ophelia.id, bartholomew.id, bartosz.id]);
      await observe("segment.history", () => caller.segment.history({ profileId: ophelia.id }));
      await observe("segment.export", () =>
        caller.segment.export({
          id: "gold-or-zwingle",
          format: "csv",
          columns: [
            "id",
            "data.pii.lastname",
            "data.contact.email.main",
            "data.contact.phone.main",
          ],
        }),
      );
    }
    await observe("mapping.list", () => caller.mapping.list());
    await observe("mapping.get", () => caller.mapping.get({ id: "identify-extras" }));
    await observe("mapping.versions", () => caller.mapping.versions({ id: "identify-extras" }));
    await observe("mapping.export", () => caller.mapping.export());
    const paths = await observe("mapping.paths", () =>
      caller.mapping.paths({ eventTypes: ["identify"] }),
    );
    expect(paths.paths.map((p) => p.path)).toContain("properties.firstname");
    const dryRun = await observe("mapping.test", () =>
      caller.mapping.test({
        profileId: `email:${OPHELIA_NEW_EMAIL}`,
        event: { type: "relocated", properties: { town_name: "Little Nowhere" } },
        rule: {
          name: "Town from relocations",
          eventTypes: ["relocated"],
          mappings: [
            { from: "properties.town_name", to: "data.contact.address.town", op: "set" },
            { from: { const: "Somebody" }, to: "data.pii.firstname", op: "set" },
          ],
        },
      }),
    );
    expect(dryRun.rules[0]?.changes.map((c) => c.path)).toEqual([
      "data.pii.firstname",
      "data.contact.address.town",
    ]);
    const views = await observe("view.list", () => caller.view.list());
    for (const view of views)
      await observe(`view.get ${view.id}`, () => caller.view.get({ id: view.id }));

    const exportHandler = createExportHandler({
      db: t.db,
      resolvePrincipal: async () => principal,
    });
    for (const query of [
      "format=ndjson",
      "format=csv&columns=id,data.pii.lastname,data.contact.email.main,data.contact.phone.mobile",
      `format=csv&q=quarrington&sort=email&order=asc`,
    ]) {
      const res = await exportHandler(new Request(`http://console.test/api/export?${query}`));
      if (res.status !== 200) throw new Error(`export ${query} answered ${res.status}`);
      out.push({ label: `GET /api/export?${query}`, text: readable(await res.text()) });
    }
    return out;
  }

  /** A call as a client makes it over HTTP: the status and the body it receives. */
  async function overHttp(
    principal: Principal,
    path: string,
    input: unknown,
    method: "GET" | "POST",
  ): Promise<{ status: number; body: string }> {
    const handler = createRequestHandler({
      db: t.db,
      resolvePrincipal: async () => principal,
      logger: quietLogger,
    });
    const url = new URL(`http://api.test/api/trpc/${path}`);
    if (method === "GET") url.searchParams.set("input", JSON.stringify(input));
    const res = await handler(
      new Request(url, {
        method,
        headers: { "content-type": "application/json" },
        body: method === "POST" ? JSON.stringify(input) : undefined,
      }),
    );
    return { status: res.status, body: await res.text() };
  }

  /** Calls refused to a viewer, carrying PII in their inputs, as a client receives the answers. */
  async function refusals(principal: Principal): Promise<Observation[]> {
    const send = async (label: string, path: string, input: unknown, method: "GET" | "POST") => {
      const { status, body } = await overHttp(principal, path, input, method);
      // A viewer may make none of these calls: the refusal comes before any work.
      if (status !== 403) throw new Error(`${label} answered ${status}, not 403`);
      return { label: `${label} (${status})`, text: readable(body) };
    };
    const email = ophelia.data.contact.email.main;
    return [
      await send(
        "profile.update with PII",
        "profile.update",
        {
          id: ophelia.id,
          version: opheliaVersion,
          patch: {
            data: { contact: { email: { main: email } }, pii: { lastname: "Quarrington" } },
          },
        },
        "POST",
      ),
      await send(
        "profile.create with PII",
        "profile.create",
        {
          id: "prof-new",
          data: { pii: { firstname: "Ophelia" }, contact: { email: { main: email } } },
        },
        "POST",
      ),
      await send(
        "consent.grant with a proof",
        "consent.grant",
        {
          profileId: `email:${OPHELIA_NEW_EMAIL}`,
          typeId: "marketing",
          legalBasis: "consent",
          proof: PROOF,
        },
        "POST",
      ),
      await send(
        "privacy.reveal",
        "privacy.reveal",
        {
          profileId: ophelia.id,
          fields: ["data.contact.email.main", "data.pii.birthday"],
          reason: "I am curious about her",
        },
        "POST",
      ),
      await send(
        "privacy.export",
        "privacy.export",
        { profileId: `email:${OPHELIA_NEW_EMAIL}` },
        "POST",
      ),
      await send(
        "profile.track",
        "profile.track",
        {
          events: [
            {
              identifiers: { email },
              type: "identify",
              time: new Date().toISOString(),
              properties: { firstname: "Ophelia" },
            },
          ],
        },
        "POST",
      ),
      await send("profile.importStatus", "profile.importStatus", { jobId }, "GET"),
      await send("profile.importList", "profile.importList", {}, "GET"),
    ];
  }

  const viewers = [
    { label: "staff viewer", principal: staff("viewer") },
    { label: "token [profiles:read]", principal: serviceToken(["profiles:read"]) },
  ];

  it("seeds the values the checks look for", () => {
    expect(piiAndLookupForms).toContain("+447700900123");
    for (const value of [
      ...Object.values(TRACKED),
      ...Object.values(IMPORTED),
      OPHELIA_NEW_EMAIL,
      "Scottish Gaelic",
      "live:ophelia.q.skype",
      "Szczebrzeszyn",
    ]) {
      expect(piiValues).toContain(value);
    }
  });

  it.each(viewers)(
    "$label: no response and no error holds a seeded PII value",
    async ({ principal }) => {
      const observations = [...(await reads(principal)), ...(await refusals(principal))];
      const called = new Set(observations.map((o) => o.label.split(" ")[0]));
      const uncalled = Object.entries(DESIGNED)
        .filter(([path, needed]) => can(principal, needed) && !called.has(path))
        .map(([path]) => path);
      expect(uncalled).toEqual(OWN_VIEW_WRITES);
      expect(observations.length).toBeGreaterThan(30);
      expect(leaks(observations, piiAndLookupForms)).toEqual([]);
    },
  );

  it("a service holding every scope reads every seeded value (so the check above can fail)", async () => {
    // Staff never read personal data in the clear (ADR 0005); an integration with profiles:pii does.
    const observations = await reads({
      kind: "service",
      id: "t-all",
      name: "every scope",
      scopes: ["admin"],
    });
    const seen = new Set(leaks(observations, piiValues).map((l) => l.value));
    expect(piiValues.filter((v) => !seen.has(v))).toEqual([]);
  });

  it.each(viewers)(
    "$label: list and export cursors of a sort by a personal field do not carry its values",
    async ({ principal }) => {
      const caller = api(principal);
      const observations: Observation[] = [];
      for (const sort of ["email", "phone", "lastname", "display_name", "country"] as const) {
        const page = await caller.profile.list({ sort, order: "asc", limit: 1 });
        observations.push({ label: `profile.list sort ${sort}`, text: readable(page) });
        if (can(principal, "segments:read")) {
          const members = await caller.segment.members({
            id: "gold-or-zwingle",
            sort,
            order: "asc",
            limit: 1,
          });
          observations.push({ label: `segment.members sort ${sort}`, text: readable(members) });
        }
        const exported = await caller.profile.exportPage({
          query: { sort, order: "asc" },
          limit: 1,
        });
        observations.push({ label: `profile.exportPage sort ${sort}`, text: readable(exported) });
      }
      expect(leaks(observations, piiAndLookupForms)).toEqual([]);
    },
  );

  it.each(viewers)(
    "$label: a lookup by an unknown e-mail does not repeat it",
    async ({ principal }) => {
      const key = `email:${UNKNOWN_EMAIL}`;
      const lookups: [string, unknown][] = [
        ["profile.get", { id: key }],
        ["consent.history", { profileId: key }],
        ["consent.state", { profileId: key }],
      ];
      if (can(principal, "segments:read")) {
        lookups.push(["segment.history", { profileId: key }]);
        lookups.push(["segment.preview", { condition: SEGMENT, profileId: key }]);
      }
      const answers = [];
      for (const [path, input] of lookups) {
        const { status, body } = await overHttp(principal, path, input, "GET");
        answers.push({ path, status, repeats: body.toLowerCase().includes(UNKNOWN_EMAIL) });
      }
      expect(answers).toEqual(lookups.map(([path]) => ({ path, status: 404, repeats: false })));
    },
  );

  it.each(viewers)(
    "$label: a refused condition does not repeat the value it refused",
    async ({ principal }) => {
      const email = ophelia.data.contact.email.main;
      const conditions = [
        { field: "data.contact.email.main", op: "resembles", value: email },
        { field: "data.pii.birthday", op: "gt", value: email },
      ];
      const answers = [];
      for (const condition of conditions) {
        const { status, body } = await overHttp(principal, "profile.list", { condition }, "GET");
        answers.push({ op: condition.op, status, repeats: body.includes(email) });
      }
      expect(answers).toEqual(conditions.map(({ op }) => ({ op, status: 400, repeats: false })));
    },
  );
});
