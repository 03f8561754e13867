export * from "./client";
export * from "./errors";
export * from "./queries/profile";
export * from "./queries/service-token";
export * as schema from "./schema";
export { rowsOf } from "./sql";
