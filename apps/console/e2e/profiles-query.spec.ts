import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";

import { expect, signIn, test } from "./fixtures";
import {
  createProfile,
  filterQuery,
  profileRows,
  screenshot,
  shownIds,
  uniqueSuffix,
} from "./profiles-helpers";

const total = (page: Page) => page.getByTestId("profile-total");

test.beforeEach(async ({ page }) => {
  await signIn(page, "editor");
});

test("the query bar filters the table down to one profile", async ({ page }, testInfo) => {
  const u = uniqueSuffix();
  const quill = await createProfile(page, {
    data: { pii: { firstname: `Quentin${u}`, lastname: `Quill-${u}` } },
    traits: { e2e: u, plan: "gold" },
  });
  await createProfile(page, {
    data: { pii: { firstname: `Quentin${u}`, lastname: `Other-${u}` } },
    traits: { e2e: u, plan: "free" },
  });

  await page.goto("/profiles");
  const query = `traits.e2e = "${u}" and traits.plan = "gold"`;
  await filterQuery(page).fill(query);
  await filterQuery(page).press("Enter");

  await expect(page).toHaveURL(/[?&]where=/);
  await expect(total(page)).toHaveText("1");
  await expect(profileRows(page)).toHaveCount(1);
  expect(await shownIds(page)).toEqual([quill.profile.id]);
  // The applied filter is read back in words under the bar.
  await expect(page.getByText("Filter:")).toBeVisible();
  await screenshot(page, testInfo, "profiles-filtered");

  // The URL holds the state: a reload shows the same single row.
  await page.reload();
  await expect(filterQuery(page)).toHaveValue(query);
  expect(await shownIds(page)).toEqual([quill.profile.id]);

  await page.getByRole("button", { name: "Clear" }).click();
  await expect(page).toHaveURL(/\/profiles$/);
  await expect(filterQuery(page)).toHaveValue("");
});

test("the filter builder adds conditions and writes them into the query bar", async ({
  page,
}, testInfo) => {
  const u = uniqueSuffix();
  const wren = await createProfile(page, {
    data: { pii: { lastname: `Wren-${u}` } },
    traits: { e2e: u },
  });
  await createProfile(page, { data: { pii: { lastname: `Finch-${u}` } }, traits: { e2e: u } });
  await page.goto("/profiles");

  // A free key: Trait e2e is the test's value.
  await page.getByRole("button", { name: "Add filter" }).click();
  const builder = page.getByRole("form", { name: "Add a filter" });
  await builder.getByLabel("Field").selectOption("free:traits");
  await builder.getByLabel("Key").fill("e2e");
  await builder.getByLabel("Operator").selectOption("eq");
  await builder.getByLabel("Value", { exact: true }).fill(u);
  await screenshot(page, testInfo, "filter-builder", false);
  await builder.getByRole("button", { name: "Add filter" }).click();

  await expect(filterQuery(page)).toHaveValue(`traits.e2e = "${u}"`);
  await expect(total(page)).toHaveText("2");

  // A field of the metadata, with an operator of its type: joined with "and".
  await page.getByRole("button", { name: "Add filter" }).click();
  await builder.getByLabel("Field").selectOption("data.pii.lastname");
  await builder.getByLabel("Operator").selectOption("starts_with");
  await builder.getByLabel("Value", { exact: true }).fill("Wren-");
  await builder.getByRole("button", { name: "Add filter" }).click();

  await expect(filterQuery(page)).toHaveValue(
    `traits.e2e = "${u}" and data.pii.lastname starts with "Wren-"`,
  );
  await expect(total(page)).toHaveText("1");
  expect(await shownIds(page)).toEqual([wren.profile.id]);

  // A value the field's type refuses is named in the builder, and nothing is added.
  await page.getByRole("button", { name: "Add filter" }).click();
  await builder.getByLabel("Field").selectOption("data.pii.birthday");
  await builder.getByLabel("Operator").selectOption("within_last");
  await builder.getByLabel("Amount").fill("0");
  await builder.getByRole("button", { name: "Add filter" }).click();
  await expect(builder.getByText(/Expected a duration/)).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(filterQuery(page)).toHaveValue(
    `traits.e2e = "${u}" and data.pii.lastname starts with "Wren-"`,
  );
});

test("a syntax error is shown at its position, and nothing is asked of the server", async ({
  page,
}, testInfo) => {
  await page.goto("/profiles");
  await expect(profileRows(page).first()).toBeVisible();
  const text = 'stats.visits > 3 and data.pii.lastnme = "Smith"';
  const column = text.indexOf("data.pii.lastnme") + 1;

  let listRequests = 0;
  page.on("request", (r) => {
    if (r.url().includes("where=")) listRequests++;
  });
  await filterQuery(page).fill(text);
  await filterQuery(page).press("Enter");

  const error = page.getByTestId("query-error");
  await expect(error).toBeVisible();
  await expect(error.getByTestId("query-error-mark")).toHaveText("data.pii.lastnme");
  await expect(error).toContainText('Unknown field "data.pii.lastnme"');
  await expect(error).toContainText(`column ${column}`);
  await expect(error).toHaveAttribute("data-offset", String(column - 1));
  await expect(filterQuery(page)).toHaveAttribute("aria-invalid", "true");
  await expect(filterQuery(page)).toBeFocused();
  await expect(page).toHaveURL(/\/profiles$/);
  expect(listRequests).toBe(0);
  await screenshot(page, testInfo, "query-error", false);

  // An unclosed string points at the string itself.
  await filterQuery(page).fill('data.pii.lastname = "Smi');
  await expect(error.getByTestId("query-error-mark")).toHaveText('"Smi');
  await expect(error).toContainText("Unterminated string");

  // Corrected, the error goes away as it is typed, and the filter applies.
  await filterQuery(page).fill("stats.visits >= 0 and data.pii.lastname exists");
  await expect(error).toHaveCount(0);
  await filterQuery(page).press("Enter");
  await expect(page).toHaveURL(/[?&]where=/);
  await expect(profileRows(page).first()).toBeVisible();
});

test("an export shows its progress and writes every matching profile to the file", async ({
  page,
}, testInfo) => {
  const u = uniqueSuffix();
  const count = 120;
  for (let i = 0; i < count; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, (_, j) =>
        createProfile(page, { traits: { batch: u, n: i + j } }),
      ),
    );
  }

  // Each page of the export is a server action; slowed down here so its progress can be seen.
  await page.route(
    (url) => url.pathname === "/profiles",
    async (route) => {
      if (route.request().method() === "POST" && route.request().headers()["next-action"]) {
        await new Promise((r) => setTimeout(r, 700));
      }
      await route.continue();
    },
  );

  await page.goto(`/profiles?where=${encodeURIComponent(`traits.batch = "${u}"`)}`);
  await expect(total(page)).toHaveText(String(count));
  await page.getByRole("button", { name: "Export" }).click();
  const dialog = page.getByRole("dialog", { name: "Export profiles" });
  await expect(dialog).toContainText(`${count} profiles match`);
  await dialog.getByLabel(/NDJSON/).check();

  const download = page.waitForEvent("download");
  await dialog.getByRole("button", { name: "Start export" }).click();
  await expect(dialog.getByTestId("export-progress")).toContainText(`50 of ${count} profiles`);
  await expect(dialog.getByRole("progressbar", { name: "Export progress" })).toBeVisible();
  await screenshot(page, testInfo, "export-progress", false);

  const file = await download;
  await expect(dialog.getByTestId("export-done")).toContainText(`${count} profiles written`);
  expect(file.suggestedFilename()).toMatch(/^profiles-\d{8}-\d{4}\.ndjson$/);
  const lines = readFileSync((await file.path())!, "utf8")
    .trimEnd()
    .split("\n");
  expect(lines).toHaveLength(count);
  const rows = lines.map((l) => JSON.parse(l) as { traits: { batch: string; n: number } });
  expect(rows.every((r) => r.traits.batch === u)).toBe(true);
  expect(new Set(rows.map((r) => r.traits.n)).size).toBe(count);
  await screenshot(page, testInfo, "export-done", false);
});
