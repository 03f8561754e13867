import { createHash } from "node:crypto";
import { expect, test as base } from "@playwright/test";
import type { Page } from "@playwright/test";
import type { StaffRole } from "@cdp/auth";

import { E2E_BASE_URL } from "./constants";
import { STAFF } from "./staff";

/**
 * Each test reaches the console from its own client address (X-Forwarded-For, as a reverse proxy
 * in front of the console sets it, and which the sign-in throttle counts by). Tests running in
 * parallel then cannot use up each other's sign-in attempts, and the throttling test sees exactly
 * its own.
 */
export const test = base.extend({
  extraHTTPHeaders: async ({ extraHTTPHeaders }, provide, testInfo) => {
    const h = createHash("sha256").update(`${testInfo.testId}#${testInfo.retry}`).digest();
    const address = `10.${h.readUInt8(0)}.${h.readUInt8(1)}.${h.readUInt8(2)}`;
    await provide({ ...extraHTTPHeaders, "x-forwarded-for": address });
  },
});

export { expect };

/**
 * Signs the page's browser context in as the e2e account of `role`, through the sign-in endpoint
 * (the sign-in page itself is tested in auth.spec.ts). The session cookie lands in the context.
 */
export async function signIn(page: Page, role: StaffRole): Promise<void> {
  const { email, password } = STAFF[role];
  const response = await page.request.post("/api/auth/sign-in/email", {
    data: { email, password },
    headers: { origin: E2E_BASE_URL },
  });
  expect(response.status(), `sign-in as ${role}`).toBe(200);
}

/** The open user menu's trigger in the sidebar (or the top bar on narrow screens). */
export const userMenu = (page: Page) => page.getByRole("button", { name: /^Account:/ });
