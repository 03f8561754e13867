"use client";

import { LoadError } from "@/components/load-error";

export default function AuditError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="The audit log could not be loaded" error={error} retry={retry} />;
}
