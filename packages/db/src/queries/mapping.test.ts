import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MappingRuleDefinition, MappingRuleInput, Profile } from "@cdp/profile-schema";
import type { MappingRuleInputInput } from "@cdp/profile-schema";

import { DomainError } from "../errors";
import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import { insertEvents } from "./event";
import {
  deleteMappingRule,
  getMappingRuleVersion,
  insertMappingRule,
  listMappingRules,
  listMappingRuleVersions,
  recentEventPayloads,
  setMappingRuleEnabled,
  updateMappingRule,
} from "./mapping";
import { insertProfiles } from "./profile";

const input = (id: string, extra: Partial<MappingRuleInputInput> = {}) =>
  MappingRuleInput.parse({
    id,
    name: `Rule ${id}`,
    eventTypes: ["signup"],
    mappings: [{ from: "properties.plan", to: "traits.plan", op: "set" }],
    ...extra,
  });

async function refusal(call: Promise<unknown>): Promise<DomainError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

describe.each(testTargets())("mapping rule queries on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
  });

  it("stores a rule with its first version and lists rules in running order", async () => {
    const created = await insertMappingRule(t.db, {
      input: input("b-rule", { position: 5, enabled: true }),
      by: "staff:u-1",
    });
    expect(created).toMatchObject({
      id: "b-rule",
      version: 1,
      enabled: true,
      position: 5,
      condition: null,
      description: null,
      createdBy: "staff:u-1",
      updatedBy: "staff:u-1",
    });
    expect(created.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    await insertMappingRule(t.db, { input: input("a-rule", { position: 5 }), by: "x" });
    await insertMappingRule(t.db, { input: input("z-rule", { position: 1 }), by: "x" });
    expect((await listMappingRules(t.db)).map((r) => r.id)).toEqual(["z-rule", "a-rule", "b-rule"]);
    expect((await listMappingRules(t.db, { enabledOnly: true })).map((r) => r.id)).toEqual([
      "b-rule",
    ]);
    expect(await listMappingRuleVersions(t.db, "b-rule")).toEqual([
      {
        ruleId: "b-rule",
        version: 1,
        definition: MappingRuleDefinition.parse({
          name: "Rule b-rule",
          eventTypes: ["signup"],
          mappings: [{ from: "properties.plan", to: "traits.plan", op: "set" }],
          position: 5,
        }),
        savedBy: "staff:u-1",
        savedAt: expect.any(String),
      },
    ]);
    const taken = await refusal(insertMappingRule(t.db, { input: input("a-rule"), by: "x" }));
    expect(taken).toMatchObject({ code: "CONFLICT", details: { path: ["id"] } });
  });

  it("saves each definition as the next version; a stale version changes nothing", async () => {
    await insertMappingRule(t.db, { input: input("r"), by: "a" });
    const changed = await updateMappingRule(t.db, {
      id: "r",
      expectedVersion: 1,
      definition: { ...input("r"), name: "Renamed" },
      by: "b",
    });
    expect(changed).toMatchObject({ version: 2, name: "Renamed", updatedBy: "b", createdBy: "a" });
    const stale = await refusal(
      updateMappingRule(t.db, { id: "r", expectedVersion: 1, definition: input("r"), by: "c" }),
    );
    expect(stale).toMatchObject({
      code: "CONFLICT",
      details: { path: ["version"], expectedVersion: 1, currentVersion: 2 },
    });
    expect(
      (await listMappingRuleVersions(t.db, "r")).map((v) => [v.version, v.definition.name]),
    ).toEqual([
      [2, "Renamed"],
      [1, "Rule r"],
    ]);
    expect((await getMappingRuleVersion(t.db, "r", 1))?.definition.name).toBe("Rule r");
    const missing = await refusal(
      updateMappingRule(t.db, { id: "nope", expectedVersion: 1, definition: input("r"), by: "c" }),
    );
    expect(missing.code).toBe("NOT_FOUND");
  });

  it("enables without a new version, and keeps the history of a deleted rule", async () => {
    await insertMappingRule(t.db, { input: input("r"), by: "a" });
    expect(await setMappingRuleEnabled(t.db, { id: "r", enabled: true, by: "b" })).toMatchObject({
      enabled: true,
      version: 1,
    });
    expect(await refusal(deleteMappingRule(t.db, { id: "r", expectedVersion: 3 }))).toMatchObject({
      code: "CONFLICT",
    });
    await deleteMappingRule(t.db, { id: "r", expectedVersion: 1 });
    expect(await listMappingRules(t.db)).toEqual([]);
    expect(await listMappingRuleVersions(t.db, "r")).toHaveLength(1);
    // The same id again continues the numbering, so (rule, version) in the audit log stays unique.
    expect((await insertMappingRule(t.db, { input: input("r"), by: "a" })).version).toBe(2);
    expect((await listMappingRuleVersions(t.db, "r")).map((v) => v.version)).toEqual([2, 1]);
  });

  it("reads the latest events of each type for path suggestions", async () => {
    await insertProfiles(t.db, [Profile.parse({ id: "p" })]);
    const at = (minute: number) => `2025-03-01T10:${String(minute).padStart(2, "0")}:00.000000Z`;
    await insertEvents(
      t.db,
      [1, 2, 3].map((minute) => ({
        profileId: "p",
        id: `e-${minute}`,
        type: minute === 2 ? "other" : "signup",
        time: at(minute),
        sessionId: null,
        source: null,
        properties: { minute },
        context: {},
      })),
    );
    expect(await recentEventPayloads(t.db, { types: ["signup", "signup"], perType: 1 })).toEqual([
      { type: "signup", properties: { minute: 3 }, context: {} },
    ]);
  });
});
