import { expect, signIn, test } from "./fixtures";

test.describe("the API served by the console", () => {
  test("refuses an unauthenticated call to the profile router", async ({ request }) => {
    const response = await request.get("/api/trpc/profile.list?input=%7B%7D");
    expect(response.status()).toBe(401);
    const body = (await response.json()) as { error: { data: { code: string } } };
    expect(body.error.data.code).toBe("UNAUTHORIZED");
  });

  test("refuses an unknown service token", async ({ request }) => {
    const response = await request.get("/api/trpc/profile.get?input=%7B%22id%22%3A%22x%22%7D", {
      headers: { authorization: "Bearer cdp_not-a-real-token" },
    });
    expect(response.status()).toBe(401);
  });

  test("has no staff session without signing in", async ({ request }) => {
    const response = await request.get("/api/auth/get-session");
    expect(response.ok()).toBe(true);
    expect(await response.json()).toBeNull();
  });

  test("refuses an anonymous export", async ({ request }) => {
    const response = await request.get("/api/export?format=ndjson");
    expect(response.status()).toBe(401);
  });
});

test.describe("the API with a staff session", () => {
  test("answers a signed-in viewer, with personal data masked", async ({ page }) => {
    await signIn(page, "viewer");
    const session = (await (await page.request.get("/api/auth/get-session")).json()) as {
      user: { email: string; role: string };
    };
    expect(session.user).toMatchObject({ email: "e2e-viewer@example.com", role: "viewer" });

    // Seeded profiles (they have visits), not the newest: other specs import profiles without
    // personal data, which would leave nothing to mask.
    const input = { limit: 5, condition: { field: "stats.visits", op: "gt", value: 0 } };
    const response = await page.request.get(
      `/api/trpc/profile.list?input=${encodeURIComponent(JSON.stringify(input))}`,
    );
    expect(response.status()).toBe(200);
    const body = (await response.json()) as {
      result: { data: { items: { masked: string[] }[] } };
    };
    expect(body.result.data.items).toHaveLength(5);
    expect(body.result.data.items.some((i) => i.masked.length > 0)).toBe(true);
  });

  test("refuses a viewer's reveal: it needs the privacy permission", async ({ page }) => {
    await signIn(page, "viewer");
    const response = await page.request.post("/api/trpc/privacy.reveal", {
      data: { profileId: "any", fields: ["data.pii.lastname"], reason: "curious about it" },
    });
    expect(response.status()).toBe(403);
  });
});
