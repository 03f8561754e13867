"use client";

import { LoadError } from "@/components/load-error";

export default function UsersError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="Staff accounts could not be loaded" error={error} retry={retry} />;
}
