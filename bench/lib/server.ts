/**
 * Benchmark fixtures: real NocoBase apps (createMockServer, SQLite) served over real HTTP on a
 * loopback port and called through test-support's HTTP client (kept alive), bulk-inserted users
 * and TOTP enrolments, and a SQL statement counter on the Sequelize logging hook.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMockServer, MockServer } from '@nocobase/test';
import { COLLECTIONS, DEFAULT_TOTP_VERIFIER } from '../../src/constants';
import { generateTotpSecret } from '../../src/server/factors/totp/totp';
import { bindingAad } from '../../src/server/factors/totp/factor';
import PluginTwoFactorAuthServer from '../../src/server/plugin';
import { apiClient } from '../../test-support/http.mjs';
import { BASE_PLUGINS, PASSWORD } from '../../test-support/mock-app';
import { rfcTotp } from '../../test-support/totp.mjs';

export { PASSWORD, rfcTotp };

/** test-support's JSON client, holding `sockets` keep-alive connections (what a browser or a reverse proxy would do). */
export type HttpClient = ReturnType<typeof apiClient>;

export interface BenchApp {
  app: MockServer;
  name: string;
  client: HttpClient;
  /** SQL statements counted by `countSql`. */
  sql: SqlCounter;
  close(): Promise<void>;
}

export class SqlCounter {
  count = 0;
  statements: string[] = [];
  keep = false;

  reset(keep = false) {
    this.count = 0;
    this.statements = [];
    this.keep = keep;
  }

  hook() {
    return (sql: string) => {
      this.count += 1;
      if (this.keep) this.statements.push(String(sql).replace(/^Executing \([^)]*\): /, ''));
    };
  }
}

/**
 * A NocoBase app with the plugins the 2FA tests use (with or without ours), listening on a
 * loopback port. `storage` is a SQLite file path, or ':memory:'.
 */
export async function startApp(options: { name: string; plugin: boolean; storage: string; sockets?: number }): Promise<BenchApp> {
  const app = await createMockServer({
    acl: true,
    name: options.name,
    database: { dialect: 'sqlite', storage: options.storage },
    plugins: options.plugin ? [...BASE_PLUGINS, PluginTwoFactorAuthServer] : [...BASE_PLUGINS],
  } as any);
  const sql = new SqlCounter();
  (app.db.sequelize as any).options.logging = false;
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const prefix = (app as any).resourcer?.options?.prefix || '';
  const client = apiClient(`http://127.0.0.1:${port}${prefix}`, { keepAlive: true, sockets: options.sockets ?? 1, password: PASSWORD });
  return {
    app,
    name: options.name,
    client,
    sql,
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.destroy();
    },
  };
}

/**
 * Counts the SQL statements `fn` runs (all of them, the app's own included). The logging hook is
 * on only meanwhile: formatting each statement for it costs time, which must not be in timings.
 */
export async function countSql<T>(bench: BenchApp, fn: () => Promise<T>, keep = false): Promise<{ result: T; count: number; statements: string[] }> {
  const sequelize = bench.app.db.sequelize as any;
  bench.sql.reset(keep);
  sequelize.options.logging = bench.sql.hook();
  try {
    const result = await fn();
    return { result, count: bench.sql.count, statements: bench.sql.statements };
  } finally {
    sequelize.options.logging = false;
    bench.sql.reset(false);
  }
}

/** Whose a statement is: the plugin's own (it names one of our tables) or core's (NocoBase and its other plugins). */
export type Owner = 'open2fa' | 'core';

const OUR_TABLES = /\btwoFactor[A-Za-z]*\b|\busersVerifiers\b/;
const TX_CONTROL = /^(BEGIN|START TRANSACTION|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|SET TRANSACTION|SET SESSION)/i;

/** What each statement of a sign-in is for, by its shape (first match wins); shown beside the counts. */
const PURPOSES: [RegExp, string][] = [
  [/^SELECT .*\(SELECT .*twoFactorChallenges/s, 'the one read: user row + challenge row + 2FA state + bindings + session role + device (scalar subqueries)'],
  [/^UPDATE [`"]?twoFactorTotpSteps/, 'TOTP replay mark (conditional UPDATE)'],
  [/^INSERT INTO [`"]?twoFactorTotpSteps/, 'TOTP replay mark, first one of the user (INSERT, unique key)'],
  [/^UPDATE [`"]?twoFactorChallenges.*status/s, 'challenge consumed (conditional UPDATE: single use)'],
  [/^INSERT INTO [`"]?twoFactorChallenges/, 'challenge row'],
  [/^(UPDATE|INSERT INTO) [`"]?twoFactorUserStates/, 'lastVerifiedAt (state row)'],
  [/^INSERT INTO [`"]?twoFactorEvents/, 'audit row'],
  [/twoFactorSeenDevices/, 'device record (new browser/network)'],
  [/^SELECT 'state'/, "the user's 2FA state and bindings (one indexed read)"],
  [/^SELECT .*FROM [`"]?users[`"]?/s, 'user row (password check)'],
  [/^SELECT .*FROM [`"]?issuedTokens[`"]?/s, 'session token row lookup (core updateOrCreate)'],
  [/^INSERT INTO [`"]?issuedTokens/, 'session token row'],
  [/^DELETE FROM [`"]?issuedTokens/, "user's session-expired tokens removed"],
  [/^(BEGIN|START TRANSACTION)/i, 'transaction around the session token INSERT'],
  [/^COMMIT/i, 'transaction around the session token INSERT'],
  [/rolesUsers|roles/, 'role for the session cookie / ACL'],
  [/systemSettings/, 'system settings'],
];

export function purposeOf(sql: string): string {
  return PURPOSES.find(([re]) => re.test(sql))?.[1] ?? '?';
}

export interface Statement {
  sql: string;
  ms: number;
  owner: Owner;
}

/**
 * Records every statement the app runs while `on`, with its own time (hrtime around
 * `sequelize.query`, through which every model call and transaction goes) and its owner.
 * BEGIN/COMMIT belong to whoever owns the statements of their transaction.
 */
export function statementRecorder(bench: BenchApp) {
  const sequelize = bench.app.db.sequelize as any;
  const query = sequelize.query.bind(sequelize);
  let recording: { sql: string; ms: number; tx?: string }[] | null = null;
  sequelize.query = async (sql: any, options?: any) => {
    if (!recording) return query(sql, options);
    const list = recording;
    const t0 = process.hrtime.bigint();
    try {
      return await query(sql, options);
    } finally {
      const text = typeof sql === 'string' ? sql : String(sql?.query ?? sql);
      list.push({ sql: text.replace(/\s+/g, ' ').trim(), ms: Number(process.hrtime.bigint() - t0) / 1e6, tx: options?.transaction?.id });
    }
  };
  return {
    async record<T>(fn: () => Promise<T>): Promise<{ result: T; statements: Statement[] }> {
      const list: { sql: string; ms: number; tx?: string }[] = [];
      recording = list;
      try {
        const result = await fn();
        return { result, statements: classify(list) };
      } finally {
        recording = null;
      }
    },
  };
}

function classify(list: { sql: string; ms: number; tx?: string }[]): Statement[] {
  const ownerOf = (sql: string): Owner => (OUR_TABLES.test(sql) ? 'open2fa' : 'core');
  const txOwner = new Map<string, Owner>();
  for (const s of list) if (s.tx && !TX_CONTROL.test(s.sql) && ownerOf(s.sql) === 'open2fa') txOwner.set(s.tx, 'open2fa');
  return list.map((s) => ({ sql: s.sql, ms: s.ms, owner: s.tx && TX_CONTROL.test(s.sql) ? txOwner.get(s.tx) ?? 'core' : ownerOf(s.sql) }));
}

/** "10 (open2fa 5, core 5)" */
export function countLine(statements: Statement[]) {
  const ours = statements.filter((s) => s.owner === 'open2fa').length;
  return `${statements.length} (open2fa ${ours}, core ${statements.length - ours})`;
}

/** The stored password hash of one user created the normal way, reused for bulk-inserted users. */
async function passwordHash(app: MockServer): Promise<string> {
  const repo = app.db.getRepository('users');
  const probe: any = await repo.create({ values: { email: `hash-probe-${Date.now()}@example.com`, password: PASSWORD } });
  const hash = probe.get('password');
  await repo.destroy({ filterByTk: probe.get('id') });
  return hash;
}

/**
 * Multi-row INSERTs straight through the query interface (no model instances, no hooks): fast
 * enough for 100 000 users. Column names are the collection's field names.
 */
async function insertRows(app: MockServer, collection: string, rows: Record<string, unknown>[], chunk = 500) {
  const c = app.db.getCollection(collection);
  const qi = app.db.sequelize.getQueryInterface();
  for (let i = 0; i < rows.length; i += chunk) {
    await qi.bulkInsert(c.getTableNameWithSchema(), rows.slice(i, i + chunk), { logging: false } as any);
  }
}

/** A date as SQLite stores it, formatted once rather than per row and column by the escaper. */
const sqliteDate = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', ' +00:00');

async function nextId(app: MockServer, collection: string): Promise<number> {
  const max = await app.db.getCollection(collection).model.max('id');
  return Number(max || 0) + 1;
}

export interface BulkUser {
  id: number;
  email: string;
  /** Base32 TOTP secret when enrolled. */
  secret?: string;
}

/**
 * Inserts `count` users (role `member`, the same password as every benchmark user) in chunks;
 * with `enrol`, each gets a bound TOTP verifier whose secret is sealed exactly as a real binding is.
 */
export async function bulkUsers(
  app: MockServer,
  options: { count: number; prefix: string; enrol: boolean; chunk?: number; onProgress?: (done: number) => void },
): Promise<BulkUser[]> {
  const { count, prefix, enrol, chunk = 5000 } = options;
  const hash = await passwordHash(app);
  const box = enrol ? (app as any)[Symbol.for('open2fa.plugin')].services.box : null;
  const out: BulkUser[] = [];
  const now = sqliteDate(new Date());
  let id = await nextId(app, 'users');
  for (let start = 0; start < count; start += chunk) {
    const batch: BulkUser[] = [];
    for (let i = start; i < Math.min(count, start + chunk); i++) batch.push({ id: id++, email: `${prefix}${i}@example.com` });
    await insertRows(
      app,
      'users',
      batch.map((u) => ({
        id: u.id,
        email: u.email,
        username: u.email.split('@')[0],
        nickname: u.email.split('@')[0],
        password: hash,
        createdAt: now,
        updatedAt: now,
      })),
    );
    await insertRows(app, 'rolesUsers', batch.map((u) => ({ userId: u.id, roleName: 'member', createdAt: now, updatedAt: now })));
    if (enrol) {
      for (const u of batch) u.secret = generateTotpSecret();
      await insertRows(
        app,
        'usersVerifiers',
        batch.map((u) => ({
          userId: u.id,
          verifier: DEFAULT_TOTP_VERIFIER,
          uuid: u.id.toString(16),
          meta: JSON.stringify({ secret: box.encrypt(u.secret, bindingAad(u.id, DEFAULT_TOTP_VERIFIER)) }),
          createdAt: now,
          updatedAt: now,
        })),
      );
    }
    out.push(...batch);
    options.onProgress?.(out.length);
  }
  return out;
}

/**
 * The rows a returning 2FA user leaves behind, bulk-inserted for `users`: state row, TOTP replay
 * mark, a known device (not the benchmark client's), one audit row, one spent challenge and one
 * session token — so every table the verify path touches has as many rows as there are users.
 */
export async function bulkHistory(app: MockServer, users: BulkUser[]) {
  const beforeMs = Date.now() - 10 * 60_000;
  const before = sqliteDate(new Date(beforeMs));
  const expired = sqliteDate(new Date(beforeMs + 300_000));
  const step = Math.floor(Date.now() / 30_000) - 20;
  const rows = (fn: (u: BulkUser) => Record<string, unknown>) => users.map(fn);
  await insertRows(app, COLLECTIONS.userStates, rows((u) => ({ userId: u.id, enforced: false, lastVerifiedAt: before, createdAt: before, updatedAt: before })));
  await insertRows(app, COLLECTIONS.totpSteps, rows((u) => ({ key: `${u.id}:${DEFAULT_TOTP_VERIFIER}`, userId: u.id, verifier: DEFAULT_TOTP_VERIFIER, lastStep: step })));
  await insertRows(
    app,
    COLLECTIONS.seenDevices,
    rows((u) => ({ userId: u.id, fingerprint: randomUUID(), browser: 'Firefox on Windows', network: '10.0.0.0/24', createdAt: before, updatedAt: before })),
  );
  await insertRows(
    app,
    COLLECTIONS.events,
    rows((u) => ({ userId: u.id, type: 'verified', verifier: DEFAULT_TOTP_VERIFIER, ip: '10.0.0.1', userAgent: 'Mozilla/5.0', detail: '{}', createdAt: before })),
  );
  await insertRows(
    app,
    COLLECTIONS.challenges,
    rows((u) => ({
      jti: randomUUID(),
      userId: u.id,
      authenticator: 'basic',
      stage: 'verify',
      status: 'used',
      expiresAt: expired,
      createdAt: before,
      updatedAt: before,
    })),
  );
  await insertRows(
    app,
    'issuedTokens',
    rows((u) => ({
      id: randomUUID(),
      jti: randomUUID(),
      userId: u.id,
      authenticator: 'basic',
      signInTime: beforeMs,
      issuedTime: beforeMs,
      createdAt: before,
      updatedAt: before,
    })),
  );
}

/** A user created the normal way (hooks, hashed password), without any 2FA state. */
export async function plainUser(app: MockServer, email: string) {
  return app.db.getRepository('users').create({ values: { email, username: email.split('@')[0], password: PASSWORD, roles: ['member'] } });
}

/** The password step of a 2FA sign-in; throws unless it produced a `verify` challenge. */
export async function challengeFor(client: HttpClient, email: string): Promise<string> {
  const res = await client.signIn(email);
  const challenge = res.body?.data?.twoFactor;
  if (res.status !== 200 || challenge?.stage !== 'verify') {
    throw new Error(`expected a verify challenge for ${email}, got ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  return challenge.token;
}

/**
 * One at a time. Session issuance runs core's `issuedTokens` transaction, and SQLite's single
 * connection cannot hold two of those at once ("cannot start a transaction within a transaction"),
 * so concurrent runs let password steps overlap but issue sessions one after the other.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/** Runs `work` on every item with `workers` concurrent loops. */
export async function pool<T>(items: T[], workers: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** The second step; throws unless it produced a session. */
export async function verifyTotp(client: HttpClient, challenge: string, secret: string, stepOffset = 0) {
  // An earlier step's code is still inside the server's window only until the next step begins.
  const intoStep = (Date.now() / 1000) % 30;
  if (stepOffset < 0 && intoStep > 28) await new Promise((r) => setTimeout(r, (30 - intoStep) * 1000 + 50));
  const res = await client.twoFactor('verify', challenge, { verifier: DEFAULT_TOTP_VERIFIER, code: rfcTotp(secret, { stepOffset }) });
  if (res.status !== 200 || !res.body?.data?.token) {
    throw new Error(`verify failed: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  return res;
}

/** A plain password sign-in; throws unless it produced a session. */
export async function plainSignIn(client: HttpClient, email: string) {
  const res = await client.signIn(email);
  if (res.status !== 200 || !res.body?.data?.token) {
    throw new Error(`sign-in failed for ${email}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  return res;
}

export { COLLECTIONS };
