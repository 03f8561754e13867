import type { TRPCError } from "@trpc/server";
import { parse as parseCsv } from "csv-parse/sync";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Profile } from "@cdp/profile-schema";
import { insertProfiles } from "@cdp/db";
import { createTestDatabase, testTargets } from "@cdp/db/testing";
import type { TestDatabase } from "@cdp/db/testing";

import type { Principal } from "../authz";
import { importProcedures } from "../routers/profile/import";
import { createCallerFactory, createTRPCContext, createTRPCRouter } from "../trpc";
import { createExportHandler, exportProfiles } from "./export";
import { importWorkerIdle } from "./import";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const router = createTRPCRouter({ profile: createTRPCRouter(importProcedures) });
const createCaller = createCallerFactory(router);

const viewer: Principal = { kind: "staff", id: "u-viewer", name: "Vic", role: "viewer" };
/** A service that acts on personal data (staff never read it in the clear: seesPii). */
const privacy: Principal = {
  kind: "service",
  id: "t-crm",
  name: "CRM sync",
  scopes: ["profiles:read", "profiles:pii"],
};
const stranger: Principal = { kind: "service", id: "t-1", name: "no scopes", scopes: [] };

/** 30 people: every third a Smith, every other on the pro plan. */
const people = Array.from({ length: 30 }, (_, i) =>
  Profile.parse({
    id: `p-${String(i).padStart(2, "0")}`,
    metadata: { time: { insert: `2025-01-01T00:00:${String(i).padStart(2, "0")}.000000Z` } },
    traits: { plan: i % 2 === 0 ? "pro" : "free" },
    stats: { visits: i },
    data: {
      pii: { firstname: `Name${i}`, lastname: i % 3 === 0 ? "Smith" : `Other${i}` },
      contact: { email: { main: `person${i}@example.com` } },
      preferences: { brands: ["Acme", "Bolt, Inc."] },
    },
  }),
);
const smiths = people.filter((p) => p.data.pii.lastname === "Smith").map((p) => p.id);
const proSmiths = people
  .filter((p) => p.data.pii.lastname === "Smith" && p.traits["plan"] === "pro")
  .map((p) => p.id);

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

const idsOfNdjson = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((line) => (JSON.parse(line) as Profile).id);

describe.each(testTargets())("profile export on %s", (target) => {
  let t: TestDatabase;
  const as = (principal: Principal) => createCaller(createTRPCContext({ db: t.db, principal }));

  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await importWorkerIdle(t.db);
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
    await insertProfiles(t.db, people);
  });

  it("exports every profile matching a search exactly once as NDJSON, masked without profiles:pii", async () => {
    const chunks = await collect(
      exportProfiles(t.db, viewer, { query: { search: "smith", sort: "visits", order: "asc" } }),
    );
    const lines = chunks.join("").trim().split("\n");
    const docs = lines.map((line) => Profile.parse(JSON.parse(line)));
    expect(docs.map((d) => d.id)).toEqual(smiths);
    expect(docs[0]?.data.contact.email.main).toBe("p•••@e•••");
    expect(docs[0]?.data.pii.lastname).toBe("S•••");
    expect(docs[0]?.traits).toEqual({ plan: "pro" });

    const revealed = await collect(exportProfiles(t.db, privacy, { query: { search: "smith" } }));
    const first = JSON.parse(revealed.join("").split("\n")[0] ?? "") as Profile;
    expect(first.data.contact.email.main).toMatch(/^person\d+@example\.com$/);
  });

  it("filters by a condition as well as a search", async () => {
    const chunks = await collect(
      exportProfiles(t.db, privacy, {
        query: {
          search: "smith",
          condition: { field: "traits.plan", op: "eq", value: "pro" },
          sort: "visits",
          order: "asc",
        },
      }),
    );
    expect(idsOfNdjson(chunks.join(""))).toEqual(proSmiths);
  });

  it("writes CSV with a header of the chosen columns, quoting what needs it", async () => {
    const columns = [
      "id",
      "data.pii.lastname",
      "data.contact.email.main",
      "stats.visits",
      "traits.plan",
      "data.preferences.brands",
    ];
    const text = (
      await collect(
        exportProfiles(t.db, viewer, {
          query: { search: "smith", sort: "visits", order: "asc" },
          format: "csv",
          columns,
        }),
      )
    ).join("");
    expect(text.startsWith("\uFEFFid,data.pii.lastname,")).toBe(true);
    const rows = parseCsv(text, { bom: true }) as string[][];
    expect(rows[0]).toEqual(columns);
    expect(rows.slice(1).map((r) => r[0])).toEqual(smiths);
    expect(rows[1]).toEqual(["p-00", "S•••", "p•••@e•••", "0", "pro", "Acme;Bolt, Inc."]);

    // The default columns when none are named.
    const plain = (await collect(exportProfiles(t.db, privacy, { format: "csv" }))).join("");
    const header = (parseCsv(plain, { bom: true, to: 1 }) as string[][])[0];
    expect(header).toContain("data.contact.email.main");
    expect(plain.trim().split("\n")).toHaveLength(31);
  });

  it("streams thousands of profiles page by page, each exactly once", async () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      Profile.parse({ id: `m-${String(i).padStart(4, "0")}`, stats: { views: i % 7 } }),
    );
    await insertProfiles(t.db, many);
    let chunks = 0;
    let largest = 0;
    const ids: string[] = [];
    for await (const chunk of exportProfiles(t.db, viewer, { query: { sort: "views" } })) {
      chunks++;
      largest = Math.max(largest, chunk.split("\n").length - 1);
      ids.push(...idsOfNdjson(chunk));
    }
    expect(ids).toHaveLength(3030);
    expect(new Set(ids).size).toBe(3030);
    expect(chunks).toBeGreaterThanOrEqual(15);
    expect(largest).toBeLessThanOrEqual(200);
  });

  it("gives pages with a cursor and, first, the total (the console's progress bar)", async () => {
    const first = await as(viewer).profile.exportPage({
      format: "csv",
      query: { search: "smith" },
      limit: 4,
      columns: ["id"],
    });
    expect(first.total).toBe(smiths.length);
    expect(first.rows).toBe(4);
    expect(first.chunk.startsWith("\uFEFFid\n")).toBe(true);
    const seen = (parseCsv(first.chunk, { bom: true }) as string[][]).slice(1).map((r) => r[0]);
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await as(viewer).profile.exportPage({
        format: "csv",
        query: { search: "smith" },
        limit: 4,
        columns: ["id"],
        cursor,
      });
      expect(page.total).toBeUndefined();
      expect(page.chunk.startsWith("id")).toBe(false);
      seen.push(...(parseCsv(page.chunk) as string[][]).map((r) => r[0]));
      cursor = page.nextCursor;
    }
    expect(seen.sort()).toEqual([...smiths].sort());
    const refused = (await as(stranger)
      .profile.exportPage({})
      .catch((e: unknown) => e)) as TRPCError;
    expect(refused.code).toBe("FORBIDDEN");
  });

  it("serves a streaming download over HTTP", async () => {
    const handler = createExportHandler({
      db: t.db,
      resolvePrincipal: async (req) => {
        const token = req.headers.get("authorization");
        return token === "Bearer viewer" ? viewer : token === "Bearer stranger" ? stranger : null;
      },
    });
    const get = (query: string, token = "viewer") =>
      handler(
        new Request(`http://local/api/export?${query}`, {
          headers: { authorization: `Bearer ${token}` },
        }),
      );

    const res = await get("format=ndjson&q=smith&sort=visits&order=asc");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="profiles-.+\.ndjson"$/,
    );
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(idsOfNdjson(await res.text())).toEqual(smiths);

    const condition = encodeURIComponent(
      JSON.stringify({ field: "traits.plan", op: "eq", value: "pro" }),
    );
    const csv = await get(`format=csv&q=smith&columns=id,traits.plan&condition=${condition}`);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const rows = parseCsv(await csv.text(), { bom: true }) as string[][];
    expect(rows[0]).toEqual(["id", "traits.plan"]);
    expect(
      rows
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual([...proSmiths].sort());

    expect((await get("format=ndjson", "nobody")).status).toBe(401);
    expect((await get("format=ndjson", "stranger")).status).toBe(403);
    const bad = await get("format=xml&sort=shoe_size");
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { fieldErrors: { path: string }[] };
    expect(body.fieldErrors.map((e) => e.path).sort()).toEqual(["format", "query.sort"]);
    expect((await get("condition=%7Bnope")).status).toBe(400);
    // Refused before the 200: PostgreSQL would fail on a NUL mid-stream and the download be cut.
    const nul = await get("format=csv&q=a%00b");
    expect(nul.status).toBe(400);
    expect(await nul.json()).toMatchObject({
      fieldErrors: [{ path: "query.search", message: "Text must not contain the NUL character" }],
    });
    expect((await handler(new Request("http://local/api/export", { method: "POST" }))).status).toBe(
      405,
    );
  });
});
