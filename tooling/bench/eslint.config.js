import baseConfig from "@cdp/eslint-config/base";

export default [...baseConfig];
