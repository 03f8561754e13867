/**
 * `pnpm bench [--count N | --million] [--url postgres://…] [--calls N] [--import N]
 *   [--only get,list,search,segments,track,import,export] [--out dir] [--keep]`
 * Seeds a fresh database, measures every operation (or those `--only` names) beside raw SQL,
 * prints the table and saves it as JSON and an SVG chart. DATABASE_URL (or --url) selects a PostgreSQL server; without it
 * the run uses embedded PGlite in a temporary folder.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";

import { env } from "./env";
import { formatTable, ratioChart } from "./report";
import { BENCH_SECTIONS, runBench } from "./run";
import type { BenchSection } from "./run";
import type { ProgressSink } from "./run";

const { values } = parseArgs({
  options: {
    count: { type: "string" },
    million: { type: "boolean", default: false },
    url: { type: "string" },
    out: { type: "string" },
    calls: { type: "string" },
    import: { type: "string" },
    only: { type: "string" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log(
    "pnpm bench [--count N | --million] [--url postgres://…] [--calls N] [--import N] [--only get,list,…] [--out dir] [--keep]",
  );
  process.exit(0);
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ""));
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got "${text}"`);
    process.exit(2);
  }
  return n;
}

const count = values.million ? 1_000_000 : positive("count", values.count, 100_000);
const calls = positive("calls", values.calls, count >= 100_000 ? 20_000 : 2_000);
// As many as are seeded: the file is uploaded in parts, so 1M profiles (~2.5 GB) import too.
const importCount = positive("import", values.import, count);
const url = values.url ?? env.DATABASE_URL;
const outDir = path.resolve(values.out ?? path.join(import.meta.dirname, "..", "results"));

const bars = new cliProgress.SingleBar(
  {
    format: "{label} [{bar}] {value}/{total} · {duration}s",
    hideCursor: true,
    clearOnComplete: false,
    // Piped into a log (CI), a line every few seconds instead of a redrawn bar.
    noTTYOutput: true,
    notTTYSchedule: 5000,
  },
  cliProgress.Presets.shades_classic,
);
const progress: ProgressSink = {
  start: (label, total) => bars.start(total, 0, { label: label.padEnd(28) }),
  update: (done) => bars.update(done),
  stop: () => bars.stop(),
};

console.log(
  `Benchmark: ${count.toLocaleString("en")} profiles on ${url ? "PostgreSQL" : "embedded PGlite"}`,
);
const isSection = (name: string): name is BenchSection =>
  (BENCH_SECTIONS as readonly string[]).includes(name);
const only = values.only?.split(",").map((name) => name.trim());
if (only && (only.length === 0 || !only.every(isSection))) {
  console.error(
    `--only takes a comma-separated subset of ${BENCH_SECTIONS.join(", ")}; got "${values.only}"`,
  );
  process.exit(2);
}

const report = await runBench({
  count,
  ...(url ? { url } : {}),
  calls,
  clients: 8,
  trackEvents: Math.min(100_000, Math.max(5_000, Math.floor(count / 10))),
  trackBatch: 500,
  senders: 4,
  importCount,
  keep: values.keep,
  ...(only ? { only: only.filter(isSection) } : {}),
  progress,
});

const table = formatTable(report);
console.log(
  `\nSeeded ${report.seed.profiles.toLocaleString("en")} profiles in ${(report.seed.ms / 1000).toFixed(1)} s\n`,
);
console.log(table);
mkdirSync(outDir, { recursive: true });
const stem = `${report.engine}-${count}-${report.startedAt.replace(/[:.]/g, "-")}`;
writeFileSync(path.join(outDir, `${stem}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(path.join(outDir, `${stem}.svg`), ratioChart(report));
writeFileSync(path.join(outDir, `${stem}.md`), `${table}\n`);
console.log(`\nSaved ${path.join(outDir, stem)}.{json,svg,md}`);
