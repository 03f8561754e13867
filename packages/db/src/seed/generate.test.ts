import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Profile } from "@cdp/profile-schema";

import { openDatabase } from "../client";
import type { DatabaseHandle } from "../client";
import { countProfiles, getProfile, normalizeEmail } from "../queries/profile";
import { generateProfile, generateProfiles } from "./generate";
import { seedProfiles } from "./run";

const NOW = "2025-06-01T12:00:00.000Z";
const E164 = /^\+[1-9]\d{7,14}$/;
const CANONICAL_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe("generateProfile", () => {
  it("gives the same profile for the same seed and index, whatever the batch", () => {
    const single = generateProfile(7, 123, NOW);
    const again = generateProfile(7, 123, NOW);
    const inBatch = generateProfiles({ seed: 7, start: 100, count: 50, now: NOW })[23];
    const bigBatch = generateProfiles({ seed: 7, count: 200, now: NOW })[123];
    expect(again).toEqual(single);
    expect(inBatch).toEqual(single);
    expect(bigBatch).toEqual(single);
  });

  it("gives different profiles for another seed or index", () => {
    const a = generateProfile(1, 5, NOW);
    expect(generateProfile(2, 5, NOW)).not.toEqual(a);
    expect(generateProfile(1, 6, NOW)).not.toEqual(a);
    expect(generateProfile(2, 5, NOW).id).not.toBe(a.id);
    const ids = generateProfiles({ seed: 1, count: 50, now: NOW }).map((p) => p.id);
    const otherIds = new Set(generateProfiles({ seed: 2, count: 50, now: NOW }).map((p) => p.id));
    expect(ids.some((id) => otherIds.has(id))).toBe(false);
  });

  it("rejects seeds and indexes outside 0…2^32-1", () => {
    expect(() => generateProfile(-1, 0, NOW)).toThrow(RangeError);
    expect(() => generateProfile(1.5, 0, NOW)).toThrow(RangeError);
    expect(() => generateProfile(0, 2 ** 32, NOW)).toThrow(RangeError);
    expect(() => generateProfile(0, 0, "not a date")).toThrow(RangeError);
  });
});

describe("a generated population", () => {
  const profiles = generateProfiles({ seed: 42, count: 2000, now: NOW });
  const identified = profiles.filter((p) => !p.data.anonymous);
  const anonymous = profiles.filter((p) => p.data.anonymous);

  it("is made of complete, canonical profiles (Profile.parse changes nothing)", () => {
    for (const p of profiles) expect(Profile.parse(p)).toEqual(p);
  });

  it("has unique ids, and merged ids that are not anyone's profile id", () => {
    const ids = new Set(profiles.map((p) => p.id));
    expect(ids.size).toBe(profiles.length);
    for (const p of profiles) for (const id of p.ids) expect(ids.has(id)).toBe(false);
  });

  it("is about 70% identified and 30% anonymous", () => {
    const share = identified.length / profiles.length;
    expect(share).toBeGreaterThan(0.65);
    expect(share).toBeLessThan(0.75);
    for (const p of anonymous) {
      expect(p.data.pii.firstname).toBeNull();
      expect(p.data.contact.email.main).toBeNull();
      expect(p.data.contact.phone.main).toBeNull();
      expect(p.data.contact.address.country).toBeNull();
      expect(p.stats.visits).toBeGreaterThanOrEqual(1);
    }
  });

  it("gives identified profiles names, e-mails and E.164 phones from many countries", () => {
    for (const p of identified) {
      expect(p.data.pii.firstname).toBeTruthy();
      expect(p.data.pii.lastname).toBeTruthy();
      expect(p.data.contact.email.main ?? p.data.contact.phone.main).toBeTruthy();
      if (p.data.contact.phone.main) expect(p.data.contact.phone.main).toMatch(E164);
      if (p.data.contact.email.main)
        expect(p.data.contact.email.main).toMatch(/^[^@\s]+@[a-z0-9.-]+\.[a-z]+$/i);
    }
    const countries = new Set(
      identified.map((p) => p.data.contact.address.country).filter(Boolean),
    );
    expect(countries.size).toBeGreaterThanOrEqual(15);
    expect(identified.filter((p) => p.data.pii.birthday).length).toBeGreaterThan(
      identified.length / 3,
    );
    expect(identified.filter((p) => p.data.job.company.name).length).toBeGreaterThan(
      identified.length / 5,
    );
    expect(identified.filter((p) => p.data.loyalty.card.id).length).toBeGreaterThan(
      identified.length / 10,
    );
    expect(profiles.filter((p) => p.data.devices.last.geo.country.code).length).toBeGreaterThan(
      profiles.length / 3,
    );
  });

  it("keeps visits, views and times consistent", () => {
    const nowMs = Date.parse(NOW);
    const twoYears = 731 * 24 * 3600 * 1000;
    const ms = (iso: string | null) => Date.parse(iso ?? "");
    for (const p of profiles) {
      const { time } = p.metadata;
      expect(p.stats.views).toBeGreaterThanOrEqual(p.stats.visits);
      expect(time.visit.count).toBe(p.stats.visits);
      expect(time.visit.tz).toBeTruthy();
      for (const value of [time.insert, time.create, time.update, time.visit.current]) {
        expect(value).toMatch(CANONICAL_DATE);
      }
      expect(ms(time.create)).toBeGreaterThan(nowMs - twoYears);
      expect(ms(time.update)).toBeLessThanOrEqual(nowMs);
      expect(ms(time.visit.current)).toBeGreaterThanOrEqual(ms(time.create));
      expect(ms(time.update)).toBeGreaterThanOrEqual(ms(time.visit.current));
      if (p.stats.visits === 1) expect(time.visit.last).toBeNull();
      else expect(ms(time.visit.last)).toBeLessThan(ms(time.visit.current));
      expect(Object.keys(p.metadata.fields).length).toBeLessThanOrEqual(8);
      expect(p.segments).toEqual([]);
    }
    const visits = profiles.map((p) => p.stats.visits).sort((a, b) => a - b);
    expect(visits[visits.length - 1]).toBeGreaterThan(
      10 * (visits[Math.floor(visits.length / 2)] ?? 0),
    );
  });

  it("has traits, interests, counters and consents for many, with all kinds of revoke dates", () => {
    expect(
      identified.every((p) => ["free", "pro", "enterprise"].includes(String(p.traits.plan))),
    ).toBe(true);
    expect(new Set(identified.map((p) => p.traits.plan)).size).toBe(3);
    expect(profiles.filter((p) => Object.keys(p.interests).length > 0).length).toBeGreaterThan(
      profiles.length / 2,
    );
    expect(
      profiles.filter((p) => Number(p.stats.counters.purchases ?? 0) > 0).length,
    ).toBeGreaterThan(100);
    const revokes = profiles.flatMap((p) => Object.values(p.consents).map((c) => c.revoke));
    const nowMs = Date.parse(NOW);
    expect(revokes.filter((r) => r === null).length).toBeGreaterThan(50);
    expect(revokes.filter((r) => r !== null && Date.parse(r) > nowMs).length).toBeGreaterThan(20);
    expect(revokes.filter((r) => r !== null && Date.parse(r) < nowMs).length).toBeGreaterThan(10);
  });

  it("has a few profiles with several ids and external keys", () => {
    const withIds = profiles.filter((p) => p.ids.length > 0);
    expect(withIds.length).toBeGreaterThan(profiles.length * 0.02);
    expect(withIds.length).toBeLessThan(profiles.length * 0.08);
    const keyed = profiles.filter((p) => p.data.identifier.id);
    expect(keyed.length).toBeGreaterThan(50);
    for (const p of keyed) expect(p.data.identifier.id).toMatch(/^crm-\d{6,}$/);
  });

  it("has a small share of duplicates sharing an e-mail or a phone", () => {
    const byEmail = new Map<string, number>();
    const byPhone = new Map<string, number>();
    for (const p of identified) {
      const email = p.data.contact.email.main;
      const phone = p.data.contact.phone.main;
      if (email) byEmail.set(normalizeEmail(email), (byEmail.get(normalizeEmail(email)) ?? 0) + 1);
      if (phone) byPhone.set(phone, (byPhone.get(phone) ?? 0) + 1);
    }
    const sharedEmails = [...byEmail.values()].filter((n) => n > 1).length;
    const sharedPhones = [...byPhone.values()].filter((n) => n > 1).length;
    expect(sharedEmails).toBeGreaterThanOrEqual(5);
    expect(sharedPhones).toBeGreaterThanOrEqual(5);
    expect(sharedEmails + sharedPhones).toBeLessThan(identified.length * 0.08);
  });
});

describe("seedProfiles", () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openDatabase({ dataDir: "memory://" });
  }, 60_000);
  afterAll(async () => {
    await handle?.close();
  });

  it("stores the profiles once; the same seed again adds nothing", async () => {
    const now = new Date(NOW);
    const first = await seedProfiles(handle.db, { count: 500, seed: 42, batch: 200, now });
    expect(first).toMatchObject({ generated: 500, inserted: 500, skipped: 0, stopped: false });
    expect(await countProfiles(handle.db)).toBe(500);

    const stored = await getProfile(handle.db, generateProfile(42, 321, now).id);
    expect(stored?.profile).toEqual(generateProfile(42, 321, now));

    const second = await seedProfiles(handle.db, { count: 500, seed: 42, batch: 500, now });
    expect(second).toMatchObject({ inserted: 0, skipped: 500 });
    expect(await countProfiles(handle.db)).toBe(500);
  }, 120_000);

  it("adds only the missing profiles to a larger count", async () => {
    const progress: number[] = [];
    const result = await seedProfiles(handle.db, {
      count: 700,
      seed: 42,
      batch: 300,
      now: new Date(NOW),
      onProgress: (p) => progress.push(p.done),
    });
    expect(result).toMatchObject({ generated: 700, inserted: 200, skipped: 500 });
    expect(progress).toEqual([300, 600, 700]);
    expect(await countProfiles(handle.db)).toBe(700);
  }, 120_000);

  it("stops between batches when asked", async () => {
    let calls = 0;
    const result = await seedProfiles(handle.db, {
      count: 1000,
      seed: 7,
      batch: 100,
      now: new Date(NOW),
      shouldStop: () => ++calls > 2,
    });
    expect(result).toMatchObject({ generated: 200, inserted: 200, stopped: true });
  }, 120_000);
});
