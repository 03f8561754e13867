import Link from "next/link";
import type { RouterOutputs } from "@cdp/api";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@cdp/ui";

import { PiiText } from "@/components/pii-text";
import {
  ANONYMOUS_NAME,
  COUNTRY_PATH,
  EMAIL_PATH,
  formatDate,
  formatNumber,
  isMasked,
  NAME_PATHS,
  nameOf,
} from "@/lib/profile";

type Member = RouterOutputs["segment"]["members"]["items"][number];

const dash = <span className="text-muted-foreground/50">—</span>;

/** A page of a segment's members, as the API masks them; each row opens the profile. */
export function MembersTable({ members, caption }: { members: Member[]; caption: string }) {
  return (
    <Table>
      <TableCaption className="sr-only">{caption}</TableCaption>
      <TableHeader className="bg-muted/40">
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-4 text-xs font-medium text-muted-foreground">Name</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Email</TableHead>
          <TableHead className="text-xs font-medium text-muted-foreground">Country</TableHead>
          <TableHead className="text-right text-xs font-medium text-muted-foreground">
            Visits
          </TableHead>
          <TableHead className="pr-4 text-xs font-medium text-muted-foreground">Created</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {members.map(({ profile, masked }) => {
          const name = nameOf(profile.data.pii);
          const email = profile.data.contact.email.main;
          const country = profile.data.contact.address.country;
          return (
            <TableRow key={profile.id} data-profile-id={profile.id}>
              <TableCell className="max-w-64 truncate py-2 pl-4">
                <Link
                  href={`/profiles/${encodeURIComponent(profile.id)}`}
                  className="font-medium hover:underline"
                >
                  {name ? (
                    <PiiText value={name} masked={isMasked(masked, NAME_PATHS)} />
                  ) : (
                    <span className="text-muted-foreground">{ANONYMOUS_NAME}</span>
                  )}
                </Link>
              </TableCell>
              <TableCell className="max-w-64 truncate">
                {email ? <PiiText value={email} masked={isMasked(masked, [EMAIL_PATH])} /> : dash}
              </TableCell>
              <TableCell>
                {country ? (
                  <PiiText value={country} masked={isMasked(masked, [COUNTRY_PATH])} />
                ) : (
                  dash
                )}
              </TableCell>
              <TableCell className="text-right tabular-nums">
                {formatNumber(profile.stats.visits)}
              </TableCell>
              <TableCell className="pr-4 text-muted-foreground">
                {formatDate(profile.metadata.time.insert) ?? dash}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
