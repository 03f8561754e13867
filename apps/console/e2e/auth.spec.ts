import type { Page } from "@playwright/test";

import { E2E_BASE_URL } from "./constants";
import { expect, signIn, test, userMenu } from "./fixtures";
import { STAFF } from "./staff";

const email = (page: Page) => page.getByLabel("Email");
const password = (page: Page) => page.getByLabel("Password");
const submit = (page: Page) => page.getByRole("button", { name: "Sign in" });
// Next's route announcer is an alert too: name the form's own.
const signInError = (page: Page) => page.getByTestId("sign-in-error");

test("signed out, a console page sends you to sign in and back to that page afterwards", async ({
  page,
}) => {
  await page.goto("/profiles?q=smith");
  await expect(page).toHaveURL(/\/login\?next=%2Fprofiles%3Fq%3Dsmith$/);
  await expect(
    page.getByRole("heading", { level: 1, name: "Sign in to Profiles CDP" }),
  ).toBeVisible();

  await email(page).fill(STAFF.viewer.email);
  await password(page).fill(STAFF.viewer.password);
  await submit(page).click();

  await expect(page).toHaveURL(/\/profiles\?q=smith$/);
  await expect(page.getByRole("searchbox", { name: "Search profiles" })).toHaveValue("smith");
  await expect(userMenu(page)).toContainText(STAFF.viewer.name);
  await expect(userMenu(page).getByTestId("role-badge")).toHaveText("Viewer");
});

test("a profile page asked for while signed out opens after signing in", async ({ page }) => {
  await page.goto("/profiles/no-such-profile-0000");
  await expect(page).toHaveURL(/\/login\?next=%2Fprofiles%2Fno-such-profile-0000$/);
  await email(page).fill(STAFF.editor.email);
  await password(page).fill(STAFF.editor.password);
  await password(page).press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Profile not found" })).toBeVisible();
});

test("after sign-in, a next= pointing off the site goes to the dashboard instead", async ({
  page,
}) => {
  await page.goto("/login?next=https%3A%2F%2Fevil.example%2Fphish");
  await email(page).fill(STAFF.viewer.email);
  await password(page).fill(STAFF.viewer.password);
  await submit(page).click();
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/dashboard$/);

  // Signed in, the sign-in page forwards at once, again only within the site.
  await page.goto("/login?next=%2F%2Fevil.example");
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/dashboard$/);
});

test("empty and malformed fields are named before anything is sent", async ({ page }) => {
  let sent = 0;
  page.on("request", (r) => {
    if (r.url().includes("/api/auth/sign-in")) sent++;
  });
  await page.goto("/login");
  await submit(page).click();
  await expect(page.getByText("Enter your email address")).toBeVisible();
  await expect(page.getByText("Enter your password")).toBeVisible();
  await expect(email(page)).toHaveAttribute("aria-invalid", "true");
  await expect(email(page)).toBeFocused();

  await email(page).fill("not-an-email");
  await password(page).fill("whatever");
  await submit(page).click();
  await expect(page.getByText("Enter an email address such as name@example.com")).toBeVisible();
  await expect(page.getByText("Enter your password")).toHaveCount(0);
  expect(sent).toBe(0);
});

test("a wrong password is refused with a message that does not say which part was wrong", async ({
  page,
}) => {
  await page.goto("/login");
  await email(page).fill(STAFF.viewer.email);
  await password(page).fill("not-the-password");
  await submit(page).click();
  await expect(signInError(page)).toContainText("Wrong email or password");
  await expect(page).toHaveURL(/\/login$/);
  await expect(password(page)).toBeFocused();

  // An unknown account gets the very same answer.
  await email(page).fill("nobody@example.com");
  await submit(page).click();
  await expect(signInError(page)).toContainText("Wrong email or password");

  // And then the right password works.
  await email(page).fill(STAFF.viewer.email);
  await password(page).fill(STAFF.viewer.password);
  await submit(page).click();
  await expect(page).toHaveURL(/\/dashboard$/);
});

test("repeated attempts are throttled, with a message saying when to try again", async ({
  page,
}) => {
  await page.goto("/login");
  await email(page).fill(STAFF.viewer.email);
  const statuses: number[] = [];
  page.on("response", (r) => {
    if (r.url().includes("/api/auth/sign-in/email")) statuses.push(r.status());
  });
  // The e2e console allows 5 attempts per minute from one address (playwright.config.ts).
  for (let i = 1; i <= 5; i++) {
    await password(page).fill(`wrong-guess-${i}`);
    await submit(page).click();
    await expect.poll(() => statuses.length).toBe(i);
    await expect(signInError(page)).toContainText("Wrong email or password");
  }
  await password(page).fill(STAFF.viewer.password);
  await submit(page).click();
  await expect(signInError(page)).toContainText("Too many sign-in attempts");
  await expect(signInError(page)).toContainText(/Try again in \d+ seconds?/);
  await expect(page).toHaveURL(/\/login$/);
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
});

test("signing out ends the session: console pages ask to sign in again", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/profiles?q=a");
  await userMenu(page).click();
  const menu = page.getByRole("menu");
  await expect(menu).toContainText(STAFF.admin.email);
  await menu.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByText("Signed out")).toBeVisible();

  await page.goto("/profiles?q=a");
  await expect(page).toHaveURL(/\/login\?next=%2Fprofiles%3Fq%3Da$/);
  const session = await page.request.get("/api/auth/get-session");
  expect(await session.json()).toBeNull();
});

test("a session cookie that is not a live session is sent to sign in", async ({
  page,
  context,
}) => {
  // Enough for proxy.ts's cookie check; the server layout then finds no such session.
  await context.addCookies([
    { name: "better-auth.session_token", value: "forged.value", url: E2E_BASE_URL },
  ]);
  await page.goto("/profiles?q=abc");
  await expect(page).toHaveURL(/\/login\?next=%2Fprofiles%3Fq%3Dabc$/);
  await expect(
    page.getByRole("heading", { level: 1, name: "Sign in to Profiles CDP" }),
  ).toBeVisible();
});
