/** Where the console opens when a sign-in names no page (or a page we will not go to). */
export const HOME_PATH = "/dashboard";

export const LOGIN_PATH = "/login";

/**
 * Request header through which proxy.ts hands the requested path (with its query) to server
 * components, which cannot read the URL themselves, so a session that turns out to be invalid
 * still sends the person back to the page they asked for after signing in.
 */
export const REQUESTED_PATH_HEADER = "x-console-requested-path";

const BASE = "http://console.invalid";

/**
 * A `?next=` value reduced to a path on this site: anything that would leave it (`https://…`,
 * `//host`, `/\host`, control characters) or loop back to the sign-in page gives HOME_PATH.
 */
export function safeNextPath(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) {
    return HOME_PATH;
  }
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return HOME_PATH;
  }
  // The URL parser drops tabs and newlines, so "/\t/evil.example" becomes a host; check after it.
  if (url.origin !== BASE || url.pathname === LOGIN_PATH || url.pathname === "/") return HOME_PATH;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The sign-in page, asked to come back to `path` afterwards. */
export function loginHref(path: string | null | undefined): string {
  const next = safeNextPath(path);
  return next === HOME_PATH ? LOGIN_PATH : `${LOGIN_PATH}?next=${encodeURIComponent(next)}`;
}
