import { MockServer } from '@nocobase/test';
import { COLLECTIONS, RESOURCES } from '../../constants';
import { describeBrowser } from '../../shared/user-agent';
import { describeNetwork } from '../notices';
import { createMailChannel, startSmtp } from './smtp';
import { advanceClock, call, createApp, createUser, destroyApp, enrol, errorCode, restoreClock, rfcTotp, rootAgent, setSettings, signIn, wrongCode } from './helpers';

describe('notices to users', () => {
  let app: MockServer;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let mails: string[] = [];
  let user: any;
  let secret: string;
  let backupCodes: string[];

  const inApp = async () =>
    (await app.db.getRepository('notificationInAppMessages').find({ filter: { userId: user.get('id') }, sort: ['createdAt'] })).map((m: any) => ({
      title: m.get('title'),
      content: m.get('content'),
    }));

  beforeEach(async () => {
    smtp = await startSmtp();
    app = await createApp({ extraPlugins: ['notification-manager', 'notification-in-app-message', 'notification-email'] });
    const channels = app.db.getRepository('notificationChannels');
    await channels.create({ values: { name: 'inbox', title: 'Inbox', notificationType: 'in-app-message', options: {} } });
    await createMailChannel(app, smtp.port);
    await setSettings(app, { enforceForAll: true, lockoutThreshold: 3, maxAttemptsPerChallenge: 5 });
    user = await createUser(app);
    const enrolled = await enrol(app, user);
    secret = enrolled.secret;
    backupCodes = enrolled.session.backupCodes;
  });
  afterEach(async () => {
    restoreClock();
    await destroyApp(app);
    await smtp.close();
  });

  it('tell the user in-app and by email about each security event, with no code in any message', async () => {
    // Factor added (at enrolment).
    expect((await inApp()).map((m) => m.title)).toEqual(['A verification method was added to your account']);

    // A backup code used, with the count left.
    await call(app, 'verify', (await signIn(app, user.get('email'))).body.data.twoFactor.token, { backupCode: backupCodes[0] });
    // A lockout.
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    for (let i = 0; i < 3; i++) await call(app, 'verify', token, { verifier: 'totp', code: wrongCode(secret) });
    // A sign-in from another browser and network.
    advanceClock(16 * 60);
    const other = await app
      .agent()
      .post('/auth:signIn')
      .set('X-Authenticator', 'basic')
      .set('User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36')
      .send({ account: user.get('email'), password: 'Secret-pass-123' });
    const fromWindows = await call(app, 'verify', other.body.data.twoFactor.token, { verifier: 'totp', code: rfcTotp(secret) }).set(
      'User-Agent',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36',
    );
    expect(fromWindows.status).toBe(200);
    // Factor removed, then an admin reset.
    const agent = await app.agent().login(user);
    await setSettings(app, { enforceForAll: false });
    advanceClock(61);
    expect((await agent.post(`/${RESOURCES.me}:unbind`).send({ verifier: 'totp', password: 'Secret-pass-123' })).status).toBe(200);
    const root = await rootAgent(app);
    await root.post(`/${RESOURCES.users}:reset`).send({ userId: user.get('id') });

    const messages = await inApp();
    // The clock is frozen in this test, so several messages share a timestamp: compare as sets.
    expect(messages.map((m) => m.title).sort()).toEqual([
      'A verification method was added to your account',
      'A backup code was used to sign in',
      'Someone entered your password and a wrong verification code',
      'Too many failed verification attempts',
      'New sign-in to your account',
      'A verification method was removed from your account',
      'Your two-factor authentication was reset',
    ].sort());
    const content = (title: string) => messages.find((m) => m.title === title)?.content;
    expect(content('A backup code was used to sign in')).toContain('9 backup codes are left');
    expect(content('New sign-in to your account')).toContain('Chrome on Windows');
    expect(await app.db.getRepository(COLLECTIONS.events).count({ filter: { type: 'new_device_sign_in' } })).toBe(1);

    for (let i = 0; i < 50 && smtp.inbox.length < messages.length; i++) await new Promise((r) => setTimeout(r, 50));
    mails = smtp.inbox.map((m) => m.raw);
    expect(mails).toHaveLength(messages.length);
    expect(mails.every((m) => m.includes(user.get('email')))).toBe(true);
    const everything = JSON.stringify(messages) + mails.join('\n');
    expect(everything).not.toContain(secret);
    for (const c of backupCodes) expect(everything).not.toContain(c);
    expect(everything).not.toMatch(/\b\d{6}\b/);
  });

  it('tell the user at the first wrong code of a sign-in, once a day, with no code in it', async () => {
    const wrong = wrongCode(secret);
    const t1 = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    expect(errorCode(await call(app, 'verify', t1, { verifier: 'totp', code: wrong }))).toBe('TWO_FACTOR_INVALID_CODE');
    expect(errorCode(await call(app, 'verify', t1, { verifier: 'totp', code: wrong }))).toBe('TWO_FACTOR_INVALID_CODE');
    const t2 = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    expect((await call(app, 'verify', t2, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) })).status).toBe(200);
    const t3 = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    expect(errorCode(await call(app, 'verify', t3, { verifier: 'totp', code: wrong }))).toBe('TWO_FACTOR_INVALID_CODE');
    // Wrong proofs of a signed-in user are not about the password: no notice.
    const agent = await app.agent().login(user);
    await agent.post(`/${RESOURCES.me}:regenerateBackupCodes`).send({ password: 'wrong' });

    const notices = (await inApp()).filter((m) => m.title === 'Someone entered your password and a wrong verification code');
    expect(notices).toHaveLength(1);
    expect(notices[0].content).toContain('If this was not you');
    expect(notices[0].content).not.toContain(wrong);
    // Unfolded headers, quoted-printable soft breaks removed.
    const text = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/\r?\n[ \t]+/g, ' ');
    const isNotice = (raw: string) => text(raw).includes('a wrong verification code');
    for (let i = 0; i < 50 && !smtp.inbox.some((m) => isNotice(m.raw)); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    const mail = smtp.inbox.filter((m) => isNotice(m.raw));
    expect(mail).toHaveLength(1);
    expect(mail[0].raw).not.toContain(wrong);
  });

  it('do not call the same browser and network a new device', async () => {
    for (let i = 1; i <= 2; i++) {
      advanceClock(61);
      const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
      expect((await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret) })).status).toBe(200);
    }
    expect((await inApp()).map((m) => m.title)).not.toContain('New sign-in to your account');
  });

  it('keep a known device in its one row, its sign-ins in the audit trail', async () => {
    advanceClock(61);
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    expect((await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret) })).status).toBe(200);
    const seen = await app.db.getRepository(COLLECTIONS.seenDevices).find({ filter: { userId: user.get('id') } });
    expect(seen).toHaveLength(1);
    // Not written again at each sign-in (one statement less per verify, design §12): the audit
    // trail has when and from where.
    expect(new Date(seen[0].get('updatedAt')).getTime()).toBe(new Date(seen[0].get('createdAt')).getTime());
    const verified = await app.db.getRepository(COLLECTIONS.events).find({ filter: { userId: user.get('id'), type: 'verified' }, sort: ['-createdAt'] });
    expect(verified.length).toBeGreaterThanOrEqual(1);
    expect(verified[0].get('ip')).toBeTruthy();
    expect(new Date(verified[0].get('createdAt')).getTime() - new Date(seen[0].get('createdAt')).getTime()).toBeGreaterThanOrEqual(60_000);
  });

  it('describe browsers and networks roughly', () => {
    expect(describeBrowser('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15')).toBe('Safari on macOS');
    expect(describeBrowser('Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0')).toBe('Firefox on Linux');
    expect(describeBrowser('')).toBe('an unknown browser');
    expect(describeNetwork('203.0.113.77')).toBe('203.0.113.0/24');
    expect(describeNetwork('::ffff:10.1.2.3')).toBe('10.1.2.0/24');
    expect(describeNetwork('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
  });

  it('never block a request when no channel works', async () => {
    await app.db.getRepository('notificationChannels').destroy({ filter: { name: { $in: ['inbox', 'mail'] } } });
    expect(errorCode(await call(app, 'verify', (await signIn(app, user.get('email'))).body.data.twoFactor.token, { backupCode: 'zzzzz-zzzzz' }))).toBe(
      'TWO_FACTOR_INVALID_CODE',
    );
    const ok = await call(app, 'verify', (await signIn(app, user.get('email'))).body.data.twoFactor.token, { backupCode: backupCodes[1] });
    expect(ok.status).toBe(200);
  });
});
