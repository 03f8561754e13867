"use client";

import { LoadError } from "@/components/load-error";

export default function ProfileError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="This profile could not be loaded" error={error} retry={retry} />;
}
