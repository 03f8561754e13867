export { default } from "@cdp/tailwind-config/postcss-config";
