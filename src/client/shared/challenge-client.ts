/**
 * The API client of the /2fa page (design §4.7): the app's own client, except that every request
 * to this app's API carries the challenge header. That covers our `twoFactor:*` calls and the
 * requests third-party verification forms make to their own endpoints through `useAPIClient()`.
 * The token is asked for at each request, so once the page is left or the challenge is over,
 * nothing more carries it; requests to any other host never do.
 */
import type { APIClient, AxiosLike, RequestConfig } from './host';
import { HEADER_CHALLENGE } from '../../constants';

// What axios treats as absolute (anything else goes after the base URL, "twoFactor:verify" too).
const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/** Whether a request for `url` goes to the app's own API (the host of its base URL). */
export function isOwnApi(url: string | undefined, baseURL: string | undefined, pageHref: string): boolean {
  if (!url || !ABSOLUTE.test(url)) return true;
  try {
    const base = new URL(baseURL || '/', pageHref);
    return new URL(url, base).origin === base.origin;
  } catch {
    return false;
  }
}

export interface ChallengeSource {
  /** The challenge token while it may be sent (on /2fa, with a live challenge); else null. */
  token(): string | null;
  /** The page's address, to resolve relative URLs. */
  pageHref(): string;
}

const NO_BODY = new Set(['get', 'delete', 'head', 'options']);
const WITH_BODY = new Set(['post', 'put', 'patch']);

/** `api` with the challenge header on its requests (and on those of its `axios`). */
export function challengeClient(api: APIClient, source: ChallengeSource): APIClient {
  const base = api.axios;
  const withHeader = (config: RequestConfig = {}): RequestConfig => {
    const token = source.token();
    if (!token || !isOwnApi(config.url, config.baseURL || base.defaults?.baseURL, source.pageHref())) return config;
    return { ...config, headers: { ...(config.headers || {}), [HEADER_CHALLENGE]: token } };
  };
  const axios = new Proxy(base as AxiosLike & ((...args: unknown[]) => unknown), {
    // axios(config) and axios(url, config)
    apply(target, _that, [first, second]: unknown[]) {
      const config = typeof first === 'string' ? { ...(second as RequestConfig), url: first } : (first as RequestConfig);
      return target.request(withHeader(config));
    },
    get(target, key, receiver) {
      if (key === 'request') return (config: RequestConfig) => target.request(withHeader(config));
      if (typeof key === 'string' && NO_BODY.has(key)) {
        return (url: string, config?: RequestConfig) => target.request(withHeader({ ...config, url, method: key }));
      }
      if (typeof key === 'string' && WITH_BODY.has(key)) {
        return (url: string, data?: unknown, config?: RequestConfig) => target.request(withHeader({ ...config, url, data, method: key }));
      }
      return Reflect.get(target, key, receiver);
    },
  });
  // Everything else (auth, storage, resource(), request()) is the app's client, reached through
  // the prototype; its request() sends through `this.axios`, which is the one above.
  return Object.create(api, { axios: { value: axios, enumerable: true } });
}
