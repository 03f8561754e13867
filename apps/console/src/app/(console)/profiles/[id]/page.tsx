import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache, Suspense } from "react";
import type { ReactNode } from "react";
import { can } from "@cdp/api";
import { fieldByPath } from "@cdp/profile-schema";
import type { Profile } from "@cdp/profile-schema";
import { Badge, Card, CardContent, CardDescription, CardHeader, CardTitle } from "@cdp/ui";

import { ProfilesBreadcrumb } from "@/components/breadcrumb";
import { LockIcon } from "@/components/icons";
import { ProfileAvatar } from "@/components/profile-avatar";
import { ProfileStatusBadge } from "@/components/profile-status-badge";
import { AuditPanel } from "@/components/profiles/audit-panel";
import { ConsentsPanel } from "@/components/profiles/consents-panel";
import { EditSection } from "@/components/profiles/edit-section";
import type { CurrentValue, EditableField } from "@/components/profiles/edit-section";
import { EventsPanel } from "@/components/profiles/events-panel";
import { FieldHistory } from "@/components/profiles/field-history";
import { IdentityPanel } from "@/components/profiles/identity-panel";
import { UNNAMED_CUSTOMER } from "@/components/profiles/columns";
import { ProfileNav, profileTabHref } from "@/components/profiles/profile-nav";
import { SectionView } from "@/components/profiles/section-view";
import {
  PROFILE_SECTIONS,
  PROFILE_TAB_IDS,
  sectionGroups,
  valueAtPath,
} from "@/components/profiles/sections";
import type { ProfileSection } from "@/components/profiles/sections";
import { PanelSkeleton } from "@/components/profiles/skeletons";
import {
  ANONYMOUS_NAME,
  COUNTRY_PATH,
  COUNTRY_PATHS,
  EMAIL_PATH,
  EMAIL_PATHS,
  formatDateTime,
  formatNumber,
  formatValue,
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
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function one(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

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
  return {
    title: profileName(profile) ?? (profile.data.anonymous ? ANONYMOUS_NAME : UNNAMED_CUSTOMER),
  };
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[5.5rem_1fr] items-baseline gap-3 py-1.5 text-sm">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 truncate">{children}</dd>
    </div>
  );
}

const none = <span className="text-muted-foreground">—</span>;

const TAB_TEXT: Record<string, { label: string; description: string }> = {
  overview: { label: "Overview", description: "The essentials, and the stored document." },
  consents: {
    label: "Consents",
    description: "Consent decisions now and the ledger behind them.",
  },
  events: { label: "Events", description: "The events tracked for this person." },
  history: { label: "Field history", description: "When each field last changed, and by what." },
  identity: { label: "Identity", description: "Identifiers, merges and undo." },
  audit: { label: "Audit", description: "Who changed or looked at this profile, and why." },
};

export default async function ProfilePage({
  params,
  searchParams,
}: {
  params: Params;
  searchParams: SearchParams;
}) {
  const [{ id }, query] = await Promise.all([params, searchParams]);
  const requested = one(query.tab);
  const tab = PROFILE_TAB_IDS.includes(requested) ? requested : "overview";
  const cursor = one(query.cursor) || null;
  const [{ profile, version, masked }, principal] = await Promise.all([
    loadProfile(id),
    currentPrincipal(),
  ]);
  const mayReveal = canReveal(principal);
  const mayEdit = can(principal, "profiles:write");
  const mayChangeConsents = can(principal, "consents:write");
  const maskedFields: MaskedField[] = masked.map((path) => ({
    path,
    label: fieldByPath(path)?.label ?? path,
    section: sectionOf(path),
  }));
  const name = profileName(profile);
  const unnamed = profile.data.anonymous ? ANONYMOUS_NAME : UNNAMED_CUSTOMER;
  const otherIds = profile.ids.filter((i) => i !== profile.id);
  const section = PROFILE_SECTIONS.find((s) => s.id === tab);
  const text = section
    ? { label: section.label, description: section.description }
    : (TAB_TEXT[tab] ?? { label: tab, description: "" });

  let panel: ReactNode;
  if (section) {
    panel = (
      <SectionPanel
        section={section}
        profile={profile}
        version={version}
        masked={masked}
        canEdit={mayEdit}
      />
    );
  } else if (tab === "consents") {
    panel = <ConsentsPanel profileId={profile.id} canWrite={mayChangeConsents} />;
  } else if (tab === "events") {
    panel = (
      <EventsPanel
        profileId={profile.id}
        cursor={cursor}
        olderHref={(next) => profileTabHref(profile.id, "events", { cursor: next })}
      />
    );
  } else if (tab === "history") {
    panel = <FieldHistory profile={profile} />;
  } else if (tab === "identity") {
    panel = <IdentityPanel profile={profile} canWrite={mayEdit} />;
  } else if (tab === "audit") {
    panel = (
      <AuditPanel
        profileId={profile.id}
        cursor={cursor}
        olderHref={(next) => profileTabHref(profile.id, "audit", { cursor: next })}
      />
    );
  } else {
    panel = <Overview profile={profile} masked={masked} otherIds={otherIds} />;
  }

  return (
    <RevealProvider>
      <div className="mx-auto w-full max-w-[1400px] px-4 py-6 md:px-8 md:py-8">
        <ProfilesBreadcrumb current={name ?? unnamed} />

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
                  fallback={unnamed}
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
              {otherIds.length > 0 ? (
                <div className="flex gap-1.5">
                  <dt className="text-muted-foreground">Other ids</dt>
                  <dd className="tabular-nums">{formatNumber(otherIds.length)}</dd>
                </div>
              ) : null}
              <div className="flex gap-1.5">
                <dt className="text-muted-foreground">Version</dt>
                <dd className="tabular-nums" data-testid="profile-version">
                  {version}
                </dd>
              </div>
              <div className="flex gap-1.5">
                <dt className="text-muted-foreground">Updated</dt>
                <dd>{formatDateTime(profile.metadata.time.update) ?? "—"}</dd>
              </div>
            </dl>
            <div className="mt-2 flex flex-wrap items-center gap-1.5 text-sm">
              <span className="text-muted-foreground">Segments</span>
              {profile.segments.length > 0 ? (
                <ul className="flex flex-wrap gap-1.5" aria-label="Segments">
                  {profile.segments.map((s) => (
                    <li key={s}>
                      <Badge variant="secondary">{s}</Badge>
                    </li>
                  ))}
                </ul>
              ) : (
                <span className="text-muted-foreground">none</span>
              )}
            </div>
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

        <div className="mt-6 grid gap-6 lg:grid-cols-[11rem_minmax(0,1fr)]">
          <ProfileNav id={profile.id} tab={tab} />
          <section aria-labelledby="profile-tab-heading" className="min-w-0">
            <div className="mb-4">
              <h2 id="profile-tab-heading" className="text-base font-semibold">
                {text.label}
              </h2>
              <p className="text-sm text-muted-foreground">{text.description}</p>
            </div>
            <Suspense key={`${tab}:${cursor ?? ""}`} fallback={<PanelSkeleton />}>
              {panel}
            </Suspense>
          </section>
        </div>
      </div>
    </RevealProvider>
  );
}

/** A seed section; Personal and Contact with their edit form for staff who may edit. */
function SectionPanel({
  section,
  profile,
  version,
  masked,
  canEdit,
}: {
  section: ProfileSection;
  profile: Profile;
  version: number;
  masked: string[];
  canEdit: boolean;
}) {
  const view = <SectionView section={section} profile={profile} masked={masked} />;
  if (!section.editable) return view;
  const fields: EditableField[] = sectionGroups(section).flatMap((g) =>
    g.fields
      .filter((f) => f.type !== "map")
      .map((f) => ({ path: f.path, label: f.label, type: f.type, group: g.label })),
  );
  const current: Record<string, CurrentValue> = {};
  const stamps: Record<string, string | null> = {};
  for (const f of fields) {
    const value = valueAtPath(profile, f.path);
    const shown = formatValue(value);
    current[f.path] = { text: shown === "—" ? null : shown, masked: masked.includes(f.path) };
    stamps[f.path] = profile.metadata.fields[f.path]?.[0] ?? null;
  }
  return (
    <EditSection
      // A save re-reads the page: the form starts again from the new version.
      key={version}
      profileId={profile.id}
      version={version}
      title={section.label}
      fields={fields}
      current={current}
      stamps={stamps}
      canEdit={canEdit}
    >
      {view}
    </EditSection>
  );
}

/** The essentials (contact, activity, identity) and the stored document. */
function Overview({
  profile,
  masked,
  otherIds,
}: {
  profile: Profile;
  masked: string[];
  otherIds: string[];
}) {
  const email = profileEmail(profile);
  const phone = profilePhone(profile);
  const country = profileCountry(profile);
  const { time } = profile.metadata;
  return (
    <>
      <div className="grid gap-4 xl:grid-cols-3">
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
              <div className="mb-1.5 text-muted-foreground">Consents</div>
              {Object.keys(profile.consents).length > 0 ? (
                <ul className="flex flex-wrap gap-1.5">
                  {Object.keys(profile.consents).map((c) => (
                    <li key={c}>
                      <Badge variant="secondary">{c}</Badge>
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
    </>
  );
}
