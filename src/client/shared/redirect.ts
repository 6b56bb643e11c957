/**
 * Where the browser may go after signing in (design §14): only a path of this app under `base`,
 * resolved against the page's origin. Anything else (another host, another scheme, a path the
 * URL parser would turn into one) gives `fallback`.
 */

// Tabs and newlines are stripped by the URL parser, and a backslash counts as a slash: either can
// turn "/x" into "//host". Other control characters have no place in a path either.
const UNSAFE = /[\\\u0000-\u001f\u007f]/;

/** The path decoded until it stops changing (a few rounds), or null if it can't be decoded. */
function decodedPath(path: string): string | null {
  let current = path;
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

function resolve(redirect: unknown, origin: string, base: string): string | null {
  if (typeof redirect !== 'string' || !redirect.startsWith('/') || UNSAFE.test(redirect)) return null;
  const path = redirect.split(/[?#]/)[0];
  const decoded = decodedPath(path);
  // Decoded, the path must still be a plain path: no "//host", "/\host", "/%09/host" in disguise.
  if (decoded === null || UNSAFE.test(decoded) || decoded.startsWith('//')) return null;
  let url: URL;
  try {
    // `redirect` is a path of the app: "/admin" under base "/nocobase/" is "/nocobase/admin".
    // "./" keeps a first segment such as "x:" from reading as a scheme.
    url = new URL(`./${redirect.slice(1)}`, new URL(base, origin));
  } catch {
    return null;
  }
  if (url.origin !== new URL(origin).origin || !url.pathname.startsWith(base)) return null;
  return url.pathname + url.search + url.hash;
}

/**
 * The same-origin path (with search and hash) that `redirect` stands for under `base`, or that of
 * `fallback` when `redirect` is missing or leads anywhere else. `origin` is the page's origin;
 * `base` the path everything must stay under, ending in "/" (the app's public path, or a part of
 * the app such as "/v/").
 */
export function safeRedirect(redirect: unknown, origin: string, base: string, fallback: string): string {
  const root = base.endsWith('/') ? base : `${base}/`;
  return resolve(redirect, origin, root) ?? resolve(fallback, origin, root) ?? root;
}

/** A path returned by `safeRedirect` as the app's router sees it: "/nocobase/admin" → "/admin". */
export function appPath(path: string, base: string): string {
  const root = base.endsWith('/') ? base : `${base}/`;
  return path.startsWith(root) ? `/${path.slice(root.length)}` : path;
}

/** Where a signed-in user goes when the sign-in page named no (acceptable) place. */
export const AFTER_SIGN_IN = '/admin';
