import type { Page } from "@playwright/test";

import { expect, signIn, test } from "./fixtures";
import {
  callApi,
  createProfile,
  openTab,
  screenshot,
  seriousViolations,
  uniqueSuffix,
} from "./profiles-helpers";
import { readSeededProfiles } from "./seeded";

const SECTION_TABS = [
  "Personal",
  "Contact",
  "Identifiers",
  "Devices & geo",
  "Media",
  "Preferences",
  "Job",
  "Loyalty & metrics",
  "Traits & interests",
  "Stats",
];
const ACTIVITY_TABS = ["Consents", "Events", "Field history", "Identity", "Audit"];

const version = (page: Page) => page.getByTestId("profile-version");
const profileUrl = (id: string, tab?: string) =>
  `/profiles/${encodeURIComponent(id)}${tab ? `?tab=${tab}` : ""}`;

test("every tab of a seeded profile renders, with screenshots and no serious accessibility violation", async ({
  page,
}, testInfo) => {
  const person = readSeededProfiles().find((p) => p.lastname && p.emails[0])!;
  await signIn(page, "editor");
  await page.goto(profileUrl(person.id));
  await expect(page.getByLabel("Profile JSON")).toBeVisible();
  await screenshot(page, testInfo, "profile-overview");
  expect(await seriousViolations(page)).toEqual([]);

  for (const label of [...SECTION_TABS, ...ACTIVITY_TABS]) {
    await openTab(page, label);
    await expect(page.getByRole("link", { name: label, exact: true })).toHaveAttribute(
      "aria-current",
      "page",
    );
    await screenshot(page, testInfo, `profile-tab-${label.replace(/\W+/g, "-").toLowerCase()}`);
  }
  // Fields come from the metadata, masked where they are personal.
  await openTab(page, "Personal");
  await expect(page.locator('[data-path="data.pii.lastname"]')).toContainText("•");
  await expect(page.locator('[data-path="data.pii.lastname"]')).not.toContainText(person.lastname!);
  expect(await seriousViolations(page)).toEqual([]);
  await openTab(page, "Consents");
  expect(await seriousViolations(page)).toEqual([]);
});

test("editing personal data: a field error from the schema first, then a successful save", async ({
  page,
}, testInfo) => {
  const u = uniqueSuffix();
  await signIn(page, "editor");
  const { profile } = await createProfile(page, {
    data: { pii: { firstname: `Ada${u}`, lastname: `Byron${u}` } },
  });
  await page.goto(profileUrl(profile.id, "personal"));
  await expect(version(page)).toHaveText("1");

  await page.getByRole("button", { name: "Edit personal" }).click();
  const form = page.getByRole("form", { name: "Edit personal" });
  // The current value shows masked: personal data is changed without being read.
  await expect(form.getByText("Now: A•••").first()).toBeVisible();
  await form.getByRole("textbox", { name: "Birthday" }).fill("31/02/1990");
  await form.getByRole("textbox", { name: "Height" }).fill("tall");
  await form.getByRole("button", { name: "Save changes" }).click();

  await expect(form.getByText(/Invalid date/)).toBeVisible();
  await expect(form.getByRole("textbox", { name: "Birthday" })).toHaveAttribute(
    "aria-invalid",
    "true",
  );
  await expect(form.getByText("Enter a number")).toBeVisible();
  await screenshot(page, testInfo, "edit-form-errors");
  expect(await seriousViolations(page)).toEqual([]);
  // Nothing was sent: the version did not move, and what was typed is still there.
  await expect(version(page)).toHaveText("1");
  await expect(form.getByRole("textbox", { name: "Birthday" })).toHaveValue("31/02/1990");

  await form.getByRole("textbox", { name: "Birthday" }).fill("1990-02-28");
  await form.getByRole("textbox", { name: "Height" }).fill("");
  await form.getByRole("textbox", { name: "First name" }).fill("Augusta");
  await form.getByRole("button", { name: "Save changes" }).click();

  await expect(page.getByText("Saved 2 fields")).toBeVisible();
  await expect(version(page)).toHaveText("2");
  await expect(page.getByRole("form", { name: "Edit personal" })).toHaveCount(0);
  await expect(page.locator('[data-path="data.pii.firstname"]')).toContainText("A•••");

  await openTab(page, "Field history");
  await expect(page.locator('tr[data-path="data.pii.birthday"]')).toBeVisible();
  await expect(page.locator('tr[data-path="data.pii.firstname"]')).toContainText("staff:");
  await openTab(page, "Audit");
  const update = page.locator('li[data-action="profile.update"]').first();
  await expect(update).toContainText("data.pii.birthday");
  await expect(update).toContainText("Ed Editor");
  await expect(update).not.toContainText("Augusta");
});

test("a conflicting edit is shown for review and can be re-applied", async ({
  browser,
}, testInfo) => {
  const u = uniqueSuffix();
  const first = await browser.newPage();
  const second = await browser.newPage();
  await signIn(first, "editor");
  await signIn(second, "editor");
  const { profile } = await createProfile(first, {
    data: { contact: { address: { town: `Old Town ${u}` } } },
  });

  for (const page of [first, second]) {
    await page.goto(profileUrl(profile.id, "contact"));
    await page.getByRole("button", { name: "Edit contact" }).click();
  }
  const firstForm = first.getByRole("form", { name: "Edit contact" });
  await firstForm.getByRole("textbox", { name: "Town" }).fill("Krakow");
  await firstForm.getByRole("button", { name: "Save changes" }).click();
  await expect(first.getByText("Saved 1 field")).toBeVisible();
  await expect(version(first)).toHaveText("2");

  const secondForm = second.getByRole("form", { name: "Edit contact" });
  await secondForm.getByRole("textbox", { name: "Town" }).fill("Gdansk");
  await secondForm.getByRole("textbox", { name: "Street" }).fill("Dluga 1");
  await secondForm.getByRole("button", { name: "Save changes" }).click();

  const conflict = second.getByTestId("edit-conflict");
  await expect(conflict).toContainText("Changed by someone else — review");
  const town = conflict.getByRole("row", { name: /Town/ });
  // Theirs as the API gives it (masked), yours as typed, and which field they changed.
  await expect(town).toContainText("K•••");
  await expect(town).toContainText("Gdansk");
  await expect(town).toContainText("changed");
  await expect(conflict.getByRole("row", { name: /Street/ })).toContainText("Dluga 1");
  await expect(version(second)).toHaveText("1");
  await screenshot(second, testInfo, "edit-conflict");

  await conflict.getByRole("button", { name: "Apply my changes again" }).click();
  await expect(second.getByText("Saved 2 fields")).toBeVisible();
  await expect(version(second)).toHaveText("3");
  await first.close();
  await second.close();
});

test("granting and revoking a consent, with its legal basis, in the ledger", async ({
  page,
}, testInfo) => {
  const u = uniqueSuffix();
  const typeId = `news-${u}`;
  const typeName = `Newsletter ${u}`;
  await signIn(page, "admin");
  await callApi(
    page,
    "consent.types.create",
    { id: typeId, name: typeName, purpose: "marketing" },
    "mutation",
  );
  await signIn(page, "editor");
  const { profile } = await createProfile(page, {
    data: { contact: { email: { main: `consent-${u}@example.com` } } },
  });

  await page.goto(profileUrl(profile.id, "consents"));
  const row = page.locator(`tr[data-consent="${typeId}"]`);
  await expect(row.getByTestId("consent-status")).toHaveText("Not asked");

  await row.getByRole("button", { name: `Grant ${typeName}` }).click();
  const grant = page.getByRole("dialog", { name: `Grant “${typeName}”` });
  await grant.getByLabel("Legal basis").selectOption("contract");
  await grant.getByLabel("Policy version (optional)").fill("2025-01");
  await screenshot(page, testInfo, "consent-grant-dialog", false);
  await grant.getByRole("button", { name: "Grant consent" }).click();
  await expect(page.getByText(`Consent granted: ${typeName}`)).toBeVisible();
  await expect(row.getByTestId("consent-status")).toHaveText("Granted");
  await expect(row).toContainText("Performance of a contract");

  await row.getByRole("button", { name: `Revoke ${typeName}` }).click();
  const revoke = page.getByRole("dialog", { name: `Revoke “${typeName}”` });
  await revoke.getByLabel("Reason (optional)").fill("Asked by phone");
  await revoke.getByRole("button", { name: "Revoke consent" }).click();
  await expect(page.getByText(`Consent revoked: ${typeName}`)).toBeVisible();
  await expect(row.getByTestId("consent-status")).toHaveText("Revoked");

  const ledger = page.getByRole("table", { name: "Consent ledger" });
  await expect(ledger.locator("tbody tr")).toHaveCount(2);
  await expect(ledger.locator('tr[data-ledger-action="granted"]')).toContainText("policy 2025-01");
  await expect(ledger.locator('tr[data-ledger-action="revoked"]')).toContainText("Asked by phone");
  await screenshot(page, testInfo, "consents-after");
});

test("merging a duplicate shows the diff first, and the merge can be undone", async ({
  page,
}, testInfo) => {
  const u = uniqueSuffix();
  await signIn(page, "editor");
  const { profile: keep } = await createProfile(page, {
    id: `keep-${u}`,
    data: { pii: { firstname: `Mira${u}` } },
    traits: { tier: "silver" },
    stats: { visits: 2 },
  });
  const { profile: dupe } = await createProfile(page, {
    id: `dupe-${u}`,
    data: { pii: { firstname: `Mirabel${u}` }, job: { position: "Pilot" } },
    traits: { tier: "gold" },
    stats: { visits: 3 },
  });

  await page.goto(profileUrl(keep.id, "identity"));
  await page.getByLabel("Profiles to merge into this one").fill(dupe.id);
  await page.getByRole("button", { name: "Preview merge" }).click();

  const preview = page.getByTestId("merge-preview");
  const diff = preview.getByRole("table", { name: "Merge differences" });
  await expect(diff.locator('tr[data-path="stats.visits"]')).toContainText("added up");
  await expect(diff.locator('tr[data-path="stats.visits"] td').last()).toHaveText("5");
  await expect(diff.locator('tr[data-path="data.job.position"] td').last()).toHaveText("Pilot");
  // Personal values stay masked in the diff too.
  await expect(diff.locator('tr[data-path="data.pii.firstname"]')).toContainText("M•••");
  await expect(diff).not.toContainText(`Mirabel${u}`);
  await screenshot(page, testInfo, "merge-diff");
  // The preview changed nothing.
  await expect(version(page)).toHaveText("1");

  await preview.getByRole("button", { name: "Merge 1 profile" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Merge" }).click();
  await expect(page.getByText("Merged 1 profile into this one")).toBeVisible();
  const merge = page.getByRole("list", { name: "Merges" }).getByRole("listitem").first();
  await expect(merge).toContainText(dupe.id);
  await expect(page.getByRole("list", { name: "Other ids" })).toContainText(dupe.id);
  // The merged profile's id now opens the survivor.
  await page.goto(profileUrl(dupe.id));
  await expect(page.getByTestId("profile-id")).toHaveText(keep.id);

  await page.goto(profileUrl(keep.id, "identity"));
  await merge.getByRole("button", { name: "Undo merge" }).click();
  await expect(page.getByText("Merge undone")).toBeVisible();
  await expect(merge).toContainText("Undone");
  await expect(merge.getByRole("button", { name: "Undo merge" })).toHaveCount(0);
  await page.goto(profileUrl(dupe.id));
  await expect(page.getByTestId("profile-id")).toHaveText(dupe.id);
});

test("the events timeline lists tracked events with identification properties masked", async ({
  page,
}) => {
  const u = uniqueSuffix();
  await signIn(page, "editor");
  const { profile } = await createProfile(page, { id: `tracked-${u}` });
  await callApi(
    page,
    "profile.track",
    {
      events: [
        {
          profileId: profile.id,
          type: "identify",
          time: "2025-03-01T10:00:00Z",
          properties: { email: `tracked-${u}@example.com`, plan: "gold" },
        },
        {
          profileId: profile.id,
          type: "purchase",
          time: "2025-03-01T11:30:00Z",
          source: "shop",
          properties: { amount: 42 },
        },
      ],
    },
    "mutation",
  );

  await page.goto(profileUrl(profile.id, "events"));
  const timeline = page.getByRole("list", { name: "Events timeline" });
  const events = timeline.locator("li[data-event-type]");
  await expect(events).toHaveCount(2);
  await expect(events.first()).toHaveAttribute("data-event-type", "purchase");
  await expect(events.first()).toContainText("from shop");
  const identify = timeline.locator('li[data-event-type="identify"]');
  await identify.getByText(/2 properties · 1 masked/).click();
  await expect(identify).toContainText("t•••@e•••");
  await expect(identify).toContainText("gold");
  await expect(timeline).not.toContainText(`tracked-${u}@example.com`);
});

test("a viewer sees the profile without any edit, consent or merge controls", async ({ page }) => {
  const person = readSeededProfiles()[0]!;
  await signIn(page, "viewer");
  await page.goto(profileUrl(person.id, "personal"));
  await expect(page.locator("#profile-tab-heading")).toHaveText("Personal");
  await expect(page.getByRole("button", { name: /^Edit/ })).toHaveCount(0);
  await openTab(page, "Consents");
  await expect(page.getByText("Your role reads consents")).toBeVisible();
  await expect(page.getByRole("button", { name: /^(Grant|Revoke)/ })).toHaveCount(0);
  await openTab(page, "Identity");
  await expect(page.getByRole("button", { name: "Preview merge" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Undo merge" })).toHaveCount(0);
});
