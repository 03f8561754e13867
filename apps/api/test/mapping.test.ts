import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fieldErrors } from "@cdp/client";
import { countEvents, getProfile } from "@cdp/db";
import { diffPaths, MAPPING_EXPORT_FORMAT, Profile } from "@cdp/profile-schema";
import type { MappingRuleInputInput, TrackEventInput } from "@cdp/profile-schema";

import { startHarness, testTargets } from "./harness";
import type { Harness } from "./harness";

async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail");
}

const codeOf = (err: unknown) => (err as { data?: { code?: string } }).data?.code;

const valueAt = (doc: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>(
      (node, key) =>
        typeof node === "object" && node !== null
          ? (node as Record<string, unknown>)[key]
          : undefined,
      doc,
    );

/** What an event changed on a profile, as mapping.test reports it: every non-bookkeeping path. */
function diffOf(before: Profile, after: Profile) {
  return diffPaths(before, after)
    .filter((path) => !path.startsWith("metadata.") && path !== "data.anonymous")
    .map((path) => ({
      path,
      before: valueAt(before, path) ?? null,
      after: valueAt(after, path) ?? null,
    }));
}

const SIGNUP_RULE = {
  id: "signup-plan",
  name: "Plan and company from sign-ups",
  eventTypes: ["signup"],
  mappings: [
    { from: "properties.plan", to: "traits.plan", op: "set", transform: ["trim", "lowercase"] },
    {
      from: "properties.contact_email",
      to: "traits.email_sha256",
      op: "set",
      transform: ["trim", "lowercase", "hash"],
    },
    { from: { const: 1 }, to: "stats.counters.signups", op: "increment" },
    {
      from: "properties.company_size",
      to: "data.job.company.size",
      op: "set",
      transform: "to_number",
    },
    { from: { const: "new-customer" }, to: "segments", op: "add_segment" },
    { from: "properties.brands", to: "data.preferences.brands", op: "append", transform: "split" },
  ],
} satisfies MappingRuleInputInput;

const signup = (id: string, profileId: string, time = "2025-03-01T10:00:00Z") =>
  ({
    id,
    profileId,
    type: "signup",
    time,
    properties: {
      plan: " Pro ",
      contact_email: " Ada@Example.com ",
      company_size: "120",
      brands: "acme, globex",
    },
  }) satisfies TrackEventInput;

describe.each(testTargets())("mapping rules over HTTP on %s", (target) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ target });
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    await h.reset();
  });

  const stored = async (id: string) => {
    const found = await getProfile(h.db, id);
    if (!found) throw new Error(`no profile ${id}`);
    return found;
  };

  it("create → test → enable → track: values, field stamps and an audit row naming the rule", async () => {
    await h.admin.profile.create.mutate({ id: "p-1", data: { pii: { firstname: "Ada" } } });
    const created = await h.admin.mapping.create.mutate(SIGNUP_RULE);
    expect(created).toMatchObject({ id: "signup-plan", version: 1, enabled: false });

    // Disabled: a plain dry run runs the built-in mappings only; the draft runs the rule.
    const event = signup("e-1", "p-1");
    const { profileId: _target, ...testEvent } = event;
    const plain = await h.admin.mapping.test.query({ profileId: "p-1", event: testEvent });
    expect(plain.rules).toEqual([]);
    expect(plain.changes.map((c) => c.path)).toEqual(["stats.visits"]);
    const drafted = await h.admin.mapping.test.query({
      profileId: "p-1",
      event: testEvent,
      rule: SIGNUP_RULE,
    });
    expect(drafted.rules).toMatchObject([{ id: "signup-plan", version: 0, matched: true }]);

    await h.admin.mapping.enable.mutate({ id: "signup-plan", enabled: true, version: 1 });
    const before = await stored("p-1");
    const dryRun = await h.admin.mapping.test.query({ profileId: "p-1", event: testEvent });
    expect(dryRun).toMatchObject({
      profileId: "p-1",
      created: false,
      result: { ok: true, duplicate: false },
      consents: [],
    });
    expect(dryRun.rules).toHaveLength(1);
    expect(dryRun.rules[0]).toMatchObject({ id: "signup-plan", version: 1, matched: true });
    // Nothing of the dry run was kept.
    expect(await stored("p-1")).toEqual(before);
    expect(await countEvents(h.db, { profileId: "p-1" })).toBe(0);

    const out = await h.client("profiles:write").profile.track.mutate({ events: [event] });
    expect(out.results).toEqual([
      { index: 0, ok: true, profileId: "p-1", eventId: "e-1", duplicate: false },
    ]);
    const after = await stored("p-1");
    // The dry run and the real track give the same diff.
    expect(dryRun.changes).toEqual(diffOf(before.profile, after.profile));
    expect(dryRun.rules[0]?.changes).toEqual(
      dryRun.changes.filter((c) => c.path !== "stats.visits"),
    );

    const { profile } = after;
    expect(profile.traits["plan"]).toBe("pro");
    expect(profile.traits["email_sha256"]).toMatch(/^[0-9a-f]{64}$/);
    expect(profile.stats.counters["signups"]).toBe(1);
    expect(profile.data.job.company.size).toBe(120);
    expect(profile.segments).toEqual(["new-customer"]);
    expect(profile.data.preferences.brands).toEqual(["acme", "globex"]);
    for (const path of ["traits.plan", "data.job.company.size", "stats.counters.signups"]) {
      expect(profile.metadata.fields[path]).toEqual(["2025-03-01T10:00:00.000000Z", "e-1"]);
    }

    const audited = await h.admin.audit.list.query({ entityId: "p-1", action: "mapping.apply" });
    expect(audited.items).toHaveLength(1);
    expect(audited.items[0]).toMatchObject({
      entity: "profile",
      reason: 'Mapping rule "signup-plan" (version 1), event e-1',
    });
    expect(audited.items[0]?.changes.map((c) => c.path)).toEqual(
      dryRun.rules[0]?.changes.map((c) => c.path),
    );

    // A new definition is a new version, and the audit names the version that ran.
    await h.admin.mapping.update.mutate({
      ...SIGNUP_RULE,
      version: 1,
      mappings: [{ from: "properties.plan", to: "traits.plan_raw", op: "set" }],
    });
    await h.client("profiles:write").profile.track.mutate({
      events: [{ ...signup("e-2", "p-1", "2025-03-01T10:05:00Z") }],
    });
    const again = await h.admin.audit.list.query({ entityId: "p-1", action: "mapping.apply" });
    expect(again.items[0]?.reason).toBe('Mapping rule "signup-plan" (version 2), event e-2');
    expect(
      (await h.admin.mapping.versions.query({ id: "signup-plan" })).map((v) => v.version),
    ).toEqual([2, 1]);
    const changes = await h.admin.audit.list.query({ entityId: "signup-plan" });
    expect(changes.items.map((a) => a.action)).toEqual([
      "mapping.update",
      "mapping.enable",
      "mapping.create",
    ]);
  });

  it("a dry run on a new profile matches a real track that creates it", async () => {
    await h.admin.mapping.create.mutate({ ...SIGNUP_RULE, enabled: true });
    const dryRun = await h.admin.mapping.test.query({
      event: {
        id: "e-new",
        type: "signup",
        time: "2025-03-01T10:00:00Z",
        properties: { plan: "Basic" },
      },
    });
    expect(dryRun.created).toBe(true);
    expect(await getProfile(h.db, dryRun.profileId)).toBeNull();
    await h.client("profiles:write").profile.track.mutate({
      events: [
        {
          id: "e-new",
          profileId: dryRun.profileId,
          type: "signup",
          time: "2025-03-01T10:00:00Z",
          properties: { plan: "Basic" },
        },
      ],
    });
    const after = await stored(dryRun.profileId);
    expect(dryRun.changes).toEqual(diffOf(Profile.parse({ id: dryRun.profileId }), after.profile));
    expect(after.profile.traits["plan"]).toBe("basic");
  });

  it("a failing rule fails its event alone: that profile untouched, the rest of the batch applied", async () => {
    await h.admin.mapping.create.mutate({
      id: "height",
      name: "Height from surveys",
      eventTypes: ["survey"],
      enabled: true,
      mappings: [
        { from: { const: "answered" }, to: "traits.survey", op: "set" },
        {
          from: "properties.height",
          to: "data.pii.attributes.height",
          op: "set",
          transform: "to_number",
        },
      ],
    });
    await h.admin.profile.create.mutate({ id: "p-bad" });
    await h.admin.profile.create.mutate({ id: "p-good" });
    const before = await stored("p-bad");
    const time = "2025-03-01T10:00:00Z";
    const out = await h.client("profiles:write").profile.track.mutate({
      events: [
        { id: "s-1", profileId: "p-bad", type: "survey", time, properties: { height: "tall" } },
        { id: "s-2", profileId: "p-good", type: "survey", time, properties: { height: "181" } },
        { id: "s-3", profileId: "p-new", type: "survey", time, properties: { height: "very" } },
      ],
    });
    expect(out).toMatchObject({ applied: 1, failed: 2 });
    expect(out.results[0]).toEqual({
      index: 0,
      ok: false,
      error: {
        message:
          'Mapping rule "height" (version 1), Mapping 2 (properties.height → data.pii.attributes.height): to_number: the string is not a number',
        path: "properties.height",
      },
    });
    expect(out.results[1]).toMatchObject({ ok: true, profileId: "p-good" });
    expect(await stored("p-bad")).toEqual(before);
    expect(await countEvents(h.db, { profileId: "p-bad" })).toBe(0);
    expect(await getProfile(h.db, "p-new")).toBeNull();
    expect((await stored("p-good")).profile).toMatchObject({
      traits: { survey: "answered" },
      data: { pii: { attributes: { height: 181 } } },
    });
    const dryRun = await h.admin.mapping.test.query({
      profileId: "p-bad",
      event: { type: "survey", properties: { height: "tall" } },
    });
    expect(dryRun.result).toEqual({
      ok: false,
      error: {
        message:
          'Mapping rule "height" (version 1), Mapping 2 (properties.height → data.pii.attributes.height): to_number: the string is not a number',
        path: "properties.height",
      },
    });
    expect(dryRun.changes).toEqual([]);
  });

  it("runs rules in position order, each on what the one before left", async () => {
    const rule = (id: string, position: number, extra: Partial<MappingRuleInputInput>) =>
      h.admin.mapping.create.mutate({
        id,
        name: id,
        eventTypes: ["purchase"],
        enabled: true,
        position,
        mappings: [{ from: { const: id }, to: "traits.ran", op: "append" }],
        ...extra,
      });
    await rule("c-last", 30, {
      condition: { field: "traits.tier", op: "eq", value: "gold" },
      mappings: [
        { from: { const: "c-last" }, to: "traits.ran", op: "append" },
        { from: { const: "gold" }, to: "segments", op: "add_segment" },
      ],
    });
    await rule("a-tier", 10, {
      condition: { field: "event.properties.total", op: "gte", value: 100 },
      mappings: [
        { from: { const: "a-tier" }, to: "traits.ran", op: "append" },
        { from: { const: "gold" }, to: "traits.tier", op: "set" },
      ],
    });
    await rule("b-middle", 20, {});
    const track = (id: string, profileId: string, total: number) =>
      h.client("profiles:write").profile.track.mutate({
        events: [
          { id, profileId, type: "purchase", time: "2025-03-01T10:00:00Z", properties: { total } },
        ],
      });
    await track("o-1", "big", 150);
    await track("o-2", "small", 20);
    expect((await stored("big")).profile).toMatchObject({
      traits: { ran: ["a-tier", "b-middle", "c-last"], tier: "gold" },
      segments: ["gold"],
    });
    expect((await stored("small")).profile).toMatchObject({
      traits: { ran: ["b-middle"] },
      segments: [],
    });
    const listed = await h.client("profiles:read").mapping.list.query();
    expect(listed.map((r) => r.id)).toEqual(["a-tier", "b-middle", "c-last"]);
  });

  it("writes a change of static tags alone", async () => {
    await h.admin.mapping.create.mutate({
      id: "tagger",
      name: "Tagger",
      eventTypes: ["tag"],
      enabled: true,
      mappings: [{ from: "properties.tag", to: "segments", op: "add_segment" }],
    });
    const writer = h.client("profiles:write");
    const at = "2025-03-01T10:00:00Z";
    await writer.profile.track.mutate({
      events: [{ id: "t-0", profileId: "p-t", type: "visit", time: at }],
    });
    const before = await stored("p-t");
    // A minute later, without a session: the same visit, so only the tag changes.
    await writer.profile.track.mutate({
      events: [
        {
          id: "t-1",
          profileId: "p-t",
          type: "tag",
          time: "2025-03-01T10:01:00Z",
          properties: { tag: "vip" },
        },
      ],
    });
    const after = await stored("p-t");
    expect(after.profile.segments).toEqual(["vip"]);
    expect(after.version).toBe(before.version + 1);
    const audited = await h.admin.audit.list.query({ entityId: "p-t", action: "mapping.apply" });
    expect(audited.items[0]?.changes).toEqual([{ path: "segments", before: [], after: ["vip"] }]);
  });

  it("grants and revokes consents through the ledger", async () => {
    await h.admin.consent.types.create.mutate({
      id: "newsletter",
      name: "Newsletter",
      purpose: "marketing",
    });
    await h.admin.mapping.create.mutate({
      id: "newsletter-signup",
      name: "Newsletter sign-ups",
      eventTypes: ["newsletter-signup"],
      enabled: true,
      mappings: [{ from: { const: "newsletter" }, to: "consents", op: "grant_consent" }],
    });
    await h.admin.mapping.create.mutate({
      id: "unsubscribe",
      name: "Unsubscribes",
      eventTypes: ["unsubscribe"],
      enabled: true,
      mappings: [{ from: "properties.list", to: "consents", op: "revoke_consent" }],
    });
    await h.admin.profile.create.mutate({ id: "p-c" });
    const time = (minute: number) => `2025-03-01T10:0${minute}:00Z`;

    const dryRun = await h.admin.mapping.test.query({
      profileId: "p-c",
      event: { id: "n-1", type: "newsletter-signup", time: time(1) },
    });
    expect(dryRun.consents).toEqual([
      {
        typeId: "newsletter",
        action: "granted",
        source: "track:n-1",
        at: "2025-03-01T10:01:00.000000Z",
      },
    ]);
    expect(dryRun.rules[0]?.consents).toEqual([{ typeId: "newsletter", action: "granted" }]);
    expect(dryRun.changes.map((c) => c.path)).toContain("consents.newsletter");
    expect((await h.admin.consent.history.query({ profileId: "p-c" })).items).toEqual([]);

    const writer = h.client("profiles:write");
    await writer.profile.track.mutate({
      events: [{ id: "n-1", profileId: "p-c", type: "newsletter-signup", time: time(1) }],
    });
    const granted = await h.admin.consent.history.query({ profileId: "p-c" });
    expect(granted.items).toMatchObject([
      {
        typeId: "newsletter",
        action: "granted",
        legalBasis: "consent",
        source: "track:n-1",
        reason: 'Mapping rule "newsletter-signup" (version 1)',
        at: "2025-03-01T10:01:00.000000Z",
      },
    ]);
    expect((await stored("p-c")).profile.consents).toEqual({ newsletter: { revoke: null } });

    const out = await writer.profile.track.mutate({
      events: [
        {
          id: "u-1",
          profileId: "p-c",
          type: "unsubscribe",
          time: time(2),
          properties: { list: "newsletter" },
        },
        // Nothing left to withdraw: the event still applies.
        {
          id: "u-2",
          profileId: "p-c",
          type: "unsubscribe",
          time: time(3),
          properties: { list: "newsletter" },
        },
        // An unknown type fails its event, naming the rule.
        {
          id: "u-3",
          profileId: "p-c",
          type: "unsubscribe",
          time: time(4),
          properties: { list: "nope" },
        },
      ],
    });
    expect(out.results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(out.results[2]).toMatchObject({
      ok: false,
      error: {
        message:
          'Mapping rule "unsubscribe" (version 1), Mapping 1 (properties.list → consents): Consent type "nope" is not in the catalogue.',
        path: "properties.list",
      },
    });
    const history = await h.admin.consent.history.query({ profileId: "p-c" });
    expect(history.items.map((e) => [e.action, e.source])).toEqual([
      ["granted", "track:n-1"],
      ["revoked", "track:u-1"],
    ]);
    expect(await countEvents(h.db, { profileId: "p-c" })).toBe(3);
  });

  it("refuses type mismatches when saving, with field errors naming the mapping", async () => {
    const err = await failure(
      h.admin.mapping.create.mutate({
        ...SIGNUP_RULE,
        mappings: [
          { from: "type", to: "traits.last", op: "set" },
          { from: "time", to: "data.metrics.ltv", op: "set" },
          { from: { const: "x" }, to: "data.pii.firstname", op: "append" },
        ],
      }),
    );
    expect(codeOf(err)).toBe("BAD_REQUEST");
    expect(fieldErrors(err)).toEqual([
      {
        path: "mappings.1.to",
        message:
          "Mapping 2 (time → data.metrics.ltv): a date cannot go into Lifetime value (number)",
      },
      {
        path: "mappings.2.op",
        message:
          "Mapping 3 (constant → data.pii.firstname): append does not apply to First name (string); use set, set_if_empty, remove",
      },
    ]);
    const unknownType = await failure(
      h.admin.mapping.create.mutate({
        ...SIGNUP_RULE,
        mappings: [{ from: { const: "ghost" }, to: "consents", op: "grant_consent" }],
      }),
    );
    expect(fieldErrors(unknownType)).toEqual([
      {
        path: "mappings.0.from",
        message: 'Mapping 1 (constant → consents): consent type "ghost" is not in the catalogue',
      },
    ]);
    expect(await h.admin.mapping.list.query()).toEqual([]);
    const denied = await failure(h.client("profiles:write").mapping.create.mutate(SIGNUP_RULE));
    expect(codeOf(denied)).toBe("FORBIDDEN");
  });

  it("exports and imports rules as JSON: a round trip, then versions and replace", async () => {
    await h.admin.mapping.create.mutate({ ...SIGNUP_RULE, enabled: true, position: 2 });
    await h.admin.mapping.create.mutate({
      id: "other",
      name: "Other",
      eventTypes: ["x"],
      condition: { field: "event.properties.ok", op: "eq", value: true },
      mappings: [{ from: "properties.n", to: "stats.counters.n", op: "increment" }],
    });
    const file = await h.client("profiles:read").mapping.export.query();
    expect(file.format).toBe(MAPPING_EXPORT_FORMAT);
    expect(file.rules.map((r) => [r.id, r.enabled])).toEqual([
      ["other", false],
      ["signup-plan", true],
    ]);

    await h.reset();
    const loaded = await h.admin.mapping.import.mutate(JSON.parse(JSON.stringify(file)));
    expect(loaded).toEqual({
      created: ["other", "signup-plan"],
      updated: [],
      unchanged: [],
      deleted: [],
    });
    const reexported = await h.admin.mapping.export.query();
    expect(reexported.rules).toEqual(file.rules);

    expect(await h.admin.mapping.import.mutate(file)).toMatchObject({
      unchanged: ["other", "signup-plan"],
    });
    const edited = {
      ...file,
      rules: [{ ...(file.rules[1] as (typeof file.rules)[number]), name: "Renamed" }],
      replace: true,
    };
    expect(await h.admin.mapping.import.mutate(edited)).toEqual({
      created: [],
      updated: ["signup-plan"],
      unchanged: [],
      deleted: ["other"],
    });
    expect(await h.admin.mapping.get.query({ id: "signup-plan" })).toMatchObject({
      name: "Renamed",
      version: 2,
    });
    const audited = await h.admin.audit.list.query({ entityId: "signup-plan" });
    expect(audited.items.map((a) => [a.action, a.reason])).toEqual([
      ["mapping.update", "import"],
      ["mapping.create", "import"],
    ]);

    const broken = await failure(
      h.admin.mapping.import.mutate({
        ...file,
        rules: [
          file.rules[0] as (typeof file.rules)[number],
          {
            ...(file.rules[1] as (typeof file.rules)[number]),
            mappings: [{ from: "time", to: "active", op: "set" }],
          },
        ],
      }),
    );
    expect(fieldErrors(broken).map((e) => e.path)).toEqual(["rules.1.mappings.0.to"]);
  });

  it("suggests the property paths of recent events, without their values", async () => {
    await h.client("profiles:write").profile.track.mutate({
      events: [
        signup("e-1", "p-1"),
        {
          id: "e-2",
          profileId: "p-1",
          type: "signup",
          time: "2025-03-01T10:01:00Z",
          properties: { plan: 3, "bad key": 1 },
          context: { page: { url: "/x" } },
        },
      ],
    });
    const paths = await h.client("profiles:read").mapping.paths.query({ eventTypes: ["signup"] });
    expect(paths.sampled).toBe(2);
    expect(paths.paths).toEqual([
      { path: "context.page", types: ["object"], events: 1 },
      { path: "context.page.url", types: ["string"], events: 1 },
      { path: "properties.brands", types: ["string"], events: 1 },
      { path: "properties.company_size", types: ["string"], events: 1 },
      { path: "properties.contact_email", types: ["string"], events: 1 },
      { path: "properties.plan", types: ["number", "string"], events: 2 },
    ]);
    expect(JSON.stringify(paths)).not.toContain("Ada@Example.com");
  });
});
