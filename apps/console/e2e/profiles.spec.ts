import type { Locator, Page } from "@playwright/test";

import { E2E_PAGE_SIZE, E2E_SEED_COUNT } from "./constants";
import { expect, signIn, test } from "./fixtures";
import { matchesSearch, readSeededProfiles } from "./seeded";

const ANONYMOUS = "Anonymous visitor";
const UNNAMED = "Unnamed customer";

/**
 * Other tests create profiles while these run; the seed gives every profile one of these traits,
 * so this filter shows exactly the seeded ones, whatever else exists.
 */
const SEEDED = "traits.signup_source exists or traits.first_source exists";
const seededHref = (extra = "") => `/profiles?where=${encodeURIComponent(SEEDED)}${extra}`;
const total = (page: Page) => page.getByTestId("profile-total");

const table = (page: Page) => page.getByRole("table", { name: /profiles/i });
const rows = (page: Page) => table(page).locator("tbody tr");
const rowLinks = (page: Page) => rows(page).locator("a");
const searchBox = (page: Page) => page.getByRole("searchbox", { name: "Search profiles" });
const pagination = (page: Page) => page.getByRole("navigation", { name: "Pagination" });

async function hrefsOf(page: Page): Promise<string[]> {
  return rowLinks(page).evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
}

/** The profile ids of the rows shown, from their links. */
async function rowIds(page: Page): Promise<string[]> {
  await expect(rows(page).first()).toBeVisible();
  return (await hrefsOf(page)).map((h) => decodeURIComponent(h.replace(/^\/profiles\//, "")));
}

/** The first row that shows a person's name (anonymous visitors have none to search for). */
async function firstNamedRow(page: Page): Promise<{ row: Locator; name: string }> {
  const names = await rowLinks(page).allInnerTexts();
  const index = names.findIndex(
    (n) => n.trim() !== "" && n.trim() !== ANONYMOUS && n.trim() !== UNNAMED,
  );
  expect(index, "the first page has a profile with a name").toBeGreaterThanOrEqual(0);
  return { row: rows(page).nth(index), name: names[index]!.trim() };
}

// What every staff member can do: browse as a viewer (roles.spec.ts covers what differs by role).
test.beforeEach(async ({ page }) => {
  await signIn(page, "viewer");
});

/** Console errors and uncaught exceptions (hydration mismatches among them) while `run` runs. */
async function browserErrors(page: Page, run: () => Promise<void>): Promise<string[]> {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  await run();
  return errors;
}

test("the list and a profile page render without browser errors", async ({ page }) => {
  const errors = await browserErrors(page, async () => {
    await page.goto("/profiles");
    await expect(rows(page)).toHaveCount(E2E_PAGE_SIZE);
    await rowLinks(page).first().click();
    await expect(page.getByLabel("Profile JSON")).toBeVisible();
  });
  expect(errors).toEqual([]);
});

test("the list shows profiles and the total", async ({ page }) => {
  await page.goto("/profiles");
  await expect(page.getByRole("heading", { level: 1, name: "Profiles" })).toBeVisible();
  await expect(
    page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Profiles" }),
  ).toHaveAttribute("aria-current", "page");
  const everyone = Number((await total(page).innerText()).replace(/,/g, ""));
  expect(everyone).toBeGreaterThanOrEqual(E2E_SEED_COUNT);
  await expect(rows(page)).toHaveCount(E2E_PAGE_SIZE);
  await expect(pagination(page)).toContainText(`Showing 1–${E2E_PAGE_SIZE} of`);
  // Every row has a name (or says it is anonymous) and an identification badge.
  for (const text of await rows(page).allInnerTexts()) {
    expect(text).toMatch(/Identified|Anonymous/);
  }

  await page.goto(seededHref());
  await expect(total(page)).toHaveText(String(E2E_SEED_COUNT));
  await expect(pagination(page)).toContainText(`Showing 1–${E2E_PAGE_SIZE} of ${E2E_SEED_COUNT}`);
});

test("searching by a seeded person's last name narrows the list to the profiles containing it", async ({
  page,
}) => {
  const seeded = readSeededProfiles();
  expect(seeded).toHaveLength(E2E_SEED_COUNT);
  const byId = new Map(seeded.map((p) => [p.id, p]));

  // Names are masked on screen, so take the first row's profile and look its last name up.
  await page.goto(seededHref());
  const person = (await rowIds(page)).map((id) => byId.get(id)).find((p) => p?.lastname);
  expect(person, "the first page has a profile with a last name").toBeDefined();
  const term = person!.lastname!;
  const expected = new Set(seeded.filter((p) => matchesSearch(p, term)).map((p) => p.id));
  expect(expected.size).toBeLessThan(E2E_SEED_COUNT);

  await searchBox(page).fill(term);
  await searchBox(page).press("Enter");

  await expect(page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(term)}`));
  await expect(searchBox(page)).toHaveValue(term);
  await expect(page.getByTestId("profile-total")).toHaveText(String(expected.size));
  const shown = await rowIds(page);
  expect(shown).toHaveLength(Math.min(expected.size, E2E_PAGE_SIZE));
  for (const id of shown) expect(expected, `row ${id} contains "${term}"`).toContain(id);
  if (expected.size <= E2E_PAGE_SIZE) expect(shown).toContain(person!.id);

  // Clearing the search brings every profile back.
  await page.getByRole("button", { name: "Clear" }).click();
  await expect(page).toHaveURL(/\/profiles$/);
  await expect(searchBox(page)).toHaveValue("");
  await expect(rows(page)).toHaveCount(E2E_PAGE_SIZE);
});

test("personal data is masked for a viewer", async ({ page }) => {
  const seeded = new Map(readSeededProfiles().map((p) => [p.id, p]));
  await page.goto(seededHref());
  await expect(page.getByText("PII masked")).toBeVisible();
  const ids = await rowIds(page);
  const index = ids.findIndex((id) => seeded.get(id)?.lastname);
  const person = seeded.get(ids[index]!)!;
  const shownName = await rowLinks(page).nth(index).innerText();
  expect(shownName).toContain("•");
  expect(shownName).not.toContain(person.lastname!);
});

test("a search that matches nothing says so", async ({ page }) => {
  await page.goto("/profiles?q=zzzz-no-such-person-qqqq");
  await expect(
    page.getByRole("heading", { name: "No profiles match “zzzz-no-such-person-qqqq”" }),
  ).toBeVisible();
  await expect(table(page)).toHaveCount(0);
});

test("paging forward shows different rows and First page returns", async ({ page }) => {
  await page.goto(seededHref());
  const firstPage = await hrefsOf(page);
  expect(firstPage).toHaveLength(E2E_PAGE_SIZE);
  await expect(pagination(page).getByRole("button", { name: "First page" })).toBeDisabled();

  await pagination(page).getByRole("link", { name: "Next page" }).click();
  await expect(page).toHaveURL(/[?&]cursor=/);
  await expect(pagination(page)).toContainText(
    `Showing ${E2E_PAGE_SIZE + 1}–${2 * E2E_PAGE_SIZE} of ${E2E_SEED_COUNT}`,
  );
  const secondPage = await hrefsOf(page);
  expect(secondPage).toHaveLength(E2E_PAGE_SIZE);
  expect(secondPage.filter((h) => firstPage.includes(h))).toEqual([]);

  await pagination(page).getByRole("link", { name: "First page" }).click();
  await expect(page).not.toHaveURL(/[?&]cursor=/);
  await expect(pagination(page)).toContainText(`Showing 1–${E2E_PAGE_SIZE} of`);
  expect(await hrefsOf(page)).toEqual(firstPage);
});

test("the last page has no Next page", async ({ page }) => {
  await page.goto(seededHref());
  const pages = Math.ceil(E2E_SEED_COUNT / E2E_PAGE_SIZE);
  for (let i = 1; i < pages; i++) {
    await pagination(page).getByRole("link", { name: "Next page" }).click();
    await expect(pagination(page)).toContainText(`Showing ${i * E2E_PAGE_SIZE + 1}–`);
  }
  await expect(pagination(page).getByRole("button", { name: "Next page" })).toBeDisabled();
});

test("opening a row shows that profile's page", async ({ page }) => {
  await page.goto(seededHref());
  const { row, name } = await firstNamedRow(page);
  const href = (await row.locator("a").getAttribute("href"))!;
  const id = decodeURIComponent(href.replace(/^\/profiles\//, ""));

  await row.getByRole("link", { name }).click();
  await expect(page).toHaveURL(new RegExp(`/profiles/${encodeURIComponent(id)}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  await expect(page.getByTestId("profile-id")).toHaveText(id);
  await expect(page.getByLabel("Profile JSON")).toContainText(`"id": "${id}"`);
  await expect(page).toHaveTitle(new RegExp(name));

  await page
    .getByRole("navigation", { name: "Breadcrumb" })
    .getByRole("link", { name: "Profiles" })
    .click();
  await expect(page).toHaveURL(/\/profiles$/);
});

test("an unknown id shows the not-found state", async ({ page }) => {
  await page.goto("/profiles/no-such-profile-0000");
  await expect(page.getByRole("heading", { level: 1, name: "Profile not found" })).toBeVisible();
  await page.getByRole("link", { name: "Back to profiles" }).click();
  await expect(page).toHaveURL(/\/profiles$/);
});

test("screenshots of the list and a profile", async ({ page }, testInfo) => {
  const shot = (name: string, fullPage = false) =>
    page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage });
  await page.goto(seededHref());
  await expect(rows(page)).toHaveCount(E2E_PAGE_SIZE);
  await shot("profiles");
  await shot("profiles-full", true);

  const { row, name } = await firstNamedRow(page);
  await row.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  await shot("profile");

  await page.goto("/profiles?q=zzzz-no-such-person-qqqq");
  await shot("profiles-no-match");
  await page.goto("/profiles/no-such-profile-0000");
  await shot("profile-not-found");

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/profiles");
  await shot("profiles-1280");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/profiles");
  await shot("profiles-narrow");
});

test("j / k move between rows and Enter opens the focused one", async ({ page }) => {
  await page.goto("/profiles");
  const ids = await rowIds(page);
  await expect(table(page)).toHaveAttribute("data-keys", "ready");
  await page.locator("body").press("j");
  await expect(rowLinks(page).nth(0)).toBeFocused();
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await expect(rowLinks(page).nth(2)).toBeFocused();
  await page.keyboard.press("k");
  await expect(rowLinks(page).nth(1)).toBeFocused();
  // Inside the table the arrow keys move too.
  await page.keyboard.press("ArrowDown");
  await expect(rowLinks(page).nth(2)).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/profiles/${encodeURIComponent(ids[2]!)}$`));
  await expect(page.getByTestId("profile-id")).toHaveText(ids[2]!);
});

test("a column header sorts the whole list on the server, both ways", async ({ page }) => {
  await page.goto(seededHref());
  const header = table(page).getByRole("columnheader", { name: /Visits/ });
  const visits = async () =>
    (await table(page).locator("tbody tr td:nth-child(5)").allInnerTexts()).map((t) =>
      Number(t.replace(/,/g, "")),
    );
  const sorted = (values: number[], order: 1 | -1) =>
    values.every((v, i) => i === 0 || order * (v - values[i - 1]!) >= 0);

  await header.getByRole("button").click();
  await expect(page).toHaveURL(/[?&]sort=visits/);
  await expect(header).toHaveAttribute("aria-sort", "descending");
  // The rows are the server's answer for the new sort: wait for them rather than the URL.
  await expect.poll(async () => sorted(await visits(), -1)).toBe(true);
  const desc = await visits();
  expect(desc[0]).toBeGreaterThan(desc[desc.length - 1]!);

  await header.getByRole("button").click();
  await expect(header).toHaveAttribute("aria-sort", "ascending");
  await expect(page).toHaveURL(/[?&]order=asc/);
  await expect.poll(async () => sorted(await visits(), 1)).toBe(true);
  const asc = await visits();
  // The whole list is sorted, not the page: the smallest values come first, below the largest.
  expect(asc[0]).toBeLessThanOrEqual(desc[desc.length - 1]!);
  expect(asc[asc.length - 1]).toBeLessThan(desc[0]!);
});

test("the column picker and density are kept in the URL", async ({ page }) => {
  await page.goto("/profiles");
  await page.getByRole("button", { name: "View", exact: true }).click();
  await page.getByRole("checkbox", { name: "Company" }).check();
  await page.getByRole("checkbox", { name: "Phone" }).uncheck();
  // The radio is drawn as a segmented control: its label is what is clicked.
  await page.getByText("Compact", { exact: true }).click();
  await expect(page.getByRole("radio", { name: "Compact" })).toBeChecked();
  await expect(page).toHaveURL(/[?&]columns=[^&]*company/);
  await expect(page).toHaveURL(/[?&]density=compact/);
  await page.keyboard.press("Escape");
  await expect(table(page).getByRole("columnheader", { name: "Company" })).toBeVisible();
  await expect(table(page).getByRole("columnheader", { name: /Phone/ })).toHaveCount(0);

  await page.reload();
  await expect(table(page).getByRole("columnheader", { name: "Company" })).toBeVisible();
  await expect(table(page).getByRole("columnheader", { name: /Phone/ })).toHaveCount(0);
  await page.getByRole("button", { name: "View", exact: true }).click();
  await expect(page.getByRole("radio", { name: "Compact" })).toBeChecked();
  await page.getByRole("button", { name: "Reset to default columns" }).click();
  await expect(table(page).getByRole("columnheader", { name: /Phone/ })).toBeVisible();
});
