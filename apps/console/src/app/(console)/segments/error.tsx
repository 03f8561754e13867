"use client";

import { LoadError } from "@/components/load-error";

export default function SegmentsError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="Segments could not be loaded" error={error} retry={retry} />;
}
