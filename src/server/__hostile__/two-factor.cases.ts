/** Hostile requests to `twoFactor:*`, the public sign-in step. */
import { randomUUID } from 'node:crypto';
import { ERROR_CODES, HEADER_CHALLENGE, RESOURCES } from '../../constants';
import { advanceClock, restoreClock, setSettings } from '../../../test-support/mock-app';
import { wrongCode } from '../../../test-support/totp.mjs';
import type { HostileCase } from './harness';
import { Field, mutate } from './mutations';
import { Body, handJwt, Person, World } from './world';

const E = ERROR_CODES;

type Action = 'getChallenge' | 'bindStart' | 'bind' | 'verify' | 'sendCode' | 'verifyStart' | 'skip';

export function twoFactorCases(w: World): HostileCase[] {
  const cases: HostileCase[] = [];
  const path = (action: Action) => `/${RESOURCES.twoFactor}:${action}`;
  const send = (action: Action, token: string | string[] | null, body: Body, headers: Record<string, string> = {}) =>
    w.raw({ path: path(action), body, headers: token === null ? headers : { ...headers, [HEADER_CHALLENGE]: token } });

  /** Who each action is tried as, and a body that would be valid. */
  const targets: Record<Action, { person: () => Person; body: () => Record<string, unknown>; fields: Record<string, Field>; before?: (token: string) => Promise<void> }> = {
    getChallenge: { person: () => w.alice, body: () => ({}), fields: {} },
    bindStart: {
      person: () => w.bob,
      body: () => ({ verifier: 'email', uuid: 'bob.new@example.com' }),
      fields: { verifier: { type: 'string' }, uuid: { type: 'string', optional: true } },
    },
    bind: {
      person: () => w.bob,
      body: () => ({ verifier: 'totp', code: '123456', trustDevice: false }),
      fields: { verifier: { type: 'string' }, code: { type: 'string' }, uuid: { type: 'string', optional: true }, trustDevice: { type: 'boolean', optional: true } },
      // A pending TOTP secret, so codes really get checked.
      before: async (token) => void (await send('bindStart', token, { json: { verifier: 'totp' } })),
    },
    verify: {
      person: () => w.alice,
      body: () => ({ verifier: 'totp', code: wrongCode(w.alice.secret as string), trustDevice: true }),
      fields: {
        verifier: { type: 'string', optional: true },
        code: { type: 'string', optional: true },
        backupCode: { type: 'string', optional: true },
        trustDevice: { type: 'boolean', optional: true },
      },
    },
    sendCode: { person: () => w.erin, body: () => ({ verifier: 'email' }), fields: { verifier: { type: 'string' } } },
    // Only a verifier the browser answers (WebAuthn) has something to start; TOTP is refused.
    verifyStart: { person: () => w.alice, body: () => ({ verifier: 'totp' }), fields: { verifier: { type: 'string' } } },
    skip: { person: () => w.bob, body: () => ({}), fields: {} },
  };

  // 1. Generated bodies, each with a fresh live challenge of the right stage.
  for (const [action, target] of Object.entries(targets) as [Action, (typeof targets)[Action]][]) {
    let token = '';
    for (const m of mutate(target.body(), target.fields)) {
      cases.push({
        action: `twoFactor:${action}`,
        name: `body ${m.name}`,
        code: m.code,
        prepare: async () => {
          token = await w.challenge(target.person());
          await target.before?.(token);
        },
        send: () => send(action, token, m.body),
      });
    }
  }

  // 2. Forged, foreign, expired, used, dead and misplaced challenges, with bodies that would pass.
  const validBody: Record<Action, () => Record<string, unknown>> = {
    getChallenge: () => ({}),
    bindStart: () => ({ verifier: 'totp' }),
    bind: () => ({ verifier: 'totp', code: '123456' }),
    verify: () => ({ verifier: 'totp', code: w.totp(w.alice) }),
    sendCode: () => ({ verifier: 'email' }),
    verifyStart: () => ({ verifier: 'totp' }),
    skip: () => ({}),
  };
  const stageOf = (action: Action) => (['bindStart', 'bind', 'skip'].includes(action) ? 'bind' : 'verify');
  const personOf = (action: Action) => targets[action].person();
  const disposable = (action: Action) => (stageOf(action) === 'bind' ? w.ben : w.dora);

  for (const action of Object.keys(targets) as Action[]) {
    const a = `twoFactor:${action}`;
    const body = (): Body => ({ json: validBody[action]() });
    let live = '';
    const withLive = (
      name: string,
      token: (claims: Record<string, any>) => string | string[],
      code: string | string[] = E.CHALLENGE_INVALID,
      headers: Record<string, string> = {},
    ): HostileCase => ({
      action: a,
      name,
      code,
      prepare: async () => {
        live = await w.challenge(personOf(action));
      },
      send: () => send(action, token(World.decode(live)), body(), headers),
    });
    const jti = (c: Record<string, any>) => ({ jwtid: c.jti });
    const strip = ({ iat: _i, exp: _e, jti: _j, ...rest }: Record<string, any>) => rest;

    cases.push(
      { action: a, name: 'no challenge header', code: E.CHALLENGE_REQUIRED, send: () => send(action, null, body()) },
      { action: a, name: 'empty challenge header', code: E.CHALLENGE_REQUIRED, send: () => send(action, '', body()) },
      { action: a, name: 'challenge "null"', code: E.CHALLENGE_INVALID, send: () => send(action, 'null', body()) },
      { action: a, name: 'garbage challenge', code: E.CHALLENGE_INVALID, send: () => send(action, 'abc.def.ghi', body()) },
      { action: a, name: '5000-character challenge', code: E.CHALLENGE_INVALID, send: () => send(action, 'a'.repeat(5000), body()) },
      { action: a, name: 'unicode challenge', code: E.CHALLENGE_INVALID, send: () => send(action, encodeURIComponent('тест😀'), body()) },
      withLive('alg:none copy of a live challenge', (c) => handJwt(c, null)),
      withLive('live claims signed with another key', (c) => handJwt(c, 'another-app-key')),
      withLive('live claims plus userId, app-signed', (c) => w.appSigned({ ...strip(c), userId: c.twoFactorUserId }, jti(c))),
      withLive('app-signed claims, unknown jti', (c) => w.appSigned(strip(c), { jwtid: randomUUID() })),
      withLive("another user's id on a live jti", (c) => w.appSigned({ ...strip(c), twoFactorUserId: w.carol.id }, jti(c))),
      withLive('live claims without purpose', (c) => w.appSigned({ ...strip(c), purpose: undefined }, jti(c))),
      withLive('other stage claimed on a live jti', (c) => w.appSigned({ ...strip(c), stage: c.stage === 'bind' ? 'verify' : 'bind' }, jti(c))),
      withLive('other authenticator claimed on a live jti', (c) => w.appSigned({ ...strip(c), authenticator: 'basic2' }, jti(c))),
      withLive('twoFactorUserId as an object', (c) => w.appSigned({ ...strip(c), twoFactorUserId: { $ne: null } }, jti(c))),
      withLive('"Bearer " before a live challenge', () => `Bearer ${live}`),
      withLive('live challenge twice in one header', () => [live, live]),
      withLive('live challenge with a trailing dot', () => `${live}.`),
      withLive('live challenge from a foreign Origin', () => live, E.UNTRUSTED_ORIGIN, { Origin: 'https://evil.example' }),
      withLive('live challenge with a foreign Referer', () => live, E.UNTRUSTED_ORIGIN, { Referer: 'https://evil.example/login' }),
    );
    // Core trusts X-Forwarded-Host (a browser cannot set it): such a request is judged on its factor alone.
    cases.push({
      action: a,
      name: 'foreign Origin claimed as the forwarded host, wrong factor',
      prepare: async () => {
        live = await w.challenge(personOf(action));
      },
      send: () =>
        send(action, live, action === 'verify' ? { json: { verifier: 'totp', code: wrongCode(w.alice.secret as string) } } : { json: { ...validBody[action](), evil: 1 } }, {
          Origin: 'https://evil.example',
          'X-Forwarded-Host': 'evil.example',
          'X-Forwarded-Proto': 'https',
        }),
    });

    cases.push(
      {
        action: a,
        name: 'a real session token as challenge',
        code: E.CHALLENGE_INVALID,
        send: () => send(action, w.alice.session as string, body()),
      },
      {
        action: a,
        name: 'a password-reset token as challenge',
        code: E.CHALLENGE_INVALID,
        send: () => send(action, w.appSigned({ resetPasswordUserId: personOf(action).id }), body()),
      },
      {
        action: a,
        name: 'expired challenge',
        code: E.CHALLENGE_INVALID,
        prepare: async () => {
          live = await w.challenge(personOf(action));
          advanceClock(301);
        },
        send: () => send(action, live, body()),
        cleanup: async () => restoreClock(),
      },
      {
        action: a,
        name: 'challenge killed by wrong codes',
        code: E.CHALLENGE_INVALID,
        prepare: async () => {
          live = await w.challenge(personOf(action));
          const stage = stageOf(action);
          if (stage === 'bind') await send('bindStart', live, { json: { verifier: 'totp' } });
          const verifier = stage === 'verify' && personOf(action) === w.erin ? 'email' : 'totp';
          const code = verifier === 'totp' && stage === 'verify' ? wrongCode(personOf(action).secret as string) : '000000';
          for (let i = 0; i < 5; i++) await send(stage === 'bind' ? 'bind' : 'verify', live, { json: { verifier, code } });
          await w.resetCounters();
        },
        send: () => send(action, live, body()),
      },
      {
        action: a,
        name: 'challenge after a password change',
        code: E.CHALLENGE_INVALID,
        prepare: async () => {
          live = await w.challenge(disposable(action));
          await w.app.db.getRepository('users').update({ filterByTk: disposable(action).id, values: { password: `Changed-${randomUUID()}` } });
        },
        send: () => send(action, live, action === 'verify' ? { json: { verifier: 'totp', code: w.totp(w.dora) } } : body()),
        cleanup: async () => {
          await w.app.db.getRepository('users').update({ filterByTk: disposable(action).id, values: { password: w.password } });
        },
      },
      {
        action: a,
        name: 'challenge of a disabled authenticator',
        code: E.CHALLENGE_INVALID,
        prepare: async () => {
          live = await w.challenge(disposable(action), 'basic2');
          await w.app.db.getRepository('authenticators').update({ filter: { name: 'basic2' }, values: { enabled: false } });
        },
        send: () => send(action, live, action === 'verify' ? { json: { verifier: 'totp', code: w.totp(w.dora) } } : body()),
        cleanup: async () => {
          await w.app.db.getRepository('authenticators').update({ filter: { name: 'basic2' }, values: { enabled: true } });
        },
      },
    );
    if (action !== 'getChallenge') {
      cases.push({
        action: a,
        name: 'a real challenge of the other stage',
        code: E.CHALLENGE_INVALID,
        prepare: async () => {
          live = await w.challenge(stageOf(action) === 'bind' ? w.alice : w.bob);
        },
        send: () => send(action, live, body()),
      });
    }
    cases.push({
      action: a,
      name: 'a challenge already used',
      code: E.CHALLENGE_INVALID,
      prepare: async () => {
        const person = personOf(action);
        live = await w.challenge(person);
        if (stageOf(action) === 'bind') {
          await setSettings(w.app, { gracePeriodDays: 7 });
          const skipped = await send('skip', live, { json: {} });
          await setSettings(w.app, { gracePeriodDays: 0 });
          if (skipped.status !== 200) throw new Error(`setup skip failed: ${skipped.status}`);
        } else {
          const used = await send('verify', live, { json: { backupCode: person.backupCodes.shift() } });
          if (used.status !== 200) throw new Error(`setup verify failed: ${used.status}`);
        }
      },
      send: () => send(action, live, body()),
    });
  }

  return cases;
}
