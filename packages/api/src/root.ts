import { profileRouter } from "./routers/profile";
import { tokenRouter } from "./routers/token";
import { createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  profile: profileRouter,
  token: tokenRouter,
});

export type AppRouter = typeof appRouter;
