import { jsonResponse } from "@cdp/api";

/**
 * Refuses a state-changing request a browser sent from another site. The session cookie is
 * SameSite=Lax, which already keeps it off cross-site POSTs in current browsers; this check does
 * not rely on that: `Sec-Fetch-Site` (sent by every current browser) or else `Origin` must name
 * the console itself. Requests without either come from non-browser clients, which cannot ride a
 * staff member's cookie.
 */
export function crossSiteRefusal(req: Request, consoleOrigin: string): Response | null {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return null;
  const site = req.headers.get("sec-fetch-site");
  const origin = req.headers.get("origin");
  const crossSite =
    site !== null
      ? site !== "same-origin" && site !== "none"
      : origin !== null && origin !== consoleOrigin;
  if (!crossSite) return null;
  return jsonResponse(403, {
    error: {
      code: "FORBIDDEN",
      message: "Refused: this request came from another site. Use the console itself.",
    },
  });
}
