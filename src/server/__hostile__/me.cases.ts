/** Hostile requests to `twoFactorMe:*`: a signed-in user's own 2FA, and everyone else trying to reach it. */
import { randomUUID } from 'node:crypto';
import { ERROR_CODES, RESOURCES } from '../../constants';
import { wrongCode } from '../../../test-support/totp.mjs';
import { ME_ACTIONS } from '../actions/me';
import type { HostileCase } from './harness';
import { Field, mutate } from './mutations';
import { Body, handJwt, Person, World } from './world';

const E = ERROR_CODES;
const ACTIONS = ME_ACTIONS;
type Action = (typeof ACTIONS)[number];

const PROOF: Record<string, Field> = {
  password: { type: 'string', optional: true },
  code: { type: 'string', optional: true },
  proofVerifier: { type: 'string', optional: true },
};

export function meCases(w: World): HostileCase[] {
  const cases: HostileCase[] = [];
  const path = (action: Action) => `/${RESOURCES.me}:${action}`;
  const as = (person: Person | null, action: Action, body: Body, headers: Record<string, string> = {}) =>
    w.raw({ path: path(action), body, headers: { ...(person ? w.bearer(person) : {}), ...headers } });

  const targets: Record<Action, { person: () => Person; body: () => Record<string, unknown>; fields: Record<string, Field> }> = {
    get: { person: () => w.alice, body: () => ({}), fields: {} },
    bindStart: {
      person: () => w.alice,
      body: () => ({ verifier: 'email', password: 'not-the-password' }),
      fields: { verifier: { type: 'string' }, uuid: { type: 'string', optional: true }, ...PROOF },
    },
    bind: { person: () => w.alice, body: () => ({ verifier: 'email', code: '123456' }), fields: { verifier: { type: 'string' }, code: { type: 'string' } } },
    unbind: { person: () => w.alice, body: () => ({ verifier: 'totp', password: 'not-the-password' }), fields: { verifier: { type: 'string' }, ...PROOF } },
    regenerateBackupCodes: { person: () => w.alice, body: () => ({ password: 'not-the-password' }), fields: PROOF },
    revokeDevice: { person: () => w.alice, body: () => ({ id: 999_999 }), fields: { id: { type: 'integer', min: 1 } } },
    revokeAllDevices: { person: () => w.alice, body: () => ({}), fields: {} },
    renameCredential: { person: () => w.alice, body: () => ({ id: 999_999, name: 'Key' }), fields: { id: { type: 'integer', min: 1 }, name: { type: 'string' } } },
    removeCredential: {
      person: () => w.alice,
      body: () => ({ id: 999_999, password: 'not-the-password' }),
      fields: { id: { type: 'integer', min: 1 }, ...PROOF },
    },
  };

  // 1. Generated bodies from a signed-in user.
  for (const action of ACTIONS) {
    const target = targets[action];
    for (const m of mutate(target.body(), target.fields)) {
      cases.push({ action: `twoFactorMe:${action}`, name: `body ${m.name}`, code: m.code, send: () => as(target.person(), action, m.body) });
    }
  }

  // 2. Without a valid session: nobody, a challenge, forged tokens.
  for (const action of ACTIONS) {
    const a = `twoFactorMe:${action}`;
    const body = (): Body => ({ json: targets[action].body() });
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}`, 'X-Authenticator': 'basic' });
    let challenge = '';
    cases.push(
      { action: a, name: 'no session', send: () => as(null, action, body()) },
      {
        action: a,
        name: 'a sign-in challenge as session',
        prepare: async () => {
          challenge = await w.challenge(w.alice);
        },
        send: () => as(null, action, body(), bearer(challenge)),
      },
      { action: a, name: 'garbage bearer', send: () => as(null, action, body(), bearer('abc.def.ghi')) },
      { action: a, name: 'alg:none session for alice', send: () => as(null, action, body(), bearer(handJwt({ userId: w.alice.id, temp: true, signInTime: Date.now() }, null))) },
      {
        action: a,
        name: 'session for alice signed with another key',
        send: () => as(null, action, body(), bearer(handJwt({ userId: w.alice.id, signInTime: Date.now(), jti: randomUUID() }, 'another-app-key'))),
      },
      { action: a, name: 'a password-reset token as session', send: () => as(null, action, body(), bearer(w.appSigned({ resetPasswordUserId: w.alice.id }))) },
    );
  }

  // 3. Signed in, aiming at what is not theirs or not allowed.
  const me = (person: () => Person, action: Action, name: string, json: () => Record<string, unknown>, code: string | string[], prepare?: () => Promise<void>): HostileCase => ({
    action: `twoFactorMe:${action}`,
    name,
    code,
    prepare,
    send: () => as(person(), action, { json: json() }),
  });
  const alice = () => w.alice;
  const erin = () => w.erin;
  const mallory = () => w.mallory;
  cases.push(
    me(alice, 'revokeDevice', "another user's device", () => ({ id: w.carolDeviceId }), E.BAD_REQUEST),
    me(alice, 'revokeDevice', "another user's device as a string", () => ({ id: String(w.carolDeviceId) }), E.BAD_REQUEST),
    me(alice, 'revokeDevice', 'device id as an array', () => ({ id: [w.carolDeviceId] }), E.BAD_REQUEST),
    me(alice, 'revokeDevice', 'device id as a filter', () => ({ id: { $gt: 0 } }), E.BAD_REQUEST),
    me(alice, 'bindStart', 'no proof', () => ({ verifier: 'email' }), E.REAUTH_REQUIRED),
    me(alice, 'bindStart', 'wrong password', () => ({ verifier: 'email', password: 'wrong' }), E.REAUTH_REQUIRED),
    me(alice, 'bindStart', "another user's TOTP code as proof", () => ({ verifier: 'email', code: w.totp(w.carol) }), E.REAUTH_REQUIRED),
    me(alice, 'bindStart', 'proof from a verifier not bound', () => ({ verifier: 'email', code: '123456', proofVerifier: 'email' }), E.REAUTH_REQUIRED),
    me(alice, 'bindStart', 'proof from an unknown verifier', () => ({ verifier: 'email', code: '123456', proofVerifier: 'nope' }), E.REAUTH_REQUIRED),
    me(alice, 'bindStart', 'wrong TOTP proof', () => ({ verifier: 'email', code: wrongCode(w.alice.secret as string) }), E.REAUTH_REQUIRED),
    me(alice, 'bindStart', 'a verifier already bound, with proof', () => ({ verifier: 'totp', password: w.password }), E.ALREADY_BOUND),
    me(alice, 'bindStart', 'a verifier not offered', () => ({ verifier: 'sms', password: w.password }), E.VERIFIER_NOT_ALLOWED),
    me(alice, 'bind', 'without bindStart', () => ({ verifier: 'email', code: '123456' }), E.BIND_EXPIRED),
    me(alice, 'bind', 'a verifier already bound', () => ({ verifier: 'totp', code: w.totp(w.alice) }), E.ALREADY_BOUND),
    me(alice, 'unbind', 'the last factor, with proof', () => ({ verifier: 'totp', password: w.password }), E.LAST_FACTOR),
    me(alice, 'unbind', 'without proof', () => ({ verifier: 'totp' }), E.REAUTH_REQUIRED),
    me(alice, 'unbind', 'with the proof of another user', () => ({ verifier: 'totp', code: w.totp(w.carol) }), E.REAUTH_REQUIRED),
    me(alice, 'unbind', 'a verifier not bound', () => ({ verifier: 'email', password: w.password }), E.NOT_BOUND),
    me(alice, 'unbind', 'a verifier that does not exist', () => ({ verifier: 'nope', password: w.password }), E.NOT_BOUND),
    me(alice, 'regenerateBackupCodes', 'without proof', () => ({}), E.REAUTH_REQUIRED),
    me(alice, 'regenerateBackupCodes', 'with a TOTP step already used', () => ({ code: w.totp(w.alice, 1) }), E.REAUTH_REQUIRED, async () => {
      // Spend the step with a real proof first (this regenerates alice's codes: keep the new set).
      const first = await as(w.alice, 'regenerateBackupCodes', { json: { code: w.totp(w.alice, 1) } });
      if (first.status !== 200) throw new Error(`setup proof failed: ${first.status} ${JSON.stringify(first.body)}`);
      w.alice.backupCodes = first.body.data.backupCodes;
    }),
    me(mallory, 'regenerateBackupCodes', 'with nothing bound', () => ({ password: w.password }), E.NOT_BOUND),
    me(mallory, 'unbind', "a verifier someone else bound", () => ({ verifier: 'totp', password: w.password }), E.NOT_BOUND),
    me(mallory, 'revokeDevice', "another user's device", () => ({ id: w.carolDeviceId }), E.BAD_REQUEST),
    me(alice, 'renameCredential', 'a security key that does not exist', () => ({ id: 999_999, name: 'Mine' }), E.BAD_REQUEST),
    me(alice, 'renameCredential', 'a name of control characters', () => ({ id: 1, name: '\u0007\u0008' }), E.BAD_REQUEST),
    me(alice, 'removeCredential', 'without proof', () => ({ id: 1 }), E.REAUTH_REQUIRED),
    me(alice, 'removeCredential', 'a security key that does not exist, with proof', () => ({ id: 999_999, password: w.password }), E.BAD_REQUEST),
    me(erin, 'bind', 'a wrong code after a proven bindStart', () => ({ verifier: 'totp', code: '000000' }), E.INVALID_CODE, async () => {
      const started = await as(w.erin, 'bindStart', { json: { verifier: 'totp', password: w.password } });
      if (started.status !== 200) throw new Error(`setup bindStart failed: ${started.status} ${JSON.stringify(started.body)}`);
    }),
    me(erin, 'bind', "someone else's code after a proven bindStart", () => ({ verifier: 'totp', code: w.totp(w.alice) }), E.INVALID_CODE),
    me(mallory, 'bind', "the verifier erin started", () => ({ verifier: 'totp', code: '000000' }), E.BIND_EXPIRED),
    me(alice, 'bindStart', 'locked out of proofs', () => ({ verifier: 'email', password: w.password }), E.LOCKED, async () => {
      for (let i = 0; i < 10; i++) await as(w.alice, 'regenerateBackupCodes', { json: { password: `wrong-${i}` } });
    }),
  );
  cases.push(
    { action: 'twoFactorMe:get', name: 'a role the user does not hold', expect: 'read', send: () => as(w.alice, 'get', { json: {} }, { 'X-Role': 'root' }) },
    { action: 'twoFactorMe:get', name: 'an authenticator that does not exist', expect: 'read', send: () => as(w.alice, 'get', { json: {} }, { 'X-Authenticator': 'nope' }) },
    { action: 'twoFactorMe:revokeAllDevices', name: "as GET with another user's id in the query", expect: 'read', send: () => w.raw({ method: 'get', path: path('revokeAllDevices'), query: `filterByTk=${w.carol.id}&userId=${w.carol.id}`, headers: w.bearer(w.mallory) }) },
  );
  return cases;
}
