/**
 * The JSON HTTP client of the test scripts, the browser tests and the benchmarks: one NocoBase
 * app's API over real HTTP (node:http, so the benchmarks can hold a fixed number of keep-alive
 * sockets, as a browser or a reverse proxy would).
 */
import http from 'node:http';

/**
 * @typedef {object} Reply
 * @property {number} status
 * @property {any} body the parsed JSON, or the text when it is not JSON (null when empty)
 * @property {string} text
 * @property {http.IncomingHttpHeaders} headers
 * @property {string[]} cookies the `Set-Cookie` headers
 */

/** @typedef {Record<string, string | string[] | undefined>} Headers */

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

/** `Authorization: Bearer` for a session token, with the authenticator NocoBase wants beside it. */
export const bearer = (/** @type {string | undefined} */ token) => ({ Authorization: `Bearer ${token}`, 'X-Authenticator': 'basic' });

/** The error code of a `{ errors: [{ code }] }` reply. */
export const errorCode = (/** @type {Reply} */ reply) => reply.body?.errors?.[0]?.code;

/** Status and the start of the body, for a failed check's detail. */
export const show = (/** @type {Reply} */ reply) => `${reply.status} ${reply.text.slice(0, 300)}`;

/** The value of cookie `name` in a reply's `Set-Cookie` headers. */
export const cookieOf = (/** @type {Reply} */ reply, /** @type {string} */ name) =>
  reply.cookies.map((c) => c.match(new RegExp(`^${name}=([^;]*)`))?.[1]).find((v) => v !== undefined);

/** Headers without the ones whose value is undefined (node:http refuses those). */
const definedOnly = (/** @type {Headers} */ headers) =>
  /** @type {Record<string, string | string[]>} */ (Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)));

/**
 * A client for `<base>/<action>`, e.g. `apiClient('http://127.0.0.1:13000/api')`.
 * `keepAlive` holds up to `sockets` connections open (the benchmarks); otherwise every request
 * opens its own, which survives the app restarting between requests.
 * @param {string} base
 * @param {{ name?: string, keepAlive?: boolean, sockets?: number, password?: string }} [options]
 */
export function apiClient(base, { name = '', keepAlive = false, sockets = 1, password } = {}) {
  const url = new URL(base);
  const prefix = url.pathname.replace(/\/$/, '');
  const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: sockets }) : undefined;

  /**
   * @param {'GET' | 'POST'} method
   * @param {string} action `resource:action`, query string allowed
   * @param {unknown} [body] sent as JSON when given
   * @param {Headers} [headers]
   * @returns {Promise<Reply>}
   */
  const request = (method, action, body, headers = {}) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path: `${prefix}/${action.replace(/^\//, '')}`,
          agent,
          headers: definedOnly({
            accept: 'application/json',
            'user-agent': BROWSER_UA,
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
            ...headers,
          }),
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed = text || null;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              // not JSON: keep the text
            }
            const setCookie = res.headers['set-cookie'];
            resolve({ status: res.statusCode || 0, body: parsed, text, headers: res.headers, cookies: setCookie ? [].concat(setCookie) : [] });
          });
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  };
  /** @type {(action: string, body?: unknown, headers?: Headers) => Promise<Reply>} */
  const post = (action, body = {}, headers) => request('POST', action, body, headers);
  return {
    name,
    base,
    request,
    post,
    /** @type {(action: string, headers?: Headers) => Promise<Reply>} */
    get: (action, headers) => request('GET', action, undefined, headers),
    /** The password step (`auth:signIn` with the basic authenticator). */
    signIn: (/** @type {string} */ account, pass = password, /** @type {Headers} */ headers = {}) =>
      post('auth:signIn', { account, password: pass }, { 'X-Authenticator': 'basic', ...headers }),
    /** `auth:check` with a session token. */
    check: (/** @type {string} */ token) => request('GET', 'auth:check', undefined, bearer(token)),
    /** `twoFactor:<action>` under a challenge token. */
    twoFactor: (/** @type {string} */ action, /** @type {string | undefined} */ challenge, /** @type {unknown} */ values = {}) =>
      post(`twoFactor:${action}`, values, { 'X-Two-Factor-Token': challenge }),
    /** Closes kept-alive sockets. */
    destroy: () => agent?.destroy(),
  };
}

/** @typedef {ReturnType<typeof apiClient>} ApiClient */
