import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getProfile, identifierRowsOf, lockProfiles, schema } from "@cdp/db";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import type { Principal, Role } from "../authz";
import { profileRouter } from "../routers/profile";
import { mergeProcedures } from "../routers/profile/merge";
import { createCallerFactory, createTRPCContext, createTRPCRouter } from "../trpc";

// Each file migrates its own database (PGlite cold start takes seconds).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const router = createTRPCRouter({
  profile: createTRPCRouter({ ...profileRouter, ...mergeProcedures }),
});
const createCaller = createCallerFactory(router);
const staff = (role: Role): Principal => ({ kind: "staff", id: `u-${role}`, name: role, role });

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

const detailsOf = (error: TRPCError) =>
  (error.cause as { details?: Record<string, unknown> }).details;

describe.each(testTargets())(
  "profile identity (merge, identify, unmerge, duplicates) on %s",
  (target) => {
    let t: TestDatabase;
    const as = (principal: Principal) => createCaller(createTRPCContext({ db: t.db, principal }));
    // An integration holding every scope: it reads merged values in the clear (staff never do).
    const admin = () =>
      as({ kind: "service", id: "t-admin", name: "identity service", scopes: ["admin"] });
    const editor = () => as(staff("editor"));
    const viewer = () => as(staff("viewer"));

    beforeAll(async () => {
      t = await createTestDatabase(target);
    });
    afterAll(async () => {
      await t.close();
    });
    beforeEach(async () => {
      await t.truncate();
    });

    const tables = {
      profile: schema.profile,
      profile_identifier: schema.profileIdentifier,
      event: schema.event,
      profile_merge: schema.profileMerge,
      audit_log: schema.auditLog,
    };
    const count = (table: keyof typeof tables) => t.db.$count(tables[table]);

    async function addEvents(profileId: string, ids: string[]) {
      await t.db.insert(schema.event).values(
        ids.map((id, i) => ({
          profileId,
          id,
          type: "page-view",
          time: `2024-01-0${i + 1}T00:00:00.000000Z`,
          properties: { owner: profileId },
        })),
      );
    }

    /** Everything a merge touches, per profile id: documents, versions, identifiers, events. */
    async function world(ids: string[]) {
      const profiles = await lockProfiles(t.db, ids);
      const events = await t.db
        .select()
        .from(schema.event)
        .orderBy(schema.event.profileId, schema.event.id);
      return {
        profiles: Object.fromEntries(profiles.map((s) => [s.profile.id, s])),
        identifiers: await identifierRowsOf(t.db, ids),
        events: events.map((e) => [e.profileId, e.id, e.properties]),
      };
    }

    /** Three profiles of one person, created in this order (so `ann` is the oldest). */
    async function seedAnn() {
      await admin().profile.create({
        id: "ann",
        ids: ["ann-cookie"],
        traits: { plan: "free" },
        stats: { visits: 2, views: 5 },
        data: { pii: { firstname: "Ann" }, contact: { email: { main: "ann@example.com" } } },
      });
      await admin().profile.create({
        id: "ann-2",
        traits: { plan: "pro", size: "m" },
        stats: { visits: 1, views: 3 },
        data: {
          pii: { firstname: "Anna" },
          contact: { phone: { mobile: "+48 600 100 200" } },
          identifier: { id: "crm-7" },
        },
      });
      await admin().profile.create({
        id: "ann-3",
        ids: ["ann-3-cookie"],
        stats: { visits: 4 },
        data: { contact: { email: { business: "ann@work.example" } } },
      });
      await addEvents("ann", ["e1", "e2"]);
      await addEvents("ann-2", ["e3", "e1"]);
      await addEvents("ann-3", ["e4"]);
    }

    it("merges by the strategies, moves identifiers and events, and resolves merged ids", async () => {
      await seedAnn();
      const anna = await getProfile(t.db, "ann-2");
      const result = await admin().profile.merge({
        into: "ann",
        from: ["ann-2", "ann-3"],
        reason: "same person",
      });
      expect(result.mergeId).toEqual(expect.any(String));
      expect(result.dryRun).toBe(false);
      const survivor = result.survivor.profile;
      expect(survivor.id).toBe("ann");
      expect(survivor.ids).toEqual(["ann-cookie", "ann-2", "ann-3", "ann-3-cookie"]);
      expect(survivor.traits).toEqual({ plan: "pro", size: "m" });
      expect(survivor.data.pii.firstname).toBe("Anna");
      expect(survivor.stats).toMatchObject({ visits: 7, views: 8 });
      expect(survivor.data.contact.email).toMatchObject({
        main: "ann@example.com",
        business: "ann@work.example",
      });
      expect(survivor.data.contact.phone.mobile).toBe("+48 600 100 200");
      expect(result.decisions.find((d) => d.path === "data.pii.firstname")).toMatchObject({
        strategy: "latest-change",
        winner: "ann-2",
      });
      // Each path keeps its winner's own change time, not the merge's.
      expect(survivor.metadata.fields["data.pii.firstname"]).toEqual(
        anna?.profile.metadata.fields["data.pii.firstname"],
      );

      for (const key of [
        "ann-2",
        "ann-3",
        "ann-3-cookie",
        "crm-7",
        "email:ANN@work.example",
        "phone:+48600100200",
      ]) {
        expect((await getProfile(t.db, key))?.profile.id, key).toBe("ann");
      }
      expect(await count("profile")).toBe(1);
      const { events } = await world(["ann"]);
      expect(events).toEqual([
        ["ann", "e1", { owner: "ann" }],
        ["ann", "e2", { owner: "ann" }],
        ["ann", "e3", { owner: "ann-2" }],
        ["ann", "e4", { owner: "ann-3" }],
      ]);

      const again = await failure(admin().profile.merge({ into: "ann", from: ["ann-2"] }));
      expect(again.code).toBe("NOT_FOUND");
      expect(again.message).toContain("ann-2");

      const history = await viewer().profile.mergeHistory({ profileId: "email:ann@example.com" });
      expect(history.map((h) => [h.id, h.fromIds, h.reason, h.actor])).toEqual([
        [result.mergeId, ["ann-2", "ann-3"], "same person", "service:t-admin"],
      ]);
      // Without profiles:pii, decision values at PII paths are masked.
      const firstname = history[0]?.decisions.find((d) => d.path === "data.pii.firstname");
      expect(firstname?.value).toBe("A•••");
      expect(firstname?.values?.map((v) => v.value)).toEqual(["A•••", "A•••", null]);
    });

    it("refuses unknown ids naming them, merging into itself, and names given twice", async () => {
      await seedAnn();
      const unknown = await failure(
        admin().profile.merge({ into: "ann", from: ["ann-2", "ghost", "nobody"] }),
      );
      expect(unknown.code).toBe("NOT_FOUND");
      expect(unknown.message).toBe("Profiles ghost, nobody were not found.");
      expect(detailsOf(unknown)).toEqual({ ids: ["ghost", "nobody"] });
      const self = await failure(admin().profile.merge({ into: "ann", from: ["ann"] }));
      expect(self.code).toBe("BAD_REQUEST");
      const twice = await failure(admin().profile.merge({ into: "ann", from: ["ann-2", "ann-2"] }));
      expect(twice.code).toBe("BAD_REQUEST");
      const viewerMerge = await failure(viewer().profile.merge({ into: "ann", from: ["ann-2"] }));
      expect(viewerMerge.code).toBe("FORBIDDEN");
      expect(await count("profile")).toBe(3);
    });

    it("answers a dry run with the masked merged document and writes nothing", async () => {
      await seedAnn();
      const before = await world(["ann", "ann-2", "ann-3"]);
      const counts = async () => ({
        profiles: await count("profile"),
        identifiers: await count("profile_identifier"),
        events: await count("event"),
        merges: await count("profile_merge"),
        audit: await count("audit_log"),
      });
      const countsBefore = await counts();

      const plan = await editor().profile.merge({
        into: "ann",
        from: ["ann-2", "ann-3"],
        dryRun: true,
      });
      expect(plan).toMatchObject({
        mergeId: null,
        dryRun: true,
        into: "ann",
        from: ["ann-2", "ann-3"],
      });
      expect(plan.survivor.profile.stats.visits).toBe(7);
      expect(plan.survivor.version).toBe(before.profiles["ann"]?.version);
      expect(plan.survivor.profile.data.contact.email.main).toBe("a•••@e•••");
      expect(plan.survivor.masked).toContain("data.contact.email.main");
      const phone = plan.decisions.find((d) => d.path === "data.contact.phone.mobile");
      expect(phone?.value).toBe("•••••00");

      const revealed = await admin().profile.merge({ into: "ann", from: ["ann-2"], dryRun: true });
      expect(revealed.survivor.profile.data.contact.phone.mobile).toBe("+48 600 100 200");

      expect(await counts()).toEqual(countsBefore);
      expect(await world(["ann", "ann-2", "ann-3"])).toEqual(before);
    });

    it("unmerge restores every profile field for field, with identifiers and events", async () => {
      await seedAnn();
      const before = await world(["ann", "ann-2", "ann-3"]);
      const { mergeId } = await admin().profile.merge({ into: "ann", from: ["ann-2", "ann-3"] });
      if (!mergeId) throw new Error("no merge id");

      const undone = await editor().profile.unmerge({ mergeId });
      expect(undone.kept).toEqual([]);
      const after = await world(["ann", "ann-2", "ann-3"]);
      for (const id of ["ann", "ann-2", "ann-3"]) {
        const was = before.profiles[id];
        const now = after.profiles[id];
        expect(now?.profile, id).toEqual(was?.profile);
        expect(now?.version, id).toBeGreaterThan(was?.version ?? Infinity);
      }
      expect(after.identifiers).toEqual(before.identifiers);
      expect(after.events).toEqual(before.events);
      expect((await getProfile(t.db, "ann-3-cookie"))?.profile.id).toBe("ann-3");
      expect((await getProfile(t.db, "phone:+48600100200"))?.profile.id).toBe("ann-2");

      const twice = await failure(editor().profile.unmerge({ mergeId }));
      expect(twice.code).toBe("CONFLICT");
      expect(twice.message).toContain("already undone");
      const [record] = await admin().profile.mergeHistory({ profileId: "ann" });
      expect(record).toMatchObject({ id: mergeId, undoneBy: "staff:u-editor" });
      expect(record?.undoneAt).toEqual(expect.any(String));
      expect((await failure(editor().profile.unmerge({ mergeId: "nope" }))).code).toBe("NOT_FOUND");
    });

    it("refuses to undo once the survivor changed a path the merge decided, changing nothing", async () => {
      await seedAnn();
      const { mergeId, survivor } = await admin().profile.merge({ into: "ann", from: ["ann-2"] });
      if (!mergeId) throw new Error("no merge id");
      await admin().profile.update({
        id: "ann",
        version: survivor.version,
        patch: { traits: { plan: "team" } },
      });
      const before = await world(["ann", "ann-2"]);

      const refused = await failure(editor().profile.unmerge({ mergeId }));
      expect(refused.code).toBe("CONFLICT");
      expect(refused.message).toContain("traits.plan");
      expect(detailsOf(refused)).toMatchObject({ paths: ["traits.plan"] });
      expect(await world(["ann", "ann-2"])).toEqual(before);
      const [record] = await admin().profile.mergeHistory({ profileId: "ann" });
      expect(record?.undoneAt).toBeNull();
    });

    it("refuses to undo a merge whose survivor was merged into another profile since", async () => {
      await seedAnn();
      const first = await admin().profile.merge({ into: "ann", from: ["ann-2"] });
      await admin().profile.merge({ into: "ann-3", from: ["ann"] });
      const refused = await failure(editor().profile.unmerge({ mergeId: first.mergeId ?? "" }));
      expect(refused.code).toBe("CONFLICT");
      expect(refused.message).toBe(
        "Profile ann was merged into ann-3 since; undo that merge first.",
      );
    });

    it("keeps later changes to paths the merge did not decide when it undoes", async () => {
      await seedAnn();
      const before = await world(["ann", "ann-2"]);
      const { mergeId, survivor } = await admin().profile.merge({ into: "ann", from: ["ann-2"] });
      if (!mergeId) throw new Error("no merge id");
      const updated = await admin().profile.update({
        id: "ann",
        version: survivor.version,
        patch: { data: { pii: { lastname: "Lovelace" } }, traits: { vip: true } },
      });

      const undone = await admin().profile.unmerge({ mergeId });
      expect(undone.kept).toEqual(["traits.vip", "data.pii.lastname"]);
      const ann = undone.survivor.profile;
      expect(ann.traits).toEqual({ plan: "free", vip: true });
      expect(ann.data.pii).toMatchObject({ firstname: "Ann", lastname: "Lovelace" });
      expect(ann.metadata.fields["data.pii.lastname"]).toEqual(
        updated.profile.metadata.fields["data.pii.lastname"],
      );
      expect(undone.restored.map((r) => r.profile)).toEqual([before.profiles["ann-2"]?.profile]);
    });

    it("identify merges profiles sharing an e-mail (other case and spacing) or a phone (other format) into the oldest", async () => {
      await admin().profile.create({
        id: "web",
        data: { contact: { email: { main: "  Zoe@Example.COM " } } },
      });
      await admin().profile.create({
        id: "shop",
        data: {
          contact: { email: { private: "zoe@example.com" }, phone: { main: "+44 20 7946 0000" } },
        },
      });
      await admin().profile.create({
        id: "app",
        data: { contact: { phone: { whatsapp: "+44-20-79460000" } } },
      });
      await admin().profile.create({
        id: "stranger",
        data: { contact: { email: { main: "bob@example.com" } } },
      });

      const plan = await editor().profile.identify({ profileId: "shop", dryRun: true });
      expect(plan.profileId).toBe("shop");
      expect(plan.matches).toEqual([
        { id: "web", shared: [{ type: "email", value: "z•••@e•••" }] },
        { id: "app", shared: [{ type: "phone", value: "•••••00" }] },
      ]);
      expect(plan.merge).toMatchObject({
        mergeId: null,
        dryRun: true,
        into: "web",
        from: ["shop", "app"],
      });
      expect(await count("profile")).toBe(4);

      const done = await admin().profile.identify({ profileId: "email:zoe@example.com" });
      expect(done.profileId).toBe("web");
      expect(done.matches.map((m) => m.id)).toEqual(["shop"]);
      expect(done.merge?.into).toBe("web");
      expect((await getProfile(t.db, "shop"))?.profile.id).toBe("web");

      // The survivor now holds the phone: identifying again brings in the app profile.
      const next = await admin().profile.identify({ profileId: "phone:+442079460000" });
      expect(next.matches).toEqual([
        { id: "app", shared: [{ type: "phone", value: "+442079460000" }] },
      ]);
      expect((await getProfile(t.db, "app"))?.profile.id).toBe("web");
      expect((await admin().profile.identify({ profileId: "stranger" })).merge).toBeNull();
      expect(await count("profile")).toBe(2);
    });

    it("lists duplicate groups page by page, masked for viewers", async () => {
      for (const [id, email, phone] of [
        ["d1", "x@example.com", null],
        ["d2", " X@example.com", "+1 555 0100"],
        ["d3", null, "+1-555-0100"],
        ["d4", "y@example.com", null],
        ["d5", "Y@EXAMPLE.com", null],
        ["d6", "solo@example.com", null],
      ] as const) {
        await admin().profile.create({
          id,
          data: { contact: { email: { main: email }, phone: { main: phone } } },
        });
      }
      const keys: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<ReturnType<typeof admin>["profile"]["duplicates"]>> =
          await admin().profile.duplicates({ limit: 1, cursor });
        expect(page.items).toHaveLength(1);
        for (const g of page.items)
          keys.push(
            `${g.key.type}:${g.key.value}=${g.profiles.map((p) => p.profile.id).join(",")}`,
          );
        cursor = page.nextCursor;
      } while (cursor);
      expect(keys.sort()).toEqual([
        "email:x@example.com=d1,d2",
        "email:y@example.com=d4,d5",
        "phone:+15550100=d2,d3",
      ]);
      const masked = await viewer().profile.duplicates({});
      expect(masked.items.map((g) => g.key.value).sort()).toEqual([
        "x•••@e•••",
        "y•••@e•••",
        "•••••00",
      ]);
      expect(
        masked.items.flatMap((g) => g.profiles.map((p) => p.profile.data.contact.email.main)),
      ).not.toContain("y@example.com");
    });
  },
);
