import { expect, test } from "@playwright/test";

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
