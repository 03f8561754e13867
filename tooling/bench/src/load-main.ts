/**
 * `pnpm bench:load [--seconds 60] [--count 10000] [--clients 16] [--max-requests N] [--only get,list]
 *   [--workers N] [--cpu-prof dir] [--url …] [--out dir]`
 * The mixed load of docs/reliability.md; prints the table and saves it as JSON. `--only` sends a
 * subset of the operations; `--workers` runs that many API processes (API_WORKERS); `--cpu-prof` has the API process write a V8 CPU profile into `dir`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

import { env } from "./env";
import { OPERATIONS, runLoad } from "./load";
import type { Operation } from "./load";

const { values } = parseArgs({
  options: {
    seconds: { type: "string" },
    count: { type: "string" },
    clients: { type: "string" },
    "max-requests": { type: "string" },
    only: { type: "string" },
    workers: { type: "string" },
    "cpu-prof": { type: "string" },
    url: { type: "string" },
    out: { type: "string" },
  },
});

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ""));
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got "${text}"`);
    process.exit(2);
  }
  return n;
}

const seconds = positive("seconds", values.seconds, 60);
const count = positive("count", values.count, 10_000);
const clients = positive("clients", values.clients, 16);
const maxRequests = positive("max-requests", values["max-requests"], seconds * 5_000);
const url = values.url ?? env.DATABASE_URL;
const isOperation = (name: string): name is Operation =>
  (OPERATIONS as readonly string[]).includes(name);
const only = values.only?.split(",").map((name) => name.trim());
const unknown = only?.filter((name) => !isOperation(name)) ?? [];
if (unknown.length > 0 || only?.length === 0) {
  console.error(`--only takes a comma-separated subset of ${OPERATIONS.join(", ")}; got "${values.only}"`);
  process.exit(2);
}
const workers = positive("workers", values.workers, 1);
const cpuProfileDir = values["cpu-prof"] ? path.resolve(values["cpu-prof"]) : undefined;
const outDir = path.resolve(values.out ?? path.join(import.meta.dirname, "..", "results"));

console.log(
  `Mixed load: ${clients} clients for ${seconds} s (at most ${maxRequests.toLocaleString("en")} requests) ` +
    `on ${count.toLocaleString("en")} profiles, ${url ? "PostgreSQL" : "embedded PGlite"}, ` +
    `${workers} API process${workers === 1 ? "" : "es"}; seeding…`,
);
const report = await runLoad({
  count,
  seconds,
  clients,
  maxRequests,
  ...(only ? { only: only.filter(isOperation) } : {}),
  ...(cpuProfileDir ? { cpuProfileDir } : {}),
  workers,
  ...(url ? { url } : {}),
  onSecond: (done, errors, elapsed) => {
    if (Math.round(elapsed) % 5 === 0) {
      console.log(
        `  ${elapsed.toFixed(0).padStart(3)} s  ${done.toLocaleString("en")} requests, ${errors} errors`,
      );
    }
  },
});

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "—");
const lines = [
  "| Operation | Requests | Throughput (req/s) | p50 (ms) | p99 (ms) |",
  "| --- | ---: | ---: | ---: | ---: |",
  ...OPERATIONS.map((op) => {
    const l = report.byOperation[op];
    return `| ${op} | ${l.count.toLocaleString("en")} | ${l.perSecond.toFixed(0)} | ${ms(l.p50)} | ${ms(l.p99)} |`;
  }),
  `| **all** | ${report.requests.toLocaleString("en")} | ${report.perSecond.toFixed(0)} | ${ms(report.all.p50)} | ${ms(report.all.p99)} |`,
];
const table = lines.join("\n");
console.log(`\n${table}\n`);
const errorCount = Object.values(report.errors).reduce((a, b) => a + b, 0);
console.log(
  errorCount === 0
    ? "Errors: none"
    : `Errors: ${Object.entries(report.errors)
        .map(([k, v]) => `${k} ×${v}`)
        .join(", ")}`,
);
console.log(
  `Track events: ${report.trackEventsAcknowledged.toLocaleString("en")} acknowledged, ` +
    `${report.trackEventsStored.toLocaleString("en")} stored`,
);
mkdirSync(outDir, { recursive: true });
const stem = `load-${report.engine}-${report.startedAt.replace(/[:.]/g, "-")}`;
writeFileSync(path.join(outDir, `${stem}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(path.join(outDir, `${stem}.md`), `${table}\n`);
console.log(`Saved ${path.join(outDir, stem)}.{json,md}`);
