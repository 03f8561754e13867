"use client";

import { LoadError } from "@/components/load-error";

export default function ConsentTypesError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="Consent types could not be loaded" error={error} retry={retry} />;
}
