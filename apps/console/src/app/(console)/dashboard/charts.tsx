"use client";

import type { ReactNode } from "react";
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import type { RouterOutputs } from "@cdp/api";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@cdp/ui";

type Overview = RouterOutputs["stats"]["overview"];

const dayLabel = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  timeZone: "UTC",
});
const numberFormat = new Intl.NumberFormat("en-US");
const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });

const shortDay = (day: string) => dayLabel.format(new Date(`${day}T00:00:00Z`));

// Chart colours per theme, as custom properties the SVG reads (the shared theme has none).
const PALETTE =
  "[--chart-created:oklch(0.55_0.2_264)] [--chart-visits:oklch(0.6_0.15_170)] [--chart-segments:oklch(0.6_0.18_300)] [--chart-consents:oklch(0.62_0.16_145)] dark:[--chart-created:oklch(0.7_0.15_264)] dark:[--chart-visits:oklch(0.72_0.13_170)] dark:[--chart-segments:oklch(0.72_0.14_300)] dark:[--chart-consents:oklch(0.74_0.14_145)]";

const axis = { fill: "var(--color-muted-foreground)", fontSize: 12 } as const;
const tooltipStyle = {
  contentStyle: {
    background: "var(--color-popover)",
    border: "1px solid var(--color-border)",
    borderRadius: 8,
    color: "var(--color-popover-foreground)",
    fontSize: 12,
  },
  labelStyle: { color: "var(--color-muted-foreground)" },
  cursor: { fill: "var(--color-muted)", stroke: "var(--color-border)" },
} as const;

/**
 * A chart with its numbers as a table under "Show the numbers": the table is what screen
 * readers and keyboard users read; the drawing is hidden from them.
 */
function ChartFrame({
  summary,
  table,
  children,
}: {
  summary: string;
  table: ReactNode;
  children: ReactNode;
}) {
  return (
    <figure className={PALETTE}>
      <div aria-hidden="true">{children}</div>
      <figcaption className="sr-only">{summary}</figcaption>
      <details className="mt-2 text-sm">
        <summary className="w-fit cursor-pointer rounded-sm text-muted-foreground outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50">
          Show the numbers
        </summary>
        {/* Focusable so the keyboard can scroll a long series. */}
        <div
          tabIndex={0}
          role="region"
          aria-label="The numbers"
          className="mt-2 max-h-64 overflow-y-auto rounded-md border outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
        >
          {table}
        </div>
      </details>
    </figure>
  );
}

function NumbersTable({
  caption,
  headers,
  rows,
}: {
  caption: string;
  headers: [string, string];
  rows: [string, string][];
}) {
  return (
    <Table>
      <caption className="sr-only">{caption}</caption>
      <TableHeader>
        <TableRow>
          <TableHead className="pl-3">{headers[0]}</TableHead>
          <TableHead className="pr-3 text-right">{headers[1]}</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map(([a, b]) => (
          <TableRow key={a}>
            <TableCell className="py-1.5 pl-3">{a}</TableCell>
            <TableCell className="py-1.5 pr-3 text-right tabular-nums">{b}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** Counts per day, as an area or as bars. */
export function DailyChart({
  data,
  label,
  kind,
  color,
}: {
  data: Overview["profilesCreated"];
  label: string;
  kind: "area" | "bar";
  color: string;
}) {
  const total = data.reduce((sum, d) => sum + d.count, 0);
  const peak = data.reduce(
    (best, d) => (d.count > best.count ? d : best),
    data[0] ?? { day: "", count: 0 },
  );
  const summary =
    total === 0
      ? `${label}: none in the last ${data.length} days.`
      : `${label}: ${numberFormat.format(total)} in the last ${data.length} days, most on ${shortDay(peak.day)} (${numberFormat.format(peak.count)}).`;
  const common = {
    data,
    margin: { top: 8, right: 8, bottom: 0, left: -16 },
    responsive: true,
    style: { width: "100%", height: 240 },
    accessibilityLayer: false,
  } as const;
  const x = (
    <XAxis
      dataKey="day"
      tickFormatter={shortDay}
      tick={axis}
      stroke="var(--color-border)"
      tickLine={false}
      minTickGap={24}
    />
  );
  const y = (
    <YAxis
      allowDecimals={false}
      tick={axis}
      stroke="var(--color-border)"
      tickLine={false}
      axisLine={false}
      width={48}
    />
  );
  const tooltip = (
    <Tooltip
      {...tooltipStyle}
      labelFormatter={(day) => shortDay(String(day))}
      formatter={(value) => [numberFormat.format(Number(value)), label]}
    />
  );
  return (
    <ChartFrame
      summary={summary}
      table={
        <NumbersTable
          caption={`${label} per day`}
          headers={["Day (UTC)", label]}
          rows={data.map((d) => [shortDay(d.day), numberFormat.format(d.count)])}
        />
      }
    >
      {kind === "area" ? (
        <AreaChart {...common}>
          <CartesianGrid vertical={false} stroke="var(--color-border)" />
          {x}
          {y}
          {tooltip}
          <Area
            type="linear"
            dataKey="count"
            stroke={color}
            strokeWidth={2}
            fill={color}
            fillOpacity={0.15}
            isAnimationActive={false}
          />
        </AreaChart>
      ) : (
        <BarChart {...common}>
          <CartesianGrid vertical={false} stroke="var(--color-border)" />
          {x}
          {y}
          {tooltip}
          <Bar dataKey="count" fill={color} radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      )}
    </ChartFrame>
  );
}

/** Horizontal bars, one per category, longest first. */
function CategoryBars({
  data,
  color,
  format,
  domain,
}: {
  data: { name: string; value: number }[];
  color: string;
  format: (value: number) => string;
  domain?: [number, number];
}) {
  return (
    <BarChart
      data={data}
      layout="vertical"
      margin={{ top: 0, right: 16, bottom: 0, left: 8 }}
      responsive
      style={{ width: "100%", height: Math.max(120, data.length * 36 + 24) }}
      accessibilityLayer={false}
    >
      <CartesianGrid horizontal={false} stroke="var(--color-border)" />
      <XAxis
        type="number"
        tick={axis}
        stroke="var(--color-border)"
        tickLine={false}
        tickFormatter={(v: number) => format(v)}
        domain={domain}
        allowDecimals={false}
      />
      <YAxis
        type="category"
        dataKey="name"
        tick={axis}
        stroke="var(--color-border)"
        tickLine={false}
        width={130}
        tickFormatter={(v: string) => (v.length > 18 ? `${v.slice(0, 17)}…` : v)}
      />
      <Tooltip {...tooltipStyle} formatter={(value) => [format(Number(value)), ""]} separator="" />
      <Bar
        dataKey="value"
        fill={color}
        radius={[0, 3, 3, 0]}
        isAnimationActive={false}
        barSize={18}
      />
    </BarChart>
  );
}

export function SegmentSizeChart({ data }: { data: Overview["segments"] }) {
  const largest = data[0];
  return (
    <ChartFrame
      summary={
        largest
          ? `The largest segment is ${largest.name} with ${numberFormat.format(largest.size)} members.`
          : "No segments."
      }
      table={
        <NumbersTable
          caption="Members per segment"
          headers={["Segment", "Members"]}
          rows={data.map((s) => [s.name, numberFormat.format(s.size)])}
        />
      }
    >
      <CategoryBars
        data={data.map((s) => ({ name: s.name, value: s.size }))}
        color="var(--chart-segments)"
        format={(v) => numberFormat.format(v)}
      />
    </ChartFrame>
  );
}

export function ConsentRateChart({ data }: { data: Overview["consents"] }) {
  const rows = data.map((c) => ({ ...c, label: c.name ?? c.typeId }));
  return (
    <ChartFrame
      summary={rows.map((c) => `${c.label}: ${percent.format(c.grantRate)} of profiles`).join("; ")}
      table={
        <NumbersTable
          caption="Profiles granting each consent now"
          headers={["Consent type", "Granted now"]}
          rows={rows.map((c) => [
            c.label,
            `${numberFormat.format(c.granted)} (${percent.format(c.grantRate)})`,
          ])}
        />
      }
    >
      <CategoryBars
        data={rows.map((c) => ({ name: c.label, value: c.grantRate }))}
        color="var(--chart-consents)"
        format={(v) => percent.format(v)}
        domain={[0, 1]}
      />
    </ChartFrame>
  );
}
