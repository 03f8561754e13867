"use client";

import { LoadError } from "@/components/load-error";

export default function MappingRuleError({ error, retry }: { error: unknown; retry: () => void }) {
  return <LoadError title="The mapping rule could not be loaded" error={error} retry={retry} />;
}
