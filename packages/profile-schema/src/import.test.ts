import { describe, expect, it } from "vitest";

import { identifiedCustomer } from "./fixtures/tracardi-profiles";
import {
  endsInsideCsvQuote,
  IMPORT_PART_MAX_BYTES,
  ImportBeginInput,
  ImportCommitInput,
  ImportPartInput,
  lastRecordEnd,
  splitImportText,
  csvCellOf,
  csvCellType,
  ExportInput,
  ImportInput,
  ImportMapping,
  isExportColumn,
  lineCount,
  mergeImported,
  parseCsvRow,
  parseDocumentRow,
  resolveCsvColumns,
  toCsvCell,
  utf8Length,
  type ImportRowResult,
} from "./import";
import { Profile } from "./profile";
import { unstorableText } from "./json";
import { TRACARDI_AUX_KEY } from "./tracardi";

function ok(result: ImportRowResult) {
  if (!result.ok) throw new Error(`expected a valid row: ${JSON.stringify(result.issues)}`);
  return result.record;
}

function issues(result: ImportRowResult) {
  if (result.ok) throw new Error("expected an invalid row");
  return result.issues;
}

describe("ImportInput", () => {
  it("needs a mapping for CSV and refuses one for NDJSON", () => {
    const csv = ImportInput.safeParse({ format: "csv", content: "a\n1" });
    expect(csv.error?.issues.map((i) => i.path)).toEqual([["mapping"]]);
    const ndjson = ImportInput.safeParse({ format: "ndjson", content: "{}", mapping: { a: "id" } });
    expect(ndjson.error?.issues.map((i) => i.path)).toEqual([["mapping"]]);
  });

  it("refuses an empty file, and names the limits", () => {
    expect(
      ImportInput.safeParse({ format: "ndjson", content: " \n\n" }).error?.issues[0]?.message,
    ).toBe("The file is empty");
    const lines = "{}\n".repeat(1_000_001);
    expect(
      ImportInput.safeParse({ format: "ndjson", content: lines }).error?.issues[0]?.message,
    ).toMatch(/more than 1,000,000 lines/);
  });

  it("counts bytes as UTF-8 and lines without a final empty one", () => {
    expect(utf8Length("aé€😀")).toBe(1 + 2 + 3 + 4);
    expect(lineCount("a\nb\n")).toBe(2);
    expect(lineCount("a\nb")).toBe(2);
    expect(lineCount("")).toBe(0);
  });

  it("validates mapped paths: fields a column can fill, traits.*, no system fields or maps", () => {
    expect(csvCellType("data.pii.firstname")).toBe("string");
    expect(csvCellType("data.job.company.size")).toBe("integer");
    expect(csvCellType("traits.plan.tier")).toBe("trait");
    expect(csvCellType("id")).toBe("string");
    for (const bad of [
      "metadata.time.insert",
      "segments",
      "traits",
      "traits.__proto__",
      "data.pii.nick",
    ]) {
      expect(csvCellType(bad), bad).toBeUndefined();
    }
    const mapping = ImportMapping.safeParse({
      Name: "data.pii.nick",
      First: "data.pii.firstname",
      F2: "data.pii.firstname",
    });
    expect(mapping.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["Name", expect.stringContaining('"data.pii.nick" is not a field a column can fill')],
      ["F2", 'Columns "First" and "F2" both fill data.pii.firstname'],
    ]);
  });
});

describe("parseDocumentRow", () => {
  it("reports a line that is not JSON, an unknown key and a bad date at their paths", () => {
    expect(issues(parseDocumentRow("ndjson", "{nope"))).toEqual([
      { path: "", message: expect.stringMatching(/^Not valid JSON/) },
    ]);
    expect(issues(parseDocumentRow("ndjson", "[1]"))).toEqual([
      { path: "", message: "Expected a JSON object: one profile per line" },
    ]);
    expect(issues(parseDocumentRow("ndjson", '{"data":{"pii":{"nick":"A"}}}'))).toEqual([
      { path: "data.pii.nick", message: "Unknown field" },
    ]);
    expect(
      issues(parseDocumentRow("ndjson", '{"data":{"pii":{"birthday":"31/02/1990"}}}')),
    ).toEqual([
      {
        path: "data.pii.birthday",
        message: expect.stringContaining("Invalid date: expected ISO 8601"),
      },
    ]);
  });

  it("refuses a row the store cannot keep as a row error, at any depth (NUL, lone surrogates)", () => {
    expect(issues(parseDocumentRow("ndjson", '{"id":"a","traits":{"k":"x\\u0000"}}'))).toEqual([
      { path: "traits.k", message: "Text must not contain the NUL character" },
    ]);
    // V8 quotes the first unit of an emoji it cannot parse: half a surrogate pair.
    const [emoji] = issues(parseDocumentRow("ndjson", "😀😀😀")) ?? [];
    expect(emoji?.message).toMatch(/^Not valid JSON: /);
    expect(unstorableText(emoji?.message ?? "")).toBeNull();
    // The key is not in the path: the job's error report (jsonb) could not hold it either.
    expect(issues(parseDocumentRow("ndjson", '{"id":"a","traits":{"\\u0000":1}}'))).toEqual([
      { path: "traits", message: "A key must not contain the NUL character" },
    ]);
    expect(issues(parseDocumentRow("tracardi", '{"id":"\\ud800"}'))).toEqual([
      { path: "id", message: "Text must not contain unpaired surrogates" },
    ]);
    const deep = `{"id":"a","aux":${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}}`;
    expect(issues(parseDocumentRow("ndjson", deep))).toEqual([
      { path: expect.stringMatching(/^aux\.a\.a/), message: "Nested deeper than 64 levels" },
    ]);
  });

  it("keeps which fields a row gives, and whether it names its id", () => {
    const record = ok(
      parseDocumentRow(
        "ndjson",
        '{"traits":{"a":1},"data":{"pii":{"firstname":"Ann","lastname":null}}}',
      ),
    );
    expect(record.hasId).toBe(false);
    expect(record.paths).toEqual(["traits", "data.pii.firstname", "data.pii.lastname"]);
    const named = ok(parseDocumentRow("ndjson", '{"id":"p-1"}'));
    expect(named.hasId).toBe(true);
    expect(named.paths).toEqual([]);
    // In a Tracardi document a null where our field cannot be null means "default": not given.
    const tracardi = ok(parseDocumentRow("tracardi", '{"stats":{"visits":null,"views":2}}'));
    expect(tracardi.paths).toEqual(["stats.views"]);
  });

  it("reads Tracardi documents and keeps their unmodelled keys", () => {
    const doc = {
      ...identifiedCustomer,
      operation: { new: false },
      data: { ...identifiedCustomer.data, pii: { ...identifiedCustomer.data.pii, nick: "Ania" } },
    };
    const record = ok(parseDocumentRow("tracardi", JSON.stringify(doc)));
    expect(record.hasId).toBe(true);
    expect(record.profile.metadata.time.insert).toBe("2024-05-30T07:44:23.246262Z");
    expect(record.profile.aux[TRACARDI_AUX_KEY]).toMatchObject({
      operation: { new: false },
      data: { pii: { nick: "Ania" } },
    });
    expect(record.paths).toContain("aux");
    expect(issues(parseDocumentRow("tracardi", '{"stats":{"visits":"many"}}'))[0]?.path).toBe(
      "stats.visits",
    );
  });
});

describe("CSV rows", () => {
  const mapping = {
    Id: "id",
    First: "data.pii.firstname",
    Email: "data.contact.email.main",
    Size: "data.job.company.size",
    Weight: "data.pii.attributes.weight",
    Active: "active",
    Born: "data.pii.birthday",
    Brands: "data.preferences.brands",
    Plan: "traits.plan.tier",
  } as const;
  const header = [
    "Id",
    " First ",
    "Email",
    "Size",
    "Weight",
    "Active",
    "Born",
    "Brands",
    "Plan",
    "Ignored",
  ];
  const resolved = resolveCsvColumns(mapping, header);
  if (!resolved.ok) throw new Error("header");
  const row = (cells: Partial<Record<keyof typeof mapping, string>>) =>
    parseCsvRow(
      resolved.columns,
      header.map((h) => cells[h.trim() as keyof typeof mapping] ?? ""),
    );

  it("coerces cells by the field's type", () => {
    const record = ok(
      row({
        First: "Ann",
        Size: "250",
        Weight: "61.5",
        Active: "no",
        Born: "1990-02-01",
        Brands: "Acme; Bolt",
        Plan: "gold",
      }),
    );
    expect(record.hasId).toBe(false);
    expect(record.profile.data.pii.firstname).toBe("Ann");
    expect(record.profile.data.job.company.size).toBe(250);
    expect(record.profile.data.pii.attributes.weight).toBe(61.5);
    expect(record.profile.active).toBe(false);
    expect(record.profile.data.pii.birthday).toBe("1990-02-01T00:00:00.000000Z");
    expect(record.profile.data.preferences.brands).toEqual(["Acme", "Bolt"]);
    expect(record.profile.traits).toEqual({ plan: { tier: "gold" } });
    expect(record.paths.sort()).toEqual(
      [
        "active",
        "data.job.company.size",
        "data.pii.attributes.weight",
        "data.pii.birthday",
        "data.pii.firstname",
        "data.preferences.brands",
        "traits",
      ].sort(),
    );
  });

  it("leaves blank cells out (they never clear a field)", () => {
    const record = ok(row({ Id: "p-9", Email: "a@example.com" }));
    expect(record.hasId).toBe(true);
    expect(record.paths).toEqual(["data.contact.email.main"]);
  });

  it("names the column and the problem", () => {
    expect(issues(row({ Weight: "abc", Size: "2.5", Active: "maybe" }))).toEqual([
      {
        path: "data.job.company.size",
        message: 'Column "Size": expected a whole number, got "2.5"',
      },
      {
        path: "data.pii.attributes.weight",
        message: 'Column "Weight": expected a number, got "abc"',
      },
      { path: "active", message: 'Column "Active": expected true or false, got "maybe"' },
    ]);
    expect(issues(row({ Born: "yesterday" }))).toEqual([
      {
        path: "data.pii.birthday",
        message: expect.stringMatching(/^Column "Born": Invalid date: expected ISO 8601/),
      },
    ]);
  });

  it("finds the mapped columns in the header or says which are missing", () => {
    const missing = resolveCsvColumns({ Mail: "data.contact.email.main" }, ["Email", "Name"]);
    expect(missing).toEqual({
      ok: false,
      issues: [
        {
          path: "mapping.Mail",
          message: 'The header has no column "Mail" (it has "Email", "Name")',
        },
      ],
    });
  });

  it("writes cells an import reads back", () => {
    const profile = Profile.parse({
      data: {
        preferences: { brands: ["Acme", "Bolt"], colors: ["red;blue"] },
        pii: { firstname: "Ann" },
      },
      traits: { cart: { items: 2 } },
      stats: { visits: 3 },
    });
    expect(csvCellOf(profile, "data.preferences.brands")).toBe("Acme;Bolt");
    expect(csvCellOf(profile, "data.preferences.colors")).toBe('["red;blue"]');
    expect(csvCellOf(profile, "traits.cart")).toBe('{"items":2}');
    expect(csvCellOf(profile, "stats.visits")).toBe("3");
    expect(csvCellOf(profile, "data.pii.lastname")).toBe("");
    expect(toCsvCell([])).toBe("");
    const back = resolveCsvColumns({ c: "data.preferences.colors", b: "data.preferences.brands" }, [
      "c",
      "b",
    ]);
    if (!back.ok) throw new Error("header");
    const read = ok(parseCsvRow(back.columns, ['["red;blue"]', "Acme;Bolt"]));
    expect(read.profile.data.preferences).toMatchObject({
      colors: ["red;blue"],
      brands: ["Acme", "Bolt"],
    });
  });
});

describe("mergeImported", () => {
  const existing = Profile.parse({
    id: "p-1",
    ids: ["p-1", "old-alias"],
    segments: ["vip"],
    traits: { plan: "pro", cart: { items: 2, skus: ["A"] } },
    data: { pii: { firstname: "Ann", lastname: "Lee" }, contact: { phone: { main: "+1 555" } } },
  });

  it("replaces given fields, merges maps deeply, only grows ids, keeps system fields", () => {
    const record = ok(
      parseDocumentRow(
        "ndjson",
        JSON.stringify({
          id: "other",
          ids: ["new-alias"],
          segments: ["from-file"],
          traits: { cart: { items: 3 }, new: true },
          data: { pii: { lastname: "Smith" }, contact: { email: { main: "ann@example.com" } } },
        }),
      ),
    );
    const merged = mergeImported(existing, record);
    expect(merged.id).toBe("p-1");
    expect(merged.ids).toEqual(["p-1", "old-alias", "new-alias"]);
    expect(merged.segments).toEqual(["vip"]);
    expect(merged.traits).toEqual({ plan: "pro", cart: { items: 3, skus: ["A"] }, new: true });
    expect(merged.data.pii).toMatchObject({ firstname: "Ann", lastname: "Smith" });
    expect(merged.data.contact.phone.main).toBe("+1 555");
    expect(merged.data.contact.email.main).toBe("ann@example.com");
    expect(Profile.parse(merged)).toEqual(merged);
  });

  it("changes nothing when the row says what the profile holds", () => {
    const record = ok(parseDocumentRow("ndjson", JSON.stringify(existing)));
    expect(mergeImported(existing, record)).toEqual(existing);
  });
});

describe("ExportInput", () => {
  it("defaults to NDJSON of every profile and checks columns", () => {
    expect(ExportInput.parse({})).toEqual({
      query: { sort: "inserted_at", order: "desc" },
      format: "ndjson",
    });
    expect(isExportColumn("traits.plan")).toBe(true);
    expect(isExportColumn("stats.counters.purchase")).toBe(true);
    expect(isExportColumn("data.pii.nick")).toBe(false);
    const bad = ExportInput.safeParse({ format: "csv", columns: ["id", "nope"] });
    expect(bad.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["columns.1", '"nope" is not a profile field'],
    ]);
  });
});

describe("chunked upload parts", () => {
  it("knows when CSV text ends inside a quoted cell", () => {
    expect(endsInsideCsvQuote('a,"b\n')).toBe(true);
    expect(endsInsideCsvQuote('a,"b\nc"\n')).toBe(false);
    expect(endsInsideCsvQuote('a,"say ""hi""\n')).toBe(true);
    expect(endsInsideCsvQuote('a,"say ""hi"""\n')).toBe(false);
    // A quote inside an unquoted cell is text.
    expect(endsInsideCsvQuote('a,5" screen\n')).toBe(false);
  });

  it("splits a file at line breaks (CSV: outside quotes) into parts that join back", () => {
    const ndjson = Array.from({ length: 50 }, (_, i) => `{"id":"p-${i}","n":"ä${i}"}`).join("\n");
    const parts = [...splitImportText(ndjson, "ndjson", 100)];
    expect(parts.join("")).toBe(ndjson);
    for (const part of parts.slice(0, -1)) {
      expect(part.endsWith("\n")).toBe(true);
      expect(utf8Length(part)).toBeLessThanOrEqual(100);
    }
    const csv =
      "id,note\n" + Array.from({ length: 30 }, (_, i) => `r-${i},"line\none ${i}"`).join("\n");
    const csvParts = [...splitImportText(csv, "csv", 64)];
    expect(csvParts.join("")).toBe(csv);
    expect(csvParts.length).toBeGreaterThan(5);
    for (const part of csvParts) expect(endsInsideCsvQuote(part)).toBe(false);
    expect(lastRecordEnd('a,"b\nc"\nd,"e\n', "csv")).toBe(8);
    expect(lastRecordEnd("no break", "ndjson")).toBe(-1);
  });

  it("takes parts numbered from 0, non-empty, at most 8 MB", () => {
    expect(ImportPartInput.safeParse({ jobId: "j", part: 0, content: "x\n" }).success).toBe(true);
    const empty = ImportPartInput.safeParse({ jobId: "j", part: 0, content: "" });
    expect(empty.error?.issues[0]?.message).toBe("A part cannot be empty");
    const big = ImportPartInput.safeParse({
      jobId: "j",
      part: 1,
      content: "é".repeat(IMPORT_PART_MAX_BYTES / 2 + 1),
    });
    expect(big.error?.issues[0]).toMatchObject({ path: ["content"] });
    expect(ImportCommitInput.safeParse({ jobId: "j", parts: 0 }).success).toBe(false);
    expect(ImportBeginInput.safeParse({ format: "csv" }).error?.issues[0]?.path).toEqual([
      "mapping",
    ]);
  });
});
