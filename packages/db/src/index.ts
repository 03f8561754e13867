export * from "./client";
export * from "./errors";
export * from "./queries/profile";
export * as schema from "./schema";
export { rowsOf } from "./sql";
