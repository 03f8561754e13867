import { getSessionCookie } from "better-auth/cookies";
import { NextResponse } from "next/server";
import type { NextRequest } from "next/server";

import { env } from "@/env";
import { contentSecurityPolicy, NONCE_HEADER } from "@/lib/security-headers";
import { LOGIN_PATH, loginHref, REQUESTED_PATH_HEADER } from "@/lib/next-path";

/**
 * Every page answer gets a Content-Security-Policy with a fresh nonce (Next puts it on its own
 * scripts; the layout hands it to next-themes' inline script). Then a cheap first gate: a page
 * request without a session cookie goes straight to the sign-in page. Whether the cookie is a live
 * session is decided by the server layout and pages (requireStaff), which read it from the
 * database; this only saves them the work for the obvious case.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  const requested = `${pathname}${search}`;
  if (pathname !== LOGIN_PATH && !getSessionCookie(request)) {
    return NextResponse.redirect(new URL(loginHref(requested), request.url));
  }
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const policy = contentSecurityPolicy(nonce, env.NODE_ENV !== "production");
  const headers = new Headers(request.headers);
  headers.set(REQUESTED_PATH_HEADER, requested);
  headers.set(NONCE_HEADER, nonce);
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  return response;
}

export const config = {
  // API routes answer 401 themselves; static files and the icon need no session.
  matcher: ["/((?!api/|_next/static/|_next/image|favicon\\.ico).*)"],
};
