import type { Page } from "@playwright/test";

import { apiQuery, unique } from "./admin-helpers";
import { E2E_BASE_URL } from "./constants";
import { expect, signIn, test } from "./fixtures";

/** Collects the page's CSP violations (reported by the browser as DOM events). */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (e) => {
      seen.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return () =>
    page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
}

test("pages carry a nonce CSP and security headers, and run without a violation", async ({
  page,
}) => {
  const violations = await watchViolations(page);
  await signIn(page, "admin");

  const first = await page.goto("/profiles");
  const second = await page.goto("/segments");
  const policies = [first, second].map((r) => r?.headers()["content-security-policy"] ?? "");
  for (const policy of policies) {
    expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("object-src 'none'");
  }
  const nonceOf = (policy: string) => /'nonce-([^']+)'/.exec(policy)?.[1];
  expect(nonceOf(policies[0] ?? ""), "a fresh nonce per response").not.toBe(
    nonceOf(policies[1] ?? ""),
  );

  const headers = first?.headers() ?? {};
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(headers["x-powered-by"]).toBeUndefined();

  // The console works under the policy: these screens render and hydrate (the theme menu is a
  // client component) with nothing blocked.
  for (const path of ["/", "/profiles", "/segments", "/audit"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  }
  await page.goto("/profiles");
  await expect(page.getByRole("table", { name: /profiles/i })).toHaveAttribute(
    "data-keys",
    "ready",
  );
  expect(await violations()).toEqual([]);

  // Markup an attacker managed to put into a page (say, a stored value rendered unescaped) cannot
  // run script: the answer is served as the console sent it, headers included, plus that markup.
  await page.route("**/segments", async (route) => {
    const original = await route.fetch();
    const html = (await original.text()).replace(
      "</body>",
      '<script>window.__injected = true</script><img src=x onerror="window.__injected = true"></body>',
    );
    await route.fulfill({ response: original, body: html });
  });
  await page.goto("/segments");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  expect(
    await page.evaluate(() => (window as { __injected?: boolean }).__injected),
  ).toBeUndefined();
  expect((await violations()).filter((v) => v.startsWith("script-src"))).toHaveLength(2);
});

test("API answers carry the security headers too", async ({ page }) => {
  await signIn(page, "viewer");
  const response = await page.request.get(
    `/api/trpc/profile.list?input=${encodeURIComponent(JSON.stringify({ limit: 1 }))}`,
  );
  expect(response.status()).toBe(200);
  expect(response.headers()["x-content-type-options"]).toBe("nosniff");
  expect(response.headers()["x-frame-options"]).toBe("DENY");
});

test("the session cookie is HttpOnly and SameSite=Lax", async ({ page, context }) => {
  await signIn(page, "viewer");
  const session = (await context.cookies()).find((c) => c.name.endsWith("session_token"));
  expect(session, "a session cookie after sign-in").toBeDefined();
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");
  expect(session?.path).toBe("/");
  // Over plain http the browser would drop a Secure cookie; https deployments get Secure (and the
  // __Secure- prefix), which packages/auth's tests check.
  await page.goto("/profiles");
  expect(await page.evaluate(() => document.cookie)).not.toContain("session_token");
});

test("a form on another site cannot make a signed-in admin change anything", async ({ page }) => {
  await signIn(page, "admin");
  const id = unique("csrf");
  // The attacker's page, on its own origin, posts a JSON-looking text/plain form to the console.
  await page.route("http://attacker.test/**", (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<!doctype html><form id="f" method="POST" enctype="text/plain"
        action="${E2E_BASE_URL}/api/trpc/consent.types.create">
        <input type="hidden" name='{"id":"${id}","name":"Stolen","purpose":"marketing","x":"' value='"}'>
      </form><script>document.getElementById("f").submit()</script>`,
    }),
  );
  await page.goto("http://attacker.test/");
  await page.waitForURL(`${E2E_BASE_URL}/api/trpc/consent.types.create`);
  await expect(page.locator("body")).toContainText("Refused: this request came from another site");

  const types = await apiQuery<{ id: string }[]>(page.request, "consent.types.list", {
    includeArchived: true,
  });
  expect(types.map((t) => t.id)).not.toContain(id);
});

test("a write naming another origin is refused; sign-in from another origin too", async ({
  page,
  playwright,
}) => {
  await signIn(page, "admin");
  const crossSite = await page.request.post("/api/trpc/consent.types.create", {
    data: { id: unique("csrf-origin"), name: "Stolen", purpose: "marketing" },
    headers: { origin: "http://attacker.test" },
  });
  expect(crossSite.status()).toBe(403);
  expect(await crossSite.text()).toContain("another site");

  const outsider = await playwright.request.newContext({ baseURL: E2E_BASE_URL });
  const signInElsewhere = await outsider.post("/api/auth/sign-in/email", {
    data: { email: "admin@example.com", password: "whatever-it-is" },
    headers: { origin: "http://attacker.test" },
  });
  expect(signInElsewhere.status()).toBe(403);
  await outsider.dispose();
});
