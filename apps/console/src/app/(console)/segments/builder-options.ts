import type { BuilderOptions } from "@/components/segments/condition-builder";
import { serverApi } from "@/server/api";

/**
 * What the condition builder's pickers offer: the consent types (archived ones marked: conditions
 * may still test them) and the segments a condition may refer to (not `exceptId`, the segment
 * being edited).
 */
export async function builderOptions(exceptId?: string): Promise<BuilderOptions> {
  const api = await serverApi();
  const [types, segments] = await Promise.all([
    api.consent.types.list({ includeArchived: true }),
    api.segment.list(),
  ]);
  return {
    consentTypes: types.map((t) => ({
      id: t.id,
      name: t.archivedAt ? `${t.name}, archived` : t.name,
    })),
    segments: segments.filter((s) => s.id !== exceptId).map((s) => ({ id: s.id, name: s.name })),
  };
}
