"use client";

import { LoadError } from "@/components/load-error";

export default function ProfilesError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="Profiles could not be loaded" error={error} retry={retry} />;
}
