import AxeBuilder from "@axe-core/playwright";
import type { Page, TestInfo } from "@playwright/test";

import { apiMutation, unique } from "./admin-helpers";
import { expect, signIn, test } from "./fixtures";
import { readSeededProfiles } from "./seeded";

/** Serious and critical WCAG 2.1 A/AA violations on the page as it is now, with where they are. */
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    );
}

async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

for (const theme of ["light", "dark"] as const) {
  test.describe(`${theme} theme`, () => {
    test.use({ colorScheme: theme });

    test("the sign-in page has no serious accessibility violation", async ({ page }, testInfo) => {
      await page.goto("/login");
      await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
      await screenshot(page, testInfo, `login-${theme}`);
      // With its field errors shown, too.
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByText("Enter your email address")).toBeVisible();
      await screenshot(page, testInfo, `login-errors-${theme}`);
      expect(await seriousViolations(page)).toEqual([]);
    });

    test("the profiles list has no serious accessibility violation", async ({ page }, testInfo) => {
      await signIn(page, "viewer");
      await page.goto("/profiles");
      await expect(page.getByRole("table", { name: /profiles/i })).toBeVisible();
      await screenshot(page, testInfo, `profiles-${theme}`);
      expect(await seriousViolations(page)).toEqual([]);
    });

    test("a profile page, its reveal dialog and revealed values have no serious accessibility violation", async ({
      page,
    }, testInfo) => {
      const person = readSeededProfiles().find((p) => p.lastname && p.emails[0]);
      await signIn(page, "privacy");
      await page.goto(`/profiles/${encodeURIComponent(person!.id)}`);
      await expect(page.getByLabel("Profile JSON")).toBeVisible();
      await screenshot(page, testInfo, `profile-${theme}`);
      expect(await seriousViolations(page)).toEqual([]);

      await page.getByRole("button", { name: "Reveal…" }).click();
      const dialog = page.getByRole("dialog", { name: "Reveal personal data" });
      await dialog.getByRole("button", { name: "Reveal", exact: true }).click();
      await expect(dialog.getByText("Give a reason for revealing this data")).toBeVisible();
      await page.screenshot({ path: testInfo.outputPath(`reveal-dialog-${theme}.png`) });
      expect(await seriousViolations(page)).toEqual([]);

      await dialog.getByRole("checkbox", { name: /^All \d+ fields$/ }).check();
      await dialog.getByLabel("Reason").fill("Accessibility check of the reveal flow (e2e)");
      await dialog.getByRole("button", { name: "Reveal", exact: true }).click();
      await expect(page.getByRole("region", { name: "Revealed personal data" })).toBeVisible();
      await screenshot(page, testInfo, `profile-revealed-${theme}`);
      expect(await seriousViolations(page)).toEqual([]);
    });

    test("the mapping rules list and a rule's editor have no serious accessibility violation", async ({
      page,
    }, testInfo) => {
      const type = unique("a11y");
      await signIn(page, "admin");
      const rule = await apiMutation<{ id: string }>(page.request, "mapping.create", {
        id: `a11y-${type}`,
        name: `Accessibility ${type}`,
        eventTypes: [type],
        mappings: [
          { from: "properties.plan", to: "traits.plan", op: "set" },
          { from: "properties.first_name", to: "data.pii.firstname", op: "set", transform: "trim" },
        ],
      });
      await page.goto("/mappings");
      await expect(page.getByTestId(`mapping-row-${rule.id}`)).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      await page.goto(`/mappings/${rule.id}`);
      await expect(page.locator("form[data-ready]")).toBeVisible();
      await expect(page.getByTestId("mapping-flow").locator(".react-flow__node")).toHaveCount(6);
      await screenshot(page, testInfo, `mapping-editor-${theme}`);
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole("tab", { name: /Version history/ }).click();
      expect(await seriousViolations(page)).toEqual([]);
    });
  });
}

test("the theme can be switched in the user menu and stays switched", async ({ page }) => {
  await signIn(page, "editor");
  await page.goto("/profiles");
  await page.getByRole("button", { name: /^Account:/ }).click();
  await page.getByRole("menuitemradio", { name: "Dark" }).click();
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  await page.reload();
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  await page.getByRole("button", { name: /^Account:/ }).click();
  await page.getByRole("menuitemradio", { name: "Light" }).click();
  await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
});
