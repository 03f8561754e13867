"use client";

import { useEffect, useState } from "react";

import { SavedViewsList } from "./saved-views";
import type { SavedView, ViewViewer } from "./saved-views";

/** The saved views on the segments page, where a view becomes a segment. */
export function SavedViewsPanel({
  views: initial,
  viewer,
}: {
  views: SavedView[];
  viewer: ViewViewer;
}) {
  const [views, setViews] = useState(initial);
  // A refresh of the page (after a change) brings the server's list.
  useEffect(() => setViews(initial), [initial]);
  if (views.length === 0) {
    return (
      <p className="px-4 py-8 text-center text-sm text-muted-foreground">
        No saved views yet. On the profiles page, filter the table and choose Views → Save current
        view; saved views can then be made into segments here.
      </p>
    );
  }
  return <SavedViewsList views={views} viewer={viewer} onChange={setViews} />;
}
