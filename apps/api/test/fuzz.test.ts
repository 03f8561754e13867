/**
 * Fuzzing every mutation of the API over real HTTP (issue 8): valid inputs built from the
 * contract, the same inputs spoiled (wrong types, huge strings, deep nesting, unicode, prototype
 * keys, SQL fragments, non-finite numbers, impossible dates), and abuse of the request itself
 * (broken JSON, empty bodies, wrong content types), one call at a time and in batches. Each case
 * is judged against the procedure's own input schema: no 5xx, a refusal is a 4xx with a message
 * for people (field errors with paths when the input is wrong), a success is a real result.
 * Afterwards every stored profile (and consent type, segment, view, mapping rule) must parse, no
 * import job may have failed, no prototype may be polluted, and the server must still be ready.
 *
 * Runs: FUZZ_RUNS cases (default 10,000, split evenly over the routes), seed FUZZ_SEED (default
 * fixed, printed). The full count runs on the last target of testTargets(): PostgreSQL when
 * TEST_DATABASE_URL is set, else PGlite. The other target (PGlite beside PostgreSQL) runs
 * FUZZ_OTHER_RUNS cases (default 2,000): the same generators, so engine differences still show,
 * in a fifth of the time. 10,000 cases take about 1.3 minutes on PostgreSQL and 1.5 on PGlite on
 * this 2-core machine (measured with a load of ~2; twice that on a busy one).
 */
import { isDeepStrictEqual } from "node:util";
import type { AnyProcedure, AnyRouter } from "@trpc/server";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import type { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, importWorkerIdle } from "@cdp/api";
import {
  getProfile,
  rowToConsentType,
  rowToMappingRule,
  rowToProfile,
  rowToSavedView,
  rowToSegment,
  schema,
} from "@cdp/db";
import {
  ConsentTypeInput,
  MappingRuleInput,
  Profile,
  SavedViewInput,
  SegmentInput,
} from "@cdp/profile-schema";

import { openApiDocument } from "../src/openapi";
import { expectationOf, problemsOf, send } from "./fuzz/check";
import type { Expectation, FuzzRequest } from "./fuzz/check";
import { hostileString, mutated, nested, transport } from "./fuzz/hostile";
import type { Transport } from "./fuzz/hostile";
import {
  CONSENT_TYPE_IDS,
  EMAILS,
  MAPPING_RULE_IDS,
  mutationInputs,
  PHONES,
  PROFILE_IDS,
  restInputs,
  SEGMENT_IDS,
} from "./fuzz/inputs";
import type { RestInput } from "./fuzz/inputs";
import { preview, resolveLive, toJsonText } from "./fuzz/raw";
import type { LiveContext, LiveKind, Raw } from "./fuzz/raw";
import { startHarness, testTargets } from "./harness";
import type { Harness } from "./harness";

const SEED = Number(process.env["FUZZ_SEED"] ?? 8_2025);
const TOTAL_RUNS = Number(process.env["FUZZ_RUNS"] ?? 10_000);
const OTHER_RUNS = Number(process.env["FUZZ_OTHER_RUNS"] ?? 2_000);
const FULL_TARGET = testTargets().at(-1);

// ---------------------------------------------------------------------------------------------
// What is fuzzed: every mutation of the router, and every REST write route
// ---------------------------------------------------------------------------------------------

// `_def.procedures` is flat at run time (`consent.types.create` → procedure).
const procedures = (appRouter as AnyRouter)._def.procedures as Record<string, AnyProcedure>;
const mutationPaths = Object.keys(procedures)
  .filter((path) => procedures[path]?._def.type === "mutation")
  .sort();

const WRITE_METHODS = { post: "POST", put: "PUT", patch: "PATCH", delete: "DELETE" } as const;
interface RestRoute {
  /** `METHOD /path`, as restInputs names it. */
  key: string;
  method: FuzzRequest["method"];
  /** The path under /api/v1, with `{id}` for the parameter. */
  template: string;
}
const restRoutes: RestRoute[] = Object.entries(openApiDocument().paths ?? {})
  .flatMap(([template, item]) =>
    (Object.keys(WRITE_METHODS) as (keyof typeof WRITE_METHODS)[])
      .filter((m) => item?.[m] !== undefined)
      .map((m) => ({ key: `${WRITE_METHODS[m]} ${template}`, method: WRITE_METHODS[m], template })),
  )
  .sort((a, b) => (a.key < b.key ? -1 : 1));

const routeCount = mutationPaths.length + restRoutes.length;
const runsPerRoute = (target: string) =>
  Math.max(1, Math.ceil((target === FULL_TARGET ? TOTAL_RUNS : OTHER_RUNS) / routeCount));

/** One case: a valid input as it is, spoiled, or sent badly. */
type Case =
  | { kind: "valid"; value: Raw }
  | { kind: "mutated"; value: Raw; what: string }
  | { kind: "transport"; value: Raw; transport: Transport };

function cases(valid: fc.Arbitrary<Raw>): fc.Arbitrary<Case> {
  return fc.oneof(
    { weight: 3, arbitrary: valid.map((value): Case => ({ kind: "valid", value })) },
    {
      weight: 6,
      arbitrary: mutated(valid).map(({ value, what }): Case => ({ kind: "mutated", value, what })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, transport)
        .map(([value, t]): Case => ({ kind: "transport", value, transport: t })),
    },
  );
}

function describeCase(c: Case): string {
  return c.kind === "valid"
    ? "valid input"
    : c.kind === "mutated"
      ? `mutated (${c.what})`
      : `transport: ${c.transport.what}`;
}

/** The body and content type of a case, and what the server should make of them. */
async function bodyOf(
  c: Case,
  ctx: LiveContext,
  schema: unknown,
): Promise<{ text: string; contentType: string | null; expectation: Expectation }> {
  const text = toJsonText(await resolveLive(c.value, ctx));
  if (c.kind === "transport") {
    return {
      text: c.transport.body(text),
      contentType: c.transport.contentType,
      expectation: "any",
    };
  }
  return { text, contentType: "application/json", expectation: await expectationOf(schema, text) };
}

/**
 * A path segment as a client would send it; a lone surrogate (which encodeURIComponent refuses)
 * goes out as the three bytes a lax encoder writes for it, which are not UTF-8.
 */
function encodePathParam(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join("");
    } else out += encodeURIComponent(char);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

/** Rows (as the store reads them back) that their contract's input schema refuses, and why. */
function storedProblems(what: string, rows: { id: string }[], contract: z.ZodObject): string[] {
  const keys = Object.keys(contract.shape);
  return rows.flatMap((row) => {
    const fields = Object.fromEntries(Object.entries(row).filter(([key]) => keys.includes(key)));
    const parsed = contract.safeParse(fields);
    return parsed.success
      ? []
      : [
          `${what} ${JSON.stringify(row.id)}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        ];
  });
}

/** Own property names of the prototypes a polluting merge would reach. */
function prototypeKeys(): string[][] {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) =>
    Object.getOwnPropertyNames(p).sort(),
  );
}

describe.each(testTargets())("fuzzing every mutation over HTTP on %s", (target) => {
  const RUNS_PER_ROUTE = runsPerRoute(target);
  let h: Harness;
  const prototypesBefore = prototypeKeys();
  const tally = new Map<string, Map<string, number>>();

  const count = (route: string, outcome: string) => {
    const byOutcome = tally.get(route) ?? new Map<string, number>();
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    tally.set(route, byOutcome);
  };

  const live: LiveContext = {
    profileVersion: async (id) => (await getProfile(h.db, id))?.version ?? 1,
    segmentVersion: async (id) => {
      const rows = await h.db
        .select({ version: schema.segment.version })
        .from(schema.segment)
        .where(sql`${schema.segment.id} = ${id}`);
      return rows[0]?.version ?? 1;
    },
    mappingVersion: async (id) => {
      const rows = await h.db
        .select({ version: schema.mappingRule.version })
        .from(schema.mappingRule)
        .where(sql`${schema.mappingRule.id} = ${id}`);
      return rows[0]?.version ?? 1;
    },
    existingId: async (kind: LiveKind, n: number) => {
      const ids = await existingIds(kind);
      return ids.length === 0 ? `no-such-${kind}` : (ids[n % ids.length] ?? "");
    },
  };

  async function existingIds(kind: LiveKind): Promise<string[]> {
    const pick = async (rows: Promise<{ id: string }[]>) => (await rows).map((r) => r.id).sort();
    switch (kind) {
      case "view":
        return pick(h.db.select({ id: schema.savedView.id }).from(schema.savedView));
      case "merge":
        return pick(h.db.select({ id: schema.profileMerge.id }).from(schema.profileMerge));
      case "importJob":
        return pick(h.db.select({ id: schema.importJob.id }).from(schema.importJob));
      case "token": {
        // Never the suite's own tokens: revoking them would turn the rest of the run into 401s.
        const own = new Set(Object.values(h.tokens).map((t) => t.id));
        return (
          await pick(h.db.select({ id: schema.serviceToken.id }).from(schema.serviceToken))
        ).filter((id) => !own.has(id));
      }
    }
  }

  /** Calls a mutation that may be refused (the row already exists, say): only 5xx fail here. */
  async function ensure(path: string, input: Raw): Promise<void> {
    if (!(path in procedures)) return;
    const reply = await send(h, {
      method: "POST",
      path: `/api/trpc/${path}`,
      contentType: "application/json",
      body: toJsonText(input),
    });
    if (reply.status >= 500)
      throw new Error(`seeding ${path} answered ${reply.status}: ${reply.text}`);
  }

  /**
   * A few rows of everything, put back before each route (earlier routes erase, delete, archive
   * and merge them), so valid inputs keep reaching real profiles, types, segments, views, rules.
   */
  async function replenish() {
    for (const [i, id] of PROFILE_IDS.entries()) {
      if (await getProfile(h.db, `id:${id}`)) continue;
      await ensure("profile.create", {
        id,
        data: {
          pii: { firstname: `Fuzz ${i}` },
          contact: {
            email: { main: EMAILS[i % EMAILS.length] ?? null },
            phone: { main: PHONES[i % PHONES.length] ?? null },
          },
        },
        traits: { plan: i % 2 === 0 ? "pro" : "free" },
      });
    }
    for (const id of CONSENT_TYPE_IDS.slice(0, 3)) {
      await ensure("consent.types.create", { id, name: id, purpose: "marketing" });
      await ensure("consent.types.restore", { id });
    }
    await ensure("consent.grant", {
      profileId: "fz-ann",
      typeId: "fz-marketing",
      legalBasis: "consent",
    });
    await ensure("segment.create", {
      id: SEGMENT_IDS[0],
      name: "All",
      condition: { field: "active", op: "eq", value: true },
    });
    await ensure("segment.create", {
      id: SEGMENT_IDS[1],
      name: "Pro",
      condition: { field: "traits.plan", op: "eq", value: "pro" },
      purpose: "marketing",
    });
    if ((await existingIds("view")).length < 2)
      await ensure("view.create", {
        name: "Pro",
        query: { condition: { field: "traits.plan", op: "eq", value: "pro" } },
      });
    if ((await existingIds("token")).length < 2) {
      await ensure("token.create", { name: "revocable", scopes: ["profiles:read"] });
    }
    // Enabled rules make every tracked event go through the mapping engine, values of any type.
    await ensure("mapping.create", {
      id: MAPPING_RULE_IDS[0],
      enabled: true,
      name: "Plan and age",
      eventTypes: ["page-view", "purchase", "identify"],
      mappings: [
        { from: "properties.plan", to: "traits.plan", op: "set" },
        { from: "properties.age", to: "stats.counters.age", op: "increment" },
        { from: "properties.tags", to: "data.preferences.brands", op: "append" },
        {
          from: "properties.when",
          to: "data.loyalty.card.expires",
          op: "set",
          transform: "to_date",
        },
      ],
    });
    await ensure("mapping.enable", { id: MAPPING_RULE_IDS[0], enabled: true });
    await ensure("profile.track", {
      events: [
        {
          profileId: "fz-bob",
          type: "page-view",
          time: "2025-03-01T10:00:00Z",
          properties: { counters: { visits: 1 }, plan: "pro" },
        },
      ],
    });
    if ((await existingIds("merge")).length === 0)
      await ensure("profile.merge", { into: "fz-eve", from: ["fz-fay"] });
    if ((await existingIds("importJob")).length === 0) {
      await ensure("profile.import", { format: "ndjson", content: '{"id":"fz-imported"}' });
    }
  }

  beforeAll(async () => {
    h = await startHarness({ target });
    console.info(
      `fuzz on ${h.engine}: seed ${SEED} (FUZZ_SEED), ${RUNS_PER_ROUTE} cases × ${routeCount} routes (FUZZ_RUNS=${TOTAL_RUNS}, FUZZ_OTHER_RUNS=${OTHER_RUNS}, full count on ${FULL_TARGET})`,
    );
  });

  afterAll(async () => {
    if (h) await importWorkerIdle(h.db);
    await h?.close();
  });

  it("has a generator for every mutation and every REST write route", () => {
    expect(mutationPaths.length).toBeGreaterThan(0);
    expect(mutationPaths.filter((path) => !(path in mutationInputs))).toEqual([]);
    expect(restRoutes.map((r) => r.key).filter((key) => !(key in restInputs))).toEqual([]);
  });

  mutationPaths.forEach((path, index) => {
    it(`tRPC ${path}`, { timeout: 600_000 }, async () => {
      const valid = mutationInputs[path];
      if (!valid)
        throw new Error(`no generator for the mutation ${path}: add one to fuzz/inputs.ts`);
      const inputSchema = procedures[path]?._def.inputs[0];
      await replenish();
      await fc.assert(
        fc.asyncProperty(cases(valid), async (c) => {
          const { text, contentType, expectation } = await bodyOf(c, live, inputSchema);
          const request: FuzzRequest = {
            method: "POST",
            path: `/api/trpc/${path}`,
            contentType,
            body: text,
          };
          const reply = await send(h, request);
          count(path, `${c.kind} ${reply.status}`);
          const problems = problemsOf(reply, expectation, "trpc");
          if (problems.length > 0) {
            throw new Error(
              `${path} (${describeCase(c)}, expected ${expectation}): ${problems.join("; ")}\n` +
                `  sent ${contentType ?? "no content type"} ${preview(text)}\n  got ${reply.status} ${preview(reply.text, 600)}`,
            );
          }
        }),
        { numRuns: RUNS_PER_ROUTE, seed: SEED + index },
      );
    });
  });

  it("batched calls (?batch=1) are judged one by one", { timeout: 600_000 }, async () => {
    // A batch runs its calls side by side: the same inputs, now contending with each other.
    await replenish();
    const call = fc
      .constantFrom(...mutationPaths.filter((path) => path in mutationInputs))
      .chain((path) =>
        cases(mutationInputs[path] ?? fc.constant(null))
          .filter((c) => c.kind !== "transport")
          .map((c) => ({ path, c })),
      );
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 2, maxLength: 4 }), async (calls) => {
        const bodies = await Promise.all(
          calls.map(({ path, c }) => bodyOf(c, live, procedures[path]?._def.inputs[0])),
        );
        const text = `{${bodies.map((b, i) => `"${i}":${b.text}`).join(",")}}`;
        const reply = await send(h, {
          method: "POST",
          path: `/api/trpc/${calls.map((c) => c.path).join(",")}?batch=1`,
          contentType: "application/json",
          body: text,
        });
        count("batch", String(reply.status));
        const problems: string[] =
          reply.status >= 500 ? [`the batch answered ${reply.status}`] : [];
        const items = Array.isArray(reply.json) ? (reply.json as unknown[]) : [reply.json];
        items.forEach((item, i) => {
          const error = (item as { error?: { data?: { httpStatus?: number } } } | null)?.error;
          const status = error ? (error.data?.httpStatus ?? 500) : 200;
          const one = { status, text: JSON.stringify(item), json: item };
          // One body that is not JSON makes the whole batch text unreadable.
          const expectation = bodies.some((b) => b.expectation === "invalid-json")
            ? "invalid-json"
            : items.length === calls.length
              ? bodies[i]?.expectation
              : "any";
          for (const p of problemsOf(one, expectation ?? "any", "trpc")) {
            problems.push(`call ${i} (${calls[i]?.path}): ${p}`);
          }
        });
        if (problems.length > 0) {
          throw new Error(
            `batch: ${problems.join("; ")}\n  sent ${preview(text)}\n  got ${reply.status} ${preview(reply.text, 600)}`,
          );
        }
      }),
      { numRuns: Math.max(1, Math.ceil(RUNS_PER_ROUTE / 2)), seed: SEED + 2000 },
    );
  });

  restRoutes.forEach(({ key: route, method, template }, index) => {
    it(`REST ${route}`, { timeout: 600_000 }, async () => {
      const valid = restInputs[route];
      if (!valid) throw new Error(`no generator for ${route}: add one to fuzz/inputs.ts`);
      await replenish();
      type RestCase = { input: RestInput; spoil: Case | null };
      const restCase: fc.Arbitrary<RestCase> = fc.oneof(
        { weight: 2, arbitrary: valid.map((input): RestCase => ({ input, spoil: null })) },
        {
          weight: 5,
          arbitrary: valid.chain((input) =>
            input.body === undefined
              ? fc.constant<RestCase>({ input, spoil: null })
              : cases(fc.constant(input.body)).map((spoil): RestCase => ({ input, spoil })),
          ),
        },
        {
          weight: 1,
          arbitrary: fc
            .tuple(valid, hostileString)
            .map(([input, param]): RestCase => ({ input: { ...input, param }, spoil: null })),
        },
      );
      await fc.assert(
        fc.asyncProperty(restCase, async ({ input, spoil }) => {
          const url = `/api/v1${template.replace("{id}", encodePathParam(input.param ?? ""))}`;
          let body: string | undefined;
          let contentType: string | null = "application/json";
          let expectation: Expectation = "any";
          if (spoil) {
            const made = await bodyOf(spoil, live, undefined);
            body = made.text;
            contentType = made.contentType;
            expectation = made.expectation === "invalid-json" ? "invalid-json" : "any";
          } else if (input.body !== undefined) {
            body = toJsonText(await resolveLive(input.body, live));
          } else {
            contentType = null;
          }
          const reply = await send(h, {
            method,
            path: url,
            contentType,
            body,
          });
          count(`REST ${route}`, `${spoil?.kind ?? "valid"} ${reply.status}`);
          const problems = problemsOf(reply, expectation, "rest");
          if (problems.length > 0) {
            throw new Error(
              `${method} ${url} (${spoil ? describeCase(spoil) : "valid input"}): ${problems.join("; ")}\n` +
                `  sent ${preview(body ?? "")}\n  got ${reply.status} ${preview(reply.text, 600)}`,
            );
          }
        }),
        { numRuns: RUNS_PER_ROUTE, seed: SEED + 1000 + index },
      );
    });
  });

  it("refuses a body over the size limit with 413 and a message", async () => {
    const reply = await send(h, {
      method: "POST",
      path: "/api/trpc/profile.create",
      contentType: "application/json",
      body: JSON.stringify({ id: "huge", traits: { blob: "x".repeat(11 * 1024 * 1024) } }),
    });
    expect(reply.status).toBe(413);
    expect(problemsOf(reply, "any", "trpc")).toEqual([]);
  });

  it("refuses a million levels of nesting, at the root and inside a field, with field errors", async () => {
    for (const body of [
      nested("array", 1_000_000).text,
      `{"id":"deep","traits":{"a":${nested("object", 1_000_000).text}}}`,
    ]) {
      const reply = await send(h, {
        method: "POST",
        path: "/api/trpc/profile.create",
        contentType: "application/json",
        body,
      });
      expect(problemsOf(reply, "invalid-input", "trpc")).toEqual([]);
    }
  });

  it("afterwards: every stored profile parses, nothing is polluted, the server is ready", async () => {
    await importWorkerIdle(h.db);
    const summary = [...tally].map(
      ([route, outcomes]) =>
        `  ${route}: ${[...outcomes]
          .sort()
          .map(([o, n]) => `${o}×${n}`)
          .join(" ")}`,
    );
    console.info(
      `fuzz outcomes on ${h.engine} (case kind, status × count):\n${summary.join("\n")}`,
    );

    const rows = await h.db.select().from(schema.profile);
    expect(rows.length).toBeGreaterThan(0);
    const invalid: string[] = [];
    for (const row of rows) {
      let document: Profile;
      try {
        document = rowToProfile(row);
      } catch (err) {
        invalid.push(`${JSON.stringify(row.id)}: unreadable (${String(err)})`);
        continue;
      }
      const parsed = Profile.safeParse(document);
      if (!parsed.success) {
        invalid.push(
          `${JSON.stringify(row.id)}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
      } else if (!isDeepStrictEqual(parsed.data, document)) {
        invalid.push(`${JSON.stringify(row.id)}: stored differently from its parsed form`);
      } else if ((await getProfile(h.db, `id:${row.id}`))?.profile.id !== row.id) {
        invalid.push(`${JSON.stringify(row.id)}: not found by its own id`);
      }
    }
    expect(invalid).toEqual([]);

    // The other contract-shaped rows the mutations write parse with their input schemas too.
    const [types, segments, views, rules] = await Promise.all([
      h.db.select().from(schema.consentType),
      h.db.select().from(schema.segment),
      h.db.select().from(schema.savedView),
      h.db.select().from(schema.mappingRule),
    ]);
    expect([
      ...storedProblems("consent type", types.map(rowToConsentType), ConsentTypeInput),
      ...storedProblems("segment", segments.map(rowToSegment), SegmentInput),
      ...storedProblems("saved view", views.map(rowToSavedView), SavedViewInput),
      ...storedProblems("mapping rule", rules.map(rowToMappingRule), MappingRuleInput),
    ]).toEqual([]);

    // A bad row is a row error in the job's report; the job itself must not crash on it.
    const jobs = await h.db
      .select({
        id: schema.importJob.id,
        status: schema.importJob.status,
        message: schema.importJob.message,
      })
      .from(schema.importJob);
    expect(jobs.filter((j) => j.status === "failed")).toEqual([]);

    const probe: Record<string, unknown> = {};
    expect(probe["polluted"]).toBeUndefined();
    expect(probe["isAdmin"]).toBeUndefined();
    expect(prototypeKeys()).toEqual(prototypesBefore);

    const ready = await h.fetch("/ready");
    expect(ready.status).toBe(200);
  });
});
