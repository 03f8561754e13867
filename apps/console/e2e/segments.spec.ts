import type { Page } from "@playwright/test";
import type { RouterOutputs } from "@cdp/api";

import { expect, signIn, test } from "./fixtures";
import {
  api,
  builderLeaves,
  builderReady,
  createSegment,
  previewCount,
  queryText,
  screenshot,
  seedTagged,
  seriousViolations,
  unique,
} from "./segments-helpers";

type Preview = RouterOutputs["segment"]["preview"];
type ProfilePage = RouterOutputs["profile"]["list"];

const toast = (page: Page, text: string | RegExp) =>
  page.locator("[data-sonner-toast]").filter({ hasText: text });

test.describe("the segment builder", () => {
  test("previews what the API counts, keeps text and builder in sync, and saves a segment with its members and history", async ({
    page,
  }, testInfo) => {
    test.slow();
    const tag = unique();
    await signIn(page, "editor");
    await seedTagged(page, tag, 5, 3);

    await page.goto("/segments/new");
    await builderReady(page);
    await page.getByLabel("Name", { exact: true }).fill(`Active ${tag}`);
    // The id follows the name until typed.
    await expect(page.getByLabel("Id", { exact: true })).toHaveValue(`active-${tag}`);

    const text = `traits.e2e = "${tag}" and stats.visits >= 3`;
    await queryText(page).fill(text);

    // The builder follows the text: two leaves, with the field, operator and value written.
    await expect(builderLeaves(page)).toHaveCount(2);
    const [tagLeaf, visitsLeaf] = [builderLeaves(page).nth(0), builderLeaves(page).nth(1)];
    await expect(tagLeaf.getByLabel("Key under traits")).toHaveValue("e2e");
    await expect(tagLeaf.getByLabel("Value", { exact: true })).toHaveValue(tag);
    await expect(visitsLeaf.getByLabel("Field", { exact: true })).toHaveValue("stats.visits");
    await expect(visitsLeaf.getByLabel("Operator")).toHaveValue("gte");
    await expect(visitsLeaf.getByLabel("Value", { exact: true })).toHaveValue("3");
    await expect(page.getByTestId("condition-sentence")).toContainText(
      `Trait "e2e" is "${tag}" and Visits is at least 3`,
    );

    // The live preview counts what the API counts for the same condition.
    const condition = {
      and: [
        { field: "traits.e2e", op: "eq", value: tag },
        { field: "stats.visits", op: "gte", value: 3 },
      ],
    };
    const fromApi = await api<Preview>(page, "segment.preview", { condition }, "query");
    const listed = await api<ProfilePage>(
      page,
      "profile.list",
      { condition, withTotal: true, limit: 1 },
      "query",
    );
    expect(fromApi.count).toBe(3);
    expect(listed.total).toBe(3);
    await expect(previewCount(page)).toHaveText(String(fromApi.count));
    await expect(page.getByTestId("preview-sample").getByRole("listitem")).toHaveCount(3);

    // The text follows the builder: lowering the bound rewrites it, and the preview follows.
    await visitsLeaf.getByLabel("Value", { exact: true }).fill("1");
    await expect(queryText(page)).toHaveValue(`traits.e2e = "${tag}" and stats.visits >= 1`);
    await expect(previewCount(page)).toHaveText("5");

    // A negated leaf added in the builder shows in the text as `not …`.
    await page.getByRole("button", { name: "Add condition" }).last().click();
    await page.getByRole("menuitem", { name: "Profile field" }).click();
    const added = builderLeaves(page).nth(2);
    await added.getByLabel("Field", { exact: true }).selectOption("stats.views");
    await added.getByLabel("Operator").selectOption("gt");
    await added.getByLabel("Value", { exact: true }).fill("100");
    await added.getByRole("button", { name: "not" }).click();
    await expect(queryText(page)).toHaveValue(
      `traits.e2e = "${tag}" and stats.visits >= 1 and not stats.views > 100`,
    );
    await expect(previewCount(page)).toHaveText("5");

    // Why it matched, for a profile of the sample: every part of the condition, each matched.
    await page
      .getByTestId("preview-sample")
      .getByRole("button", { name: /^Why does/ })
      .first()
      .click();
    const explanation = page.getByTestId("preview-explanation");
    await expect(explanation).toContainText("would be a member");
    // and(tag, visits, not(views)): five parts; only the negated one's inner part fails.
    await expect(explanation.locator("li[data-matched]")).toHaveCount(5);
    await expect(explanation.locator("li[data-matched]").first()).toHaveAttribute(
      "data-matched",
      "true",
    );
    const failed = explanation.locator('li[data-matched="false"]');
    await expect(failed).toHaveCount(1);
    await expect(failed).toContainText("Views is greater than 100");

    await screenshot(page, testInfo, "segment-builder");
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "Create segment" }).click();
    await expect(page).toHaveURL(new RegExp(`/segments/active-${tag}$`));
    await expect(page.getByRole("heading", { level: 1, name: `Active ${tag}` })).toBeVisible();
    await expect(page.getByTestId("segment-size")).toHaveText("5 members");
    const members = page.getByRole("table", { name: `Members of Active ${tag}` });
    await expect(members.locator("tbody tr")).toHaveCount(5);
    // Personal data stays masked for an editor.
    await expect(members.locator("[data-masked]").first()).toBeVisible();
    const history = page.getByRole("list", { name: "Entries and exits, newest first" });
    await expect(history.locator('li[data-kind="entered"]')).toHaveCount(5);
    await expect(history.getByText("Segment created").first()).toBeVisible();

    await screenshot(page, testInfo, "segment-page");
    expect(await seriousViolations(page)).toEqual([]);

    // Refresh now: checked again for every profile, nothing changes.
    await page.getByRole("button", { name: "Refresh now" }).click();
    await expect(toast(page, `Refreshed “Active ${tag}”`)).toBeVisible();
    await expect(toast(page, "0 entered, 0 left")).toBeVisible();
  });

  test("shows a syntax error where it is and keeps the builder on the last valid condition", async ({
    page,
  }, testInfo) => {
    await signIn(page, "editor");
    await page.goto("/segments/new");
    await builderReady(page);
    await queryText(page).fill("stats.visits >= 3");
    await expect(builderLeaves(page)).toHaveCount(1);

    await queryText(page).fill("stats.visits >= 3 and and");
    const error = page.getByTestId("query-error");
    await expect(error).toBeVisible();
    // The second "and" (offset 22, column 23) is marked.
    await expect(error).toHaveAttribute("data-offset", "22");
    await expect(error.getByTestId("query-error-mark")).toHaveText("and");
    await expect(error).toContainText("column 23");
    await expect(queryText(page)).toHaveAttribute("aria-invalid", "true");
    // The builder keeps the last valid condition and cannot be edited until the text is fixed.
    await expect(builderLeaves(page)).toHaveCount(1);
    await expect(builderLeaves(page).first().getByLabel("Operator")).toBeDisabled();
    await expect(page.getByTestId("segment-preview")).toContainText("The query text has an error");

    // An unknown field is marked at the field.
    await queryText(page).fill('stats.visits >= 3 and data.pii.nick = "x"');
    await expect(error).toHaveAttribute("data-offset", "22");
    await expect(error.getByTestId("query-error-mark")).toHaveText("data.pii.nick");
    await expect(error).toContainText('Unknown field "data.pii.nick"');
    await screenshot(page, testInfo, "segment-builder-error");
    expect(await seriousViolations(page)).toEqual([]);

    // Saving is refused with the reason at the condition, nothing lost.
    await page.getByLabel("Name", { exact: true }).fill("Broken");
    await page.getByRole("button", { name: "Create segment" }).click();
    await expect(page.getByTestId("condition-server-error")).toContainText(
      "query text has an error",
    );
    await expect(page).toHaveURL(/\/segments\/new$/);
    await expect(queryText(page)).toHaveValue('stats.visits >= 3 and data.pii.nick = "x"');
  });

  test("shows the server's objections: an id taken, and segments referring to each other in a circle", async ({
    page,
  }) => {
    const tag = unique();
    await signIn(page, "editor");
    await createSegment(page, {
      id: `base-${tag}`,
      name: `Base ${tag}`,
      condition: { field: "traits.e2e", op: "eq", value: tag },
    });
    await createSegment(page, {
      id: `uses-${tag}`,
      name: `Uses ${tag}`,
      condition: { segment: { id: `base-${tag}` } },
    });

    await page.goto("/segments/new");
    await builderReady(page);
    await page.getByLabel("Name", { exact: true }).fill(`Base ${tag}`);
    await queryText(page).fill("stats.visits >= 1");
    await page.getByRole("button", { name: "Create segment" }).click();
    await expect(page.getByText(`A segment with id "base-${tag}" already exists.`)).toBeVisible();
    await expect(page.getByLabel("Id", { exact: true })).toHaveAttribute("aria-invalid", "true");

    await page.goto(`/segments/base-${tag}/edit`);
    await builderReady(page);
    await queryText(page).fill(`segment(uses-${tag})`);
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByTestId("condition-server-error")).toContainText(
      `base-${tag} → uses-${tag} → base-${tag}`,
    );
    await expect(queryText(page)).toHaveValue(`segment(uses-${tag})`);
  });

  test("says clearly when someone else saved the segment meanwhile, and can save over it", async ({
    page,
  }) => {
    const tag = unique();
    await signIn(page, "editor");
    const segment = await createSegment(page, {
      id: `race-${tag}`,
      name: `Race ${tag}`,
      condition: { field: "traits.e2e", op: "eq", value: tag },
    });

    await page.goto(`/segments/race-${tag}/edit`);
    await builderReady(page);
    await expect(builderLeaves(page)).toHaveCount(1);
    // Someone else changes it after the page was opened.
    await api(
      page,
      "segment.update",
      { id: segment.id, version: segment.version, patch: { name: `Theirs ${tag}` } },
      "mutation",
    );

    await page.getByLabel("Name", { exact: true }).fill(`Mine ${tag}`);
    await page.getByRole("button", { name: "Save changes" }).click();
    const conflict = page.getByTestId("segment-conflict");
    await expect(conflict).toContainText("Someone else saved this segment while you were editing");
    await expect(conflict).toContainText(
      `You opened version ${segment.version}; it is now version ${segment.version + 1}`,
    );
    await expect(page.getByLabel("Name", { exact: true })).toHaveValue(`Mine ${tag}`);

    await conflict.getByRole("button", { name: "Save mine over theirs" }).click();
    await expect(page).toHaveURL(new RegExp(`/segments/race-${tag}$`));
    await expect(page.getByRole("heading", { level: 1, name: `Mine ${tag}` })).toBeVisible();
  });
});

test.describe("long conditions", () => {
  test("previews a condition too long for a URL (through the server action)", async ({ page }) => {
    const tag = unique();
    await signIn(page, "editor");
    await seedTagged(page, tag, 2, 0);
    await page.goto("/segments/new");
    await builderReady(page);
    const others = Array.from({ length: 80 }, (_, i) => `"${"x".repeat(90)}${i}"`);
    await queryText(page).fill(`traits.e2e in ("${tag}", ${others.join(", ")})`);
    await expect(previewCount(page)).toHaveText("2");
  });
});

test.describe("the segments list and segment page", () => {
  test("lists segments with their sizes; duplicates and deletes one", async ({
    page,
  }, testInfo) => {
    const tag = unique();
    await signIn(page, "editor");
    await seedTagged(page, tag, 2, 2);
    await createSegment(page, {
      id: `list-${tag}`,
      name: `Listed ${tag}`,
      description: "Made by the e2e list test",
      condition: { field: "traits.e2e", op: "eq", value: tag },
      purpose: null,
    });

    await page.goto("/segments");
    const row = page.getByTestId(`segment-row-list-${tag}`);
    await expect(row).toContainText(`Listed ${tag}`);
    await expect(row.getByTestId("segment-size")).toHaveText("2");
    await expect(row).toContainText("Updated on every profile change");
    await screenshot(page, testInfo, "segments-list");
    expect(await seriousViolations(page)).toEqual([]);

    await row.getByRole("link", { name: `Open Listed ${tag}` }).click();
    await page.getByRole("button", { name: "Duplicate" }).click();
    const dialog = page.getByRole("dialog", { name: "Duplicate as a new segment" });
    await expect(dialog.getByTestId("save-as-segment-count")).toContainText("2 profiles");
    await dialog.getByLabel("Name", { exact: true }).fill(`Copy ${tag}`);
    await dialog.getByRole("button", { name: "Create segment" }).click();
    await expect(toast(page, `Created “Copy ${tag}” with 2 members`)).toBeVisible();

    await page.goto(`/segments/copy-${tag}`);
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete segment" }).click();
    await expect(page).toHaveURL(/\/segments$/);
    await expect(toast(page, `Deleted “Copy ${tag}”`)).toBeVisible();
    await expect(page.getByTestId(`segment-row-copy-${tag}`)).toHaveCount(0);
  });

  test("exports a segment's members with progress", async ({ page }) => {
    const tag = unique();
    await signIn(page, "editor");
    await seedTagged(page, tag, 3, 3);
    await createSegment(page, {
      id: `export-${tag}`,
      name: `Export ${tag}`,
      condition: { field: "traits.e2e", op: "eq", value: tag },
    });
    await page.goto(`/segments/export-${tag}`);
    await page.getByRole("button", { name: "Export members" }).click();
    const dialog = page.getByRole("dialog", { name: "Export members" });
    const download = page.waitForEvent("download");
    await dialog.getByRole("button", { name: "Start export" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(new RegExp(`^segment-export-${tag}-.*\\.csv$`));
    await expect(dialog.getByTestId("segment-export-done")).toContainText("3 members written");
    const csv = await (await file.createReadStream()).toArray();
    const lines = Buffer.concat(csv).toString("utf8").trim().split(/\r?\n/);
    expect(lines).toHaveLength(4); // header + 3 members
  });

  test("a viewer reads segments but sees no way to create or change them", async ({ page }) => {
    const tag = unique();
    await signIn(page, "editor");
    await seedTagged(page, tag, 1, 1);
    await createSegment(page, {
      id: `ro-${tag}`,
      name: `Read only ${tag}`,
      condition: { field: "traits.e2e", op: "eq", value: tag },
    });
    await page.context().clearCookies();
    await signIn(page, "viewer");

    await page.goto("/segments");
    await expect(page.getByTestId(`segment-row-ro-${tag}`)).toBeVisible();
    await expect(page.getByRole("link", { name: "New segment" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: /^Edit / })).toHaveCount(0);

    await page.goto(`/segments/ro-${tag}`);
    await expect(
      page.getByRole("table", { name: `Members of Read only ${tag}` }).locator("tbody tr"),
    ).toHaveCount(1);
    for (const name of ["Edit", "Delete", "Refresh now", "Duplicate"]) {
      await expect(page.getByRole("main").getByRole("button", { name, exact: true })).toHaveCount(
        0,
      );
      await expect(page.getByRole("main").getByRole("link", { name, exact: true })).toHaveCount(0);
    }

    await page.goto("/segments/new");
    await expect(
      page.getByRole("heading", { name: "You do not have access to this page" }),
    ).toBeVisible();
    await page.goto(`/segments/ro-${tag}/edit`);
    await expect(
      page.getByRole("heading", { name: "You do not have access to this page" }),
    ).toBeVisible();
  });
});

test.describe("saved views", () => {
  test("a saved view is listed, shared, made into a segment and deleted", async ({ page }) => {
    const tag = unique();
    await signIn(page, "editor");
    await seedTagged(page, tag, 2, 1);
    await api(
      page,
      "view.create",
      {
        name: `View ${tag}`,
        query: { condition: { field: "traits.e2e", op: "eq", value: tag } },
        columns: ["data.contact.email.main"],
      },
      "mutation",
    );

    await page.goto("/segments");
    const view = page.locator(`[data-testid="saved-view"][data-view-name="View ${tag}"]`);
    await expect(view).toContainText("Private");
    await expect(view.getByRole("link", { name: `View ${tag}` })).toHaveAttribute(
      "href",
      new RegExp(`^/profiles\\?where=traits\\.e2e`),
    );

    await view.getByRole("button", { name: `Share View ${tag}` }).click();
    await expect(view).toContainText("Shared");
    // The toast sits over the bottom-right of the page, where this row's buttons may be.
    await toast(page, "is shared with all staff")
      .getByRole("button", { name: "Close toast" })
      .click();
    await expect(toast(page, "is shared with all staff")).toHaveCount(0);

    await view.getByRole("button", { name: `Make segment of View ${tag}` }).click();
    const dialog = page.getByRole("dialog", { name: `Make a segment of “View ${tag}”` });
    await expect(dialog.getByLabel("Id", { exact: true })).toHaveValue(`view-${tag}`);
    await dialog.getByRole("button", { name: "Create segment" }).click();
    await expect(toast(page, `Created segment “View ${tag}” with 2 members`)).toBeVisible();

    await view.getByRole("button", { name: `Delete View ${tag}` }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete view" }).click();
    await expect(view).toHaveCount(0);
    await page.goto(`/segments/view-${tag}`);
    await expect(page.getByTestId("segment-size")).toHaveText("2 members");
  });
});

test.describe("dark theme", () => {
  test.use({ colorScheme: "dark" });

  test("the builder with its preview and the segment page have no serious accessibility violation", async ({
    page,
  }, testInfo) => {
    const tag = unique();
    await signIn(page, "editor");
    await seedTagged(page, tag, 2, 1);
    await createSegment(page, {
      id: `dark-${tag}`,
      name: `Dark ${tag}`,
      condition: { field: "traits.e2e", op: "eq", value: tag },
      purpose: "marketing",
    });

    await page.goto("/segments/new");
    await builderReady(page);
    await queryText(page).fill(`traits.e2e = "${tag}" and not stats.visits > 3`);
    await expect(previewCount(page)).toHaveText("1");
    await page
      .getByTestId("preview-sample")
      .getByRole("button", { name: /^Why does/ })
      .first()
      .click();
    await expect(page.getByTestId("preview-explanation")).toBeVisible();
    await screenshot(page, testInfo, "segment-builder-dark");
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto(`/segments/dark-${tag}`);
    // With a purpose and no consents, nobody is a member.
    await expect(page.getByTestId("segment-size")).toHaveText("0 members");
    await expect(page.getByText("No members now")).toBeVisible();
    await screenshot(page, testInfo, "segment-page-dark");
    expect(await seriousViolations(page)).toEqual([]);
  });
});
