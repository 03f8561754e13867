import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export const reactConfig = tseslint.config({
  files: ["**/*.tsx", "**/*.ts"],
  plugins: { "react-hooks": reactHooks },
  rules: {
    "react-hooks/rules-of-hooks": "error",
    "react-hooks/exhaustive-deps": "warn",
  },
});

export default reactConfig;
