import type { Page } from "@playwright/test";
import type { RouterOutputs } from "@cdp/api";

import { apiMutation, apiQuery, screenshot, seriousViolations, unique } from "./admin-helpers";
import { expect, signIn, test } from "./fixtures";

type Rule = RouterOutputs["mapping"]["get"];
type TrackOutput = RouterOutputs["profile"]["track"];

const toast = (page: Page, text: string | RegExp) =>
  page.locator("[data-sonner-toast]").filter({ hasText: text });

/** Waits until the editor's form is interactive (hydrated). */
async function editorReady(page: Page) {
  await expect(page.locator("form[data-ready]")).toBeVisible();
}

const row = (page: Page, n: number) => page.getByTestId("mapping-row").nth(n - 1);

test.describe("mapping rules", () => {
  test("an admin builds a rule in the editor, tests it, saves and enables it, and tracked events are mapped with the rule named in the audit", async ({
    page,
  }, testInfo) => {
    test.slow();
    // An event type of this test alone: enabled rules apply to every event of their types.
    const type = unique("signup");
    const name = `Signup plan ${type}`;
    const ruleId = `signup-plan-${type}`;
    await signIn(page, "admin");
    const { profile } = await apiMutation<RouterOutputs["profile"]["create"]>(
      page.request,
      "profile.create",
      { id: `mapped-${type}` },
    );

    await page.goto("/mappings/new");
    await editorReady(page);
    await page.getByLabel("Name", { exact: true }).fill(name);
    // The id follows the name until typed.
    await expect(page.getByLabel("Id", { exact: true })).toHaveValue(ruleId);
    await page.getByLabel("Event types").fill(type);

    await row(page, 1).getByLabel("From, mapping 1").fill("properties.plan");
    await row(page, 1).getByLabel("To, mapping 1").fill("traits.plan");
    await expect(row(page, 1).getByTestId("target-info")).toContainText("json");
    await expect(row(page, 1).getByLabel("Operation, mapping 1")).toHaveValue("set");

    // A second mapping whose value cannot go where it points: the field error names the mapping.
    await page.getByRole("button", { name: "Add mapping" }).click();
    await row(page, 2).getByLabel("From, mapping 2").fill("type");
    await row(page, 2).getByLabel("To, mapping 2").fill("stats.counters.signups");
    await row(page, 2).getByLabel("Operation, mapping 2").selectOption("increment");
    const mismatch = page
      .getByTestId("field-error")
      .filter({ hasText: "Mapping 2 (type → stats.counters.signups)" });
    await expect(mismatch).toContainText("increment needs a number, not a string");
    await expect(row(page, 2).getByLabel("To, mapping 2")).toHaveAttribute("aria-invalid", "true");
    // Saving is refused while the rule has problems.
    await page.getByRole("button", { name: "Create rule" }).click();
    await expect(page.getByTestId("rule-problem")).toContainText("increment needs a number");

    // Fixed: count one per signup, from a constant.
    await row(page, 2).getByLabel("Source kind, mapping 2").selectOption("const");
    await row(page, 2).getByLabel("From, mapping 2").fill("1");
    await expect(page.getByTestId("field-error")).toHaveCount(0);

    // The flow view follows the form: event type → condition → two mappings → two fields.
    const flow = page.getByTestId("mapping-flow");
    await expect(flow.locator(".react-flow__node")).toHaveCount(6);
    await expect(flow).toContainText(type);
    await expect(flow).toContainText("stats.counters.signups");

    // The test panel runs the draft on a sample event: the diff, nothing written.
    const panel = page.getByTestId("mapping-test-panel");
    await panel
      .getByLabel("Event JSON")
      .fill(JSON.stringify({ type, properties: { plan: "pro" } }, null, 2));
    await panel.getByLabel("Profile id (optional)").fill(profile.id);
    await panel.getByRole("button", { name: "Run test" }).click();
    const changes = panel.getByTestId("mapping-test-change");
    await expect(changes.filter({ hasText: "traits.plan" })).toContainText("pro");
    await expect(changes.filter({ hasText: "stats.counters.signups" })).toContainText("1");
    await expect(panel.getByRole("list", { name: "Rules that ran" })).toContainText(name);
    // From the top: the flow view is sticky, and a full-page capture keeps the scroll position.
    await page.mouse.wheel(0, -5000);
    await expect(page.getByRole("heading", { level: 1 })).toBeInViewport();
    await screenshot(page, testInfo, "mapping-editor-light");
    expect(await seriousViolations(page)).toEqual([]);
    const untouched = await apiQuery<RouterOutputs["profile"]["get"]>(page.request, "profile.get", {
      id: profile.id,
    });
    expect(untouched.profile.traits.plan).toBeUndefined();

    // Saved (disabled), then enabled on its page.
    await page.getByRole("button", { name: "Create rule" }).click();
    await expect(toast(page, `Created “${name}”`)).toBeVisible();
    await page.waitForURL(`**/mappings/${ruleId}`);
    await editorReady(page);
    const enabled = page.getByRole("switch", { name: `Enabled: ${name}` });
    await expect(enabled).toHaveAttribute("aria-checked", "false");
    await enabled.click();
    await expect(enabled).toHaveAttribute("aria-checked", "true");
    await expect(toast(page, `Enabled “${name}”`)).toBeVisible();

    // The event through the API, as tracking receives it.
    const tracked = await apiMutation<TrackOutput>(page.request, "profile.track", {
      events: [
        {
          profileId: profile.id,
          type,
          time: new Date().toISOString(),
          properties: { plan: "pro" },
        },
      ],
    });
    expect(tracked.results[0]).toMatchObject({ ok: true });

    await page.goto(`/profiles/${encodeURIComponent(profile.id)}`);
    await expect(page.getByLabel("Profile JSON")).toContainText('"plan": "pro"');
    await expect(page.getByLabel("Profile JSON")).toContainText('"signups": 1');
    await page.goto(`/profiles/${encodeURIComponent(profile.id)}?tab=audit`);
    const applied = page.locator('li[data-action="mapping.apply"]');
    await expect(applied).toHaveCount(1);
    await expect(applied).toContainText(new RegExp(`Mapping rule "${ruleId}" \\(version \\d+\\)`));
    await expect(applied).toContainText("traits.plan");
    // The field history names the rule beside the fields it set.
    await page.goto(`/profiles/${encodeURIComponent(profile.id)}?tab=history`);
    const planRow = page.locator('tr[data-path="traits.plan"]');
    await expect(planRow.getByTestId("field-rule")).toHaveText(
      new RegExp(`^by Mapping rule "${ruleId}" \\(version \\d+\\)$`),
    );

    // A second version, and the history shows what changed between them.
    await page.goto(`/mappings/${ruleId}`);
    await editorReady(page);
    await page.getByLabel("Name", { exact: true }).fill(`${name} v2`);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect(toast(page, /as version \d+/)).toBeVisible();
    await page.getByRole("tab", { name: /Version history/ }).click();
    const history = page.getByRole("tabpanel", { name: /Version history/ });
    await expect(history.locator("[data-testid^=mapping-version-]")).toHaveCount(2);
    await expect(history.getByTestId("version-diff")).toContainText(`${name} v2`);
    await screenshot(page, testInfo, "mapping-history-light");

    // The list shows it enabled, in running order.
    await page.goto("/mappings");
    const listed = page.getByTestId(`mapping-row-${ruleId}`);
    await expect(listed).toContainText(`${name} v2`);
    await expect(listed.getByRole("switch")).toHaveAttribute("aria-checked", "true");
    await screenshot(page, testInfo, "mapping-list-light");
    expect(await seriousViolations(page)).toEqual([]);
  });

  test("a stale save shows a conflict, and a bad import file shows its field errors", async ({
    page,
  }) => {
    const type = unique("order");
    await signIn(page, "admin");
    const rule = await apiMutation<Rule>(page.request, "mapping.create", {
      id: `stale-${type}`,
      name: `Stale ${type}`,
      eventTypes: [type],
      mappings: [{ from: "properties.total", to: "traits.total", op: "set" }],
    });
    await page.goto(`/mappings/${rule.id}`);
    await editorReady(page);
    // Someone else saves meanwhile.
    await apiMutation<Rule>(page.request, "mapping.update", {
      id: rule.id,
      version: rule.version,
      name: `Stale ${type} elsewhere`,
      eventTypes: [type],
      mappings: [{ from: "properties.total", to: "traits.total", op: "set" }],
    });
    await page.getByLabel("Name", { exact: true }).fill(`Stale ${type} here`);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect(page.getByTestId("rule-problem")).toContainText("Someone saved this rule");

    await page.goto("/mappings");
    await page.getByRole("button", { name: "Import JSON" }).click();
    const dialog = page.getByRole("dialog", { name: "Import mapping rules" });
    await dialog.getByLabel("Export file").setInputFiles({
      name: "rules.json",
      mimeType: "application/json",
      buffer: Buffer.from(
        JSON.stringify({
          format: "cdp.mapping-rules/1",
          rules: [
            {
              id: `bad-${type}`,
              name: "Bad",
              eventTypes: [type],
              mappings: [{ from: "type", to: "stats.counters.x", op: "increment" }],
            },
          ],
        }),
      ),
    });
    await dialog.getByRole("button", { name: "Import", exact: true }).click();
    await expect(dialog.getByTestId("import-errors")).toContainText("rules.0.mappings.0");
    await expect(dialog.getByTestId("import-errors")).toContainText(
      "Mapping 1 (type → stats.counters.x)",
    );
  });

  test("a viewer sees the rules read-only", async ({ page }) => {
    const type = unique("visit");
    await signIn(page, "admin");
    const rule = await apiMutation<Rule>(page.request, "mapping.create", {
      id: `viewer-${type}`,
      name: `Viewer ${type}`,
      eventTypes: [type],
      mappings: [{ from: "properties.page", to: "traits.last_page", op: "set" }],
    });

    await signIn(page, "viewer");
    await page.goto("/mappings");
    await expect(page.getByRole("heading", { level: 1, name: "Mappings" })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Mappings");
    const listed = page.getByTestId(`mapping-row-${rule.id}`);
    await expect(listed).toBeVisible();
    await expect(listed.getByRole("switch")).toBeDisabled();
    await expect(page.getByRole("link", { name: "New rule" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Import JSON" })).toHaveCount(0);
    await expect(page.getByText("only admins change them")).toBeVisible();

    await listed.getByRole("link", { name: `Open ${rule.name}` }).click();
    await editorReady(page);
    await expect(page.getByLabel("Name", { exact: true })).toBeDisabled();
    await expect(page.getByLabel("From, mapping 1")).toBeDisabled();
    await expect(page.getByRole("button", { name: "Save", exact: true })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Delete" })).toHaveCount(0);
    await expect(page.getByRole("switch", { name: `Enabled: ${rule.name}` })).toBeDisabled();

    await page.goto("/mappings/new");
    await expect(
      page.getByRole("heading", { level: 1, name: "You do not have access to this page" }),
    ).toBeVisible();
  });
});
