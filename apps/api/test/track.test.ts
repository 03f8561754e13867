import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fieldErrors } from "@cdp/client";
import { countEvents, getProfile } from "@cdp/db";

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

describe.each(testTargets())("profile.track over HTTP on %s", (target) => {
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

  it("applies a batch, reports a bad event by index, and answers with ids only", async () => {
    const out = await h.client("profiles:write").profile.track.mutate({
      events: [
        {
          id: "e-1",
          profileId: "cookie-9",
          type: "page-view",
          time: "2025-03-01T10:00:00Z",
          session: "s-1",
        },
        {
          id: "e-2",
          profileId: "cookie-9",
          type: "identify",
          time: "2025-03-01T10:01:00Z",
          properties: { email: "not-an-email" },
        },
        {
          id: "e-3",
          profileId: "cookie-9",
          type: "identify",
          time: "2025-03-01T10:02:00Z",
          properties: { email: "nine@example.com", counters: { signups: 1 } },
        },
      ],
    });
    expect(out).toEqual({
      results: [
        { index: 0, ok: true, profileId: "cookie-9", eventId: "e-1", duplicate: false },
        {
          index: 1,
          ok: false,
          error: { message: "Expected an e-mail address", path: "properties.email" },
        },
        { index: 2, ok: true, profileId: "cookie-9", eventId: "e-3", duplicate: false },
      ],
      applied: 2,
      duplicates: 0,
      failed: 1,
    });
    const stored = await getProfile(h.db, "email:nine@example.com");
    expect(stored?.profile).toMatchObject({
      id: "cookie-9",
      stats: { visits: 1, views: 1, counters: { signups: 1 } },
      data: { anonymous: false },
    });
    expect(await countEvents(h.db)).toBe(2);
  });

  it("refuses an oversized batch as a field error, and callers without profiles:write", async () => {
    const events = Array.from({ length: 1001 }, (_, i) => ({
      profileId: "p",
      type: "page-view",
      time: new Date(Date.parse("2025-03-01T10:00:00Z") + i * 1000).toISOString(),
    }));
    const tooMany = await failure(h.client("profiles:write").profile.track.mutate({ events }));
    expect(codeOf(tooMany)).toBe("BAD_REQUEST");
    expect(fieldErrors(tooMany)).toEqual([
      { path: "events", message: "Send at most 1000 events per call" },
    ]);

    const denied = await failure(
      h.client("profiles:read").profile.track.mutate({ events: events.slice(0, 1) }),
    );
    expect(codeOf(denied)).toBe("FORBIDDEN");
    expect(await countEvents(h.db)).toBe(0);
  });

  it("is served as REST at POST /api/v1/profiles/track and documented in /openapi.json", async () => {
    const res = await h.fetch("/api/v1/profiles/track", {
      method: "POST",
      token: h.tokens["profiles:write"].secret,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        events: [{ profileId: "rest-1", type: "page-view", time: "2025-03-01T10:00:00Z" }],
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      applied: 1,
      results: [{ index: 0, ok: true, profileId: "rest-1" }],
    });
    const doc = (await (await h.fetch("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.paths["/profiles/track"]?.["post"]).toBeDefined();
  });
});
