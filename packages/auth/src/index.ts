export { createAuth } from "./auth";
export type { Auth, CreateAuthOptions } from "./auth";
export * from "./roles";
export * from "./staff";
