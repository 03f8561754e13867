"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { describeCondition, formatCondition, parseConditionText } from "@cdp/profile-schema";
import type { ProfileSortKey, SavedViewInputInput } from "@cdp/profile-schema";
import {
  Alert,
  AlertDescription,
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
  Badge,
  Button,
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@cdp/ui";

import {
  deleteSavedView,
  promoteSavedView,
  updateSavedView,
} from "@/app/(console)/segments/actions";
import type { SavedView, ViewViewer } from "@/app/(console)/segments/actions";
import { AlertIcon, SegmentIcon, ShareIcon, SpinnerIcon, TrashIcon } from "@/components/icons";
import { DEFAULT_COLUMN_IDS, PROFILE_COLUMNS } from "@/components/profiles/columns";
import { profilesHref } from "@/components/profiles/search-params";
import { formatNumber } from "@/lib/profile";
import { slugOf } from "./labels";
import {
  EMPTY_DETAILS,
  placeSegmentErrors,
  SegmentDetails,
  SegmentDetailsFields,
} from "./segment-details";
import type { SegmentDetailsInput, SegmentDetailsOutput } from "./segment-details";

export type { SavedView, ViewViewer };

/** The profiles table as its URL holds it (see components/profiles/search-params.ts). */
export interface ProfilesTableState {
  q: string;
  /** The query bar's text. */
  where: string;
  sort: ProfileSortKey;
  order: "asc" | "desc";
  /** Visible optional column ids; null for the default set. */
  columns: readonly string[] | null;
}

// ---------------------------------------------------------------------------------------------
// Table state ↔ saved view
// ---------------------------------------------------------------------------------------------

/**
 * What a view remembers of the table: search, condition, sort, and the columns as profile paths
 * (the table's columns by what they show, so a view outlives a renamed column id).
 */
export function viewOfTable(
  state: ProfilesTableState,
): Pick<SavedViewInputInput, "query" | "columns"> {
  const parsed = state.where.trim() ? parseConditionText(state.where) : null;
  const ids = new Set(state.columns ?? DEFAULT_COLUMN_IDS);
  const columns = PROFILE_COLUMNS.filter((c) => c.fixed || ids.has(c.id)).flatMap((c) => [
    ...c.paths,
  ]);
  return {
    query: {
      search: state.q.trim() || undefined,
      condition: parsed?.ok ? parsed.condition : undefined,
      sort: state.sort,
      order: state.order,
    },
    columns,
  };
}

/** The profiles table's URL showing a view: its search, filter, sort and columns. */
export function viewHref(view: SavedView): string {
  const paths = new Set(view.columns);
  const ids =
    view.columns.length === 0
      ? null
      : PROFILE_COLUMNS.filter((c) => !c.fixed && c.paths.every((p) => paths.has(p))).map(
          (c) => c.id,
        );
  const isDefault =
    ids === null ||
    (ids.length === DEFAULT_COLUMN_IDS.length &&
      DEFAULT_COLUMN_IDS.every((id) => ids.includes(id)));
  return profilesHref("/profiles", {
    q: view.query.search ?? "",
    where: view.query.condition ? formatCondition(view.query.condition) : "",
    sort: view.query.sort,
    order: view.query.order,
    columns: isDefault ? null : ids,
  });
}

/** One line on what a view shows. */
export function viewSummary(view: SavedView): string {
  const parts: string[] = [];
  if (view.query.search) parts.push(`search “${view.query.search}”`);
  if (view.query.condition) parts.push(describeCondition(view.query.condition));
  if (parts.length === 0) parts.push("all profiles");
  return parts.join("; ");
}

const isOwn = (view: SavedView, viewer: ViewViewer) => view.ownerId === viewer.ownerId;

// ---------------------------------------------------------------------------------------------
// Actions on one view
// ---------------------------------------------------------------------------------------------

/** Why a view cannot become a segment, or null. */
function promotionBlock(view: SavedView): string | null {
  if (view.query.search) return "It also searches by text, which a segment cannot hold.";
  if (!view.query.condition) return "It has no filter condition.";
  return null;
}

/** "Make segment": a new segment from a view's condition (editors and admins). */
export function PromoteViewDialog({ view, onDone }: { view: SavedView; onDone?: () => void }) {
  const ids = useId();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const defaults: SegmentDetailsInput = {
    ...EMPTY_DETAILS,
    name: view.name,
    id: slugOf(view.name),
  };
  const form = useForm<SegmentDetailsInput, unknown, SegmentDetailsOutput>({
    resolver: zodResolver(SegmentDetails),
    defaultValues: defaults,
  });
  const { isSubmitting } = form.formState;
  const blocked = promotionBlock(view);

  async function onSubmit(values: SegmentDetailsOutput) {
    setProblem(null);
    let result: Awaited<ReturnType<typeof promoteSavedView>>;
    try {
      result = await promoteSavedView({
        id: view.id,
        segmentId: values.id,
        name: values.name,
        description: values.description,
        purpose: values.purpose,
      });
    } catch {
      setProblem("The console could not reach the server. Your entries are still here: try again.");
      return;
    }
    if (!result.ok) {
      // The promotion's `segmentId` is the form's id; its `id` is the view (shown above the form).
      const errors = result.fieldErrors.map((e) =>
        e.path === "segmentId"
          ? { ...e, path: "id" }
          : e.path === "id"
            ? { ...e, path: "view" }
            : e,
      );
      const placed = placeSegmentErrors(form, errors);
      const rest = [...placed.condition, ...placed.unplaced];
      if (rest.length > 0 || errors.length === 0) setProblem(rest[0] ?? result.message);
      return;
    }
    const href = `/segments/${encodeURIComponent(result.value.id)}`;
    toast.success(
      `Created segment “${result.value.name}” with ${formatNumber(result.value.size)} members`,
      { action: { label: "Open", onClick: () => router.push(href) } },
    );
    setOpen(false);
    onDone?.();
    router.refresh();
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          form.reset(defaults);
          setProblem(null);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button type="button" size="sm" variant="ghost" aria-label={`Make segment of ${view.name}`}>
          <SegmentIcon />
          Make segment
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-lg">
        <DialogHeader>
          <DialogTitle>Make a segment of “{view.name}”</DialogTitle>
          <DialogDescription>
            The segment keeps the profiles matching the view’s filter, updated on every change.
          </DialogDescription>
        </DialogHeader>
        {blocked ? (
          <Alert>
            <AlertIcon />
            <AlertDescription className="col-start-2">
              This view cannot become a segment. {blocked} Open it, adjust the filter, and save it
              again.
            </AlertDescription>
          </Alert>
        ) : (
          <form noValidate onSubmit={form.handleSubmit(onSubmit)} className="grid gap-5">
            {problem ? (
              <Alert variant="destructive" data-testid="promote-view-error">
                <AlertIcon />
                <AlertDescription className="col-start-2">{problem}</AlertDescription>
              </Alert>
            ) : null}
            <p className="rounded-md border bg-muted/30 px-3 py-2.5 text-sm">
              <span className="font-medium">In words: </span>
              {viewSummary(view)}
            </p>
            <SegmentDetailsFields form={form} ids={ids} fixedId={false} compact />
            <DialogFooter>
              <DialogClose asChild>
                <Button type="button" variant="outline">
                  Cancel
                </Button>
              </DialogClose>
              <Button type="submit" disabled={isSubmitting} aria-busy={isSubmitting || undefined}>
                {isSubmitting ? <SpinnerIcon /> : null}
                {isSubmitting ? "Creating…" : "Create segment"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

/** Share with every staff member, or keep to oneself (the owner, or an admin). */
export function ShareViewButton({
  view,
  onChanged,
}: {
  view: SavedView;
  onChanged?: (view: SavedView) => void;
}) {
  const [busy, setBusy] = useState(false);
  async function toggle() {
    setBusy(true);
    try {
      const result = await updateSavedView({ id: view.id, patch: { shared: !view.shared } });
      if (!result.ok) {
        toast.error(result.message);
        return;
      }
      toast.success(
        result.value.shared
          ? `“${view.name}” is shared with all staff`
          : `“${view.name}” is private again`,
      );
      onChanged?.(result.value);
    } catch {
      toast.error("The console could not reach the server. Try again.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <Button
      type="button"
      size="sm"
      variant="ghost"
      disabled={busy}
      onClick={toggle}
      aria-label={view.shared ? `Unshare ${view.name}` : `Share ${view.name}`}
    >
      {busy ? <SpinnerIcon /> : <ShareIcon />}
      {view.shared ? "Unshare" : "Share"}
    </Button>
  );
}

/** Delete a view after a confirmation (the owner, or an admin). */
export function DeleteViewButton({
  view,
  onDeleted,
}: {
  view: SavedView;
  onDeleted?: (id: string) => void;
}) {
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    try {
      const result = await deleteSavedView(view.id);
      if (!result.ok) {
        toast.error(result.message);
        return;
      }
      toast.success(`Deleted view “${view.name}”`);
      onDeleted?.(view.id);
    } catch {
      toast.error("The console could not reach the server. Try again.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button
          type="button"
          size="sm"
          variant="ghost"
          disabled={busy}
          aria-label={`Delete ${view.name}`}
        >
          {busy ? <SpinnerIcon /> : <TrashIcon />}
          Delete
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Delete the view “{view.name}”?</AlertDialogTitle>
          <AlertDialogDescription>
            {view.shared
              ? "It is shared: it disappears for every staff member. "
              : "Only the saved view goes; "}
            profiles and segments are not changed.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction variant="destructive" onClick={run}>
            Delete view
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

// ---------------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------------

/**
 * Saved views, own and shared: each opens the profiles table as it was saved; the owner (or an
 * admin) shares, unshares or deletes it; editors make a segment of it.
 */
export function SavedViewsList({
  views,
  viewer,
  onChange,
  compact = false,
}: {
  views: SavedView[];
  viewer: ViewViewer;
  /** The list after a change (a view shared or deleted). */
  onChange?: (views: SavedView[]) => void;
  /** Narrow (in a popover): actions under the name. */
  compact?: boolean;
}) {
  const router = useRouter();
  const replace = (next: SavedView) => {
    onChange?.(views.map((v) => (v.id === next.id ? next : v)));
    router.refresh();
  };
  const remove = (id: string) => {
    onChange?.(views.filter((v) => v.id !== id));
    router.refresh();
  };
  return (
    <ul className="divide-y" aria-label="Saved views">
      {views.map((view) => {
        const mine = isOwn(view, viewer);
        const mayChange = mine || viewer.isAdmin;
        return (
          <li
            key={view.id}
            data-testid="saved-view"
            data-view-name={view.name}
            className={
              compact
                ? "grid gap-1 px-3 py-2.5"
                : "flex flex-wrap items-center gap-x-4 gap-y-1 px-4 py-3"
            }
          >
            <div className="min-w-0 flex-1">
              <div className="flex flex-wrap items-center gap-2">
                <Link
                  href={viewHref(view)}
                  className="truncate text-sm font-medium hover:underline"
                >
                  {view.name}
                </Link>
                {view.shared ? (
                  <Badge variant="outline">Shared</Badge>
                ) : (
                  <Badge variant="muted">Private</Badge>
                )}
                {!mine ? (
                  <span className="text-xs text-muted-foreground">by another staff member</span>
                ) : null}
              </div>
              <p className="truncate text-xs text-muted-foreground" title={viewSummary(view)}>
                {viewSummary(view)}
              </p>
            </div>
            <div className="flex flex-wrap items-center gap-1">
              {viewer.canPromote ? <PromoteViewDialog view={view} /> : null}
              {mayChange ? <ShareViewButton view={view} onChanged={replace} /> : null}
              {mayChange ? <DeleteViewButton view={view} onDeleted={remove} /> : null}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
