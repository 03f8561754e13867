import { z } from "zod";
import { ProfileObject } from "@cdp/profile-schema";
import type { Profile } from "@cdp/profile-schema";

import type { ProfileView } from "./services/present";

/*
 * Response schemas of the procedures also served as REST routes (trpc-to-openapi documents a
 * procedure only when it has an output parser). They describe the envelope; the profile document
 * inside is not re-validated on the way out: the store validated it on write, and masked values
 * (`j•••@e•••`, `••••-••-••`) would fail the contract's formats.
 */

let profileJsonSchema: Record<string, unknown> | undefined;

/** The contract's Profile rendered once as JSON Schema, for the OpenAPI document only. */
function profileDocumentSchema(): Record<string, unknown> {
  profileJsonSchema ??= z.toJSONSchema(ProfileObject, {
    io: "output",
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema, path }) => {
      // A group's catch-all refuses unknown keys: say so instead of "anything goes".
      if (zodSchema._zod.def.type === "custom" && path.at(-1) === "additionalProperties") {
        for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
        jsonSchema.not = {};
      }
    },
  }) as Record<string, unknown>;
  const { $schema: _schema, ...rest } = profileJsonSchema;
  return rest;
}

const isObject = (value: unknown) =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const ProfileDocument = z.custom<Profile>(isObject, { error: "Expected a profile document" }).meta({
  id: "Profile",
  override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
    Object.assign(jsonSchema, profileDocumentSchema());
  },
});

/** A profile as a caller may see it (`ProfileView`). */
export const ProfileViewOutput = z
  .object({
    profile: ProfileDocument,
    version: z.int().min(1).meta({ description: "Send it back with an update." }),
    masked: z
      .array(z.string())
      .meta({ description: "PII paths masked because the caller lacks profiles:pii." }),
  })
  .meta({ id: "ProfileView" }) satisfies z.ZodType<ProfileView>;

export const ProfilePageOutput = z.object({
  items: z.array(ProfileViewOutput),
  nextCursor: z.string().nullable(),
  total: z.int().optional().meta({ description: "Present when withTotal was true." }),
});

export const ProfileUpdateOutput = ProfileViewOutput.extend({
  changed: z.array(z.string()).meta({ description: "Paths the update changed." }),
});

export const ProfileDeleteOutput = z.object({ id: z.string(), deleted: z.boolean() });
