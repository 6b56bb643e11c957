/**
 * The hostile-input suite (`npm run test:hostile`): hundreds of generated hostile requests over real
 * HTTP against a real NocoBase server, across every action of `twoFactor`, `twoFactorMe`,
 * `twoFactorUsers`, `twoFactorSettings` and `twoFactorEvents:list`. Each one is judged by the
 * harness (no 5xx, no session, refusals shaped and changing no business row); the totals are
 * written to a report that `scripts/hostile.mjs` prints.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RESOURCES } from '../../constants';
import { ME_ACTIONS } from '../actions/me';
import { TWO_FACTOR_ACTIONS } from '../actions/two-factor';
import { USERS_ACTIONS } from '../actions/users';
import { adminCases } from './admin.cases';
import { factorCases } from './factor.cases';
import { failures, formatReport, HostileRunner } from './harness';
import { meCases } from './me.cases';
import { twoFactorCases } from './two-factor.cases';
import { World } from './world';

const REPORT = process.env.HOSTILE_REPORT || path.resolve(__dirname, '../../../node_modules/.cache/hostile-report.json');
const MIN_REQUESTS = 300;

/** Every action the suite must reach. */
const EVERY_ACTION = [
  ...TWO_FACTOR_ACTIONS.map((a) => `${RESOURCES.twoFactor}:${a}`),
  ...ME_ACTIONS.map((a) => `${RESOURCES.me}:${a}`),
  ...USERS_ACTIONS.map((a) => `${RESOURCES.users}:${a}`),
  `${RESOURCES.settings}:get`,
  `${RESOURCES.settings}:update`,
  `${RESOURCES.events}:list`,
];

describe('hostile input', () => {
  let world: World;
  let runner: HostileRunner;

  beforeAll(async () => {
    world = await World.create();
    runner = new HostileRunner(world.app, () => world.resetCounters());
  });

  afterAll(async () => {
    if (runner) {
      mkdirSync(path.dirname(REPORT), { recursive: true });
      writeFileSync(REPORT, JSON.stringify(runner.report, null, 2));
      console.log(`\n${formatReport(runner.report)}\n`);
    }
    await world?.destroy();
  });

  it('the judge notices a changed row, a session, a 5xx and a refusal without a code', async () => {
    const judge = new HostileRunner(world.app, async () => {});
    const users = world.app.db.getRepository('users');
    const nickname = world.alice.user.get('nickname');
    await judge.run([
      {
        action: 'canary',
        name: 'changes a row, then refuses',
        send: async () => {
          await users.update({ filterByTk: world.alice.id, values: { nickname: 'changed' } });
          return { status: 400, body: { errors: [{ code: 'X', message: 'x' }] }, headers: {} };
        },
        cleanup: async () => void (await users.update({ filterByTk: world.alice.id, values: { nickname } })),
      },
      { action: 'canary', name: 'answers with a token', expect: 'read', send: async () => ({ status: 200, body: { data: { token: 't' } }, headers: {} }) },
      { action: 'canary', name: 'answers 500', send: async () => ({ status: 500, body: {}, headers: {} }) },
      { action: 'canary', name: 'refuses without a code', send: async () => ({ status: 403, body: { errors: [{ message: 'x' }] }, headers: {} }) },
    ]);
    expect(judge.report).toMatchObject({ requests: 4, rowsChanged: 1, sessionsIssued: 1, serverErrors: 1, wrongShape: 1 });
  });

  it('twoFactor: the sign-in step', async () => {
    await runner.run(twoFactorCases(world));
    await runner.run(factorCases(world));
  });

  it('twoFactorMe: a user’s own 2FA', async () => {
    await runner.run(meCases(world));
  });

  it('admin resources, closed collections and auth:signIn', async () => {
    await runner.run(adminCases(world));
  });

  it('left no session, no 5xx, no changed row, no odd refusal', () => {
    const report = runner.report;
    expect(report.requests).toBeGreaterThanOrEqual(MIN_REQUESTS);
    for (const action of EVERY_ACTION) expect(report.byAction[action] ?? 0, action).toBeGreaterThan(0);
    expect(({} as any).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    expect(failures(report)).toEqual(Object.fromEntries(Object.keys(failures(report)).map((k) => [k, 0])));
  });
});
