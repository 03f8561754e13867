import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import type { ReactNode } from "react";
import { fieldByPath } from "@cdp/profile-schema";
import { Badge, Card, CardContent, CardDescription, CardHeader, CardTitle } from "@cdp/ui";

import { ProfilesBreadcrumb } from "@/components/breadcrumb";
import { ProfileAvatar } from "@/components/profile-avatar";
import { ProfileStatusBadge } from "@/components/profile-status-badge";
import { LockIcon } from "@/components/icons";
import {
  ANONYMOUS_NAME,
  COUNTRY_PATH,
  COUNTRY_PATHS,
  EMAIL_PATH,
  EMAIL_PATHS,
  formatDateTime,
  formatNumber,
  isMasked,
  PHONE_PATH,
  PHONE_PATHS,
  profileCountry,
  profileEmail,
  profileName,
  profilePhone,
  sectionOf,
} from "@/lib/profile";
import { ROLE_LABELS } from "@/lib/roles";
import { currentPrincipal, isApiError, serverApi } from "@/server/api";
import { canReveal } from "@/server/pii";
import { PiiName, PiiValue, RevealButton, RevealedPanel, RevealProvider } from "./reveal";
import type { MaskedField } from "./reveal";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

type Params = Promise<{ id: string }>;

/** One lookup per request, shared by the metadata and the page; masked as staff see it. */
const loadProfile = cache(async (id: string) => {
  const api = await serverApi();
  try {
    return await api.profile.get({ id });
  } catch (error) {
    // An id the API rejects outright (too long, empty) cannot name a profile either.
    if (isApiError(error, "NOT_FOUND") || isApiError(error, "BAD_REQUEST")) notFound();
    throw error;
  }
});

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  const { profile } = await loadProfile(id);
  return { title: profileName(profile) ?? ANONYMOUS_NAME };
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[7rem_1fr] items-baseline gap-3 py-1.5 text-sm">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 truncate">{children}</dd>
    </div>
  );
}

const none = <span className="text-muted-foreground/60">—</span>;

export default async function ProfilePage({ params }: { params: Params }) {
  const { id } = await params;
  const [{ profile, version, masked }, principal] = await Promise.all([
    loadProfile(id),
    currentPrincipal(),
  ]);
  const mayReveal = canReveal(principal);
  const maskedFields: MaskedField[] = masked.map((path) => ({
    path,
    label: fieldByPath(path)?.label ?? path,
    section: sectionOf(path),
  }));
  const name = profileName(profile);
  const email = profileEmail(profile);
  const phone = profilePhone(profile);
  const country = profileCountry(profile);
  const otherIds = profile.ids.filter((i) => i !== profile.id);
  const { time } = profile.metadata;

  return (
    <RevealProvider>
      <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
        <ProfilesBreadcrumb current={name ?? ANONYMOUS_NAME} />

        <header className="mt-5 flex flex-wrap items-start gap-4">
          <ProfileAvatar id={profile.id} name={name} size="lg" />
          <div className="min-w-0 flex-1">
            <div className="flex flex-wrap items-center gap-2">
              <h1 className="text-2xl font-semibold tracking-tight">
                <PiiName
                  parts={{
                    display_name: profile.data.pii.display_name,
                    firstname: profile.data.pii.firstname,
                    lastname: profile.data.pii.lastname,
                  }}
                  maskedPaths={masked}
                  fallback={ANONYMOUS_NAME}
                />
              </h1>
              <ProfileStatusBadge anonymous={profile.data.anonymous} />
              {profile.active ? (
                <Badge variant="outline">Active</Badge>
              ) : (
                <Badge variant="destructive">Inactive</Badge>
              )}
            </div>
            <dl className="mt-2 flex flex-wrap gap-x-6 gap-y-1 text-sm">
              <div className="flex gap-1.5">
                <dt className="text-muted-foreground">Profile ID</dt>
                <dd>
                  <code className="font-mono text-xs" data-testid="profile-id">
                    {profile.id}
                  </code>
                </dd>
              </div>
              {profile.primary_id && profile.primary_id !== profile.id ? (
                <div className="flex gap-1.5">
                  <dt className="text-muted-foreground">Primary ID</dt>
                  <dd>
                    <code className="font-mono text-xs">{profile.primary_id}</code>
                  </dd>
                </div>
              ) : null}
              <div className="flex gap-1.5">
                <dt className="text-muted-foreground">Version</dt>
                <dd className="tabular-nums">{version}</dd>
              </div>
            </dl>
          </div>
        </header>

        {masked.length > 0 ? (
          <div
            role="note"
            className="mt-5 flex flex-wrap items-center gap-x-4 gap-y-2.5 rounded-lg border border-amber-500/25 bg-amber-50 px-3.5 py-2.5 text-sm text-amber-900 dark:bg-amber-400/10 dark:text-amber-200"
          >
            <LockIcon className="size-4 shrink-0" />
            <p className="min-w-0 flex-1">
              <span className="font-medium">Personal data is masked.</span>{" "}
              {masked.length === 1 ? "1 field is" : `${masked.length} fields are`} shown as hints
              such as <span className="font-mono text-xs">A•••</span>.{" "}
              {mayReveal
                ? "Revealing asks for a reason and is recorded in the audit log."
                : `Your role (${principal.kind === "staff" ? ROLE_LABELS[principal.role] : principal.name}) cannot reveal it; privacy officers and admins can, giving a reason.`}
            </p>
            {mayReveal ? <RevealButton profileId={profile.id} fields={maskedFields} /> : null}
          </div>
        ) : null}
        <RevealedPanel fields={maskedFields} />

        <div className="mt-5 grid gap-4 lg:grid-cols-3">
          <Card className="gap-3 py-5">
            <CardHeader className="px-5">
              <CardTitle className="text-sm">Contact</CardTitle>
            </CardHeader>
            <CardContent className="px-5">
              <dl>
                <Field label="Email">
                  {email ? (
                    <PiiValue
                      path={EMAIL_PATH}
                      value={email}
                      masked={isMasked(masked, EMAIL_PATHS)}
                    />
                  ) : (
                    none
                  )}
                </Field>
                <Field label="Phone">
                  {phone ? (
                    <PiiValue
                      path={PHONE_PATH}
                      value={phone}
                      masked={isMasked(masked, PHONE_PATHS)}
                    />
                  ) : (
                    none
                  )}
                </Field>
                <Field label="Country">
                  {country ? (
                    <PiiValue
                      path={COUNTRY_PATH}
                      value={country}
                      masked={isMasked(masked, COUNTRY_PATHS)}
                    />
                  ) : (
                    none
                  )}
                </Field>
              </dl>
            </CardContent>
          </Card>
          <Card className="gap-3 py-5">
            <CardHeader className="px-5">
              <CardTitle className="text-sm">Activity</CardTitle>
            </CardHeader>
            <CardContent className="px-5">
              <dl>
                <Field label="Visits">
                  <span className="tabular-nums">{formatNumber(profile.stats.visits)}</span>
                </Field>
                <Field label="Views">
                  <span className="tabular-nums">{formatNumber(profile.stats.views)}</span>
                </Field>
                <Field label="Last visit">{formatDateTime(time.visit.last) ?? none}</Field>
                <Field label="Created">{formatDateTime(time.insert) ?? none}</Field>
              </dl>
            </CardContent>
          </Card>
          <Card className="gap-3 py-5">
            <CardHeader className="px-5">
              <CardTitle className="text-sm">Identity</CardTitle>
            </CardHeader>
            <CardContent className="space-y-3 px-5 text-sm">
              <div>
                <div className="mb-1.5 text-muted-foreground">Other ids</div>
                {otherIds.length > 0 ? (
                  <ul className="flex flex-wrap gap-1.5">
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
              </div>
              <div>
                <div className="mb-1.5 text-muted-foreground">Segments</div>
                {profile.segments.length > 0 ? (
                  <ul className="flex flex-wrap gap-1.5">
                    {profile.segments.map((s) => (
                      <li key={s}>
                        <Badge variant="secondary">{s}</Badge>
                      </li>
                    ))}
                  </ul>
                ) : (
                  none
                )}
              </div>
            </CardContent>
          </Card>
        </div>

        <Card className="mt-4 gap-4 py-5">
          <CardHeader className="px-5">
            <CardTitle className="text-sm">Raw document</CardTitle>
            <CardDescription>
              The stored profile as the API returns it
              {masked.length > 0 ? ", personal data masked" : ""}.
            </CardDescription>
          </CardHeader>
          <CardContent className="px-5">
            <pre
              aria-label="Profile JSON"
              tabIndex={0}
              className="max-h-[36rem] overflow-auto rounded-md border bg-muted/40 p-4 font-mono text-xs leading-relaxed"
            >
              {JSON.stringify(profile, null, 2)}
            </pre>
          </CardContent>
        </Card>
      </div>
    </RevealProvider>
  );
}
