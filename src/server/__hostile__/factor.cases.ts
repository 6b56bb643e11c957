/** Hostile requests to `twoFactor:*` with a live challenge of the right stage and the wrong factor. */
import { ERROR_CODES, HEADER_CHALLENGE, RESOURCES } from '../../constants';
import { advanceClock, restoreClock, setSettings } from '../../../test-support/mock-app';
import { wrongCode } from '../../../test-support/totp.mjs';
import type { HostileCase } from './harness';
import type { Body, World } from './world';

const E = ERROR_CODES;

type Action = 'bindStart' | 'bind' | 'verify' | 'sendCode' | 'skip';

export function factorCases(w: World): HostileCase[] {
  const cases: HostileCase[] = [];
  const send = (action: Action, token: string, body: Body) =>
    w.raw({ path: `/${RESOURCES.twoFactor}:${action}`, body, headers: { [HEADER_CHALLENGE]: token } });

  const aliceToken = async () => (await w.challenge(w.alice)) as string;
  let t = '';
  const verify = (name: string, json: () => Record<string, unknown>, code: string | string[], prepare?: () => Promise<void>): HostileCase => ({
    action: 'twoFactor:verify',
    name,
    code,
    prepare: async () => {
      t = await aliceToken();
      await prepare?.();
    },
    send: () => send('verify', t, { json: json() }),
  });
  const usedBackup = { code: '' };
  cases.push(
    verify('wrong TOTP code', () => ({ verifier: 'totp', code: wrongCode(w.alice.secret as string) }), E.INVALID_CODE),
    verify("another user's current TOTP code", () => ({ verifier: 'totp', code: w.totp(w.carol) }), E.INVALID_CODE),
    verify('a code three steps ahead', () => ({ verifier: 'totp', code: w.totp(w.alice, 3) }), E.INVALID_CODE),
    verify('a code three steps old', () => ({ verifier: 'totp', code: w.totp(w.alice, -3) }), E.INVALID_CODE),
    verify('current code with an extra digit', () => ({ verifier: 'totp', code: `${w.totp(w.alice)}0` }), E.INVALID_CODE),
    verify('current code minus a digit', () => ({ verifier: 'totp', code: w.totp(w.alice).slice(1) }), E.INVALID_CODE),
    verify('current code in full-width digits', () => ({ verifier: 'totp', code: w.totp(w.alice).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))) }), E.INVALID_CODE),
    verify("another user's backup code", () => ({ backupCode: w.carol.backupCodes[0] }), E.INVALID_CODE),
    verify('a backup code already used', () => ({ backupCode: usedBackup.code }), E.CODE_REUSED, async () => {
      usedBackup.code = w.alice.backupCodes.shift() as string;
      const first = await send('verify', t, { json: { backupCode: usedBackup.code } });
      if (first.status !== 200) throw new Error(`setup backup code failed: ${first.status}`);
      t = await aliceToken();
    }),
    verify('backup code and TOTP code together', () => ({ backupCode: w.alice.backupCodes[0], code: w.totp(w.alice) }), E.BAD_REQUEST),
    verify('backup code with a verifier', () => ({ backupCode: w.alice.backupCodes[0], verifier: 'totp' }), E.BAD_REQUEST),
    verify('verifier without code', () => ({ verifier: 'totp' }), E.BAD_REQUEST),
    verify('code without verifier', () => ({ code: w.totp(w.alice) }), E.BAD_REQUEST),
    verify('nothing but trustDevice', () => ({ trustDevice: true }), E.BAD_REQUEST),
    verify('empty body', () => ({}), E.BAD_REQUEST),
    verify('a verifier the user has not bound', () => ({ verifier: 'email', code: '123456' }), E.NOT_BOUND),
    verify('a verifier that does not exist', () => ({ verifier: 'nope', code: '123456' }), E.VERIFIER_NOT_ALLOWED),
    verify('a verifier that is not offered', () => ({ verifier: 'sms', code: '123456' }), E.VERIFIER_NOT_ALLOWED),
    verify('backup code with wrong characters', () => ({ backupCode: 'IIIII-OOOOO' }), E.INVALID_CODE),
    verify('backup code of SQL', () => ({ backupCode: "' OR usedAt IS NULL --" }), E.INVALID_CODE),
    verify('valid code while locked out', () => ({ verifier: 'totp', code: w.totp(w.alice) }), E.LOCKED, async () => {
      for (let i = 0; i < 10; i++) {
        if (i === 5) t = await aliceToken();
        await send('verify', t, { json: { verifier: 'totp', code: wrongCode(w.alice.secret as string) } });
      }
      t = await aliceToken();
    }),
  );
  // A TOTP step that was accepted once is refused afterwards (dora signs in once for real first).
  let doraCode = '';
  cases.push({
    action: 'twoFactor:verify',
    name: 'a TOTP code already accepted',
    code: E.CODE_REUSED,
    prepare: async () => {
      doraCode = w.totp(w.dora, 1);
      const first = await send('verify', await w.challenge(w.dora), { json: { verifier: 'totp', code: doraCode } });
      if (first.status !== 200) throw new Error(`setup verify failed: ${first.status} ${JSON.stringify(first.body)}`);
      t = await w.challenge(w.dora);
    },
    send: () => send('verify', t, { json: { verifier: 'totp', code: doraCode } }),
  });
  cases.push({
    action: 'twoFactor:verify',
    name: 'an older step than the last accepted one',
    code: [E.CODE_REUSED, E.INVALID_CODE],
    prepare: async () => {
      t = await w.challenge(w.dora);
    },
    send: () => send('verify', t, { json: { verifier: 'totp', code: w.totp(w.dora, 0) } }),
  });
  // Email OTP.
  cases.push(
    {
      action: 'twoFactor:verify',
      name: 'wrong email code',
      code: E.INVALID_CODE,
      prepare: async () => {
        t = await w.challenge(w.erin);
      },
      send: () => send('verify', t, { json: { verifier: 'email', code: '000000' } }),
    },
    {
      action: 'twoFactor:sendCode',
      name: 'resend before the interval',
      code: E.THROTTLED,
      prepare: async () => {
        t = await w.challenge(w.erin);
        const first = await send('sendCode', t, { json: { verifier: 'email' } });
        if (first.status !== 200) throw new Error(`setup sendCode failed: ${first.status} ${JSON.stringify(first.body)}`);
      },
      send: () => send('sendCode', t, { json: { verifier: 'email' } }),
    },
    {
      action: 'twoFactor:sendCode',
      name: 'to a TOTP verifier',
      code: E.VERIFIER_NOT_ALLOWED,
      prepare: async () => {
        t = await aliceToken();
      },
      send: () => send('sendCode', t, { json: { verifier: 'totp' } }),
    },
    {
      action: 'twoFactor:sendCode',
      name: 'to an unbound email verifier',
      code: E.NOT_BOUND,
      prepare: async () => {
        t = await aliceToken();
      },
      send: () => send('sendCode', t, { json: { verifier: 'email' } }),
    },
  );
  // Bind stage.
  const bobToken = async () => (await w.challenge(w.bob)) as string;
  const bindCase = (action: Action, name: string, json: () => Record<string, unknown>, code: string | string[], prepare?: () => Promise<void>): HostileCase => ({
    action: `twoFactor:${action}`,
    name,
    code,
    prepare: async () => {
      t = await bobToken();
      await prepare?.();
    },
    send: () => send(action, t, { json: json() }),
  });
  const startTotp = async () => void (await send('bindStart', t, { json: { verifier: 'totp' } }));
  cases.push(
    bindCase('bind', 'without bindStart', () => ({ verifier: 'totp', code: '123456' }), E.BIND_EXPIRED),
    bindCase('bind', "someone else's current code", () => ({ verifier: 'totp', code: w.totp(w.alice) }), E.INVALID_CODE, startTotp),
    bindCase('bind', 'another verifier than the one started', () => ({ verifier: 'email', code: '123456' }), [E.BIND_EXPIRED, E.INVALID_CODE], startTotp),
    bindCase('bind', 'an unknown verifier', () => ({ verifier: 'nope', code: '123456' }), E.VERIFIER_NOT_ALLOWED, startTotp),
    bindCase('bindStart', 'an unknown verifier', () => ({ verifier: 'nope' }), E.VERIFIER_NOT_ALLOWED),
    bindCase('bindStart', 'a verifier that is not offered', () => ({ verifier: 'sms' }), E.VERIFIER_NOT_ALLOWED),
    bindCase('bindStart', 'an email receiver that is no address', () => ({ verifier: 'email', uuid: 'not-an-address' }), E.BAD_REQUEST),
    bindCase('bindStart', 'an email receiver with a header injection', () => ({ verifier: 'email', uuid: 'a@example.com\r\nBcc: x@evil.example' }), E.BAD_REQUEST),
    bindCase('skip', 'without a grace period', () => ({}), E.SKIP_NOT_ALLOWED),
    {
      action: 'twoFactor:skip',
      name: 'after the grace period ended',
      code: E.SKIP_NOT_ALLOWED,
      prepare: async () => {
        await setSettings(w.app, { gracePeriodDays: 1 });
        advanceClock(2 * 86400);
        t = await bobToken();
      },
      send: () => send('skip', t, { json: {} }),
      cleanup: async () => {
        restoreClock();
        await setSettings(w.app, { gracePeriodDays: 0 });
      },
    },
    {
      action: 'twoFactor:bindStart',
      name: 'while locked out',
      code: E.LOCKED,
      prepare: async () => {
        for (let i = 0; i < 10; i++) {
          if (i % 5 === 0) {
            t = await bobToken();
            await startTotp();
          }
          await send('bind', t, { json: { verifier: 'totp', code: '000000' } });
        }
        t = await bobToken();
      },
      send: () => send('bindStart', t, { json: { verifier: 'totp' } }),
    },
  );
  return cases;
}
