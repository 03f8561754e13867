import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { can } from "@cdp/api";
import { Badge, Button } from "@cdp/ui";

import { AlertIcon, ChevronRightIcon, ChevronsLeftIcon, MergeIcon } from "@/components/icons";
import { AdminPage, Panel } from "@/components/admin/page";
import { EmptyState } from "@/components/empty-state";
import {
  EMAIL_PATHS,
  formatDate,
  formatNumber,
  isMasked,
  NAME_PATHS,
  PHONE_PATHS,
  profileEmail,
  profileName,
  profilePhone,
} from "@/lib/profile";
import { currentPrincipal, isApiError, serverApi } from "@/server/api";
import { DuplicateGroup } from "./duplicate-group";
import type { GroupMember } from "./duplicate-group";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Duplicates" };

const PAGE_SIZE = 20;

const KEY_LABELS = { email: "E-mail", phone: "Phone", ext: "External id" } as const;

export default async function DuplicatesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const cursor = typeof params.cursor === "string" && params.cursor ? params.cursor : null;
  const [api, principal] = await Promise.all([serverApi(), currentPrincipal()]);
  const mayMerge = can(principal, "profiles:write");

  let page: Awaited<ReturnType<typeof api.profile.duplicates>>;
  try {
    page = await api.profile.duplicates({ limit: PAGE_SIZE, cursor });
  } catch (error) {
    if (cursor && isApiError(error, "BAD_REQUEST")) {
      return (
        <DuplicatesLayout>
          <Panel className="px-6 py-16">
            <EmptyState
              icon={<AlertIcon />}
              title="This page link no longer works"
              description="Profiles changed since the link was made (a merge moves them). Start from the first page."
              action={
                <Button asChild variant="outline" size="sm">
                  <Link href="/duplicates">First page</Link>
                </Button>
              }
            />
          </Panel>
        </DuplicatesLayout>
      );
    }
    throw error;
  }

  return (
    <DuplicatesLayout>
      {page.items.length === 0 ? (
        <Panel className="px-6 py-16">
          <EmptyState
            icon={<MergeIcon />}
            title={cursor ? "No more duplicates" : "No duplicates found"}
            description={
              cursor
                ? "You are past the last group."
                : "No two profiles share an e-mail address, phone number or external id."
            }
            action={
              cursor ? (
                <Button asChild variant="outline" size="sm">
                  <Link href="/duplicates">First page</Link>
                </Button>
              ) : undefined
            }
          />
        </Panel>
      ) : (
        <>
          <ul className="grid gap-4" aria-label="Groups of possible duplicates">
            {page.items.map((group) => {
              const members: GroupMember[] = group.profiles.map(({ profile, masked }) => ({
                id: profile.id,
                name: profileName(profile),
                nameMasked: isMasked(masked, NAME_PATHS),
                email: profileEmail(profile),
                emailMasked: isMasked(masked, EMAIL_PATHS),
                phone: profilePhone(profile),
                phoneMasked: isMasked(masked, PHONE_PATHS),
                created: formatDate(profile.metadata.time.insert),
                createdAt: profile.metadata.time.insert,
                visits: profile.stats.visits,
                anonymous: profile.data.anonymous,
              }));
              return (
                <li key={`${group.key.type}:${group.key.value}:${members[0]?.id ?? ""}`}>
                  <DuplicateGroup
                    keyLabel={KEY_LABELS[group.key.type]}
                    keyValue={group.key.value}
                    total={group.total}
                    members={members}
                    mayMerge={mayMerge}
                  />
                </li>
              );
            })}
          </ul>
          <nav aria-label="Pagination" className="mt-4 flex items-center justify-end gap-2">
            {cursor ? (
              <Button asChild variant="outline" size="sm">
                <Link href="/duplicates">
                  <ChevronsLeftIcon />
                  First page
                </Link>
              </Button>
            ) : null}
            {page.nextCursor ? (
              <Button asChild variant="outline" size="sm">
                <Link href={`/duplicates?cursor=${encodeURIComponent(page.nextCursor)}`} rel="next">
                  Next page
                  <ChevronRightIcon />
                </Link>
              </Button>
            ) : null}
          </nav>
        </>
      )}
      {!mayMerge ? (
        <p className="mt-3 text-sm text-muted-foreground">
          Your role can review duplicates; editors and admins merge them.
        </p>
      ) : null}
    </DuplicatesLayout>
  );
}

function DuplicatesLayout({ children }: { children: ReactNode }) {
  return (
    <AdminPage
      title="Duplicates"
      badge={
        <Badge variant="muted" className="font-normal">
          Suggested merges
        </Badge>
      }
      description={`Profiles that share an e-mail address, phone number or external id, ${formatNumber(PAGE_SIZE)} groups a page. Merging keeps one profile, takes the most recent value of each field, adds up counts and can be undone from the kept profile’s page.`}
    >
      {children}
    </AdminPage>
  );
}
