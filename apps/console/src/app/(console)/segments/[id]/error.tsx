"use client";

import { LoadError } from "@/components/load-error";

export default function SegmentError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="This segment could not be loaded" error={error} retry={retry} />;
}
