import type { ConsentStatus } from "@cdp/profile-schema";
import {
  Badge,
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@cdp/ui";

import { EmptyState } from "@/components/empty-state";
import { ShieldIcon } from "@/components/icons";
import { formatDateTime } from "@/lib/profile";
import { serverApi } from "@/server/api";
import { GrantConsentButton, RevokeConsentButton } from "./consent-actions";
import { LEGAL_BASIS_LABELS } from "./legal-basis";

const STATUS: Record<
  ConsentStatus,
  { label: string; variant: "success" | "muted" | "outline" | "destructive" }
> = {
  granted: { label: "Granted", variant: "success" },
  expired: { label: "Expired", variant: "muted" },
  denied: { label: "Denied", variant: "outline" },
  revoked: { label: "Revoked", variant: "outline" },
  none: { label: "Not asked", variant: "muted" },
};

const ACTIONS = { granted: "Granted", denied: "Denied", revoked: "Revoked" } as const;

const none = <span className="text-muted-foreground">—</span>;

/**
 * Consents: where the person stands on every consent type now (consent.state), grant / revoke for
 * roles with `consents:write`, and the append-only ledger behind it (consent.history).
 */
export async function ConsentsPanel({
  profileId,
  canWrite,
}: {
  profileId: string;
  canWrite: boolean;
}) {
  const api = await serverApi();
  const [state, history] = await Promise.all([
    api.consent.state({ profileId }),
    api.consent.history({ profileId }),
  ]);
  const names = new Map(state.items.map((i) => [i.typeId, i.name]));

  return (
    <div className="grid grid-cols-1 gap-4">
      <Card className="gap-3 py-5">
        <CardHeader className="px-5">
          <CardTitle className="text-sm">Consents now</CardTitle>
          <CardDescription>
            {canWrite
              ? "Grant records a decision with its legal basis; revoke withdraws one in effect."
              : "Your role reads consents; editors and admins change them."}
          </CardDescription>
        </CardHeader>
        <CardContent className="px-0">
          {state.items.length === 0 ? (
            <div className="px-5 py-8">
              <EmptyState
                icon={<ShieldIcon />}
                title="No consent types yet"
                description="An administrator defines the consent types (marketing, analytics…) first."
              />
            </div>
          ) : (
            <Table>
              <TableCaption className="sr-only">Consents now, by type</TableCaption>
              <TableHeader className="bg-muted/40">
                <TableRow className="hover:bg-transparent">
                  <TableHead className="pl-5 text-xs">Type</TableHead>
                  <TableHead className="text-xs">Status</TableHead>
                  <TableHead className="text-xs">Legal basis</TableHead>
                  <TableHead className="text-xs">Since</TableHead>
                  <TableHead className="text-xs">Expires</TableHead>
                  {canWrite ? (
                    <TableHead className="pr-5 text-right text-xs">
                      <span className="sr-only">Actions</span>
                    </TableHead>
                  ) : null}
                </TableRow>
              </TableHeader>
              <TableBody>
                {state.items.map((item) => {
                  const status = STATUS[item.status];
                  return (
                    <TableRow key={item.typeId} data-consent={item.typeId}>
                      <TableCell className="py-2.5 pl-5">
                        <div className="font-medium">{item.name}</div>
                        <div className="text-xs text-muted-foreground">
                          <span className="font-mono">{item.typeId}</span> · {item.purpose}
                          {item.required ? " · required" : ""}
                          {item.archived ? " · archived" : ""}
                        </div>
                      </TableCell>
                      <TableCell>
                        <Badge variant={status.variant} data-testid="consent-status">
                          {status.label}
                        </Badge>
                      </TableCell>
                      <TableCell className="text-muted-foreground">
                        {item.legalBasis ? LEGAL_BASIS_LABELS[item.legalBasis] : none}
                      </TableCell>
                      <TableCell className="whitespace-nowrap text-muted-foreground">
                        {formatDateTime(item.lastAt) ?? none}
                      </TableCell>
                      <TableCell className="whitespace-nowrap text-muted-foreground">
                        {formatDateTime(item.expiresAt) ??
                          (item.status === "granted" ? "No expiry" : none)}
                      </TableCell>
                      {canWrite ? (
                        <TableCell className="pr-5 text-right">
                          {item.status === "granted" ? (
                            item.revokable ? (
                              <RevokeConsentButton
                                profileId={profileId}
                                typeId={item.typeId}
                                typeName={item.name}
                              />
                            ) : (
                              <span className="text-xs text-muted-foreground">Not revokable</span>
                            )
                          ) : item.enabled && !item.archived ? (
                            <GrantConsentButton
                              profileId={profileId}
                              typeId={item.typeId}
                              typeName={item.name}
                            />
                          ) : null}
                        </TableCell>
                      ) : null}
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>

      <Card className="gap-3 py-5">
        <CardHeader className="px-5">
          <CardTitle className="text-sm">Consent ledger</CardTitle>
          <CardDescription>
            Every decision recorded for this person, oldest first. Entries are never changed.
          </CardDescription>
        </CardHeader>
        <CardContent className="px-0">
          {history.items.length === 0 ? (
            <p className="px-5 text-sm text-muted-foreground">No consent decisions recorded.</p>
          ) : (
            <Table>
              <TableCaption className="sr-only">Consent ledger</TableCaption>
              <TableHeader className="bg-muted/40">
                <TableRow className="hover:bg-transparent">
                  <TableHead className="pl-5 text-xs">When</TableHead>
                  <TableHead className="text-xs">Type</TableHead>
                  <TableHead className="text-xs">Decision</TableHead>
                  <TableHead className="text-xs">Legal basis</TableHead>
                  <TableHead className="text-xs">Source</TableHead>
                  <TableHead className="text-xs">By</TableHead>
                  <TableHead className="pr-5 text-xs">Reason / policy</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {history.items.map((e) => (
                  <TableRow key={e.id} data-ledger-action={e.action}>
                    <TableCell className="py-2 pl-5 whitespace-nowrap">
                      {formatDateTime(e.at)}
                    </TableCell>
                    <TableCell>{names.get(e.typeId) ?? e.typeId}</TableCell>
                    <TableCell>{ACTIONS[e.action]}</TableCell>
                    <TableCell className="text-muted-foreground">
                      {e.legalBasis ? LEGAL_BASIS_LABELS[e.legalBasis] : none}
                    </TableCell>
                    <TableCell className="text-muted-foreground">{e.source}</TableCell>
                    <TableCell className="font-mono text-xs text-muted-foreground">
                      {e.actor}
                    </TableCell>
                    <TableCell className="pr-5 text-muted-foreground">
                      {[
                        e.reason,
                        e.policyVersion ? `policy ${e.policyVersion}` : null,
                        e.proofHidden ? "proof kept (hidden)" : null,
                      ]
                        .filter(Boolean)
                        .join(" · ") || none}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
