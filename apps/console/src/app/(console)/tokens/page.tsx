import type { Metadata } from "next";
import { can } from "@cdp/api";
import {
  Badge,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@cdp/ui";

import { Forbidden } from "@/components/admin/forbidden";
import { KeyIcon } from "@/components/icons";
import { AdminPage, Panel } from "@/components/admin/page";
import { EmptyState } from "@/components/empty-state";
import { formatDate, formatDateTime, formatNumber } from "@/lib/profile";
import { currentPrincipal, serverApi } from "@/server/api";
import { SCOPE_SUMMARIES } from "./scopes";
import { CreateTokenDialog, RevokeTokenButton } from "./token-controls";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Service tokens" };

const dash = <span className="text-muted-foreground/50">—</span>;

export default async function TokensPage() {
  const principal = await currentPrincipal();
  if (principal.kind === "staff" && !can(principal, "admin")) {
    return <Forbidden role={principal.role} what="manage service tokens" />;
  }
  const api = await serverApi();
  const tokens = await api.token.list();
  const now = new Date().toISOString();
  const statusOf = (t: (typeof tokens)[number]) =>
    t.revokedAt ? "revoked" : t.expiresAt && t.expiresAt <= now ? "expired" : "active";
  const live = tokens.filter((t) => statusOf(t) === "active").length;

  return (
    <AdminPage
      title="Service tokens"
      badge={
        <Badge variant="muted" className="tabular-nums">
          {formatNumber(live)}
        </Badge>
      }
      description="Credentials for internal services calling the API (Authorization: Bearer …). Each token has the scopes it needs and nothing more; its secret is shown once, when it is created."
      actions={<CreateTokenDialog />}
    >
      {tokens.length === 0 ? (
        <Panel className="px-6 py-16">
          <EmptyState
            icon={<KeyIcon />}
            title="No service tokens yet"
            description="Create a token for each service that reads or writes profiles, with only the scopes it needs."
          />
        </Panel>
      ) : (
        <Panel>
          <Table>
            <TableCaption className="sr-only">Service tokens, newest first</TableCaption>
            <TableHeader className="bg-muted/40">
              <TableRow className="hover:bg-transparent">
                <TableHead className="pl-4 text-xs font-medium text-muted-foreground">
                  Name
                </TableHead>
                <TableHead className="text-xs font-medium text-muted-foreground">Scopes</TableHead>
                <TableHead className="text-xs font-medium text-muted-foreground">Status</TableHead>
                <TableHead className="text-xs font-medium text-muted-foreground">Expires</TableHead>
                <TableHead className="text-xs font-medium text-muted-foreground">
                  Last used
                </TableHead>
                <TableHead className="text-xs font-medium text-muted-foreground">Created</TableHead>
                <TableHead className="pr-4 text-right text-xs font-medium text-muted-foreground">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {tokens.map((t) => {
                const status = statusOf(t);
                return (
                  <TableRow key={t.id} data-testid={`token-${t.name}`}>
                    <TableCell className="py-2.5 pl-4">
                      <div className="font-medium">{t.name}</div>
                      <div className="font-mono text-xs text-muted-foreground">{t.prefix}…</div>
                    </TableCell>
                    <TableCell className="max-w-80">
                      <div className="flex flex-wrap gap-1">
                        {t.scopes.map((s) => (
                          <Badge
                            key={s}
                            variant="outline"
                            className="font-mono font-normal"
                            title={SCOPE_SUMMARIES[s as keyof typeof SCOPE_SUMMARIES]}
                          >
                            {s}
                          </Badge>
                        ))}
                      </div>
                    </TableCell>
                    <TableCell>
                      {status === "active" ? (
                        <Badge variant="success">Active</Badge>
                      ) : status === "expired" ? (
                        <Badge variant="muted">Expired</Badge>
                      ) : (
                        <Badge variant="muted">Revoked</Badge>
                      )}
                    </TableCell>
                    <TableCell className="text-muted-foreground">
                      {t.expiresAt ? (
                        <time dateTime={t.expiresAt}>{formatDate(t.expiresAt)}</time>
                      ) : (
                        "Never"
                      )}
                    </TableCell>
                    <TableCell className="text-muted-foreground">
                      {t.lastUsedAt ? (
                        <time dateTime={t.lastUsedAt}>{formatDateTime(t.lastUsedAt)}</time>
                      ) : (
                        dash
                      )}
                    </TableCell>
                    <TableCell className="text-muted-foreground">
                      <time dateTime={t.createdAt}>{formatDate(t.createdAt)}</time>
                      <div className="max-w-40 truncate font-mono text-xs">{t.createdBy}</div>
                    </TableCell>
                    <TableCell className="pr-4 text-right">
                      {status === "revoked" ? null : <RevokeTokenButton id={t.id} name={t.name} />}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </Panel>
      )}
    </AdminPage>
  );
}
