import type { FieldValues, Path, UseFormReturn } from "react-hook-form";
import type { FieldError } from "@cdp/api";

/**
 * Puts the server's field errors on the form's fields (the first one focused) and returns the
 * messages no field of the form shows, for an alert above it. `fields` are the form's own names;
 * a server path inside one (`tags.2`) goes to that field.
 */
export function placeFieldErrors<T extends FieldValues>(
  form: UseFormReturn<T>,
  errors: readonly FieldError[],
  fields: readonly Path<T>[],
): string[] {
  const unplaced: string[] = [];
  let focus = true;
  for (const e of errors) {
    const name = fields.find((f) => e.path === f || e.path.startsWith(`${f}.`));
    if (name) {
      form.setError(name, { type: "server", message: e.message }, { shouldFocus: focus });
      focus = false;
    } else unplaced.push(e.message);
  }
  return unplaced;
}
