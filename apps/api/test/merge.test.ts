import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

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

const dataOf = (err: unknown) =>
  (err as { data?: { code?: string; details?: Record<string, unknown> | null } }).data;

describe.each(testTargets())("profile identity over HTTP on %s", (target) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ target });
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    await h.reset();
    await h.admin.profile.create.mutate({
      id: "web",
      data: { contact: { email: { main: "Kim@Example.com" } } },
    });
    await h.admin.profile.create.mutate({
      id: "shop",
      traits: { tier: "gold" },
      data: { contact: { email: { main: " kim@example.COM" }, phone: { main: "+1 555 0100" } } },
    });
  });

  it("finds the duplicate, merges it, resolves the merged id, and undoes the merge", async () => {
    const reader = h.client("profiles:read");
    const dupes = await reader.profile.duplicates.query({});
    expect(dupes.items).toHaveLength(1);
    expect(dupes.items[0]?.key).toEqual({ type: "email", value: "k•••@e•••" });
    expect(dupes.items[0]?.profiles.map((p) => p.profile.id)).toEqual(["web", "shop"]);

    expect(
      dataOf(await failure(reader.profile.merge.mutate({ into: "web", from: ["shop"] })))?.code,
    ).toBe("FORBIDDEN");

    const writer = h.client("profiles:write");
    const done = await writer.profile.identify.mutate({ profileId: "shop" });
    expect(done.merge?.into).toBe("web");
    expect(done.merge?.survivor.profile.traits).toEqual({ tier: "gold" });
    expect((await reader.profile.get.query({ id: "shop" })).profile.id).toBe("web");
    expect((await reader.profile.get.query({ id: "phone:+15550100" })).profile.id).toBe("web");
    expect((await reader.profile.duplicates.query({})).items).toEqual([]);

    const [record] = await reader.profile.mergeHistory.query({ profileId: "web" });
    expect(record).toMatchObject({ intoId: "web", fromIds: ["shop"], undoneAt: null });
    const undone = await writer.profile.unmerge.mutate({ mergeId: record?.id ?? "" });
    expect(undone.restored.map((p) => p.profile.id)).toEqual(["shop"]);
    expect((await reader.profile.get.query({ id: "shop" })).profile.traits).toEqual({
      tier: "gold",
    });
  });

  it("answers an undo blocked by a later change with CONFLICT and the paths in details", async () => {
    const merged = await h.admin.profile.merge.mutate({ into: "web", from: ["shop"] });
    await h.admin.profile.update.mutate({
      id: "web",
      version: merged.survivor.version,
      patch: { traits: { tier: "silver" } },
    });
    const err = await failure(h.admin.profile.unmerge.mutate({ mergeId: merged.mergeId ?? "" }));
    expect(dataOf(err)).toMatchObject({ code: "CONFLICT", details: { paths: ["traits.tier"] } });
  });
});
