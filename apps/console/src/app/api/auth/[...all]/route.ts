import { getAuth } from "@/server/auth";

export const dynamic = "force-dynamic";

/** better-auth's endpoints: sign-in, sign-out, session. */
async function handler(req: Request): Promise<Response> {
  return (await getAuth()).handler(req);
}

export { handler as GET, handler as POST };
