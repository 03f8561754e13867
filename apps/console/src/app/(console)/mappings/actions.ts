"use server";

import { revalidatePath } from "next/cache";
import type { RouterInputs, RouterOutputs } from "@cdp/api";

import { attempt } from "@/components/admin/action-result";
import type { ActionResult } from "@/components/admin/action-result";
import { serverApi } from "@/server/api";

export type MappingRule = RouterOutputs["mapping"]["get"];
export type MappingRuleVersions = RouterOutputs["mapping"]["versions"];
export type MappingTestOutput = RouterOutputs["mapping"]["test"];
export type MappingPaths = RouterOutputs["mapping"]["paths"];
export type MappingExportFile = RouterOutputs["mapping"]["export"];

const MESSAGES = {
  FORBIDDEN: "Your role cannot change mapping rules. Admins can.",
  NOT_FOUND: "This mapping rule no longer exists. It may have been deleted meanwhile.",
  CONFLICT:
    "Someone saved this rule after you opened it. Reload to see their version; your draft stays here until you do.",
};

// The list and each rule's page render per request; the list is revalidated for clients that
// navigate back to it from the client router's cache.
const changed = () => revalidatePath("/mappings");

export async function createMappingRule(
  input: RouterInputs["mapping"]["create"],
): Promise<ActionResult<MappingRule>> {
  const api = await serverApi();
  const result = await attempt(() => api.mapping.create(input), {
    ...MESSAGES,
    CONFLICT: `A rule with the id “${input.id}” already exists: choose another id.`,
  });
  if (result.ok) changed();
  return result;
}

export async function updateMappingRule(
  input: RouterInputs["mapping"]["update"],
): Promise<ActionResult<MappingRule>> {
  const api = await serverApi();
  const result = await attempt(() => api.mapping.update(input), MESSAGES);
  if (result.ok) changed();
  return result;
}

export async function enableMappingRule(
  input: RouterInputs["mapping"]["enable"],
): Promise<ActionResult<MappingRule>> {
  const api = await serverApi();
  const result = await attempt(() => api.mapping.enable(input), MESSAGES);
  if (result.ok) changed();
  return result;
}

export async function deleteMappingRule(
  input: RouterInputs["mapping"]["delete"],
): Promise<ActionResult<RouterOutputs["mapping"]["delete"]>> {
  const api = await serverApi();
  const result = await attempt(() => api.mapping.delete(input), MESSAGES);
  if (result.ok) changed();
  return result;
}

/** A dry run of the draft rule (or the enabled rules) on an event: nothing is written. */
export async function testMappingRule(
  input: RouterInputs["mapping"]["test"],
): Promise<ActionResult<MappingTestOutput>> {
  const api = await serverApi();
  return attempt(() => api.mapping.test(input), {
    NOT_FOUND: "No profile has this id or identifier.",
  });
}

/** Property and context paths of recent events of these types, for the source picker. */
export async function mappingEventPaths(
  input: RouterInputs["mapping"]["paths"],
): Promise<ActionResult<MappingPaths>> {
  const api = await serverApi();
  return attempt(() => api.mapping.paths(input));
}

export async function exportMappingRules(): Promise<ActionResult<MappingExportFile>> {
  const api = await serverApi();
  return attempt(() => api.mapping.export());
}

export async function importMappingRules(
  input: RouterInputs["mapping"]["import"],
): Promise<ActionResult<RouterOutputs["mapping"]["import"]>> {
  const api = await serverApi();
  const result = await attempt(() => api.mapping.import(input), MESSAGES);
  if (result.ok) changed();
  return result;
}
