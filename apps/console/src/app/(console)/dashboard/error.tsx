"use client";

import { LoadError } from "@/components/load-error";

export default function DashboardError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="The dashboard could not be loaded" error={error} retry={retry} />;
}
