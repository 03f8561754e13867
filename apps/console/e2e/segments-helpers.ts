import AxeBuilder from "@axe-core/playwright";
import type { Page, TestInfo } from "@playwright/test";
import type { RouterInputs, RouterOutputs } from "@cdp/api";

import { expect } from "./fixtures";

/** A short suffix that makes a test's data its own (ids, names, trait values). */
export function unique(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** Calls a tRPC procedure over HTTP as the page's signed-in staff member. */
export async function api<T>(
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

export const createProfile = (page: Page, input: RouterInputs["profile"]["create"]) =>
  api<RouterOutputs["profile"]["create"]>(page, "profile.create", input, "mutation");

export const createSegment = (page: Page, input: RouterInputs["segment"]["create"]) =>
  api<RouterOutputs["segment"]["create"]>(page, "segment.create", input, "mutation");

/**
 * Profiles of this test only: `count` with `traits.e2e = tag`, the first `active` of them with 5
 * visits and the rest with 1, so a condition on the tag (and visits) selects exactly them.
 */
export async function seedTagged(page: Page, tag: string, count: number, active: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { profile } = await createProfile(page, {
      data: { pii: { firstname: `Seg${i}`, lastname: `Member ${tag}` } },
      traits: { e2e: tag },
      stats: { visits: i < active ? 5 : 1 },
    });
    ids.push(profile.id);
  }
  return ids;
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
export async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

/** The query text box of the segment builder. */
export const queryText = (page: Page) => page.getByTestId("condition-text");
/** The leaves of the structured builder, in order. */
export const builderLeaves = (page: Page) => page.getByTestId("builder-leaf");
export const previewCount = (page: Page) => page.getByTestId("preview-count");

/** Waits until the segment builder's form is interactive (hydrated). */
export async function builderReady(page: Page) {
  await expect(page.locator("form[data-ready]")).toBeVisible();
}
