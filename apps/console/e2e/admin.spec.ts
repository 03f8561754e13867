import type { Page } from "@playwright/test";
import type { StaffRole } from "@cdp/auth";

import { E2E_BASE_URL } from "./constants";
import {
  apiMutation,
  apiQuery,
  navLinks,
  screenshot,
  seriousViolations,
  unique,
} from "./admin-helpers";
import { expect, signIn, test } from "./fixtures";
import { STAFF } from "./staff";

const NO_ACCESS = "You do not have access to this page";

/** What each role finds in the sidebar and on the admin pages (design §5). */
const ACCESS: Record<
  StaffRole,
  {
    links: string[];
    hidden: string[];
    forbidden: string[];
    editsConsentTypes: boolean;
    merges: boolean;
  }
> = {
  viewer: {
    links: ["Dashboard", "Profiles", "Duplicates", "Consent types", "Audit log"],
    hidden: ["Imports", "Staff", "Service tokens"],
    forbidden: ["/imports", "/users", "/tokens"],
    editsConsentTypes: false,
    merges: false,
  },
  editor: {
    links: ["Dashboard", "Profiles", "Duplicates", "Imports", "Consent types", "Audit log"],
    hidden: ["Staff", "Service tokens"],
    forbidden: ["/users", "/tokens"],
    editsConsentTypes: false,
    merges: true,
  },
  privacy: {
    links: ["Dashboard", "Profiles", "Duplicates", "Consent types", "Audit log"],
    hidden: ["Imports", "Staff", "Service tokens"],
    forbidden: ["/imports", "/users", "/tokens"],
    editsConsentTypes: false,
    merges: false,
  },
  admin: {
    links: [
      "Dashboard",
      "Profiles",
      "Duplicates",
      "Imports",
      "Consent types",
      "Audit log",
      "Staff",
      "Service tokens",
    ],
    hidden: [],
    forbidden: [],
    editsConsentTypes: true,
    merges: true,
  },
};

for (const [role, access] of Object.entries(ACCESS) as [StaffRole, (typeof ACCESS)[StaffRole]][]) {
  test(`${role}: sees the sections the role may use, and is turned away from the others`, async ({
    page,
  }) => {
    await signIn(page, role);
    await page.goto("/dashboard");
    const links = await navLinks(page);
    for (const name of access.links) expect(links).toContain(name);
    for (const name of access.hidden) expect(links).not.toContain(name);

    for (const path of access.forbidden) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1, name: NO_ACCESS })).toBeVisible();
    }
    for (const path of ["/users", "/tokens", "/imports"].filter(
      (p) => !access.forbidden.includes(p),
    )) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).not.toHaveText(NO_ACCESS);
    }

    await page.goto("/consent-types");
    await expect(page.getByRole("heading", { level: 1, name: "Consent types" })).toBeVisible();
    await expect(page.getByRole("button", { name: "New consent type" })).toHaveCount(
      access.editsConsentTypes ? 1 : 0,
    );

    await page.goto("/duplicates");
    await expect(page.getByRole("heading", { level: 1, name: "Duplicates" })).toBeVisible();
    if (!access.merges) {
      await expect(page.getByRole("button", { name: "Review merge…" })).toHaveCount(0);
    }
  });
}

test("a viewer's direct API calls to staff and token management are refused", async ({ page }) => {
  await signIn(page, "viewer");
  for (const path of ["user.list", "token.list"]) {
    const response = await page.request.get(`/api/trpc/${path}`);
    expect(response.status(), path).toBe(403);
  }
});

test.describe("staff accounts", () => {
  test("an admin adds a staff member (with field errors first), changes the role and disables the account", async ({
    page,
    playwright,
  }, testInfo) => {
    // Many steps, each a server round trip, and accessibility checks on a shared machine.
    test.slow();
    await signIn(page, "admin");
    await page.goto("/users");
    await expect(page.getByRole("heading", { level: 1, name: "Staff" })).toBeVisible();
    await expect(page.getByTestId(`staff-${STAFF.viewer.email}`)).toContainText(STAFF.viewer.name);
    // One's own account can be neither demoted nor disabled.
    const self = page.getByTestId(`staff-${STAFF.admin.email}`);
    await expect(self.getByRole("combobox", { name: /^Role of/ })).toBeDisabled();
    await expect(self.getByRole("button", { name: /^Disable/ })).toHaveCount(0);
    await screenshot(page, testInfo, "users");
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "Add staff member" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a staff member" });
    await dialog.getByLabel("Name").fill("Nina New");
    await dialog.getByLabel("E-mail").fill("not-an-address");
    await dialog.getByLabel("First password").fill("short");
    await dialog.getByRole("button", { name: "Add staff member" }).click();
    await expect(dialog.getByText("Enter a valid email address")).toBeVisible();
    await expect(dialog.getByText("At least 10 characters", { exact: true })).toBeVisible();
    await expect(dialog.getByLabel("First password")).toHaveAttribute("aria-invalid", "true");
    await screenshot(page, testInfo, "users-add-errors", false);
    expect(await seriousViolations(page)).toEqual([]);

    // An address already taken: the server's answer lands on the e-mail field.
    await dialog.getByLabel("E-mail").fill(STAFF.editor.email);
    await dialog.getByLabel("First password").fill("a-long-enough-password");
    await dialog.getByRole("button", { name: "Add staff member" }).click();
    await expect(
      dialog.getByText(`A staff account with ${STAFF.editor.email} already exists.`),
    ).toBeVisible();
    await expect(dialog.getByLabel("Name")).toHaveValue("Nina New");

    const email = `${unique("nina")}@example.com`;
    const password = "a-long-enough-password";
    await dialog.getByLabel("E-mail").fill(email);
    await dialog.getByLabel("Role").selectOption("editor");
    await dialog.getByRole("button", { name: "Add staff member" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText("Added Nina New as Editor")).toBeVisible();
    const row = page.getByTestId(`staff-${email}`);
    await expect(row).toContainText("Active");

    // The new account signs in.
    const other = await playwright.request.newContext({ baseURL: E2E_BASE_URL });
    const signInAs = () =>
      other.post("/api/auth/sign-in/email", {
        data: { email, password },
        headers: { origin: E2E_BASE_URL, "x-forwarded-for": "10.250.1.1" },
      });
    expect((await signInAs()).status()).toBe(200);

    await row.getByRole("combobox", { name: "Role of Nina New" }).selectOption("viewer");
    await expect(page.getByText("Nina New is now Viewer")).toBeVisible();
    const users = await apiQuery<{ email: string; role: string }[]>(page.request, "user.list");
    expect(users.find((u) => u.email === email)?.role).toBe("viewer");

    await row.getByRole("button", { name: "Disable Nina New" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Disable" }).click();
    await expect(row).toContainText("Disabled");
    // Signed out everywhere, and no new sign-in.
    expect((await other.get("/api/auth/get-session")).ok()).toBe(true);
    expect(await (await other.get("/api/auth/get-session")).json()).toBeNull();
    expect((await signInAs()).status()).not.toBe(200);
    await other.dispose();

    await row.getByRole("button", { name: "Enable Nina New" }).click();
    await expect(row).toContainText("Active");
  });
});

test.describe("service tokens", () => {
  test("a new token's secret is shown once, works, is gone after a reload, and stops working when revoked", async ({
    page,
    playwright,
  }, testInfo) => {
    // Many steps, each a server round trip, and accessibility checks on a shared machine.
    test.slow();
    await signIn(page, "admin");
    await page.goto("/tokens");
    await expect(page.getByRole("heading", { level: 1, name: "Service tokens" })).toBeVisible();

    await page.getByRole("button", { name: "Create token" }).click();
    const dialog = page.getByRole("dialog", { name: "Create a service token" });
    await dialog.getByRole("button", { name: "Create token" }).click();
    await expect(dialog.getByText("Give the token a name")).toBeVisible();
    await expect(dialog.getByText("Choose at least one scope")).toBeVisible();

    const name = unique("e2e-sync");
    await dialog.getByLabel("Name").fill(name);
    await dialog.getByRole("checkbox", { name: "profiles:read" }).check();
    await dialog.getByLabel("Expires after").selectOption("30");
    await screenshot(page, testInfo, "token-form", false);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Create token" }).click();

    const shown = page.getByRole("dialog", { name: `Token “${name}” created` });
    await expect(shown.getByText("you will not see it again")).toBeVisible();
    const secret = await shown.getByTestId("token-secret").inputValue();
    expect(secret).toMatch(/^cdp_/);
    await screenshot(page, testInfo, "token-secret", false);
    expect(await seriousViolations(page)).toEqual([]);

    // The secret is a working credential with exactly its scope.
    const service = await playwright.request.newContext({ baseURL: E2E_BASE_URL });
    const bearer = { authorization: `Bearer ${secret}` };
    const list = await service.get(
      `/api/trpc/profile.list?input=${encodeURIComponent(JSON.stringify({ limit: 1 }))}`,
      { headers: bearer },
    );
    expect(list.status()).toBe(200);
    expect((await service.get("/api/trpc/token.list", { headers: bearer })).status()).toBe(403);

    await shown.getByRole("button", { name: "I have stored it" }).click();
    await expect(shown).toBeHidden();
    const row = page.getByTestId(`token-${name}`);
    await expect(row).toContainText("profiles:read");
    await expect(row).toContainText("Active");
    await expect(row).toContainText(secret.slice(0, 12));

    // Never again: not on the page, not after a reload, not in the API's list.
    await page.reload();
    await expect(page.getByTestId(`token-${name}`)).toBeVisible();
    expect(await page.content()).not.toContain(secret);
    expect(JSON.stringify(await apiQuery(page.request, "token.list"))).not.toContain(secret);
    await screenshot(page, testInfo, "tokens");
    expect(await seriousViolations(page)).toEqual([]);

    await page
      .getByTestId(`token-${name}`)
      .getByRole("button", { name: `Revoke ${name}` })
      .click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
    await expect(page.getByTestId(`token-${name}`)).toContainText("Revoked");
    expect(
      (
        await service.get(
          `/api/trpc/profile.list?input=${encodeURIComponent(JSON.stringify({ limit: 1 }))}`,
          { headers: bearer },
        )
      ).status(),
    ).toBe(401);
    await service.dispose();
  });
});

async function openNewConsentType(page: Page) {
  await page.getByRole("button", { name: "New consent type" }).click();
  return page.getByRole("dialog", { name: "New consent type" });
}

test.describe("consent types", () => {
  test("an admin adds, edits and archives a consent type; mistakes are named on their fields", async ({
    page,
  }, testInfo) => {
    // Many steps, each a server round trip, and accessibility checks on a shared machine.
    test.slow();
    await signIn(page, "admin");
    await page.goto("/consent-types");
    const dialog = await openNewConsentType(page);
    await dialog.getByLabel("Id").fill("Not A Slug!");
    await dialog.getByLabel("Expires after").fill("one year");
    await dialog.getByRole("button", { name: "Add consent type" }).click();
    await expect(dialog.getByText("Give the consent type a name")).toBeVisible();
    await expect(dialog.getByText(/A consent type id uses lowercase letters/)).toBeVisible();
    await expect(dialog.getByText(/Expected an ISO-8601 duration/)).toBeVisible();
    await screenshot(page, testInfo, "consent-type-errors", false);
    expect(await seriousViolations(page)).toEqual([]);

    const id = unique("newsletter").toLowerCase();
    await dialog.getByLabel("Id").fill(id);
    await dialog.getByLabel("Name").fill("Weekly newsletter");
    await dialog.getByLabel("Description").fill("News and offers by e-mail, once a week.");
    await dialog.getByLabel("Purpose").selectOption("marketing");
    await dialog.getByLabel("Expires after").fill("P1Y");
    await dialog.getByLabel("Tags").fill("email, weekly");
    await dialog.getByRole("checkbox", { name: "Required" }).check();
    await dialog.getByRole("button", { name: "Add consent type" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText("Added “Weekly newsletter”")).toBeVisible();
    const row = page.getByTestId(`consent-type-${id}`);
    await expect(row).toContainText("Weekly newsletter");
    await expect(row).toContainText("P1Y");
    await expect(row).toContainText("Required");
    await expect(row).toContainText("weekly");

    // The same id again: the server's conflict lands on the id field, the form keeps its values.
    const again = await openNewConsentType(page);
    await again.getByLabel("Id").fill(id);
    await again.getByLabel("Name").fill("Duplicate");
    await again.getByRole("button", { name: "Add consent type" }).click();
    await expect(again.getByText(`A consent type with id "${id}" already exists.`)).toBeVisible();
    await expect(again.getByLabel("Id")).toHaveAttribute("aria-invalid", "true");
    await again.getByRole("button", { name: "Cancel" }).click();

    await row.getByRole("button", { name: "Edit Weekly newsletter" }).click();
    const edit = page.getByRole("dialog", { name: "Edit “Weekly newsletter”" });
    await expect(edit.getByLabel("Id")).toHaveAttribute("readonly", "");
    await edit.getByLabel("Name").fill("Monthly newsletter");
    await edit.getByLabel("Expires after").fill("");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect(edit).toBeHidden();
    await expect(row).toContainText("Monthly newsletter");
    await expect(row).not.toContainText("P1Y");
    await screenshot(page, testInfo, "consent-types");
    expect(await seriousViolations(page)).toEqual([]);

    await row.getByRole("button", { name: "Archive Monthly newsletter" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Archive" }).click();
    await expect(page.getByTestId(`consent-type-${id}`)).toHaveCount(0);
    await page.getByRole("link", { name: "Show archived" }).click();
    await expect(page.getByTestId(`consent-type-${id}`)).toContainText("Archived");
    await page
      .getByTestId(`consent-type-${id}`)
      .getByRole("button", { name: /^Restore/ })
      .click();
    await expect(page.getByTestId(`consent-type-${id}`)).not.toContainText("Archived");

    // Every step is in the audit log, with its before and after.
    await page.goto(`/audit?entity=consent_type&entityId=${id}`);
    const entries = page.getByTestId("audit-entry");
    await expect(entries).toHaveCount(4);
    await expect(entries.nth(0)).toContainText("consent_type.restore");
    await expect(entries.nth(3)).toContainText("consent_type.create");
    await expect(entries.nth(3)).toContainText(STAFF.admin.name);
    const update = entries.filter({ hasText: "consent_type.update" });
    await update.getByText(/fields? changed/).click();
    await expect(update.getByRole("row", { name: /^name/ })).toContainText("Weekly newsletter");
    await expect(update.getByRole("row", { name: /^name/ })).toContainText("Monthly newsletter");
    await screenshot(page, testInfo, "audit-filtered");
    expect(await seriousViolations(page)).toEqual([]);
  });
});

test.describe("audit log", () => {
  test("filters by actor, action and time, and says when a range is impossible", async ({
    page,
  }, testInfo) => {
    // Many steps, each a server round trip, and accessibility checks on a shared machine.
    test.slow();
    await signIn(page, "editor");
    const id = unique("audited");
    await apiMutation(page.request, "profile.create", { id });
    const editorId = (
      (await (await page.request.get("/api/auth/get-session")).json()) as { user: { id: string } }
    ).user.id;

    await page.goto("/audit");
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    await expect(page.getByTestId("audit-entry").first()).toBeVisible();
    await screenshot(page, testInfo, "audit");
    expect(await seriousViolations(page)).toEqual([]);

    const filters = page.getByRole("form", { name: "Filter the audit log" });
    await filters.getByLabel("Actor id").fill(editorId);
    await filters.getByLabel("Action").fill("profile.create");
    await filters.getByLabel("Entity id").fill(id);
    await filters.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/action=profile.create/);
    const entries = page.getByTestId("audit-entry");
    await expect(entries).toHaveCount(1);
    await expect(entries.first()).toContainText(STAFF.editor.name);
    await expect(entries.first().getByRole("link", { name: id })).toHaveAttribute(
      "href",
      `/profiles/${id}`,
    );

    // A range ending in the past holds none of it.
    await filters.getByLabel("To (UTC)").fill("2001-01-01T00:00");
    await filters.getByRole("button", { name: "Filter" }).click();
    await expect(page.getByText("No entries match these filters")).toBeVisible();

    await filters.getByLabel("From (UTC)").fill("2001-01-02T00:00");
    await filters.getByRole("button", { name: "Filter" }).click();
    await expect(page.getByText("The end is before the start")).toBeVisible();
    await expect(filters.getByLabel("To (UTC)")).toHaveAttribute("aria-invalid", "true");

    await page.getByRole("link", { name: "Clear" }).click();
    await expect(page).toHaveURL(/\/audit$/);
  });
});
