import baseConfig from "@cdp/eslint-config/base";
import reactConfig from "@cdp/eslint-config/react";

export default [...baseConfig, ...reactConfig];
