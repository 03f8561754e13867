export * from "./audit-log";
export * from "./event";
export * from "./import-job";
export * from "./profile";
export * from "./profile-merge";
export * from "./service-token";
