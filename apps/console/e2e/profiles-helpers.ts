import AxeBuilder from "@axe-core/playwright";
import type { Page, TestInfo } from "@playwright/test";
import type { RouterInputs, RouterOutputs } from "@cdp/api";

import { expect } from "./fixtures";

/** A short suffix that makes a test's data its own (ids, names, trait values). */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

/** Calls a tRPC procedure over HTTP as the page's signed-in staff member. */
export async function callApi<T>(
  page: Page,
  path: string,
  input: unknown,
  kind: "query" | "mutation",
): Promise<T> {
  const response =
    kind === "query"
      ? await page.request.get(
          `/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
        )
      : await page.request.post(`/api/trpc/${path}`, { data: input });
  const body = (await response.json()) as { result?: { data: T }; error?: unknown };
  expect(response.ok(), `${path}: ${JSON.stringify(body.error ?? null)}`).toBe(true);
  return body.result!.data;
}

export function createProfile(
  page: Page,
  input: RouterInputs["profile"]["create"],
): Promise<RouterOutputs["profile"]["create"]> {
  return callApi(page, "profile.create", input, "mutation");
}

/** Serious and critical WCAG 2.1 A/AA violations on the page as it is now, with where they are. */
export async function seriousViolations(page: Page): Promise<string[]> {
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

/** Saves a screenshot of the page under the test's output folder. */
export async function screenshot(page: Page, testInfo: TestInfo, name: string, fullPage = true) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage });
}

export const profilesTable = (page: Page) => page.getByRole("table", { name: /^Profiles/ });
export const profileRows = (page: Page) => profilesTable(page).locator("tbody tr");
export const filterQuery = (page: Page) => page.getByRole("textbox", { name: "Filter query" });
export const searchBox = (page: Page) => page.getByRole("searchbox", { name: "Search profiles" });

/** The profile ids of the rows shown. */
export async function shownIds(page: Page): Promise<string[]> {
  return profileRows(page).evaluateAll((rows) =>
    rows.map((r) => r.getAttribute("data-profile-id") ?? ""),
  );
}

/** Opens a tab of the profile page by its link in the section list. */
export async function openTab(page: Page, label: string) {
  await page
    .getByRole("navigation", { name: "Profile sections" })
    .getByRole("link", { name: label, exact: true })
    .click();
  await expect(page.locator("#profile-tab-heading")).toHaveText(label);
}
