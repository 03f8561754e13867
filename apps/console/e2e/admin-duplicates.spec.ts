import { apiMutation, apiQuery, screenshot, seriousViolations, unique } from "./admin-helpers";
import { expect, signIn, test } from "./fixtures";

test("an editor reviews a duplicate group, previews the merge field by field, and merges", async ({
  page,
}, testInfo) => {
  // Many steps, each a server round trip, and accessibility checks on a shared machine.
  test.slow();
  await signIn(page, "editor");
  // Two profiles with one e-mail address; a leading digit sorts the group onto the first page.
  const tag = unique("0dup").toLowerCase();
  const email = `${tag}@example.com`;
  const older = `${tag}-old`;
  const newer = `${tag}-new`;
  await apiMutation(page.request, "profile.create", {
    id: older,
    data: { contact: { email: { main: email } } },
    traits: { plan: "silver" },
  });
  await apiMutation(page.request, "profile.create", {
    id: newer,
    data: { contact: { email: { main: email } } },
    traits: { plan: "gold", newsletter: "weekly" },
  });

  await page.goto("/duplicates");
  const group = page.getByRole("group").filter({ hasText: older });
  await expect(group).toContainText(newer);
  await expect(group).toContainText("2 profiles share it");
  // Personal data stays masked here too.
  await expect(group).not.toContainText(email);
  await screenshot(page, testInfo, "duplicates");
  expect(await seriousViolations(page)).toEqual([]);

  await group.getByRole("button", { name: "Review merge…" }).click();
  const dialog = page.getByRole("dialog", { name: /^Merge profiles sharing/ });
  await expect(dialog.getByRole("radio", { name: `Keep ${older}` })).toBeChecked();
  await expect(dialog.getByRole("checkbox", { name: `Merge ${newer}` })).toBeChecked();
  await dialog.getByRole("button", { name: "Preview merge" }).click();

  const preview = dialog.getByRole("region", { name: "Merge preview" });
  const plan = preview.getByRole("row", { name: /traits\.plan/ });
  await expect(plan).toContainText("silver");
  await expect(plan).toContainText("gold");
  await expect(plan).toContainText("Most recent change");
  await expect(preview.getByRole("row", { name: /traits\.newsletter/ })).toContainText("weekly");
  await screenshot(page, testInfo, "duplicates-merge-preview", false);
  expect(await seriousViolations(page)).toEqual([]);

  // Nothing is merged by a preview.
  const before = await apiQuery<{ profile: { id: string } }>(page.request, "profile.get", {
    id: newer,
  });
  expect(before.profile.id).toBe(newer);

  await dialog.getByLabel("Reason").fill("Same customer signed up twice (e2e)");
  await dialog.getByRole("button", { name: "Merge 1 profile" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(/^Merged 1 profile into/)).toBeVisible();
  await expect(page.getByRole("group").filter({ hasText: older })).toHaveCount(0);

  // The merged id now leads to the kept profile, which holds the newer value.
  const after = await apiQuery<{ profile: { id: string; traits: Record<string, unknown> } }>(
    page.request,
    "profile.get",
    { id: newer },
  );
  expect(after.profile.id).toBe(older);
  expect(after.profile.traits).toMatchObject({ plan: "gold", newsletter: "weekly" });
});
