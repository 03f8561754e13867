import type { Page } from "@playwright/test";
import type { StaffRole } from "@cdp/auth";

import { expect, signIn, test, userMenu } from "./fixtures";
import { readSeededProfiles } from "./seeded";
import type { SeededProfile } from "./seeded";

/** A seeded person with a last name and a main e-mail, to look for on screen. */
function aPerson(offset = 0): SeededProfile & { email: string; lastname: string } {
  const people = readSeededProfiles().filter(
    (p): p is SeededProfile & { lastname: string } => !!p.lastname && !!p.emails[0],
  );
  const p = people[offset];
  expect(p, "the seed has people with a name and an e-mail").toBeDefined();
  return { ...p!, lastname: p!.lastname, email: p!.emails[0]! };
}

const contactCard = (page: Page) =>
  page.locator("[data-slot=card]").filter({ has: page.getByText("Contact", { exact: true }) });
const revealButton = (page: Page) => page.getByRole("button", { name: "Reveal…" });

const expectations: Record<StaffRole, { badge: string; mayReveal: boolean }> = {
  viewer: { badge: "Viewer", mayReveal: false },
  editor: { badge: "Editor", mayReveal: false },
  privacy: { badge: "Privacy", mayReveal: true },
  admin: { badge: "Admin", mayReveal: true },
};

for (const [role, { badge, mayReveal }] of Object.entries(expectations) as [
  StaffRole,
  (typeof expectations)[StaffRole],
][]) {
  test(`${role}: sees their role, masked personal data, and ${mayReveal ? "a" : "no"} Reveal action`, async ({
    page,
  }) => {
    const person = aPerson();
    await signIn(page, role);
    await page.goto("/profiles");
    await expect(userMenu(page).getByTestId("role-badge")).toHaveText(badge);
    await expect(
      page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Profiles" }),
    ).toBeVisible();
    // Nobody's list shows the seeded e-mail addresses in clear.
    await expect(page.getByText("PII masked")).toBeVisible();
    await expect(page.getByRole("table", { name: /profiles/i })).not.toContainText("@example");

    await page.goto(`/profiles/${encodeURIComponent(person.id)}`);
    await expect(page.getByRole("note")).toContainText("Personal data is masked");
    await expect(contactCard(page)).toContainText("•••@");
    await expect(contactCard(page)).not.toContainText(person.email);
    await expect(page.getByLabel("Profile JSON")).not.toContainText(person.email);
    await expect(revealButton(page)).toHaveCount(mayReveal ? 1 : 0);
    if (!mayReveal) {
      await expect(page.getByRole("note")).toContainText(`Your role (${badge}) cannot reveal it`);
    }
  });
}

test("a privacy officer reveals chosen fields with a reason; the values appear and the look is audited", async ({
  page,
}) => {
  const person = aPerson(1);
  await signIn(page, "privacy");
  await page.goto(`/profiles/${encodeURIComponent(person.id)}`);
  await expect(page.getByRole("heading", { level: 1 })).not.toContainText(person.lastname);

  await revealButton(page).click();
  const dialog = page.getByRole("dialog", { name: "Reveal personal data" });
  await expect(dialog).toBeVisible();

  // Nothing chosen, no reason: both are asked for, and nothing is revealed.
  await dialog.getByRole("button", { name: "Reveal", exact: true }).click();
  await expect(dialog.getByText("Choose at least one field to reveal")).toBeVisible();
  await expect(dialog.getByText("Give a reason for revealing this data")).toBeVisible();
  await expect(dialog.getByLabel("Reason")).toHaveAttribute("aria-invalid", "true");

  await dialog.getByRole("checkbox", { name: "E-mail (Contact)" }).check();
  await dialog.getByRole("checkbox", { name: "First name (Personal)" }).check();
  await dialog.getByRole("checkbox", { name: "Last name (Personal)" }).check();
  const nameParts = ["data.pii.firstname", "data.pii.lastname"];
  if (person.displayName) {
    await dialog.getByRole("checkbox", { name: "Display name (Personal)" }).check();
    nameParts.push("data.pii.display_name");
  }
  await expect(dialog.getByText("Choose at least one field to reveal")).toHaveCount(0);

  // Too short a reason: the API's own rule comes back as the field's error.
  await dialog.getByLabel("Reason").fill("why");
  await dialog.getByRole("button", { name: "Reveal", exact: true }).click();
  await expect(dialog.getByText("Give a reason (at least 5 characters)")).toBeVisible();
  await expect(contactCard(page)).not.toContainText(person.email);

  const reason = `Data-subject access request e2e-${Date.now()}`;
  await dialog.getByLabel("Reason").fill(reason);
  await dialog.getByRole("button", { name: "Reveal", exact: true }).click();
  await expect(dialog).toBeHidden();

  await expect(contactCard(page)).toContainText(person.email);
  const revealed = page.getByRole("region", { name: "Revealed personal data" });
  await expect(revealed).toContainText(person.email);
  await expect(revealed).toContainText(reason);
  await expect(page.getByText(`Revealed ${1 + nameParts.length} fields`)).toBeVisible();
  // The heading's name is built from the revealed parts.
  await expect(page.getByRole("heading", { level: 1 })).toContainText(
    person.displayName ?? person.lastname,
  );

  // The API recorded who looked, at which fields, and why.
  const input = encodeURIComponent(
    JSON.stringify({ entityId: person.id, action: "privacy.reveal", limit: 5 }),
  );
  const response = await page.request.get(`/api/trpc/audit.list?input=${input}`);
  expect(response.ok()).toBe(true);
  const body = (await response.json()) as {
    result: {
      data: { items: { actorName: string; reason: string; changes: { path: string }[] }[] };
    };
  };
  const entry = body.result.data.items.find((i) => i.reason === reason);
  expect(entry, "an audit entry with the reason given").toBeDefined();
  expect(entry!.actorName).toBe("Priya Privacy");
  expect(entry!.changes.map((c) => c.path).sort()).toEqual(
    ["data.contact.email.main", ...nameParts].sort(),
  );

  // Masking again, or coming back later, shows the hints again.
  await revealed.getByRole("button", { name: "Mask again" }).click();
  await expect(contactCard(page)).not.toContainText(person.email);
  await page.reload();
  await expect(contactCard(page)).not.toContainText(person.email);

  // And the audit log screen shows the same entry, with the reason, to whoever reviews it.
  await page.goto(
    `/audit?entityId=${encodeURIComponent(person.id)}&action=${encodeURIComponent("privacy.reveal")}`,
  );
  const logged = page.getByTestId("audit-entry").filter({ hasText: reason });
  await expect(logged).toHaveCount(1);
  await expect(logged).toContainText("Priya Privacy");
});
