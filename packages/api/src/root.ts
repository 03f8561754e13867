import { auditRouter } from "./routers/audit";
import { consentRouter } from "./routers/consent";
import { mappingRouter } from "./routers/mapping";
import { privacyRouter } from "./routers/privacy";
import { profileRouter } from "./routers/profile";
import { segmentRouter } from "./routers/segment";
import { statsRouter } from "./routers/stats";
import { tokenRouter } from "./routers/token";
import { userRouter } from "./routers/user";
import { viewRouter } from "./routers/view";
import { createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  audit: auditRouter,
  consent: consentRouter,
  mapping: mappingRouter,
  privacy: privacyRouter,
  profile: profileRouter,
  segment: segmentRouter,
  stats: statsRouter,
  token: tokenRouter,
  user: userRouter,
  view: viewRouter,
});

export type AppRouter = typeof appRouter;
