import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProfile, TrackBatch } from "@cdp/profile-schema";
import {
  countProfiles,
  findValues,
  getProfile,
  identifiersOf,
  liftSuppression,
  listAudit,
  schema,
  suppressedAmong,
} from "@cdp/db";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import type { Principal } from "../authz";
import { erasePerson, exportPerson, piiValuesOf, revealFields } from "./privacy";
import { writeProfile } from "./profile-write";
import { track } from "./track";

const officer: Principal = { kind: "staff", id: "u-privacy", name: "Pia Privacy", role: "privacy" };
const origin = { principal: officer, requestId: "req-1", source: "staff:u-privacy" };

describe.each(testTargets())("privacy requests on %s", (target) => {
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

  async function seedPerson() {
    const now = new Date().toISOString();
    const person = createProfile(
      {
        id: "erase-me",
        data: {
          pii: { firstname: "Zebulon", lastname: "Quixotefield", birthday: "1980-02-03" },
          contact: {
            email: { main: "zebulon.q@example.org" },
            phone: { main: "+48 600 700 801" },
            address: { street: "Ulica Nieznana 17", town: "Wąchock" },
          },
          identifier: { id: "crm-zq-0042" },
        },
        traits: { plan: "pro" },
      },
      now,
    );
    const { stored } = await t.db.transaction((tx) =>
      writeProfile(tx, { before: null, after: person, origin }),
    );
    // A later edit leaves the old email in an audit diff.
    await t.db.transaction((tx) =>
      writeProfile(tx, {
        before: stored,
        after: {
          ...stored.profile,
          data: {
            ...stored.profile.data,
            contact: {
              ...stored.profile.data.contact,
              email: { ...stored.profile.data.contact.email, business: "zq@work.example" },
            },
          },
        },
        origin,
      }),
    );
    await t.db.insert(schema.event).values({
      profileId: "erase-me",
      id: "ev-1",
      type: "identify",
      time: now,
      properties: { email: "zebulon.q@example.org", note: "called from +48 600 700 801" },
    });
    await t.db
      .insert(schema.consentType)
      .values({ id: "marketing", name: "Marketing", purpose: "marketing" });
    await t.db.insert(schema.consentEvent).values({
      profileId: "erase-me",
      typeId: "marketing",
      action: "granted",
      legalBasis: "consent",
      source: "form",
      actor: "service:web",
      at: now,
      proof: { form: "newsletter", email: "zebulon.q@example.org" },
    });
    await t.db.insert(schema.importJob).values({
      id: "job-1",
      format: "ndjson",
      contentHash: "h",
      createdBy: "staff:x",
    });
    const file = '{"data":{"pii":{"firstname":"Zebulon","lastname":"Quixotefield"}}}\n';
    await t.db.insert(schema.importJobPart).values({
      jobId: "job-1",
      part: 0,
      content: file,
      hash: "h",
      rows: 1,
      lines: 1,
      firstLine: 1,
      bytes: file.length,
    });
    const bystander = createProfile(
      {
        id: "keep-me",
        data: { pii: { firstname: "Other" }, contact: { email: { main: "other@example.org" } } },
      },
      now,
    );
    await t.db.transaction((tx) => writeProfile(tx, { before: null, after: bystander, origin }));
    return (await getProfile(t.db, "erase-me"))!.profile;
  }

  it("erases every trace of the person's PII while the export taken before holds all of it", async () => {
    const person = await seedPerson();
    const values = piiValuesOf(person);
    expect(values).toEqual(
      expect.arrayContaining([
        "Zebulon",
        "Quixotefield",
        "zebulon.q@example.org",
        "zq@work.example",
        "crm-zq-0042",
      ]),
    );

    const exported = JSON.stringify(
      await exportPerson(t.db, origin, "email:zebulon.q@example.org"),
    );
    for (const v of values) expect(exported, v).toContain(v);
    expect((await findValues(t.db, values)).length).toBeGreaterThan(0);

    const result = await erasePerson(t.db, origin, {
      profileId: "erase-me",
      reason: "GDPR art. 17 request #881",
    });
    expect(result.profileId).toBe("erase-me");

    expect(await findValues(t.db, values)).toEqual([]);
    expect(await getProfile(t.db, "erase-me")).toBeNull();
    expect(await getProfile(t.db, "email:zebulon.q@example.org")).toBeNull();
    // The bystander is untouched.
    expect((await getProfile(t.db, "keep-me"))?.profile.data.pii.firstname).toBe("Other");
    // The fact of the erase is kept: who, when, why.
    const { items } = await listAudit(t.db, { action: "privacy.erase" });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      actorId: "u-privacy",
      entityId: "erase-me",
      reason: "GDPR art. 17 request #881",
    });
    // The identifiers are suppressed, as hashes only.
    expect(
      await suppressedAmong(
        t.db,
        identifiersOf(person).filter((i) => i.type !== "id"),
      ),
    ).toHaveLength(identifiersOf(person).filter((i) => i.type !== "id").length);
  });

  it("redacts an uploaded file's parts but never the keys linking them to their job", async () => {
    await seedPerson();
    // A short value can sit inside a job's id; rewriting the id would break the parts' key.
    const file = '{"data":{"pii":{"firstname":"Zebulon"}}}\n';
    await t.db
      .insert(schema.importJob)
      .values({ id: "Zebulon-job", format: "ndjson", contentHash: "Zebulon", createdBy: "x" });
    await t.db.insert(schema.importJobPart).values({
      jobId: "Zebulon-job",
      part: 0,
      content: file,
      hash: "Zebulon",
      rows: 1,
      lines: 1,
      firstLine: 1,
      bytes: file.length,
    });
    await erasePerson(t.db, origin, { profileId: "erase-me", reason: "GDPR art. 17 request" });
    const parts = await t.db
      .select()
      .from(schema.importJobPart)
      .where(eq(schema.importJobPart.jobId, "Zebulon-job"));
    expect(parts.map((p) => [p.hash, p.content])).toEqual([
      ["Zebulon", '{"data":{"pii":{"firstname":"[erased]"}}}\n'],
    ]);
  });

  it("keeps an erased person from coming back through track or a write until lifted", async () => {
    await seedPerson();
    await erasePerson(t.db, origin, { profileId: "erase-me", reason: "GDPR art. 17 request #882" });
    const before = await countProfiles(t.db);

    const tracked = await track(t.db, {
      origin: { principal: officer, requestId: "req-2" },
      events: TrackBatch.parse({
        events: [
          {
            identifiers: { email: "Zebulon.Q@example.org" },
            type: "page-view",
            time: new Date().toISOString(),
          },
        ],
      }).events,
    });
    expect(tracked.results[0]).toMatchObject({ ok: false });
    expect(JSON.stringify(tracked.results[0])).toMatch(/suppressed/);
    expect(await countProfiles(t.db)).toBe(before);

    // An existing profile cannot take the erased email either.
    const other = (await getProfile(t.db, "keep-me"))!;
    await expect(
      t.db.transaction((tx) =>
        writeProfile(tx, {
          before: other,
          after: {
            ...other.profile,
            data: {
              ...other.profile.data,
              contact: {
                ...other.profile.data.contact,
                email: { ...other.profile.data.contact.email, private: "zebulon.q@example.org" },
              },
            },
          },
          origin,
        }),
      ),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });

    await liftSuppression(
      t.db,
      { type: "email", value: "zebulon.q@example.org" },
      "staff:u-privacy",
    );
    const again = await track(t.db, {
      origin: { principal: officer, requestId: "req-3" },
      events: TrackBatch.parse({
        events: [
          {
            identifiers: { email: "zebulon.q@example.org" },
            type: "page-view",
            time: new Date().toISOString(),
          },
        ],
      }).events,
    });
    expect(again.results[0]).toMatchObject({ ok: true });
    expect(await countProfiles(t.db)).toBe(before + 1);
  });

  it("reveals only PII fields, and audits the reason without the values", async () => {
    await seedPerson();
    const revealed = await revealFields(t.db, origin, {
      profileId: "erase-me",
      fields: ["data.contact.email.main", "data.pii.lastname"],
      reason: "Customer called support, ticket 77",
    });
    expect(revealed.values).toEqual({
      "data.contact.email.main": "zebulon.q@example.org",
      "data.pii.lastname": "Quixotefield",
    });
    const { items } = await listAudit(t.db, { action: "privacy.reveal" });
    expect(items[0]?.reason).toBe("Customer called support, ticket 77");
    expect(JSON.stringify(items[0])).not.toContain("zebulon.q@example.org");
    await expect(
      revealFields(t.db, origin, {
        profileId: "erase-me",
        fields: ["traits.plan"],
        reason: "curious person",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
