"use client";

import { LoadError } from "@/components/load-error";

export default function TokensError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="Service tokens could not be loaded" error={error} retry={retry} />;
}
