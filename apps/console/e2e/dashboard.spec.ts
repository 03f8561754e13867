import { apiMutation, apiQuery, screenshot, seriousViolations, unique } from "./admin-helpers";
import { expect, signIn, test } from "./fixtures";

interface Overview {
  totals: { profiles: number; identified: number; anonymous: number; active: number };
  profilesCreated: { day: string; count: number }[];
  consents: { typeId: string; name: string | null; granted: number; grantRate: number }[];
}

const fmt = (n: number) => new Intl.NumberFormat("en-US").format(n);

test("/ opens the dashboard, and signing in without a page to go to lands there", async ({
  page,
}) => {
  await signIn(page, "viewer");
  await page.goto("/");
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  await expect(
    page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }),
  ).toHaveAttribute("aria-current", "page");
});

test("the totals on the dashboard are the API's, and a new profile counts today", async ({
  page,
}, testInfo) => {
  // Many steps, each a server round trip, and accessibility checks on a shared machine.
  test.slow();
  await signIn(page, "editor");
  // Other tests add profiles while this one runs: compare one reading of the API with the page
  // rendered right after it, and read again until a pair agrees.
  const readPair = async () => {
    const stats = await apiQuery<Overview>(page.request, "stats.overview", { days: 30 });
    await page.goto("/dashboard");
    const shown = {
      profiles: await page.getByTestId("total-profiles").innerText(),
      identified: await page.getByTestId("total-identified").innerText(),
      anonymous: await page.getByTestId("total-anonymous").innerText(),
      active: await page.getByTestId("total-active").innerText(),
    };
    return { stats, shown };
  };
  await expect(async () => {
    const { stats, shown } = await readPair();
    expect(shown).toEqual({
      profiles: fmt(stats.totals.profiles),
      identified: fmt(stats.totals.identified),
      anonymous: fmt(stats.totals.anonymous),
      active: fmt(stats.totals.active),
    });
    expect(stats.totals.profiles).toBeGreaterThan(0);
  }).toPass({ timeout: 60_000 });

  // A profile created now is in today's count of the "New profiles" series.
  const before = await apiQuery<Overview>(page.request, "stats.overview", { days: 7 });
  await apiMutation(page.request, "profile.create", {
    id: unique("dash"),
    data: { contact: { email: { main: `${unique("dash")}@example.com` } } },
  });
  const after = await apiQuery<Overview>(page.request, "stats.overview", { days: 7 });
  expect(after.profilesCreated.at(-1)!.count).toBeGreaterThan(before.profilesCreated.at(-1)!.count);
  expect(after.totals.identified).toBeGreaterThan(before.totals.identified);

  await page.goto("/dashboard?days=7");
  await expect(page.getByRole("link", { name: "7 days" })).toHaveAttribute("aria-current", "page");
  const created = page.getByRole("region", { name: "New profiles" });
  await created.getByText("Show the numbers").click();
  await expect(created.getByRole("table")).toBeVisible();
  await expect(created.getByRole("row")).toHaveCount(1 + 7);
  await screenshot(page, testInfo, "dashboard");
  expect(await seriousViolations(page)).toEqual([]);
});

test("consent grant rates show each type's share of profiles", async ({ page }) => {
  await signIn(page, "admin");
  const typeId = unique("dash-consent").toLowerCase();
  await apiMutation(page.request, "consent.types.create", {
    id: typeId,
    name: `Dashboard ${typeId}`,
    purpose: "marketing",
  });
  const id = unique("dash-granted");
  await apiMutation(page.request, "profile.create", { id });
  await apiMutation(page.request, "consent.grant", {
    profileId: id,
    typeId,
    legalBasis: "consent",
  });
  const stats = await apiQuery<Overview>(page.request, "stats.overview", {});
  const row = stats.consents.find((c) => c.typeId === typeId);
  expect(row).toMatchObject({ granted: 1 });

  await page.goto("/dashboard");
  const rates = page.getByRole("region", { name: "Consent grant rates" });
  await rates.getByText("Show the numbers").click();
  await expect(rates.getByRole("row", { name: new RegExp(`Dashboard ${typeId}`) })).toContainText(
    "1 (",
  );
});

for (const theme of ["light", "dark"] as const) {
  test.describe(`${theme} theme`, () => {
    test.use({ colorScheme: theme });

    test("the dashboard has no serious accessibility violation", async ({ page }, testInfo) => {
      await signIn(page, "viewer");
      await page.goto("/dashboard");
      await expect(page.getByRole("region", { name: "New profiles" })).toBeVisible();
      await screenshot(page, testInfo, `dashboard-${theme}`);
      expect(await seriousViolations(page)).toEqual([]);
    });
  });
}
