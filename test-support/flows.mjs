/**
 * The HTTP 2FA flow the app-level test scripts share (smoke, packaging, two instances): an admin
 * signs in and creates a member; the member's password step, TOTP binding and verify step. Each
 * step returns the raw replies, so a script checks what it is about and nothing is asserted twice.
 */
import { bearer, show } from './http.mjs';
import { ROOT_ACCOUNT } from './app.mjs';
import { totpClock } from './totp.mjs';

/** @typedef {import('./http.mjs').ApiClient} ApiClient */
/** @typedef {import('./http.mjs').Reply} Reply */

/** Root's session token; throws when root cannot sign in with the password alone. */
export async function signInRoot(/** @type {ApiClient} */ api) {
  const res = await api.signIn(ROOT_ACCOUNT.email, ROOT_ACCOUNT.password);
  if (!res.body?.data?.token) throw new Error(`root sign-in failed: ${show(res)}`);
  return /** @type {string} */ (res.body.data.token);
}

/**
 * Creates a user through the API as `rootToken`; throws unless it worked.
 * @param {ApiClient} api
 * @param {string} rootToken
 * @param {{ username: string, password: string, email?: string, roles?: string[] }} user
 */
export async function createUser(api, rootToken, { username, password, email = `${username}@example.com`, roles = ['member'] }) {
  const res = await api.post('users:create', { email, username, password, roles }, bearer(rootToken));
  if (res.status !== 200) throw new Error(`users:create ${username} failed: ${show(res)}`);
  return { username, email, password };
}

/** The password step: the reply and the challenge it carries (`{ token, stage, … }` or undefined). */
export async function passwordStep(/** @type {ApiClient} */ api, /** @type {string} */ account, /** @type {string} */ password) {
  const reply = await api.signIn(account, password);
  return { reply, challenge: reply.body?.data?.twoFactor };
}

/**
 * A required user without a factor binds TOTP: password step and bindStart on `api`, bind on
 * `finishOn` (another instance, say) with a code computed from the returned secret.
 * `nextCode()` then gives codes that never reuse a step.
 * @param {ApiClient} api
 * @param {string} account
 * @param {string} password
 * @param {{ finishOn?: ApiClient }} [options]
 */
export async function bindTotp(api, account, password, { finishOn = api } = {}) {
  const { reply: signIn, challenge } = await passwordStep(api, account, password);
  const start = await api.twoFactor('bindStart', challenge?.token, { verifier: 'totp' });
  /** @type {string} */
  const secret = start.body?.data?.secret;
  const nextCode = totpClock(secret || '');
  const bound = await finishOn.twoFactor('bind', challenge?.token, { verifier: 'totp', code: secret ? await nextCode() : '000000' });
  return {
    signIn,
    challenge,
    start,
    secret,
    bound,
    /** @type {string | undefined} */
    session: bound.body?.data?.token,
    /** @type {string[]} */
    backupCodes: bound.body?.data?.backupCodes || [],
    nextCode,
  };
}

/**
 * A bound user signs in again and verifies with `values` (`{ verifier, code }` or `{ backupCode }`).
 * @param {ApiClient} api
 * @param {string} account
 * @param {string} password
 * @param {Record<string, unknown>} values
 */
export async function verifyStep(api, account, password, values) {
  const { reply: signIn, challenge } = await passwordStep(api, account, password);
  const verified = await api.twoFactor('verify', challenge?.token, values);
  return { signIn, challenge, verified, session: /** @type {string | undefined} */ (verified.body?.data?.token) };
}
