"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { zodResolver } from "@hookform/resolvers/zod";
import { Controller, useForm } from "react-hook-form";
import { toast } from "sonner";
import type { z } from "zod";
import { SavedViewInput } from "@cdp/profile-schema";
import {
  Alert,
  AlertDescription,
  Button,
  Checkbox,
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  Field,
  FieldError,
  FieldLabel,
  Input,
  Label,
  Popover,
  PopoverContent,
  PopoverTrigger,
  Skeleton,
} from "@cdp/ui";

import { createSavedView, listSavedViews } from "@/app/(console)/segments/actions";
import { placeFieldErrors } from "@/components/admin/form-errors";
import { AlertIcon, BookmarkIcon, SpinnerIcon } from "@/components/icons";
import { SavedViewsList, viewOfTable } from "./saved-views";
import type { ProfilesTableState, SavedView, ViewViewer } from "./saved-views";

/** The form's fields: the contract's name and sharing (query and columns come from the table). */
const SaveViewForm = SavedViewInput.pick({ name: true, shared: true });
type SaveViewInput = z.input<typeof SaveViewForm>;
type SaveViewOutput = z.output<typeof SaveViewForm>;

/** "Save view…": the profiles table's search, filter, sort and columns under a name. */
export function SaveViewDialog({
  table,
  open,
  onOpenChange,
  onSaved,
}: {
  table: ProfilesTableState;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSaved?: (view: SavedView) => void;
}) {
  const ids = useId();
  const router = useRouter();
  const [problem, setProblem] = useState<string | null>(null);
  const form = useForm<SaveViewInput, unknown, SaveViewOutput>({
    resolver: zodResolver(SaveViewForm),
    defaultValues: { name: "", shared: false },
  });
  const { errors, isSubmitting } = form.formState;

  async function onSubmit(values: SaveViewOutput) {
    setProblem(null);
    let result: Awaited<ReturnType<typeof createSavedView>>;
    try {
      result = await createSavedView({ ...values, ...viewOfTable(table) });
    } catch {
      setProblem("The console could not reach the server. Your entries are still here: try again.");
      return;
    }
    if (!result.ok) {
      const unplaced = placeFieldErrors(form, result.fieldErrors, ["name", "shared"]);
      if (unplaced.length > 0 || result.fieldErrors.length === 0) {
        setProblem(unplaced[0] ?? result.message);
      }
      return;
    }
    toast.success(
      result.value.shared
        ? `Saved the view “${result.value.name}”, shared with all staff`
        : `Saved the view “${result.value.name}”`,
    );
    form.reset({ name: "", shared: false });
    onOpenChange(false);
    onSaved?.(result.value);
    router.refresh();
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        onOpenChange(next);
        if (!next) {
          form.reset({ name: "", shared: false });
          setProblem(null);
        }
      }}
    >
      <DialogContent className="sm:max-w-md">
        <form noValidate onSubmit={form.handleSubmit(onSubmit)} className="grid gap-5">
          <DialogHeader>
            <DialogTitle>Save view</DialogTitle>
            <DialogDescription>
              Keeps the table’s search, filter, sort and columns under a name, to open again later.
            </DialogDescription>
          </DialogHeader>
          {problem ? (
            <Alert variant="destructive" data-testid="save-view-error">
              <AlertIcon />
              <AlertDescription className="col-start-2">{problem}</AlertDescription>
            </Alert>
          ) : null}
          <Field data-invalid={errors.name ? true : undefined}>
            <FieldLabel htmlFor={`${ids}-name`}>Name</FieldLabel>
            <Input
              id={`${ids}-name`}
              autoComplete="off"
              aria-invalid={errors.name ? true : undefined}
              aria-describedby={errors.name ? `${ids}-name-error` : undefined}
              {...form.register("name")}
            />
            <FieldError id={`${ids}-name-error`}>{errors.name?.message}</FieldError>
          </Field>
          <Controller
            control={form.control}
            name="shared"
            render={({ field }) => (
              <div className="flex items-start gap-3">
                <Checkbox
                  id={`${ids}-shared`}
                  ref={field.ref}
                  checked={field.value === true}
                  onCheckedChange={(c) => field.onChange(c === true)}
                  aria-describedby={`${ids}-shared-help`}
                  className="mt-0.5"
                />
                <div className="grid gap-0.5">
                  <Label htmlFor={`${ids}-shared`}>Share with all staff</Label>
                  <span id={`${ids}-shared-help`} className="text-sm text-muted-foreground">
                    Everyone sees it in their views; only you can change or delete it.
                  </span>
                </div>
              </div>
            )}
          />
          <DialogFooter>
            <DialogClose asChild>
              <Button type="button" variant="outline">
                Cancel
              </Button>
            </DialogClose>
            <Button type="submit" disabled={isSubmitting} aria-busy={isSubmitting || undefined}>
              {isSubmitting ? <SpinnerIcon /> : null}
              {isSubmitting ? "Saving…" : "Save view"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

type Loaded =
  | { status: "idle" | "loading" }
  | { status: "failed"; message: string }
  | { status: "ready"; views: SavedView[]; viewer: ViewViewer };

/**
 * "Views" beside the profiles table: the member's own and shared views (read when opened, so it
 * is always current), each opening the table as saved; "Save current view…" keeps the table as it
 * is now. Share, delete and "make segment" act on a view in place.
 */
export function SavedViewsMenu({ table }: { table: ProfilesTableState }) {
  const [open, setOpen] = useState(false);
  const [saving, setSaving] = useState(false);
  const [loaded, setLoaded] = useState<Loaded>({ status: "idle" });

  async function load() {
    setLoaded({ status: "loading" });
    try {
      const result = await listSavedViews();
      setLoaded(
        result.ok
          ? { status: "ready", ...result.value }
          : { status: "failed", message: result.message },
      );
    } catch {
      setLoaded({ status: "failed", message: "The console could not reach the server." });
    }
  }

  return (
    <>
      <Popover
        open={open}
        onOpenChange={(next) => {
          setOpen(next);
          if (next) void load();
        }}
      >
        <PopoverTrigger asChild>
          <Button type="button" variant="outline" className="bg-background">
            <BookmarkIcon />
            Views
          </Button>
        </PopoverTrigger>
        <PopoverContent
          align="start"
          className="w-[26rem] p-0"
          // A view's dialogs (make segment, delete) open from inside the popover and take focus:
          // that must not close the popover, which would unmount them.
          onInteractOutside={(event) => {
            const target = event.target instanceof Element ? event.target : null;
            if (target?.closest('[role="dialog"], [role="alertdialog"]')) event.preventDefault();
          }}
        >
          <div className="flex items-center justify-between gap-2 border-b px-3 py-2">
            <h2 className="text-sm font-semibold">Saved views</h2>
            <Button
              type="button"
              size="sm"
              onClick={() => {
                setOpen(false);
                setSaving(true);
              }}
            >
              Save current view…
            </Button>
          </div>
          <div
            className="max-h-96 overflow-y-auto"
            aria-busy={loaded.status === "loading" || undefined}
          >
            {loaded.status === "ready" ? (
              loaded.views.length === 0 ? (
                <p className="px-3 py-6 text-center text-sm text-muted-foreground">
                  No saved views yet. Filter and sort the table, then save it here.
                </p>
              ) : (
                <SavedViewsList
                  views={loaded.views}
                  viewer={loaded.viewer}
                  compact
                  onChange={(views) => setLoaded({ ...loaded, views })}
                />
              )
            ) : loaded.status === "failed" ? (
              <div role="alert" className="grid gap-2 px-3 py-4 text-sm text-destructive">
                {loaded.message}
                <Button type="button" size="sm" variant="outline" onClick={() => void load()}>
                  Try again
                </Button>
              </div>
            ) : (
              <div className="grid gap-2 p-3" role="status" aria-label="Loading saved views">
                <Skeleton className="h-10 w-full" />
                <Skeleton className="h-10 w-full" />
              </div>
            )}
          </div>
        </PopoverContent>
      </Popover>
      <SaveViewDialog table={table} open={saving} onOpenChange={setSaving} />
    </>
  );
}
