import { getSessionCookie } from "better-auth/cookies";
import { NextResponse } from "next/server";
import type { NextRequest } from "next/server";

import { LOGIN_PATH, loginHref, REQUESTED_PATH_HEADER } from "@/lib/next-path";

/**
 * A cheap first gate: a page request without a session cookie goes straight to the sign-in page.
 * Whether the cookie is a live session is decided by the server layout and pages (requireStaff),
 * which read it from the database; this only saves them the work for the obvious case.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (pathname === LOGIN_PATH) return NextResponse.next();
  const requested = `${pathname}${search}`;
  if (!getSessionCookie(request)) {
    return NextResponse.redirect(new URL(loginHref(requested), request.url));
  }
  const headers = new Headers(request.headers);
  headers.set(REQUESTED_PATH_HEADER, requested);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  // API routes answer 401 themselves; static files and the icon need no session.
  matcher: ["/((?!api/|_next/static/|_next/image|favicon\\.ico).*)"],
};
