/** The request header carrying this response's CSP nonce from the proxy to the layout. */
export const NONCE_HEADER = "x-nonce";

/**
 * The pages' policy: scripts only with this response's nonce (and what they load, through
 * 'strict-dynamic'); everything else from the console itself. Styles allow inline attributes
 * because the UI primitives position popovers with `style=`. Development adds 'unsafe-eval' for
 * React's debugging tools.
 */
export function contentSecurityPolicy(nonce: string, development: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Sent with every console answer, pages and API alike (next.config.ts). */
export const STATIC_SECURITY_HEADERS: { key: string; value: string }[] = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  // Browsers ignore it over plain http (local use); behind https it pins the console to https.
  { key: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" },
];
