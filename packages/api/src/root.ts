import { auditRouter } from "./routers/audit";
import { profileRouter } from "./routers/profile";
import { tokenRouter } from "./routers/token";
import { createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  audit: auditRouter,
  profile: profileRouter,
  token: tokenRouter,
});

export type AppRouter = typeof appRouter;
