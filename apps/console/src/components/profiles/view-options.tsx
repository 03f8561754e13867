"use client";

import { useId } from "react";
import { Button, Checkbox, Label, Popover, PopoverContent, PopoverTrigger, cn } from "@cdp/ui";

import { PROFILE_COLUMNS } from "./columns";
import { ColumnsIcon } from "@/components/icons";
import { DENSITIES } from "./search-params";
import type { Density } from "./search-params";

const DENSITY_LABELS: Record<Density, string> = {
  comfortable: "Comfortable",
  compact: "Compact",
};

/** "View": which columns the table shows, and how tall its rows are. */
export function ViewOptions({
  visible,
  onToggleColumn,
  onReset,
  density,
  onDensity,
}: {
  visible: ReadonlySet<string>;
  onToggleColumn: (id: string, shown: boolean) => void;
  onReset: () => void;
  density: Density;
  onDensity: (density: Density) => void;
}) {
  const id = useId();
  return (
    <Popover>
      <PopoverTrigger asChild>
        <Button type="button" variant="outline" className="bg-background">
          <ColumnsIcon />
          View
        </Button>
      </PopoverTrigger>
      <PopoverContent align="end" className="w-64 p-0">
        <fieldset className="p-3">
          <legend className="mb-2 text-xs font-medium text-muted-foreground">Columns</legend>
          <ul className="grid gap-1.5">
            {PROFILE_COLUMNS.map((column) => (
              <li key={column.id}>
                <Label className="font-normal">
                  <Checkbox
                    checked={column.fixed || visible.has(column.id)}
                    disabled={column.fixed}
                    onCheckedChange={(c) => onToggleColumn(column.id, c === true)}
                  />
                  {column.label}
                  {column.fixed ? (
                    <span className="text-xs text-muted-foreground">(always)</span>
                  ) : null}
                </Label>
              </li>
            ))}
          </ul>
          <Button
            type="button"
            variant="link"
            size="sm"
            className="mt-1 h-7 px-0 text-xs"
            onClick={onReset}
          >
            Reset to default columns
          </Button>
        </fieldset>
        <fieldset className="border-t p-3">
          <legend className="sr-only">Density</legend>
          <div aria-hidden="true" className="mb-2 text-xs font-medium text-muted-foreground">
            Density
          </div>
          <div className="grid grid-cols-2 gap-1 rounded-md bg-muted p-1">
            {DENSITIES.map((d) => (
              <label
                key={d}
                htmlFor={`${id}-${d}`}
                className={cn(
                  "flex h-7 cursor-pointer items-center justify-center rounded-sm text-xs font-medium text-muted-foreground has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring/50",
                  density === d && "bg-background text-foreground shadow-xs",
                )}
              >
                <input
                  id={`${id}-${d}`}
                  type="radio"
                  name={`${id}-density`}
                  value={d}
                  checked={density === d}
                  onChange={() => onDensity(d)}
                  className="sr-only"
                />
                {DENSITY_LABELS[d]}
              </label>
            ))}
          </div>
        </fieldset>
      </PopoverContent>
    </Popover>
  );
}
