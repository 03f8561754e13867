import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";

import type { AppRouter } from "./root";
import { appRouter } from "./root";
import { createCallerFactory, createTRPCContext } from "./trpc";

/** Server-side calls without HTTP (the console's server components). */
const createCaller = createCallerFactory(appRouter);

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export { appRouter, createCaller, createTRPCContext };
export type { AppRouter };
export type { Context, FieldError } from "./trpc";
export * from "./authz";
export { principalFromHeaders } from "./context";
export { maskProfile } from "./masking";
export type { ProfileView } from "./services/present";
export * from "./http";
export { createLogger } from "./log";
export { isDatabaseUnavailable, orUnavailable } from "./errors";
export { createCallLimiter, retryAfterHeader } from "./rate-limit";
export type { CallLimiter, RateLimitOptions } from "./rate-limit";
export { ACCESS_DENIED } from "./trpc";
export { createExportHandler, exportPage, exportProfiles } from "./services/export";
export type { ExportHandlerOptions, ExportPage } from "./services/export";
export { importWorkerIdle, resumeImportJobs, runImportJob, stopImportWorker } from "./services/import";
export { createSegment, refreshSegments, startSegmentRefresh } from "./services/segment";
export type { SegmentRunResult } from "./services/segment";
export { track } from "./services/track";
