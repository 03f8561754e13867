"use client";

import { LoadError } from "@/components/load-error";

export default function ImportsError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="Imports could not be loaded" error={error} retry={retry} />;
}
