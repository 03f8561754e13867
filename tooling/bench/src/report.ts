import type { BenchReport, BenchRow } from "./run";
import type { Measurement } from "./measure";

const num = (n: number, digits = 1) =>
  Number.isFinite(n) ? n.toLocaleString("en", { maximumFractionDigits: digits }) : "–";

function describe(m: Measurement): string {
  if (m.kind === "latency") {
    return `p50 ${num(m.p50, 2)} ms · p99 ${num(m.p99, 2)} ms · ${num(m.perSecond, 0)}/s`;
  }
  return `${num(m.ms / 1000, 2)} s · ${num(m.perSecond, 0)}/s`;
}

/** The report as a plain-text table (what the CLI prints and docs/performance.md quotes). */
export function formatTable(report: BenchReport): string {
  const header = ["operation", "ours", "raw SQL", "ratio", "target", "met"];
  const body = report.rows.map((r: BenchRow) => [
    r.op,
    describe(r.ours),
    describe(r.raw),
    `${num(r.ratio, 2)}×`,
    r.target,
    r.met === null ? "–" : r.met ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...body.map(line),
  ].join("\n");
}

/** A bar chart of each operation's ratio to raw SQL (1× = as fast as the raw query). */
export function ratioChart(report: BenchReport): string {
  const barH = 22;
  const left = 330;
  const width = 820;
  const max = Math.max(3, ...report.rows.map((r) => (Number.isFinite(r.ratio) ? r.ratio : 0)));
  const scale = (width - left - 60) / max;
  const height = report.rows.length * barH + 60;
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const bars = report.rows
    .map((r, i) => {
      const y = 30 + i * barH;
      const w = Math.max(1, (Number.isFinite(r.ratio) ? r.ratio : 0) * scale);
      const fill = r.met === false ? "#dc2626" : "#2563eb";
      return [
        `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(r.op)}</text>`,
        `<rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="${barH - 6}" fill="${fill}"/>`,
        `<text x="${(left + w + 6).toFixed(1)}" y="${y + 15}">${num(r.ratio, 2)}×</text>`,
      ].join("");
    })
    .join("\n");
  const one = left + scale;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="18" font-weight="bold">Time relative to raw SQL (${esc(report.engine)}, ${report.options.count.toLocaleString("en")} profiles; red: target missed)</text>
${bars}
<line x1="${one}" y1="26" x2="${one}" y2="${height - 20}" stroke="#111" stroke-dasharray="4 3"/>
<text x="${one + 4}" y="${height - 6}">1× raw</text>
</svg>
`;
}
