import baseConfig from "@cdp/eslint-config/base";
import reactConfig from "@cdp/eslint-config/react";

export default [
  { ignores: ["next-env.d.ts", "test-results/**", "playwright-report/**"] },
  ...baseConfig,
  ...reactConfig,
];
