import { z } from "zod";

const schema = z.object({
  /**
   * The salt of the mapping rules' `hash` transform (salted SHA-256). Set a long random value
   * in production and keep it: changing it changes every hash a rule writes from then on.
   */
  MAPPING_HASH_SALT: z
    .string()
    .min(16, "MAPPING_HASH_SALT needs at least 16 characters")
    .optional(),
  NODE_ENV: z.enum(["development", "test", "production"]).optional(),
});

export const env = schema.parse({
  MAPPING_HASH_SALT: process.env.MAPPING_HASH_SALT || undefined,
  NODE_ENV: process.env.NODE_ENV || undefined,
});
