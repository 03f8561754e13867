import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Shared rules for every package. `process.env` is read only in each package's env module, so
 * configuration is validated in one place.
 */
export const baseConfig = tseslint.config(
  { ignores: ["**/node_modules/**", "**/.next/**", "**/dist/**", "**/drizzle/**", "**/.cache/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": [
        "warn",
        { prefer: "type-imports", fixStyle: "separate-type-imports" },
      ],
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message: "Read configuration from the package's env module.",
        },
      ],
    },
  },
  {
    files: ["**/env.ts", "**/*.config.*", "**/*.test.ts", "**/test/**", "**/scripts/**", "**/e2e/**"],
    rules: { "no-restricted-properties": "off" },
  },
);

export default baseConfig;
