import { apiQuery, screenshot, seriousViolations, unique } from "./admin-helpers";
import { expect, signIn, test } from "./fixtures";

test("an editor imports a CSV with a bad row: the good rows are stored, the bad one is reported with its line and field", async ({
  page,
}, testInfo) => {
  // Many steps, each a server round trip, and accessibility checks on a shared machine.
  test.slow();
  await signIn(page, "editor");
  await page.goto("/imports");
  await expect(page.getByRole("heading", { level: 1, name: "Imports" })).toBeVisible();

  const tag = unique("imp");
  const emails = [`${tag}-a@example.com`, `${tag}-b@example.com`, `${tag}-c@example.com`];
  const csv = [
    "email,first_name,visits,favourite colour",
    `${emails[0]},Ada,3,green`,
    `${emails[1]},Bea,many,blue`,
    `${emails[2]},Cy,7,red`,
  ].join("\n");

  // Nothing chosen yet: the file is asked for.
  await page.getByRole("button", { name: "Start import" }).click();
  await expect(page.getByText("Choose a file to import.")).toBeVisible();

  await page.getByLabel("File").setInputFiles({
    name: `${tag}.csv`,
    mimeType: "text/csv",
    buffer: Buffer.from(csv),
  });
  await expect(page.getByText(`${tag}.csv`)).toBeVisible();
  await expect(page.getByLabel("Format")).toHaveValue("csv");

  // Columns are matched to fields by name; the picker changes any of them.
  await expect(page.getByLabel("Profile field for column email")).toHaveValue(
    "data.contact.email.main",
  );
  await expect(page.getByLabel("Profile field for column first_name")).toHaveValue(
    "data.pii.firstname",
  );
  await page.getByLabel("Profile field for column visits").selectOption("stats.visits");
  await page
    .getByLabel("Profile field for column favourite colour")
    .selectOption("traits.favourite_colour");
  // The preview shows the first rows as the file has them.
  const preview = page.getByRole("table", { name: /Each column of the file/ });
  await expect(preview.getByRole("row")).toHaveCount(1 + 3);
  await expect(preview).toContainText("many");

  // Two columns on one field: named on the column, before anything is sent.
  await page
    .getByLabel("Profile field for column first_name")
    .selectOption("data.contact.email.main");
  await page.getByRole("button", { name: "Start import" }).click();
  await expect(page.getByText(/both fill data\.contact\.email\.main/)).toBeVisible();
  await page.getByLabel("Profile field for column first_name").selectOption("data.pii.firstname");
  await screenshot(page, testInfo, "imports-mapping");
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByRole("button", { name: "Start import" }).click();
  await expect(page).toHaveURL(/\/imports\/[^/]+$/);
  await expect(page.getByRole("heading", { level: 1, name: `${tag}.csv` })).toBeVisible();
  await expect(page.getByTestId("import-status")).toHaveText("Done", { timeout: 60_000 });
  await expect(page.getByTestId("import-progress")).toContainText("3 of 3 rows (100%)");
  await expect(page.getByTestId("import-inserted")).toHaveText("2");
  await expect(page.getByTestId("import-failed")).toHaveText("1");

  const errors = page.getByRole("table", { name: "Rows that could not be imported" });
  await expect(errors.getByRole("row")).toHaveCount(2);
  const bad = errors.getByRole("row").nth(1);
  await expect(bad.getByRole("cell").nth(0)).toHaveText("3");
  await expect(bad.getByRole("cell").nth(1)).toHaveText("stats.visits");
  await expect(bad.getByRole("cell").nth(2)).toContainText('Column "visits"');
  await expect(bad.getByRole("cell").nth(2)).toContainText('"many"');
  await screenshot(page, testInfo, "import-job");
  expect(await seriousViolations(page)).toEqual([]);

  // The good rows are profiles now, with the mapped trait; the bad one is not.
  const found = await apiQuery<{
    total: number;
    items: { profile: { traits: Record<string, unknown> } }[];
  }>(page.request, "profile.list", { search: tag, withTotal: true });
  expect(found.total).toBe(2);
  expect(found.items.map((i) => i.profile.traits.favourite_colour).sort()).toEqual([
    "green",
    "red",
  ]);

  // The job is listed with its counts.
  await page.getByRole("link", { name: "Imports" }).first().click();
  const listed = page.getByRole("row", { name: new RegExp(`${tag}\\.csv`) });
  await expect(listed).toContainText("Done");
  await expect(listed).toContainText("3 / 3");
  await screenshot(page, testInfo, "imports");
});

test("an NDJSON file with a broken line reports that line", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/imports");
  const tag = unique("nd");
  const ndjson = [
    JSON.stringify({ id: `${tag}-1`, traits: { source: "e2e" } }),
    "{ not json",
    JSON.stringify({ id: `${tag}-2` }),
  ].join("\n");
  await page.getByLabel("File").setInputFiles({
    name: `${tag}.ndjson`,
    mimeType: "application/x-ndjson",
    buffer: Buffer.from(ndjson),
  });
  await expect(page.getByLabel("Format")).toHaveValue("ndjson");
  await expect(page.getByRole("region", { name: "First lines" })).toContainText("{ not json");
  await page.getByRole("button", { name: "Start import" }).click();
  await expect(page.getByTestId("import-status")).toHaveText("Done", { timeout: 60_000 });
  await expect(page.getByTestId("import-inserted")).toHaveText("2");
  const bad = page
    .getByRole("table", { name: "Rows that could not be imported" })
    .getByRole("row")
    .nth(1);
  await expect(bad.getByRole("cell").nth(0)).toHaveText("2");
  await expect(bad.getByRole("cell").nth(2)).toContainText("Not valid JSON");
});

test("a file bigger than one part uploads part by part with its progress, then imports as one job", async ({
  page,
}) => {
  test.slow();
  await signIn(page, "editor");
  await page.goto("/imports");
  const tag = unique("big");
  // 100 profiles padded with spaces (valid JSON) to ~100 kB a line: ~10 MB, three parts of 4 MB.
  const pad = " ".repeat(100_000);
  const lines = Array.from({ length: 100 }, (_, i) =>
    i === 70 ? `{ not json${pad}` : `{"id":"${tag}-${i}",${pad}"traits":{"source":"e2e"}}`,
  );
  await page.getByLabel("File").setInputFiles({
    name: `${tag}.ndjson`,
    mimeType: "application/x-ndjson",
    buffer: Buffer.from(`${lines.join("\n")}\n`),
  });
  await expect(page.getByText(/uploaded in about 3 parts/)).toBeVisible();
  await expect(page.getByRole("region", { name: "First lines" })).toContainText(`${tag}-0`);
  await page.getByRole("button", { name: "Start import" }).click();

  await expect(page.getByTestId("import-upload-status")).toContainText(/Uploading part [1-3] of 3/);
  await expect(page.getByRole("progressbar", { name: "Upload progress" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel upload" })).toBeVisible();

  await expect(page).toHaveURL(/\/imports\/[^/]+$/, { timeout: 60_000 });
  await expect(page.getByRole("heading", { level: 1, name: `${tag}.ndjson` })).toBeVisible();
  await expect(page.getByTestId("import-status")).toHaveText("Done", { timeout: 60_000 });
  await expect(page.getByTestId("import-progress")).toContainText("100 of 100 rows (100%)");
  await expect(page.getByTestId("import-inserted")).toHaveText("99");
  // Lines are numbered across parts: the broken line is line 71 of the file, in part 1.
  const bad = page
    .getByRole("table", { name: "Rows that could not be imported" })
    .getByRole("row")
    .nth(1);
  await expect(bad.getByRole("cell").nth(0)).toHaveText("71");
  for (const i of [0, 69, 99]) {
    const found = await apiQuery<{ profile: { id: string } }>(page.request, "profile.get", {
      id: `${tag}-${i}`,
    });
    expect(found.profile.id).toBe(`${tag}-${i}`);
  }
});

test("cancelling an upload drops what was sent", async ({ page }) => {
  test.slow();
  await signIn(page, "editor");
  await page.goto("/imports");
  const tag = unique("cancel");
  const pad = " ".repeat(100_000);
  const lines = Array.from({ length: 200 }, (_, i) => `{"id":"${tag}-${i}",${pad}"active":true}`);
  await page.getByLabel("File").setInputFiles({
    name: `${tag}.ndjson`,
    mimeType: "application/x-ndjson",
    buffer: Buffer.from(lines.join("\n")),
  });
  // A slow network: each part (a server action POST) takes a second and a half to leave.
  await page.route(/\/imports$/, async (route) => {
    if (route.request().method() === "POST") await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await page.getByRole("button", { name: "Start import" }).click();
  await expect(page.getByTestId("import-upload-status")).toContainText(/Uploading part [12] of 5/);
  await page.getByRole("button", { name: "Cancel upload" }).click();
  await expect(page.getByText(`Upload of ${tag}.ndjson cancelled`)).toBeVisible();
  await expect(page).toHaveURL(/\/imports$/);
  const jobs = await apiQuery<{ fileName: string | null; status: string }[]>(
    page.request,
    "profile.importList",
    { limit: 50 },
  );
  expect(jobs.find((j) => j.fileName === `${tag}.ndjson`)?.status).toBe("cancelled");
});

test("a line longer than one part is named on the file field, and nothing is left uploading", async ({
  page,
}) => {
  await signIn(page, "editor");
  await page.goto("/imports");
  const tag = unique("long");
  await page.getByLabel("File").setInputFiles({
    name: `${tag}.ndjson`,
    mimeType: "application/x-ndjson",
    buffer: Buffer.from(`{"id":"${tag}",${" ".repeat(5 * 1024 * 1024)}"active":true}\n`),
  });
  await page.getByRole("button", { name: "Start import" }).click();
  await expect(page.getByLabel("File")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText(/A line after byte 0 is longer than 4\.0 MB/)).toBeVisible();
  const jobs = await apiQuery<{ fileName: string | null; status: string }[]>(
    page.request,
    "profile.importList",
    { limit: 50 },
  );
  expect(jobs.find((j) => j.fileName === `${tag}.ndjson`)?.status).toBe("cancelled");
});
