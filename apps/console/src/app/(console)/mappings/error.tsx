"use client";

import { LoadError } from "@/components/load-error";

export default function MappingsError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="Mapping rules could not be loaded" error={error} retry={retry} />;
}
