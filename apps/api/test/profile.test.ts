import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { currentVersion, fieldErrors, isConflict } from "@cdp/client";
import { requireProfile } from "@cdp/db";

import { jane, janePii, person } from "./fixtures";
import { startHarness, testTargets } from "./harness";
import type { Harness } from "./harness";

/** The rejection of a call, so tests can look at its code and data. */
async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail");
}

function codeOf(err: unknown): string | undefined {
  return (err as { data?: { code?: string } }).data?.code;
}

describe.each(testTargets())("profile procedures over HTTP on %s", (target) => {
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

  describe("get", () => {
    beforeEach(async () => {
      await h.admin.profile.create.mutate(jane);
    });

    it.each([
      ["its id", "p-jane"],
      ["a merged id in ids", "legacy-jane-1"],
      ["email: (any case)", "email:JANINA.k@example.com"],
      ["phone: (any punctuation)", "phone:+48 600 100 200"],
      ["the external key data.identifier.id", "crm-7731"],
      ["the external key data.identifier.pk", "pk-7731"],
    ])("finds the profile by %s", async (_, key) => {
      const view = await h.admin.profile.get.query({ id: key });
      expect(view.profile.id).toBe("p-jane");
      expect(view.version).toBe(1);
    });

    it("answers NOT_FOUND for an unknown key", async () => {
      const err = await failure(h.admin.profile.get.query({ id: "email:nobody@example.com" }));
      expect(codeOf(err)).toBe("NOT_FOUND");
    });

    it("masks PII without profiles:pii and lists the masked paths", async () => {
      const view = await h.client("profiles:read").profile.get.query({ id: "p-jane" });
      const json = JSON.stringify(view);
      for (const value of janePii) expect(json).not.toContain(value);
      expect(view.masked).toEqual(
        expect.arrayContaining([
          "data.pii.firstname",
          "data.pii.lastname",
          "data.pii.birthday",
          "data.contact.email.main",
          "data.contact.phone.main",
          "data.identifier.id",
        ]),
      );
      expect(view.profile.traits).toEqual({ plan: "gold" });
      expect(view.profile.stats.visits).toBe(3);
    });

    it("shows PII to a caller holding profiles:pii", async () => {
      const { client } = await h.clientFor(["profiles:read", "profiles:pii"]);
      const view = await client.profile.get.query({ id: "p-jane" });
      expect(view.masked).toEqual([]);
      expect(view.profile.data.pii.firstname).toBe("Janina");
      expect(view.profile.data.contact.email.main).toBe("Janina.K@Example.com");
    });
  });

  describe("list", () => {
    beforeEach(async () => {
      const people = [
        person("p1", "Anna", "Nowak", 5),
        person("p2", "Bartek", "Zielinski", 1),
        person("p3", "Celina", "Nowakowska", 9),
        person("p4", "Dawid", "Adamski", 3),
        person("p5", "Ewa", "Kowal", 7),
      ];
      for (const p of people) await h.admin.profile.create.mutate(p);
    });

    it("searches names and emails", async () => {
      const page = await h.admin.profile.list.query({
        search: "nowak",
        sort: "lastname",
        order: "asc",
      });
      expect(page.items.map((v) => v.profile.id)).toEqual(["p1", "p3"]);
    });

    it("sorts and pages with a cursor, with the total on request", async () => {
      const first = await h.admin.profile.list.query({
        sort: "visits",
        order: "desc",
        limit: 2,
        withTotal: true,
      });
      expect(first.items.map((v) => v.profile.id)).toEqual(["p3", "p5"]);
      expect(first.total).toBe(5);
      expect(first.nextCursor).toEqual(expect.any(String));

      const second = await h.admin.profile.list.query({
        sort: "visits",
        order: "desc",
        limit: 2,
        cursor: first.nextCursor,
      });
      expect(second.items.map((v) => v.profile.id)).toEqual(["p1", "p4"]);
      expect(second.total).toBeUndefined();

      const third = await h.admin.profile.list.query({
        sort: "visits",
        order: "desc",
        limit: 2,
        cursor: second.nextCursor,
      });
      expect(third.items.map((v) => v.profile.id)).toEqual(["p2"]);
      expect(third.nextCursor).toBeNull();
    });

    it("refuses a cursor it did not produce", async () => {
      const err = await failure(h.admin.profile.list.query({ cursor: "not-a-cursor" }));
      expect(codeOf(err)).toBe("BAD_REQUEST");
    });

    it("masks every item for a caller without profiles:pii", async () => {
      const page = await h.client("profiles:read").profile.list.query({ limit: 10 });
      expect(page.items).toHaveLength(5);
      expect(JSON.stringify(page)).not.toContain("@example.org");
      for (const item of page.items) expect(item.masked).toContain("data.pii.firstname");
    });
  });

  describe("create", () => {
    it("creates a profile, stamping the fields it set", async () => {
      const view = await h.admin.profile.create.mutate(jane);
      expect(view.version).toBe(1);
      expect(view.profile.data.anonymous).toBe(false);
      expect(view.profile.metadata.time.insert).toEqual(expect.any(String));
      expect(view.profile.metadata.fields["data.pii.firstname"]).toEqual([
        expect.any(String),
        `service:${h.tokens.all.id}`,
      ]);
    });

    it("reports an unknown key at its own path", async () => {
      const err = await failure(
        h.admin.profile.create.mutate({ id: "p-x", data: { pii: { nick: "JJ" } } } as never),
      );
      expect(codeOf(err)).toBe("BAD_REQUEST");
      expect(fieldErrors(err)).toEqual([{ path: "data.pii.nick", message: "Unknown field" }]);
    });

    it("reports a bad date and a wrong type at their paths", async () => {
      const err = await failure(
        h.admin.profile.create.mutate({
          id: "p-x",
          data: { pii: { birthday: "2nd of April" } },
          stats: { visits: "5" },
        } as never),
      );
      expect(
        fieldErrors(err)
          .map((e) => e.path)
          .sort(),
      ).toEqual(["data.pii.birthday", "stats.visits"]);
      expect(await h.admin.profile.list.query({ withTotal: true })).toMatchObject({ total: 0 });
    });

    it("refuses text the store cannot keep and deep nesting as field errors with a readable message", async () => {
      const post = async (body: string) => {
        const res = await h.fetch("/api/trpc/profile.create", {
          method: "POST",
          token: h.tokens.all.secret,
          headers: { "content-type": "application/json" },
          body,
        });
        const { error } = (await res.json()) as {
          error: { message: string; data: { fieldErrors: { path: string; message: string }[] } };
        };
        return { status: res.status, message: error.message, fieldErrors: error.data.fieldErrors };
      };
      // Each of these answered 500 (PostgreSQL refuses the text, or the schemas overflow the stack).
      expect(await post('{"id":"p-x","data":{"pii":{"firstname":"a\\u0000b"}}}')).toEqual({
        status: 400,
        message: "data.pii.firstname: Text must not contain the NUL character",
        fieldErrors: [
          { path: "data.pii.firstname", message: "Text must not contain the NUL character" },
        ],
      });
      expect((await post('{"id":"p-\\ud800","traits":{"a":"\\udc00"}}')).fieldErrors).toEqual([
        { path: "id", message: "Text must not contain unpaired surrogates" },
        { path: "traits.a", message: "Text must not contain unpaired surrogates" },
      ]);
      const deep = await post(`{"id":"p-x","traits":{"a":${"[".repeat(5000)}${"]".repeat(5000)}}}`);
      expect(deep.status).toBe(400);
      expect(deep.fieldErrors).toEqual([
        { path: `traits.a${".0".repeat(62)}`, message: "Nested deeper than 64 levels" },
      ]);
      // Schema refusals read as a sentence too, not as a JSON dump of zod's issues.
      expect((await post('{"id":"p-x","stats":{"visits":-1},"active":"yes"}')).message).toBe(
        "active: Invalid input: expected boolean, received string (and 1 more)",
      );
      expect(await h.admin.profile.list.query({ withTotal: true })).toMatchObject({ total: 0 });
    });

    it("refuses an id already in use with CONFLICT", async () => {
      await h.admin.profile.create.mutate({ id: "p-dup" });
      const err = await failure(h.admin.profile.create.mutate({ id: "p-dup" }));
      expect(isConflict(err)).toBe(true);
    });
  });

  describe("update", () => {
    beforeEach(async () => {
      await h.admin.profile.create.mutate(jane);
    });

    it("applies a merge patch: set, keep, and clear with null", async () => {
      const view = await h.admin.profile.update.mutate({
        id: "p-jane",
        version: 1,
        patch: {
          data: { pii: { firstname: "Janka", lastname: null } },
          traits: { tier: 2 },
        },
      });
      expect(view.version).toBe(2);
      expect(view.profile.data.pii.firstname).toBe("Janka");
      expect(view.profile.data.pii.lastname).toBeNull();
      expect(view.profile.data.contact.email.main).toBe("Janina.K@Example.com");
      expect(view.profile.traits).toEqual({ plan: "gold", tier: 2 });
      expect(view.changed.sort()).toEqual([
        "data.pii.firstname",
        "data.pii.lastname",
        "traits.tier",
      ]);
      const stamp = view.profile.metadata.fields["data.pii.firstname"];
      expect(stamp?.[1]).toBe(`service:${h.tokens.all.id}`);
      expect(stamp?.[0]).toBe(view.profile.metadata.time.update);
    });

    it("finds the profile by any identifier", async () => {
      const view = await h.admin.profile.update.mutate({
        id: "email:janina.k@example.com",
        version: 1,
        patch: { traits: { plan: "platinum" } },
      });
      expect(view.profile.id).toBe("p-jane");
      expect(view.profile.traits["plan"]).toBe("platinum");
    });

    it("refuses a stale version with CONFLICT and the current version, changing nothing", async () => {
      await h.admin.profile.update.mutate({
        id: "p-jane",
        version: 1,
        patch: { traits: { plan: "silver" } },
      });
      const before = await requireProfile(h.db, "p-jane");
      const err = await failure(
        h.admin.profile.update.mutate({
          id: "p-jane",
          version: 1,
          patch: { traits: { plan: "bronze" } },
        }),
      );
      expect(isConflict(err)).toBe(true);
      expect(currentVersion(err)).toBe(2);
      expect((err as { data: { details: unknown } }).data.details).toMatchObject({
        id: "p-jane",
        expectedVersion: 1,
        currentVersion: 2,
      });
      expect(await requireProfile(h.db, "p-jane")).toEqual(before);
    });

    it("lets exactly one of ten concurrent updates at one version win", async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          h.admin.profile.update.mutate({
            id: "p-jane",
            version: 1,
            patch: { traits: { writer: i } },
          }),
        ),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(9);
      for (const r of lost) expect(isConflict(r.reason)).toBe(true);

      const winner = won[0]!.value;
      const stored = await h.admin.profile.get.query({ id: "p-jane" });
      expect(stored.version).toBe(2);
      expect(stored.profile.traits).toEqual(winner.profile.traits);
      expect(stored.profile.traits["writer"]).toEqual(expect.any(Number));
    });

    it("reports bad patch values at their paths", async () => {
      const err = await failure(
        h.admin.profile.update.mutate({
          id: "p-jane",
          version: 1,
          patch: { data: { pii: { birthday: "yesterday", nick: "x" } } } as never,
        }),
      );
      expect(
        fieldErrors(err)
          .map((e) => e.path)
          .sort(),
      ).toEqual(["patch.data.pii.birthday", "patch.data.pii.nick"]);
    });
  });

  describe("delete", () => {
    it("deletes a profile by any identifier; it is gone afterwards", async () => {
      await h.admin.profile.create.mutate(jane);
      const result = await h.admin.profile.delete.mutate({ id: "crm-7731", reason: "test" });
      expect(result).toEqual({ id: "p-jane", deleted: true });
      const err = await failure(h.admin.profile.get.query({ id: "p-jane" }));
      expect(codeOf(err)).toBe("NOT_FOUND");
      expect(codeOf(await failure(h.admin.profile.delete.mutate({ id: "p-jane" })))).toBe(
        "NOT_FOUND",
      );
    });
  });
});
