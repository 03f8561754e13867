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
import { AdminPage, Panel } from "@/components/admin/page";
import { formatDate, formatNumber } from "@/lib/profile";
import { ROLE_SUMMARIES } from "@/lib/roles";
import { currentPrincipal, serverApi } from "@/server/api";
import { CreateStaffDialog, DisableButton, RoleSelect } from "./staff-controls";

// Rendered per request from the database; never prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Staff" };

export default async function UsersPage() {
  const principal = await currentPrincipal();
  if (principal.kind === "staff" && !can(principal, "admin")) {
    return <Forbidden role={principal.role} what="manage staff accounts" />;
  }
  const api = await serverApi();
  const users = await api.user.list();
  const active = users.filter((u) => !u.banned).length;

  return (
    <AdminPage
      title="Staff"
      badge={
        <Badge variant="muted" className="tabular-nums">
          {formatNumber(active)}
        </Badge>
      }
      description="Who can sign in to the console and what their role lets them do. Role changes apply on their next page; disabling someone signs them out at once."
      actions={<CreateStaffDialog />}
    >
      <Panel>
        <Table>
          <TableCaption className="sr-only">Staff accounts, oldest first</TableCaption>
          <TableHeader className="bg-muted/40">
            <TableRow className="hover:bg-transparent">
              <TableHead className="pl-4 text-xs font-medium text-muted-foreground">Name</TableHead>
              <TableHead className="text-xs font-medium text-muted-foreground">Role</TableHead>
              <TableHead className="text-xs font-medium text-muted-foreground">Status</TableHead>
              <TableHead className="text-xs font-medium text-muted-foreground">Added</TableHead>
              <TableHead className="pr-4 text-right text-xs font-medium text-muted-foreground">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {users.map((u) => {
              const self = u.id === principal.id;
              return (
                <TableRow key={u.id} data-testid={`staff-${u.email}`}>
                  <TableCell className="py-2.5 pl-4">
                    <div className="font-medium">
                      {u.name}
                      {self ? (
                        <span className="ml-2 text-xs font-normal text-muted-foreground">
                          (you)
                        </span>
                      ) : null}
                    </div>
                    <div className="text-xs text-muted-foreground">{u.email}</div>
                  </TableCell>
                  <TableCell className="w-64">
                    <RoleSelect id={u.id} name={u.name} role={u.role} self={self} />
                    <p className="mt-1 max-w-64 text-xs whitespace-normal text-muted-foreground">
                      {ROLE_SUMMARIES[u.role]}
                    </p>
                  </TableCell>
                  <TableCell>
                    {u.banned ? (
                      <Badge variant="muted">Disabled</Badge>
                    ) : (
                      <Badge variant="success">Active</Badge>
                    )}
                  </TableCell>
                  <TableCell className="text-muted-foreground">
                    {formatDate(new Date(u.createdAt).toISOString())}
                  </TableCell>
                  <TableCell className="pr-4 text-right">
                    {self ? null : <DisableButton id={u.id} name={u.name} disabled={u.banned} />}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </Panel>
    </AdminPage>
  );
}
