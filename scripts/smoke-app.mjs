#!/usr/bin/env node
/**
 * `npm run test:app`: boots the real app the way `npm start` does (in .e2e/app, on a free port),
 * runs the 2FA sign-in flow over HTTP, restarts it on the same data, and checks the flow again.
 * Ends with a plain `N passed, N failed` line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { totp } from '../e2e/support.mjs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let passed = 0;
let failed = 0;
function check(label, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? '✔' : '✖'} ${label}${ok || !detail ? '' : ` — ${detail}`}`);
}

const freePort = () =>
  new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });


async function boot(port, reset) {
  const child = spawn(process.execPath, [path.join(root, 'scripts/dev-app.mjs')], {
    cwd: root,
    env: { ...process.env, APP_PORT: String(port), APP_DIR: '.e2e/app', RESET: reset ? '1' : '', LOGGER_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('NocoBase is running')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`dev app exited (${code}):\n${out.slice(-2000)}`)));
  });
  return child;
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** A local SMTP server that keeps what it receives. */
async function startSmtp() {
  const mails = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 100,
    onAuth: (_a, _s, cb) => cb(null, { user: 'smoke' }),
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (d) => (raw += d));
      stream.on('end', () => (mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), raw }), cb()));
    },
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  /** The code of the nth code mail to `to` (security notices go to the same inbox). */
  const codeFor = async (to, nth) => {
    for (let i = 0; i < 100; i++) {
      const codes = mails
        .filter((m) => m.to === to)
        .map((m) => m.raw.replace(/=\r?\n/g, '').match(/verification code is (\d{6})/)?.[1])
        .filter(Boolean);
      if (codes[nth - 1]) return codes[nth - 1];
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  };
  return { port: server.server.address().port, codeFor, close: () => new Promise((r) => server.close(r)) };
}

/** Waits until the app answers again (after a restart or a command). */
async function waitHealthy(base) {
  await new Promise((r) => setTimeout(r, 1000));
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(`${base}/__health_check`).then(async (r) => r.ok && (await r.text()).trim() === 'ok', () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function main() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}/api`;
  const post = (action, body, headers = {}) =>
    fetch(`${base}/${action}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const signIn = (account, password) => post('auth:signIn', { account, password }, { 'X-Authenticator': 'basic' });

  let app = await boot(port, true);
  let secret;
  let backupCodes = [];
  try {
    const rootRes = await (await signIn('admin@nocobase.com', 'admin123')).json();
    const admin = { Authorization: `Bearer ${rootRes.data?.token}` };
    check('root signs in normally before enforcement', typeof rootRes.data?.token === 'string');
    const settings = await (await fetch(`${base}/twoFactorSettings:get`, { headers: admin })).json();
    check('settings row installed with defaults', settings.data?.enforceForAll === false && settings.data?.verifiers?.[0] === 'totp');
    const listTypes = await (await fetch(`${base}/verifiers:listTypes`, { headers: admin })).json();
    check('totp is a verification type of plugin-verification', listTypes.data?.some((t) => t.name === 'totp'));
    const bad = await post('twoFactorSettings:update', { enforceForAll: 'true' }, admin);
    check('a string for a boolean is a 400', bad.status === 400 && (await bad.json()).errors?.[0]?.code === 'TWO_FACTOR_BAD_REQUEST');
    const on = await post('twoFactorSettings:update', { enforceForAll: true }, admin);
    check('enforce 2FA for all users', on.status === 200);
    const created = await post('users:create', { email: 'smoke@example.com', username: 'smoke', password: 'Smoke-pass-123', roles: ['member'] }, admin);
    check('create a member', created.status === 200);

    const first = await signIn('smoke@example.com', 'Smoke-pass-123');
    const firstBody = await first.json();
    const challenge = firstBody.data?.twoFactor;
    check('password sign-in answers a bind challenge', firstBody.data?.code === 302 && challenge?.stage === 'bind');
    check('…with no token and no auth cookie', !firstBody.data?.token && !(first.headers.get('set-cookie') || '').includes('nb_auth_token'));
    const h = { 'X-Two-Factor-Token': challenge.token };
    const asBearer = await fetch(`${base}/auth:check`, { headers: { Authorization: `Bearer ${challenge.token}` } });
    check('the challenge is not an API token', asBearer.status === 401);
    const start = await (await post('twoFactor:bindStart', { verifier: 'totp' }, h)).json();
    secret = start.data?.secret;
    check('bindStart gives secret, otpauth URI and QR PNG', /^[A-Z2-7]{32}$/.test(secret) && start.data?.otpauthUri?.startsWith('otpauth://totp/') && start.data?.qrCode?.startsWith('data:image/png;base64,'));
    const bound = await post('twoFactor:bind', { verifier: 'totp', code: totp(secret) }, h);
    const boundBody = await bound.json();
    check('bind with a correct code signs in', bound.status === 200 && typeof boundBody.data?.token === 'string', JSON.stringify(boundBody));
    check('…and hands out 10 backup codes once', boundBody.data?.backupCodes?.length === 10);
    backupCodes = boundBody.data?.backupCodes || [];
    const me = await fetch(`${base}/auth:check`, { headers: { Authorization: `Bearer ${boundBody.data?.token}` } });
    check('the session works on auth:check', (await me.json()).data?.email === 'smoke@example.com');

    // Email OTP against a local SMTP server, configured as an admin would: enable the email
    // channel plugin (a restart), add a channel and a verifier, offer it.
    const enabled = await fetch(`${base}/pm:enable?filterByTk=notification-email`, { method: 'POST', headers: admin });
    await waitHealthy(base);
    check('enable the "Notification: Email" plugin', enabled.status === 200);
    const smtp = await startSmtp();
    try {
      const channel = await post('notificationChannels:create', {
        name: 'smtp',
        title: 'Local SMTP',
        notificationType: 'email',
        options: { host: '127.0.0.1', port: smtp.port, secure: false, account: 'smoke', password: 'x', from: 'security@example.com' },
      }, admin);
      const verifier = await post('verifiers:create', { name: 'email', title: 'Email', verificationType: 'email-otp', options: { channel: 'smtp' } }, admin);
      const offered = await post('twoFactorSettings:update', { verifiers: ['totp', 'email'] }, admin);
      check('an admin sets up an email channel, an Email OTP verifier and offers it', channel.status === 200 && verifier.status === 200 && offered.status === 200);
      await post('users:create', { email: 'mailer@example.com', username: 'mailer', password: 'Mailer-pass-123', roles: ['member'] }, admin);
      const mc = (await (await signIn('mailer', 'Mailer-pass-123')).json()).data?.twoFactor;
      const mh = { 'X-Two-Factor-Token': mc?.token };
      const started = await (await post('twoFactor:bindStart', { verifier: 'email' }, mh)).json();
      check('bindStart mails a code to the account address', started.data?.uuid === 'm***@example.com', JSON.stringify(started) + JSON.stringify(mc));
      const bindCode = await smtp.codeFor('mailer@example.com', 1);
      const mailBound = await post('twoFactor:bind', { verifier: 'email', code: bindCode }, mh);
      check('the mailed code binds the address and signs in', mailBound.status === 200);
      const vc = (await (await signIn('mailer', 'Mailer-pass-123')).json()).data?.twoFactor;
      const vh = { 'X-Two-Factor-Token': vc?.token };
      const sent = await post('twoFactor:sendCode', { verifier: 'email' }, vh);
      const tooSoon = await (await post('twoFactor:sendCode', { verifier: 'email' }, vh)).json();
      check('sendCode mails a code; asking again at once is throttled', sent.status === 200 && tooSoon.errors?.[0]?.code === 'TWO_FACTOR_THROTTLED');
      const mailVerified = await post('twoFactor:verify', { verifier: 'email', code: await smtp.codeFor('mailer@example.com', 2) }, vh);
      check('the mailed code signs in', mailVerified.status === 200);
    } finally {
      await smtp.close();
    }
  } finally {
    await stop(app);
  }

  // Second boot on the same data: upgrade + enable path, the secret still decrypts.
  app = await boot(port, false);
  try {
    const challengeFor = async () => (await (await signIn('smoke', 'Smoke-pass-123')).json()).data?.twoFactor;
    const again = await challengeFor();
    check('after a restart the user gets a verify challenge', again?.stage === 'verify');
    // The next step's code is always later than the one used to bind, and inside the drift window.
    const code = totp(secret, 1);
    const ok = await post('twoFactor:verify', { verifier: 'totp', code }, { 'X-Two-Factor-Token': again?.token });
    const okBody = await ok.json();
    check('verify with a fresh code signs in (the secret survived the restart)', ok.status === 200 && typeof okBody.data?.token === 'string', JSON.stringify(okBody));
    const replay = await (await post('twoFactor:verify', { verifier: 'totp', code }, { 'X-Two-Factor-Token': (await challengeFor())?.token })).json();
    check('the same code on a new challenge is refused', replay.errors?.[0]?.code === 'TWO_FACTOR_CODE_REUSED', JSON.stringify(replay));

    const withBackup = await post('twoFactor:verify', { backupCode: backupCodes[0], trustDevice: true }, { 'X-Two-Factor-Token': (await challengeFor())?.token });
    const cookie = (withBackup.headers.get('set-cookie') || '').match(/nb_2fa_device_main=([^;]+)/)?.[1];
    check('a backup code signs in, and "trust this device" sets the device cookie', withBackup.status === 200 && !!cookie);
    const again2 = await (await post('twoFactor:verify', { backupCode: backupCodes[0] }, { 'X-Two-Factor-Token': (await challengeFor())?.token })).json();
    check('the same backup code is refused the second time', again2.errors?.[0]?.code === 'TWO_FACTOR_INVALID_CODE');
    const trusted = await post('auth:signIn', { account: 'smoke', password: 'Smoke-pass-123' }, { 'X-Authenticator': 'basic', Cookie: `nb_2fa_device_main=${cookie}` });
    check('the trusted device signs in with the password alone', typeof (await trusted.json()).data?.token === 'string');

    const cli = spawnSync(path.join(root, 'node_modules/.bin/nocobase'), ['two-factor:reset', 'smoke'], {
      cwd: path.join(root, '.e2e/app'),
      env: { ...process.env, PATH: `${path.join(root, 'node_modules/.bin')}${path.delimiter}${process.env.PATH}`, APP_PORT: String(port), LOGGER_LEVEL: 'error' },
      encoding: 'utf8',
    });
    check('`nocobase two-factor:reset smoke` resets the user', cli.status === 0 && /reset for user/.test(cli.stdout), cli.stdout + cli.stderr);
    // A command run beside a running app goes through it (gateway IPC); let it settle.
    await waitHealthy(base);
    const afterReset = await challengeFor();
    check('…whose next sign-in binds again', afterReset?.stage === 'bind');
  } finally {
    await stop(app);
  }
}

try {
  await main();
} catch (err) {
  failed++;
  console.error(err);
}
console.log(`\napp smoke: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
