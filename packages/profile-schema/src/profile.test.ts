import { describe, expect, it } from "vitest";

import { profileTree, type ShapeNode } from "./field-metadata";
import { MAX_COUNTER, Profile } from "./profile";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const DEFAULT_DOCUMENT = {
  primary_id: null,
  ids: [],
  metadata: {
    time: {
      insert: null,
      create: null,
      update: null,
      segmentation: null,
      visit: { last: null, current: null, count: 0, tz: null },
    },
    aux: {},
    status: null,
    fields: {},
    system: { integrations: {}, aux: {} },
  },
  stats: { visits: 0, views: 0, counters: {} },
  traits: {},
  segments: [],
  interests: {},
  consents: {},
  active: true,
  aux: {},
  data: {
    anonymous: true,
    pii: {
      firstname: null,
      lastname: null,
      display_name: null,
      birthday: null,
      language: { native: null, spoken: null },
      gender: null,
      education: { level: null },
      civil: { status: null },
      attributes: { height: null, weight: null, shoe_number: null },
    },
    contact: {
      email: { main: null, private: null, business: null },
      phone: { main: null, business: null, mobile: null, whatsapp: null },
      app: {
        whatsapp: null,
        discord: null,
        slack: null,
        twitter: null,
        telegram: null,
        wechat: null,
        viber: null,
        signal: null,
        other: {},
      },
      address: {
        town: null,
        county: null,
        country: null,
        postcode: null,
        street: null,
        other: null,
      },
      confirmations: [],
    },
    identifier: {
      id: null,
      pk: null,
      badge: null,
      passport: null,
      credit_card: null,
      token: null,
      coupons: null,
    },
    devices: {
      push: [],
      other: [],
      last: {
        geo: {
          country: { name: null, code: null },
          city: null,
          county: null,
          postal: null,
          latitude: null,
          longitude: null,
        },
      },
    },
    media: {
      image: null,
      webpage: null,
      social: {
        twitter: null,
        facebook: null,
        youtube: null,
        instagram: null,
        tiktok: null,
        linkedin: null,
        reddit: null,
        other: {},
      },
    },
    preferences: {
      purchases: [],
      colors: [],
      sizes: [],
      devices: [],
      channels: [],
      payments: [],
      brands: [],
      fragrances: [],
      services: [],
      other: [],
    },
    job: {
      position: null,
      salary: null,
      type: null,
      department: null,
      company: { name: null, size: null, segment: null, country: null },
    },
    metrics: {
      ltv: 0,
      ltcosc: 0,
      ltcocc: 0,
      ltcop: 0,
      ltcosv: 0,
      ltcocv: 0,
      next: null,
      custom: {},
    },
    loyalty: {
      codes: [],
      card: { id: null, name: null, issuer: null, expires: null, points: 0 },
    },
  },
};

type Issue = { path: PropertyKey[]; message: string };

function issuesOf(input: unknown): Issue[] {
  const result = Profile.safeParse(input);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map(({ path, message }) => ({ path, message }));
}

/** `{ a: { b: value } }` for path `a.b`. */
function nest(path: string, value: unknown): Record<string, unknown> {
  return path
    .split(".")
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

function valueAt(root: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], root);
}

const groups: Extract<ShapeNode, { kind: "group" }>[] = [];
(function collect(node: ShapeNode) {
  if (node.kind !== "group") return;
  if (node.path) groups.push(node);
  node.children.forEach(collect);
})(profileTree);

// The last leaf, because `data`'s first is the derived `anonymous`.
function lastLeaf(node: ShapeNode): Extract<ShapeNode, { kind: "leaf" }> {
  if (node.kind === "leaf") return node;
  const child = [...node.children.values()].at(-1);
  if (!child) throw new Error(`empty group ${node.path}`);
  return lastLeaf(child);
}

const SAMPLE = {
  string: "x",
  number: 1.5,
  integer: 2,
  date: "2024-05-30T07:44:23.246262Z",
  bool: false,
  list: ["x"],
  map: { k: 1 },
} as const;

describe("Profile defaults", () => {
  it("parses {} into the full default document", () => {
    const { id, ...rest } = Profile.parse({});
    expect(id).toMatch(UUID);
    expect(rest).toEqual(DEFAULT_DOCUMENT);
  });

  it("generates a fresh id and nothing else varies", () => {
    const a = Profile.parse({});
    const b = Profile.parse({});
    expect(a.id).not.toBe(b.id);
    expect({ ...a, id: "" }).toEqual({ ...b, id: "" });
  });

  it("keeps a given id", () => {
    expect(Profile.parse({ id: "p-1" }).id).toBe("p-1");
  });

  it.each(groups.map((group) => [group.path, group] as const))(
    "defaults %s when absent, empty or partial",
    (path, group) => {
      const expected = valueAt(DEFAULT_DOCUMENT, path);
      // absent: the parent is given but not this group
      const parent = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : null;
      const absent = Profile.parse(parent ? nest(parent, {}) : {});
      expect(valueAt(absent, path)).toEqual(expected);
      expect(valueAt(Profile.parse(nest(path, {})), path)).toEqual(expected);

      const leaf = lastLeaf(group);
      const partial = Profile.parse(nest(leaf.path, SAMPLE[leaf.field.type]));
      const want = structuredClone(expected) as Record<string, unknown>;
      const relative = leaf.path.slice(path.length + 1).split(".");
      const last = relative.pop() as string;
      const holder = relative.reduce<Record<string, unknown>>(
        (node, key) => node[key] as Record<string, unknown>,
        want,
      );
      holder[last] = SAMPLE[leaf.field.type];
      expect(valueAt(partial, path)).toEqual(want);
    },
  );

  it("does not share objects with its input", () => {
    const input = { traits: { plan: { name: "pro" } }, ids: ["a"] };
    const profile = Profile.parse(input);
    input.traits.plan.name = "free";
    input.ids.push("b");
    expect(profile.traits).toEqual({ plan: { name: "pro" } });
    expect(profile.ids).toEqual(["a"]);
  });
});

describe("Profile validation", () => {
  it.each([
    [{ nickname: "x" }, ["nickname"]],
    [{ data: { pii: { nickname: "x" } } }, ["data", "pii", "nickname"]],
    [
      { data: { devices: { last: { geo: { country: { iso: "PL" } } } } } },
      ["data", "devices", "last", "geo", "country", "iso"],
    ],
    [{ metadata: { time: { visit: { duration: 1 } } } }, ["metadata", "time", "visit", "duration"]],
    [{ consents: { marketing: { granted: true } } }, ["consents", "marketing", "granted"]],
    [{ operation: { update: true } }, ["operation"]],
  ])("rejects an unknown key at its path: %j", (input, path) => {
    expect(issuesOf(input)).toEqual([{ path, message: "Unknown field" }]);
  });

  it("reports every unknown key, each at its own path", () => {
    const paths = issuesOf({ a: 1, data: { b: 2, pii: { c: 3 } } }).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining([["a"], ["data", "b"], ["data", "pii", "c"]]));
  });

  it.each([
    [{ stats: { visits: "3" } }, ["stats", "visits"]],
    [{ stats: { views: 1.5 } }, ["stats", "views"]],
    [{ stats: { visits: -1 } }, ["stats", "visits"]],
    [{ data: { contact: { email: { main: 42 } } } }, ["data", "contact", "email", "main"]],
    [{ data: { pii: { language: { spoken: "en" } } } }, ["data", "pii", "language", "spoken"]],
    [
      { data: { devices: { last: { geo: { latitude: "50.1" } } } } },
      ["data", "devices", "last", "geo", "latitude"],
    ],
    [{ data: { job: { company: { size: 10.5 } } } }, ["data", "job", "company", "size"]],
    [{ data: { metrics: { ltv: Number.NaN } } }, ["data", "metrics", "ltv"]],
    [{ data: { metrics: { ltv: null } } }, ["data", "metrics", "ltv"]],
    [{ data: { pii: "Anna" } }, ["data", "pii"]],
    [{ active: "yes" }, ["active"]],
    [{ ids: ["a", ""] }, ["ids", 1]],
    [{ id: "" }, ["id"]],
    [{ id: "x".repeat(129) }, ["id"]],
    [{ segments: "vip" }, ["segments"]],
    [{ traits: [] }, ["traits"]],
    [
      { metadata: { fields: { "data.pii.firstname": ["2024-05-30T07:44:23Z"] } } },
      ["metadata", "fields", "data.pii.firstname"],
    ],
  ])("rejects a wrong type at its path: %j", (input, path) => {
    expect(issuesOf(input).map((issue) => issue.path)).toEqual([path]);
  });

  it.each([
    [
      { metadata: { time: { update: "2024-02-30T00:00:00Z" } } },
      ["metadata", "time", "update"],
      "day out of range",
    ],
    [
      { metadata: { time: { visit: { last: "yesterday" } } } },
      ["metadata", "time", "visit", "last"],
      "expected ISO 8601",
    ],
    [
      { data: { pii: { birthday: "1990-13-01" } } },
      ["data", "pii", "birthday"],
      "month out of range",
    ],
    [
      { data: { loyalty: { card: { expires: "2026-12-31" } } } },
      ["data", "loyalty", "card", "expires"],
      "time zone offset are required",
    ],
    [
      { consents: { marketing: { revoke: "0000-01-01T00:00:00Z" } } },
      ["consents", "marketing", "revoke"],
      "year must be between",
    ],
    [
      { metadata: { fields: { "traits.plan": ["2024-05-30T25:00:00Z", null] } } },
      ["metadata", "fields", "traits.plan", 0],
      "time out of range",
    ],
  ])("rejects a bad date with a message: %j", (input, path, message) => {
    const [issue] = issuesOf(input);
    expect(issue?.path).toEqual(path);
    expect(issue?.message).toContain(message);
  });

  it("normalises every date it accepts", () => {
    const profile = Profile.parse({
      metadata: {
        time: { insert: "2024-05-30 07:44:23.246262+00:00", update: "2024-05-30T09:44:23+02:00" },
        fields: { "data.pii.firstname": ["2024-05-30T07:44:23.1Z", "event-1"] },
      },
      consents: { marketing: { revoke: "2025-01-01T00:00:00-01:00" }, analytics: {} },
      data: { pii: { birthday: "1988-04-12" } },
    });
    expect(profile.metadata.time.insert).toBe("2024-05-30T07:44:23.246262Z");
    expect(profile.metadata.time.update).toBe("2024-05-30T07:44:23.000000Z");
    expect(profile.metadata.fields).toEqual({
      "data.pii.firstname": ["2024-05-30T07:44:23.100000Z", "event-1"],
    });
    expect(profile.consents).toEqual({
      marketing: { revoke: "2025-01-01T01:00:00.000000Z" },
      analytics: { revoke: null },
    });
    expect(profile.data.pii.birthday).toBe("1988-04-12T00:00:00.000000Z");
  });

  it.each([
    ["traits", '{"traits": {"__proto__": {"admin": true}}}', ["traits", "__proto__"]],
    [
      "interests",
      '{"interests": {"a": {"constructor": {"prototype": 1}}}}',
      ["interests", "a", "constructor"],
    ],
    ["aux", '{"aux": {"list": [{"prototype": 1}]}}', ["aux", "list", 0, "prototype"]],
    [
      "stats.counters",
      '{"stats": {"counters": {"__proto__": 1}}}',
      ["stats", "counters", "__proto__"],
    ],
    [
      "metadata.aux",
      '{"metadata": {"aux": {"constructor": 1}}}',
      ["metadata", "aux", "constructor"],
    ],
    [
      "metadata.system.integrations",
      '{"metadata": {"system": {"integrations": {"__proto__": {}}}}}',
      ["metadata", "system", "integrations", "__proto__"],
    ],
    [
      "metadata.system.aux",
      '{"metadata": {"system": {"aux": {"prototype": {}}}}}',
      ["metadata", "system", "aux", "prototype"],
    ],
    [
      "contact.app.other",
      '{"data": {"contact": {"app": {"other": {"__proto__": "x"}}}}}',
      ["data", "contact", "app", "other", "__proto__"],
    ],
    [
      "media.social.other",
      '{"data": {"media": {"social": {"other": {"constructor": "x"}}}}}',
      ["data", "media", "social", "other", "constructor"],
    ],
    [
      "metrics.custom",
      '{"data": {"metrics": {"custom": {"prototype": 1}}}}',
      ["data", "metrics", "custom", "prototype"],
    ],
    ["consents", '{"consents": {"__proto__": {"revoke": null}}}', ["consents", "__proto__"]],
    ["consents", '{"consents": {"constructor": {"revoke": null}}}', ["consents", "constructor"]],
    [
      "metadata.fields",
      '{"metadata": {"fields": {"prototype": ["2024-05-30T07:44:23Z", null]}}}',
      ["metadata", "fields", "prototype"],
    ],
  ])("rejects a prototype key in %s", (_map, json, path) => {
    const [issue] = issuesOf(JSON.parse(json));
    expect(issue?.path).toEqual(path);
    expect(issue?.message).toMatch(/is not allowed: it is a prototype-pollution vector/);
    expect(({} as Record<string, unknown>)["admin"]).toBeUndefined();
  });

  it("rejects values that are not JSON in free maps", () => {
    expect(issuesOf({ traits: { f: () => 1 } })[0]?.path).toEqual(["traits", "f"]);
    expect(issuesOf({ traits: { u: undefined } })[0]?.path).toEqual(["traits", "u"]);
    expect(issuesOf({ stats: { counters: { n: Number.POSITIVE_INFINITY } } })[0]?.path).toEqual([
      "stats",
      "counters",
      "n",
    ]);
    expect(issuesOf({ aux: { when: new Date() } })[0]?.path).toEqual(["aux", "when"]);
  });

  it("refuses an id no lookup could find: blank, or with whitespace around it", () => {
    for (const id of [" ", " p-1", "p-1\n", "\u00a0"]) {
      expect(issuesOf({ id })).toEqual([
        expect.objectContaining({
          path: ["id"],
          message: "A profile id must not start or end with whitespace",
        }),
      ]);
    }
    expect(Profile.parse({ id: "p 1" }).id).toBe("p 1");
  });

  it("stops counters at MAX_COUNTER, where the store's integer columns stop", () => {
    expect(Profile.parse({ stats: { visits: MAX_COUNTER } }).stats.visits).toBe(MAX_COUNTER);
    expect(issuesOf({ stats: { views: MAX_COUNTER + 1 } })[0]?.path).toEqual(["stats", "views"]);
    expect(issuesOf({ metadata: { time: { visit: { count: 2 ** 31 } } } })[0]?.path).toEqual([
      "metadata",
      "time",
      "visit",
      "count",
    ]);
  });
});

describe("data.anonymous", () => {
  const contact = (contact: Record<string, unknown>) =>
    Profile.parse({ data: { contact } }).data.anonymous;

  it("is true without contact data", () => {
    expect(Profile.parse({}).data.anonymous).toBe(true);
    expect(contact({ address: { country: "PL" }, confirmations: ["email"] })).toBe(true);
  });

  const contacts: [string, Record<string, unknown>][] = [
    ["email.main", { email: { main: "a@example.com" } }],
    ["email.private", { email: { private: "a@example.com" } }],
    ["email.business", { email: { business: "a@example.com" } }],
    ["phone.main", { phone: { main: "+48 600" } }],
    ["phone.business", { phone: { business: "+48 600" } }],
    ["phone.mobile", { phone: { mobile: "+48 600" } }],
    ["phone.whatsapp", { phone: { whatsapp: "+48 600" } }],
    ...["whatsapp", "discord", "slack", "twitter", "telegram", "wechat", "viber", "signal"].map(
      (app): [string, Record<string, unknown>] => [`app.${app}`, { app: { [app]: "@me" } }],
    ),
  ];

  it.each(contacts)("is false with %s", (_path, given) => {
    expect(contact(given)).toBe(false);
  });

  it("ignores empty strings and app.other, as Tracardi does", () => {
    expect(contact({ email: { main: "" }, app: { other: { mastodon: "@me" } } })).toBe(true);
  });

  it("is derived whatever the input says", () => {
    expect(Profile.parse({ data: { anonymous: false } }).data.anonymous).toBe(true);
    expect(
      Profile.parse({ data: { anonymous: true, contact: { email: { main: "a@example.com" } } } })
        .data.anonymous,
    ).toBe(false);
  });
});
