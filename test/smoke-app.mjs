#!/usr/bin/env node
/**
 * `npm run test:app`: boots the real app the way `npm start` does (in .e2e/app, on a free port),
 * runs the 2FA sign-in flow over HTTP, restarts it on the same data (upgrade + enable), and checks
 * the flow again, the CLI reset included. Ends with a plain `N passed, N failed` line.
 */
import { logTail, testApp } from '../test-support/app.mjs';
import { runChecks } from '../test-support/checks.mjs';
import { bindTotp, createUser, passwordStep, signInRoot, verifyStep } from '../test-support/flows.mjs';
import { bearer, cookieOf, errorCode, show } from '../test-support/http.mjs';
import { startSmtp } from '../test-support/smtp.mjs';

const DEVICE_COOKIE = 'nb_2fa_device_main';
const app = await testApp({ name: 'app' });
const { api } = app;

await runChecks(
  'app smoke',
  async (check) => {
    await app.install(true);
    await app.start();
    const rootToken = await signInRoot(api);
    const admin = bearer(rootToken);
    check('root signs in normally before enforcement', true);
    const settings = await api.get('twoFactorSettings:get', admin);
    check('settings row installed with defaults', settings.body?.data?.enforceForAll === false && settings.body?.data?.verifiers?.[0] === 'totp', show(settings));
    const listTypes = await api.get('verifiers:listTypes', admin);
    check('totp is a verification type of plugin-verification', listTypes.body?.data?.some((t) => t.name === 'totp'), show(listTypes));
    const bad = await api.post('twoFactorSettings:update', { enforceForAll: 'true' }, admin);
    check('a string for a boolean is a 400', bad.status === 400 && errorCode(bad) === 'TWO_FACTOR_BAD_REQUEST', show(bad));
    const on = await api.post('twoFactorSettings:update', { enforceForAll: true }, admin);
    check('enforce 2FA for all users', on.status === 200, show(on));
    const smoke = await createUser(api, rootToken, { username: 'smoke', password: 'Smoke-pass-123' });
    check('create a member', true);

    const bind = await bindTotp(api, smoke.email, smoke.password);
    check('password sign-in answers a bind challenge', bind.signIn.body?.data?.code === 302 && bind.challenge?.stage === 'bind', show(bind.signIn));
    check('…with no token and no auth cookie', !bind.signIn.body?.data?.token && !bind.signIn.cookies.some((c) => c.includes('nb_auth_token')));
    const asBearer = await api.get('auth:check', { Authorization: `Bearer ${bind.challenge?.token}` });
    check('the challenge is not an API token', asBearer.status === 401, show(asBearer));
    check(
      'bindStart gives secret, otpauth URI and QR PNG',
      /^[A-Z2-7]{32}$/.test(bind.secret) && bind.start.body?.data?.otpauthUri?.startsWith('otpauth://totp/') && bind.start.body?.data?.qrCode?.startsWith('data:image/png;base64,'),
      show(bind.start),
    );
    check('bind with a correct code signs in', bind.bound.status === 200 && typeof bind.session === 'string', show(bind.bound));
    check('…and hands out 10 backup codes once', bind.backupCodes.length === 10);
    const me = await api.check(bind.session);
    check('the session works on auth:check', me.body?.data?.email === smoke.email, show(me));

    // Email OTP against a local SMTP server, configured as an admin would: enable the email
    // channel plugin (a restart), add a channel and a verifier, offer it.
    const enabled = await api.post('pm:enable?filterByTk=notification-email', undefined, admin);
    await app.waitHealthy();
    check('enable the "Notification: Email" plugin', enabled.status === 200, show(enabled));
    const smtp = await startSmtp();
    try {
      const channel = await api.post(
        'notificationChannels:create',
        {
          name: 'smtp',
          title: 'Local SMTP',
          notificationType: 'email',
          options: { host: '127.0.0.1', port: smtp.port, secure: false, account: 'smoke', password: 'x', from: 'security@example.com' },
        },
        admin,
      );
      const verifier = await api.post('verifiers:create', { name: 'email', title: 'Email', verificationType: 'email-otp', options: { channel: 'smtp' } }, admin);
      const offered = await api.post('twoFactorSettings:update', { verifiers: ['totp', 'email'] }, admin);
      check('an admin sets up an email channel, an Email OTP verifier and offers it', channel.status === 200 && verifier.status === 200 && offered.status === 200);
      const mailer = await createUser(api, rootToken, { username: 'mailer', password: 'Mailer-pass-123' });
      const { challenge: mc } = await passwordStep(api, 'mailer', mailer.password);
      const started = await api.twoFactor('bindStart', mc?.token, { verifier: 'email' });
      check('bindStart mails a code to the account address', started.body?.data?.uuid === 'm***@example.com', show(started));
      const mailBound = await api.twoFactor('bind', mc?.token, { verifier: 'email', code: await smtp.codeFor(mailer.email, 1) });
      check('the mailed code binds the address and signs in', mailBound.status === 200, show(mailBound));
      const { challenge: vc } = await passwordStep(api, 'mailer', mailer.password);
      const sent = await api.twoFactor('sendCode', vc?.token, { verifier: 'email' });
      const tooSoon = await api.twoFactor('sendCode', vc?.token, { verifier: 'email' });
      check('sendCode mails a code; asking again at once is throttled', sent.status === 200 && errorCode(tooSoon) === 'TWO_FACTOR_THROTTLED', show(tooSoon));
      const mailVerified = await api.twoFactor('verify', vc?.token, { verifier: 'email', code: await smtp.codeFor(mailer.email, 2) });
      check('the mailed code signs in', mailVerified.status === 200, show(mailVerified));
    } finally {
      await smtp.close();
    }
    await app.stop();

    // Second boot on the same data: upgrade + enable path, the secret still decrypts.
    await app.install(false);
    await app.start();
    // The clock hands out a later step than the one used to bind, inside the drift window.
    const code = await bind.nextCode();
    const again = await verifyStep(api, 'smoke', smoke.password, { verifier: 'totp', code });
    check('after a restart the user gets a verify challenge', again.challenge?.stage === 'verify', show(again.signIn));
    check('verify with a fresh code signs in (the secret survived the restart)', again.verified.status === 200 && typeof again.session === 'string', show(again.verified));
    const reused = await verifyStep(api, 'smoke', smoke.password, { verifier: 'totp', code });
    check('the same code on a new challenge is refused', errorCode(reused.verified) === 'TWO_FACTOR_CODE_REUSED', show(reused.verified));

    const withBackup = await verifyStep(api, 'smoke', smoke.password, { backupCode: bind.backupCodes[0], trustDevice: true });
    const cookie = cookieOf(withBackup.verified, DEVICE_COOKIE);
    check('a backup code signs in, and "trust this device" sets the device cookie', withBackup.verified.status === 200 && !!cookie, show(withBackup.verified));
    const again2 = await verifyStep(api, 'smoke', smoke.password, { backupCode: bind.backupCodes[0] });
    check(
      'the same backup code is refused the second time, as a used one',
      errorCode(again2.verified) === 'TWO_FACTOR_CODE_REUSED' && again2.verified.body?.errors?.[0]?.reason === 'backup_code_used',
      show(again2.verified),
    );
    const trusted = await api.signIn('smoke', smoke.password, { Cookie: `${DEVICE_COOKIE}=${cookie}` });
    check('the trusted device signs in with the password alone', typeof trusted.body?.data?.token === 'string', show(trusted));

    let reset = '';
    try {
      await app.cli(['two-factor:reset', 'smoke']);
      reset = logTail(app.log, 30);
    } catch (err) {
      reset = err.message;
    }
    check('`nocobase two-factor:reset smoke` resets the user', /reset for user/.test(reset), reset);
    // A command run beside a running app goes through it (gateway IPC); let it settle.
    await app.waitHealthy();
    const afterReset = await passwordStep(api, 'smoke', smoke.password);
    check('…whose next sign-in binds again', afterReset.challenge?.stage === 'bind', show(afterReset.reply));
  },
  { cleanup: () => app.stop() },
);
