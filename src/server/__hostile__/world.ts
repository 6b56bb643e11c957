/**
 * The app the hostile suite attacks: a real NocoBase server with 2FA enforced for everyone, TOTP
 * and email OTP offered (mail through a real local SMTP server), and users in every state.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { MockServer } from '@nocobase/test';
import { ACL_SNIPPET, COLLECTIONS, HEADER_CHALLENGE, RESOURCES } from '../../constants';
import PluginTwoFactorAuthServer from '../plugin';
import { createApp, createMailChannel, createUser, destroyApp, enrol, PASSWORD, setSettings, signIn } from '../../../test-support/mock-app';
import { startSmtp } from '../../../test-support/smtp.mjs';
import { rfcTotp } from '../../../test-support/totp.mjs';
import type { HostileResponse } from './harness';

export interface Person {
  user: any;
  id: number;
  email: string;
  /** A real session token (Bearer), or null. */
  session: string | null;
  secret?: string;
  backupCodes: string[];
}

/** A request as the suite sends it: JSON, raw text with a content type, or nothing. */
export type Body = { json: unknown } | { raw: string; type: string; headers?: Record<string, string> } | { none: true };

export interface RequestSpec {
  method?: 'get' | 'post';
  path: string;
  body?: Body;
  headers?: Record<string, string | string[]>;
  query?: string;
}

const base64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** An HS256 JWT signed with `secret` (or unsigned with `alg: none`), written by hand. */
export function handJwt(payload: Record<string, unknown>, secret: string | null) {
  const header = base64url(JSON.stringify({ alg: secret === null ? 'none' : 'HS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify(payload));
  const signature = secret === null ? '' : createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${signature}`;
}

export class World {
  smtpClose!: () => Promise<void>;
  alice!: Person; // TOTP bound, verify stage, signed in once
  bob!: Person; // required, nothing bound: bind stage
  carol!: Person; // TOTP bound, one trusted device
  erin!: Person; // email OTP bound
  dora!: Person; // TOTP bound: for attacks whose setup spends a step or changes the password
  ben!: Person; // nothing bound: the same for the bind stage
  mallory!: Person; // a member with a session and no admin rights
  officer!: Person; // holds the 2FA admin snippet
  root!: Person;
  carolDeviceId!: number;
  carolDeviceCookie!: string;

  readonly password = PASSWORD;

  private constructor(readonly app: MockServer) {}

  static async create(): Promise<World> {
    const smtp = await startSmtp();
    const app = await createApp({ extraPlugins: ['notification-manager', 'notification-email'] });
    const world = new World(app);
    world.smtpClose = () => smtp.close();
    await createMailChannel(app, smtp.port);
    await app.db.getRepository('verifiers').create({
      values: { name: 'email', title: 'Email', verificationType: 'email-otp', options: { channel: 'mail' } },
    });
    // An SMS verifier exists but is not offered.
    await app.db.getRepository('verifiers').create({ values: { name: 'sms', title: 'SMS', verificationType: 'sms-otp', options: {} } });
    await setSettings(app, { enforceForAll: true, verifiers: ['totp', 'email'] });
    await world.people(smtp);
    return world;
  }

  get plugin(): PluginTwoFactorAuthServer {
    return this.app.pm.get(PluginTwoFactorAuthServer) as PluginTwoFactorAuthServer;
  }

  private async person(user: any, extra: Partial<Person> = {}): Promise<Person> {
    return { user, id: user.get('id'), email: user.get('email'), session: null, backupCodes: [], ...extra };
  }

  private async people(smtp: { codeFor: (to: string) => Promise<string | null> }) {
    const app = this.app;
    const rootUser = await app.db.getRepository('users').findOne({ filter: { email: process.env.INIT_ROOT_EMAIL || 'admin@nocobase.com' } });
    this.root = await this.person(rootUser);

    for (const key of ['alice', 'carol', 'dora'] as const) {
      const user = await createUser(app);
      const { secret, session } = await enrol(app, user);
      this[key] = await this.person(user, { secret, session: session.token, backupCodes: session.backupCodes });
    }
    for (const key of ['bob', 'ben'] as const) {
      this[key] = await this.person(await createUser(app));
      await signIn(app, this[key].email); // starts the grace clock: later sign-ins change nothing
    }
    // A second password authenticator, to be disabled under a live challenge.
    await app.db.getRepository('authenticators').create({
      values: { name: 'basic2', authType: 'Email/Password', enabled: true, options: { public: { allowSignUp: false } } },
    });

    // Carol trusts her device (with a backup code, so no TOTP step is spent).
    const token = (await signIn(app, this.carol.email)).body.data.twoFactor.token;
    const trusted = await this.raw({
      path: `/${RESOURCES.twoFactor}:verify`,
      headers: { [HEADER_CHALLENGE]: token },
      body: { json: { backupCode: this.carol.backupCodes.shift(), trustDevice: true } },
    });
    const cookie = ((trusted.headers['set-cookie'] as string[]) || []).find((c) => c.startsWith('nb_2fa_device_'));
    if (trusted.status !== 200 || !cookie) throw new Error(`carol could not trust her device: ${trusted.status}`);
    this.carolDeviceCookie = cookie.split(';')[0];
    const device: any = await app.db.getRepository(COLLECTIONS.trustedDevices).findOne({ filter: { userId: this.carol.id } });
    this.carolDeviceId = device.get('id');

    // Erin binds email OTP with a code read from the real inbox.
    const erin = await createUser(app);
    const erinToken = (await signIn(app, erin.get('email'))).body.data.twoFactor.token;
    const start = await this.raw({ path: `/${RESOURCES.twoFactor}:bindStart`, headers: { [HEADER_CHALLENGE]: erinToken }, body: { json: { verifier: 'email' } } });
    if (start.status !== 200) throw new Error(`erin bindStart: ${start.status} ${JSON.stringify(start.body)}`);
    const code = await smtp.codeFor(erin.get('email'));
    if (!code) throw new Error(`no code mailed to ${erin.get('email')}`);
    const bound = await this.raw({ path: `/${RESOURCES.twoFactor}:bind`, headers: { [HEADER_CHALLENGE]: erinToken }, body: { json: { verifier: 'email', code } } });
    if (bound.status !== 200) throw new Error(`erin bind: ${bound.status} ${JSON.stringify(bound.body)}`);
    this.erin = await this.person(erin, { session: bound.body.data.token, backupCodes: bound.body.data.backupCodes });

    const mallory = await createUser(app);
    this.mallory = await this.person(mallory, { session: await this.tokenFor(mallory) });

    await app.db.getRepository('roles').create({ values: { name: 'security', snippets: [ACL_SNIPPET] } });
    const officer = await createUser(app, ['security']);
    this.officer = await this.person(officer, { session: await this.tokenFor(officer) });
    this.root.session = await this.tokenFor(rootUser);
  }

  /** A session for `user` made the way NocoBase's test agent makes one (token controller + app JWT), bypassing sign-in. */
  private async tokenFor(user: any): Promise<string> {
    const { tokenController, jwt } = this.app.authManager;
    const info = await tokenController.add({ userId: user.get('id') });
    const expiresIn = (await tokenController.getConfig()).tokenExpirationTime;
    return jwt.sign({ userId: user.get('id'), temp: true, signInTime: Date.now() }, { jwtid: info.jti, expiresIn });
  }

  /** Sends one request over HTTP to the app, with a fresh agent (no cookies carried over). */
  raw(spec: RequestSpec): Promise<HostileResponse> {
    const agent: any = this.app.agent();
    const path = spec.query ? `${spec.path}?${spec.query}` : spec.path;
    let req = spec.method === 'get' ? agent.get(path) : agent.post(path);
    for (const [k, v] of Object.entries(spec.headers || {})) req = req.set(k, v);
    const body = spec.body;
    if (body && 'json' in body) {
      req = req.set('Content-Type', 'application/json').send(JSON.stringify(body.json));
    } else if (body && 'raw' in body) {
      req = req.set('Content-Type', body.type);
      for (const [k, v] of Object.entries(body.headers || {})) req = req.set(k, v);
      req = req.send(body.raw);
    }
    return req.then(
      (res: any) => res,
      (err: any) => {
        // supertest rejects only on transport failures; HTTP errors resolve.
        if (err?.response) return err.response;
        throw err;
      },
    );
  }

  bearer(person: Person): Record<string, string> {
    if (!person.session) throw new Error('no session');
    return { Authorization: `Bearer ${person.session}`, 'X-Authenticator': 'basic' };
  }

  /** A new live challenge for `person` (a real password sign-in). */
  async challenge(person: Person, authenticator = 'basic'): Promise<string> {
    const res = await this.app.agent().post('/auth:signIn').set('X-Authenticator', authenticator).send({ account: person.email, password: PASSWORD });
    const token = res.body?.data?.twoFactor?.token;
    if (!token) throw new Error(`no challenge for ${person.email}: ${res.status} ${JSON.stringify(res.body)}`);
    return token;
  }

  totp(person: Person, stepOffset = 0) {
    return rfcTotp(person.secret as string, { stepOffset });
  }

  /** The claims of a real challenge token (its `jti` names a live row). */
  static decode(token: string): Record<string, any> {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  }

  /** Claims of a challenge as the app would sign them, to forge variants with. */
  claims(person: Person, overrides: Record<string, unknown> = {}) {
    return { twoFactorUserId: person.id, authenticator: 'basic', stage: 'verify', purpose: 'open2fa-challenge', ...overrides };
  }

  appSigned(payload: Record<string, unknown>, options: { expiresIn?: number; jwtid?: string } = {}) {
    return this.app.authManager.jwt.sign(payload, { expiresIn: options.expiresIn ?? 300, jwtid: options.jwtid ?? randomUUID() });
  }

  /** Forget failure counters and lockouts (not business data). */
  async resetCounters() {
    for (const p of [this.alice, this.bob, this.ben, this.carol, this.dora, this.erin, this.mallory, this.officer, this.root]) {
      if (p) await this.plugin.services.attempts.clear(p.id);
    }
  }

  async destroy() {
    await destroyApp(this.app);
    await this.smtpClose();
  }
}

