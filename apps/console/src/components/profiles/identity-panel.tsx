import { Badge, Card, CardContent, CardDescription, CardHeader, CardTitle } from "@cdp/ui";
import type { Profile } from "@cdp/profile-schema";

import { formatDateTime } from "@/lib/profile";
import { serverApi } from "@/server/api";
import { MergeDiff, MergedIdLink, MergeForm, UndoMergeButton } from "./merge-panel";

const none = <span className="text-muted-foreground">—</span>;

/**
 * Identity: the profile's ids (its own, its primary id, the ids of profiles merged into it), the
 * merges into it with their decisions and undo, and merging other profiles in (dry run first).
 */
export async function IdentityPanel({
  profile,
  canWrite,
}: {
  profile: Profile;
  canWrite: boolean;
}) {
  const api = await serverApi();
  const merges = await api.profile.mergeHistory({ profileId: profile.id, limit: 50 });
  const otherIds = profile.ids.filter((i) => i !== profile.id);

  return (
    <div className="grid grid-cols-1 gap-4">
      <Card className="gap-3 py-5">
        <CardHeader className="px-5">
          <CardTitle className="text-sm">Identifiers</CardTitle>
          <CardDescription>
            Any of these opens this profile; ids of merged profiles keep resolving here.
          </CardDescription>
        </CardHeader>
        <CardContent className="px-5">
          <dl className="grid gap-3 text-sm sm:grid-cols-[9rem_1fr]">
            <dt className="text-muted-foreground">Profile id</dt>
            <dd className="font-mono text-xs">{profile.id}</dd>
            <dt className="text-muted-foreground">Primary id</dt>
            <dd className="font-mono text-xs">{profile.primary_id ?? none}</dd>
            <dt className="text-muted-foreground">Other ids</dt>
            <dd>
              {otherIds.length > 0 ? (
                <ul className="flex flex-wrap gap-1.5" aria-label="Other ids">
                  {otherIds.map((i) => (
                    <li key={i}>
                      <code className="rounded border bg-muted/50 px-1.5 py-0.5 font-mono text-xs">
                        {i}
                      </code>
                    </li>
                  ))}
                </ul>
              ) : (
                none
              )}
            </dd>
          </dl>
        </CardContent>
      </Card>

      {canWrite ? (
        <Card className="gap-3 py-5">
          <CardHeader className="px-5">
            <CardTitle className="text-sm">Merge profiles into this one</CardTitle>
            <CardDescription>
              For duplicates of the same person. Preview first: nothing changes until you confirm.
            </CardDescription>
          </CardHeader>
          <CardContent className="px-5">
            <MergeForm profileId={profile.id} />
          </CardContent>
        </Card>
      ) : null}

      <Card className="gap-3 py-5">
        <CardHeader className="px-5">
          <CardTitle className="text-sm">Merges</CardTitle>
          <CardDescription>Profiles merged into this one, newest first.</CardDescription>
        </CardHeader>
        <CardContent className="px-5">
          {merges.length === 0 ? (
            <p className="text-sm text-muted-foreground">
              No profile has been merged into this one.
            </p>
          ) : (
            <ol className="grid gap-4" aria-label="Merges">
              {merges.map((m) => (
                <li key={m.id} className="rounded-lg border p-4" data-merge-id={m.id}>
                  <div className="flex flex-wrap items-start justify-between gap-3">
                    <div className="text-sm">
                      <div className="flex flex-wrap items-center gap-2">
                        <span className="font-medium">
                          Merged {m.fromIds.length}{" "}
                          {m.fromIds.length === 1 ? "profile" : "profiles"}
                        </span>
                        {m.undoneAt ? (
                          <Badge variant="muted">Undone {formatDateTime(m.undoneAt)}</Badge>
                        ) : null}
                      </div>
                      <div className="mt-1 flex flex-wrap gap-x-2 text-muted-foreground">
                        {m.fromIds.map((id) => (
                          <MergedIdLink key={id} id={id} />
                        ))}
                      </div>
                      <div className="mt-1 text-xs text-muted-foreground">
                        {formatDateTime(m.createdAt)} by{" "}
                        <span className="font-mono">{m.actor}</span>
                        {m.reason ? ` · “${m.reason}”` : ""}
                      </div>
                    </div>
                    {canWrite && !m.undoneAt ? <UndoMergeButton mergeId={m.id} /> : null}
                  </div>
                  <details className="mt-3">
                    <summary className="w-fit cursor-pointer rounded-sm text-xs text-muted-foreground outline-none hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring/50">
                      {m.decisions.length}{" "}
                      {m.decisions.length === 1 ? "field decided" : "fields decided"}
                    </summary>
                    <div className="mt-2">
                      <MergeDiff
                        merge={{ into: m.intoId, from: m.fromIds, decisions: m.decisions }}
                      />
                    </div>
                  </details>
                </li>
              ))}
            </ol>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
