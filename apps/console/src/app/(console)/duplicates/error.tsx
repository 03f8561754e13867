"use client";

import { LoadError } from "@/components/load-error";

export default function DuplicatesError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="Duplicates could not be loaded" error={error} retry={retry} />;
}
