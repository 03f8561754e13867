import { auditRouter } from "./routers/audit";
import { consentRouter } from "./routers/consent";
import { privacyRouter } from "./routers/privacy";
import { profileRouter } from "./routers/profile";
import { tokenRouter } from "./routers/token";
import { userRouter } from "./routers/user";
import { createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  audit: auditRouter,
  consent: consentRouter,
  privacy: privacyRouter,
  profile: profileRouter,
  token: tokenRouter,
  user: userRouter,
});

export type AppRouter = typeof appRouter;
