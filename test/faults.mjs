#!/usr/bin/env node
/**
 * `npm run test:faults`: while sign-ins run on two NocoBase processes (one PostgreSQL, one Redis
 * with an append-only file, one APP_KEY; test-support/cluster.mjs), three faults in turn:
 *   (a) Redis stops for 20 s;
 *   (b) PostgreSQL restarts (down for 5 s);
 *   (c) one instance is killed with SIGKILL while verifies are in flight on it.
 * For each it checks, over real HTTP and in the database:
 *   - no session without a verified factor: password steps of 2FA users never answer with a
 *     session, users who only send wrong codes get none, and every session row of a 2FA user is
 *     one some verify with the right code could have made (at most one per user and TOTP step);
 *   - the plugin fails closed with a clear code: its actions answer 503 TWO_FACTOR_UNAVAILABLE
 *     (never a 500) while a dependency is down;
 *   - no challenge or TOTP step is accepted twice (verifies that succeeded, sent again, are
 *     refused; verifies cut off by the kill, sent again to the other instance, give at most one
 *     session);
 *   - lockout counters survive the fault (3 failures before + 2 after lock the user; a user
 *     locked before is still locked);
 *   - the service recovers by itself: the time from the dependency's return to the first complete
 *     2FA sign-in on every instance is printed (target ≤ 30 s).
 * NocoBase core does not survive (a): its Redis clients have no error listener, so a process
 * exits when Redis goes away, and one started while Redis is down stays failed. The test shows
 * that on a stock app without this plugin, and runs the instances under a supervisor (restart on
 * exit; kill and restart when the start failed), as a deployment must.
 */
import { stopServer } from '../scripts/dev-app.mjs';
import path from 'node:path';
import { createDatabase, startRedis } from '../scripts/services.mjs';
import { root } from '../test-support/requirements.mjs';
import { testApp } from '../test-support/app.mjs';
import { runChecks } from '../test-support/checks.mjs';
import { bindAll, bootCluster, createUsers, healthOf, jtiOf, setPolicy, since, spawnServer, totpPool } from '../test-support/cluster.mjs';
import { apiClient, errorCode } from '../test-support/http.mjs';
import { rfcTotp, wrongCode } from '../test-support/totp.mjs';

const PASSWORD = 'Faults-pass-123';
const REDIS_DOWN_S = 20;
const PG_DOWN_S = 5;
const RECOVERY_TARGET_S = 30;
const LOCKOUT = 5;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const secs = (msValue) => `${(msValue / 1000).toFixed(1)} s`;

/** A request that never throws: network errors and timeouts are status 0. */
async function send(fn, timeoutMs = 15_000) {
  try {
    return await Promise.race([fn(), sleep(timeoutMs).then(() => ({ status: 0, body: null, text: 'timeout', headers: {}, cookies: [] }))]);
  } catch (err) {
    return { status: 0, body: null, text: String(err?.code || err?.message || err), headers: {}, cookies: [] };
  }
}
/** NocoBase's gateway answering for an app that is starting or failed to start (not the plugin). */
const gatewayAnswer = (r) => r.status === 503 && !!r.body?.error?.code;
const brief = (r) => `${r.status} ${errorCode(r) || (r.body?.data?.token ? 'session' : r.body?.data?.twoFactor ? 'challenge' : r.text.slice(0, 100))}`;

// --- The instances under a supervisor -----------------------------------------------------------

/**
 * Keeps each instance running as a process manager with a health check would: restarts it a
 * second after it exits, and kills it (then restarts it) when its start failed — NocoBase then
 * stays up answering 503 without ever retrying.
 */
function supervise(cluster, log) {
  const spawned = [];
  const watched = cluster.instances.map((i) => ({ ...i, failures: 0, exits: [] }));
  let on = true;
  const restart = (inst) => {
    inst.server = spawnServer(cluster, inst.label, inst.port);
    spawned.push(inst.server);
    watch(inst);
  };
  const watch = (inst) => {
    const server = inst.server;
    server.once('exit', async (code, signal) => {
      inst.exits.push({ at: Date.now(), code, signal });
      log(`${inst.label} exited (${signal || `code ${code}`})`);
      if (!on) return;
      await sleep(1000);
      if (on && inst.server === server) restart(inst);
    });
  };
  for (const inst of watched) watch(inst);
  const timer = setInterval(async () => {
    for (const inst of watched) {
      if (inst.server.exitCode !== null || inst.server.signalCode !== null) continue;
      const health = await healthOf(inst.url);
      inst.failures = health.startsWith('error') ? inst.failures + 1 : 0;
      if (inst.failures >= 3) {
        inst.failures = 0;
        log(`${inst.label} start failed (${health}): killed, to be restarted`);
        try {
          process.kill(-inst.server.pid, 'SIGKILL');
        } catch {}
      }
    }
  }, 1000);
  return {
    instances: watched,
    /** Stops supervising and every process it started. */
    stop: async () => {
      on = false;
      clearInterval(timer);
      await Promise.all(spawned.map((s) => stopServer(s)));
    },
  };
}

// --- The workload -----------------------------------------------------------------------------

/**
 * Sign-ins while a fault happens: complete 2FA sign-ins (password step on one instance, verify on
 * the other; every fourth verify sent to both at once), wrong codes of users who do not know the
 * secret, and plain sign-ins. Every answer is recorded.
 */
function workload({ apis, pool, attackers, plain }) {
  const events = [];
  let on = true;
  const record = (e) => events.push({ at: Date.now(), ...e });
  const honest = async (w) => {
    for (let i = 0; on; i++) {
      const [first, second] = (w + i) % 2 ? [apis[1], apis[0]] : [apis[0], apis[1]];
      const { user, step, code } = await pool.take();
      let sent = false;
      try {
        const pw = await send(() => first.signIn(user.username));
        record({ kind: 'password', instance: first.name, user: user.username, reply: pw });
        const challenge = pw.body?.data?.twoFactor?.token;
        if (!challenge) continue;
        sent = true;
        const targets = i % 4 === 3 ? apis : [second];
        const replies = await Promise.all(targets.map((api) => send(() => api.twoFactor('verify', challenge, { verifier: 'totp', code }))));
        replies.forEach((reply, k) => record({ kind: 'verify', instance: targets[k].name, user: user.username, step, challenge, code, reply }));
      } finally {
        pool.give(user, sent);
        await sleep(300);
      }
    }
  };
  const attacker = async () => {
    for (let i = 0; on; i++) {
      const user = attackers[i % attackers.length];
      const api = apis[i % 2];
      const pw = await send(() => api.signIn(user.username));
      record({ kind: 'password', instance: api.name, user: user.username, reply: pw });
      const challenge = pw.body?.data?.twoFactor?.token;
      if (challenge) {
        const reply = await send(() => apis[(i + 1) % 2].twoFactor('verify', challenge, { verifier: 'totp', code: wrongCode(user.secret) }));
        record({ kind: 'attack', instance: apis[(i + 1) % 2].name, user: user.username, reply });
      }
      await sleep(500);
    }
  };
  const plainLoop = async () => {
    for (let i = 0; on; i++) {
      const api = apis[i % 2];
      const reply = await send(() => api.signIn(plain[i % plain.length]));
      record({ kind: 'plain', instance: api.name, reply });
      await sleep(400);
    }
  };
  const loops = [0, 1, 2, 3].map(honest).concat([attacker(), plainLoop()]);
  return {
    events,
    stop: async () => {
      on = false;
      await Promise.all(loops);
    },
  };
}

/**
 * Time from `since` to the first complete 2FA sign-in (both steps on that instance) on each
 * instance. Every (user, step) it sends a code for goes into `used`.
 */
async function recovery(apis, pool, since, used, limitMs = 120_000) {
  const out = {};
  await Promise.all(
    apis.map(async (api) => {
      while (Date.now() - since < limitMs) {
        const { user, code, step } = await pool.take();
        let sent = false;
        try {
          const pw = await send(() => api.signIn(user.username), 5000);
          const challenge = pw.body?.data?.twoFactor?.token;
          if (challenge) {
            sent = true;
            used.push({ user: user.username, step });
            const v = await send(() => api.twoFactor('verify', challenge, { verifier: 'totp', code }), 5000);
            if (v.status === 200 && v.body?.data?.token) {
              out[api.name] = Date.now() - since;
              return;
            }
          }
        } finally {
          pool.give(user, sent);
        }
        await sleep(250);
      }
    }),
  );
  return out;
}

// --- Main ------------------------------------------------------------------------------------

let cluster;
let supervisor;
let control;
let controlRedisStop;
await runChecks(
  'faults',
  async (check) => {
    let t = Date.now();
    cluster = await bootCluster({ name: 'faults', own: true, persistRedis: true, password: PASSWORD });
    const { services } = cluster;
    const apis = cluster.instances.map((i) => apiClient(`${i.url}/api`, { name: i.label, password: PASSWORD }));
    const [A, B] = apis;

    // A stock NocoBase (no plugin) on the same PostgreSQL (its own database) and a Redis of its
    // own (NocoBase's messages between instances go over Redis channels, which a Redis database
    // number does not separate), stopped together with the cluster's: core's behaviour under a
    // fault, told apart from the plugin's.
    const controlRedis = await startRedis(path.join(root, '.e2e', `${cluster.app.name}-control-redis`));
    controlRedisStop = controlRedis.stop;
    const controlEnv = { ...services.env, DB_DATABASE: `${cluster.db.database}_control`, CACHE_REDIS_URL: controlRedis.url };
    await createDatabase(services.pg, controlEnv.DB_DATABASE);
    control = await testApp({ name: `${cluster.app.name}-control`, plugin: false, env: controlEnv });

    t = Date.now();
    const plain = await createUsers(cluster, { prefix: 'plain', count: 20, password: PASSWORD, roles: ['admin'] });
    const names = await createUsers(cluster, { prefix: 'mfa', count: 200, password: PASSWORD });
    await setPolicy(cluster, { enforcedRoles: ['member'], lockoutThreshold: LOCKOUT, maxAttemptsPerChallenge: 10 });
    const bound = await bindAll(cluster, names, PASSWORD);
    const attackers = bound.slice(0, 4);
    const subjects = bound.slice(4, 10);
    const pool = totpPool(bound.slice(10));
    await control.install(true);
    const controlInstance = await control.start({ label: 'stock app' });
    const controlApi = apiClient(`${controlInstance.url}/api`, { name: 'stock', password: PASSWORD });
    const controlRoot = await send(() => controlApi.signIn('admin@nocobase.com', 'admin123'));
    check('setup: 200 users with TOTP, 20 without, a stock app without the plugin beside', bound.length === 200 && !!controlRoot.body?.data?.token, `stock app root sign-in: ${brief(controlRoot)}`, t);

    supervisor = supervise(cluster, (msg) => console.log(`  [supervisor] ${msg}`));
    const sessionRows = async (usernames, from) =>
      (
        await cluster.sql(`SELECT u.username, t.jti FROM "issuedTokens" t JOIN users u ON u.id = t."userId"
          WHERE u.username IN (${usernames.map((u) => `'${u}'`).join(',')}) AND t."signInTime" >= ${from}`)
      ).rows;

    /** Failures before the fault: subject 1 has LOCKOUT-2, subject 2 is locked. */
    const prepareLockout = async ([counting, locked]) => {
      for (const [user, n] of [[counting, LOCKOUT - 2], [locked, LOCKOUT]]) {
        const challenge = (await A.signIn(user.username)).body?.data?.twoFactor?.token;
        for (let i = 0; i < n; i++) await B.twoFactor('verify', challenge, { verifier: 'totp', code: wrongCode(user.secret) });
      }
    };
    /** After the fault: 2 more failures lock subject 1; subject 2 is refused even with the right code. */
    const lockoutHeld = async ([counting, locked], [X, Y]) => {
      const seen = [];
      const challenge = (await send(() => Y.signIn(counting.username))).body?.data?.twoFactor?.token;
      for (let i = 0; i < 2; i++) seen.push(brief(await send(() => X.twoFactor('verify', challenge, { verifier: 'totp', code: wrongCode(counting.secret) }))));
      const c2 = (await send(() => X.signIn(locked.username))).body?.data?.twoFactor?.token;
      const right = await send(() => Y.twoFactor('verify', c2, { verifier: 'totp', code: rfcTotp(locked.secret) }));
      seen.push(brief(right));
      return { ok: /^400 TWO_FACTOR_INVALID_CODE/.test(seen[0]) && /^429 TWO_FACTOR_LOCKED/.test(seen[1]) && /^429 TWO_FACTOR_LOCKED/.test(seen[2]), seen };
    };

    /**
     * Runs one fault under the workload and checks everything the header lists. `fault` does the
     * damage and resolves to the moment the dependency is back; `prefetched` verifies (challenges
     * taken before the fault) are sent while it lasts.
     */
    const scenario = async (label, lockSubjects, fault, { up = apis } = {}) => {
      console.log(`\n${label}`);
      const from = Date.now();
      await prepareLockout(lockSubjects);
      const prefetched = [];
      for (let i = 0; i < 6; i++) {
        const taken = await pool.take();
        const challenge = (await A.signIn(taken.user.username)).body?.data?.twoFactor?.token;
        prefetched.push({ ...taken, challenge });
      }
      const load = workload({ apis, pool, attackers, plain: plain.slice(0, 10) });
      await sleep(3000);
      const during = [];
      const alsoUsed = [];
      const { back, notes } = await fault({
        /** (user, step) pairs the fault itself sent codes for. */
        alsoUsed,
        /** Sends the prefetched verifies now (while the dependency is down). */
        sendPrefetched: async () => {
          for (const p of prefetched) during.push(await send(() => B.twoFactor('verify', p.challenge, { verifier: 'totp', code: p.code }), 5000));
        },
        controlApi,
        plainUser: plain[15],
      });
      const probed = [];
      const recovered = await recovery(up, pool, back, probed);
      await sleep(2000);
      await load.stop();
      for (const p of prefetched) pool.give(p.user);
      const events = load.events;

      // Fail closed with a clear code.
      const ours = events.filter((e) => e.kind === 'verify' || e.kind === 'attack');
      const bad5xx = ours.filter((e) => e.reply.status >= 500 && errorCode(e.reply) !== 'TWO_FACTOR_UNAVAILABLE' && !gatewayAnswer(e.reply));
      const gateway = ours.filter((e) => gatewayAnswer(e.reply)).length;
      const unavailable = [...ours.map((e) => e.reply), ...during].filter((r) => errorCode(r) === 'TWO_FACTOR_UNAVAILABLE').length;
      const cut = [...ours.map((e) => e.reply), ...during].filter((r) => r.status === 0).length;
      const counts = (list) => Object.entries(list.reduce((m, r) => ((m[brief(r).replace(/ \{.*$/, '').slice(0, 60)] = (m[brief(r).replace(/ \{.*$/, '').slice(0, 60)] || 0) + 1), m), {})).map(([k, n]) => `${k} ×${n}`).join(', ');
      console.log(`  the verifies sent while it lasted: ${counts(during)}`);
      console.log(`  every answer to twoFactor:verify: ${counts(ours.map((e) => e.reply))}`);
      const corePw = events.filter((e) => (e.kind === 'password' || e.kind === 'plain') && e.reply.status !== 200);
      if (corePw.length) console.log(`  auth:signIn answers other than 200 (password step, core's code path): ${counts(corePw.map((e) => e.reply))}`);
      for (const line of notes) console.log(`  ${line}`);
      check(`${label}: the plugin's answers were never a 5xx other than 503 TWO_FACTOR_UNAVAILABLE (${unavailable} × 503 UNAVAILABLE; ${cut} cut off with the process, ${gateway} answered by NocoBase's gateway while the app was starting)`, bad5xx.length === 0, bad5xx.slice(0, 5).map((e) => brief(e.reply)).join(' | '));

      // No session without a verified factor.
      const pwTokens = events.filter((e) => e.kind === 'password' && e.reply.body?.data?.token).length;
      const attackTokens = events.filter((e) => e.kind === 'attack' && e.reply.body?.data?.token).length;
      const attackRows = await sessionRows(attackers.map((u) => u.username), from);
      const verifies = events.filter((e) => e.kind === 'verify');
      const stepsByUser = new Map();
      for (const e of [...verifies, ...probed, ...alsoUsed, ...prefetched.map((p) => ({ user: p.user.username, step: p.step }))]) {
        stepsByUser.set(e.user, (stepsByUser.get(e.user) || new Set()).add(e.step));
      }
      const honestRows = await sessionRows([...stepsByUser.keys()], from);
      const perUser = honestRows.reduce((m, r) => m.set(r.username, (m.get(r.username) || 0) + 1), new Map());
      const over = [...perUser].filter(([u, n]) => n > (stepsByUser.get(u)?.size || 0));
      check(
        `${label}: no session without a verified factor (password steps answered with a session: ${pwTokens}; sessions of users sending only wrong codes: ${attackTokens} answered, ${attackRows.length} in the database)`,
        pwTokens === 0 && attackTokens === 0 && attackRows.length === 0,
      );

      // No challenge or TOTP step accepted twice.
      const ok = verifies.filter((e) => e.reply.status === 200 && e.reply.body?.data?.token);
      const perChallenge = new Map();
      const perStep = new Map();
      for (const e of ok) {
        perChallenge.set(e.challenge, (perChallenge.get(e.challenge) || 0) + 1);
        perStep.set(`${e.user}:${e.step}`, (perStep.get(`${e.user}:${e.step}`) || 0) + 1);
      }
      const replays = await Promise.all(ok.slice(0, 20).map((e) => send(() => apis[e.instance === 'A' ? 1 : 0].twoFactor('verify', e.challenge, { verifier: 'totp', code: e.code }))));
      const replayed = replays.filter((r) => r.status === 200 || r.body?.data?.token).length;
      const twice = [...perChallenge.values(), ...perStep.values()].filter((n) => n > 1).length;
      check(
        `${label}: no challenge or TOTP step accepted twice (${ok.length} sessions answered; ${twice} challenges or steps with two; ${replays.length} sent again after: ${replayed} accepted; users with more sessions than steps they used: ${over.length})`,
        twice === 0 && replayed === 0 && over.length === 0,
        over.map(([u, n]) => `${u}: ${n} sessions, ${stepsByUser.get(u)?.size} steps`).join(', '),
      );

      const lock = await lockoutHeld(lockSubjects, up.length > 1 ? up : [up[0], up[0]]);
      check(`${label}: lockout counters survived (3 failures before + 2 after → locked; locked before → still locked)`, lock.ok, lock.seen.join(' | '));

      console.log(`  recovery: ${up.map((a) => `${a.name} ${recovered[a.name] === undefined ? 'not within 120 s' : secs(recovered[a.name])}`).join(', ')} after the dependency's return`);
      const worst = Math.max(...up.map((a) => recovered[a.name] ?? Infinity));
      return { worst, recovered, events };
    };

    // (a) Redis stops for 20 s.
    {
      const r = await scenario(`(a) Redis stopped for ${REDIS_DOWN_S} s`, subjects.slice(0, 2), async ({ sendPrefetched, controlApi }) => {
        const notes = [];
        const stopped = Date.now();
        await Promise.all([services.redis.down(), controlRedis.down()]);
        await sleep(1500);
        await sendPrefetched();
        for (const inst of supervisor.instances) {
          const exit = inst.exits.find((x) => x.at >= stopped);
          notes.push(`instance ${inst.label} (with the plugin): ${exit ? `exited ${secs(exit.at - stopped)} after Redis stopped (${exit.signal || `code ${exit.code}`})` : 'kept running'}`);
        }
        const stock = await send(() => controlApi.signIn('admin@nocobase.com', 'admin123'), 5000);
        const stockExit = control.alive() ? null : 'exited';
        notes.push(`stock NocoBase without the plugin: ${stockExit ? 'its process exited too' : 'kept running'}; auth:signIn → ${brief(stock)}`);
        await sleep(REDIS_DOWN_S * 1000 - (Date.now() - stopped));
        await Promise.all([services.redis.up(), controlRedis.up()]);
        const back = Date.now();
        notes.push('NocoBase core exits when Redis goes away (an uncaught SocketClosedUnexpectedlyError from its Redis clients), with or without the plugin; the supervisor restarts it');
        return { back, notes };
      });
      check(`(a) service back within ${RECOVERY_TARGET_S} s of Redis's return: ${Number.isFinite(r.worst) ? secs(r.worst) : 'no'} (a restart of NocoBase, see above)`, r.worst <= RECOVERY_TARGET_S * 1000);
      // The stock app has no supervisor: start it again for (b).
      if (!control.alive()) await control.start({ label: 'stock app' });
    }

    // (b) PostgreSQL restarts.
    {
      const r = await scenario(`(b) PostgreSQL restarted (down ${PG_DOWN_S} s)`, subjects.slice(2, 4), async ({ sendPrefetched, controlApi, plainUser }) => {
        const notes = [];
        await services.pg.down();
        await sleep(1000);
        await sendPrefetched();
        const stock = await send(() => controlApi.signIn('admin@nocobase.com', 'admin123'), 5000);
        const withPlugin = await send(() => A.signIn(plainUser), 5000);
        notes.push(`auth:signIn of a user without 2FA while it is down: with the plugin → ${brief(withPlugin)}; stock NocoBase without it → ${brief(stock)} (core's answer)`);
        await sleep(PG_DOWN_S * 1000 - 1000);
        await services.pg.up();
        return { back: Date.now(), notes };
      });
      check(`(b) service back within ${RECOVERY_TARGET_S} s of PostgreSQL's return: ${secs(r.worst)}`, r.worst <= RECOVERY_TARGET_S * 1000);
    }

    // (c) Instance B is killed in the middle of verifies.
    {
      const inst = supervisor.instances[1];
      let cutUsers = [];
      let killedAt = 0;
      const r = await scenario('(c) instance B killed with SIGKILL during verifies', subjects.slice(4, 6), async ({ alsoUsed }) => {
        const burst = [];
        for (let i = 0; i < 12; i++) {
          const taken = await pool.take();
          alsoUsed.push({ user: taken.user.username, step: taken.step });
          burst.push({ ...taken, challenge: (await A.signIn(taken.user.username)).body?.data?.twoFactor?.token });
        }
        const inFlight = burst.map((b) => send(() => B.twoFactor('verify', b.challenge, { verifier: 'totp', code: b.code }), 5000));
        await sleep(15);
        killedAt = Date.now();
        process.kill(-inst.server.pid, 'SIGKILL');
        const answers = await Promise.all(inFlight);
        // The same verifies again, on A: at most one session per challenge in all.
        const again = await Promise.all(burst.map((b) => send(() => A.twoFactor('verify', b.challenge, { verifier: 'totp', code: b.code }))));
        const rows = await sessionRows(burst.map((b) => b.user.username), killedAt - 5000);
        for (const b of burst) pool.give(b.user);
        cutUsers = burst.map((b) => b.user.username);
        const sessions = answers.filter((x) => x.body?.data?.token).length + again.filter((x) => x.body?.data?.token).length;
        const notes = [
          `${burst.length} verifies in flight on B when it was killed: ${answers.filter((x) => x.status === 0).length} cut off, ${answers.filter((x) => x.status === 200).length} answered first; sent again to A: ${again.map(brief).map((s) => s.slice(0, 40)).join(', ')}`,
          `sessions from those ${burst.length} challenges: ${sessions} answered, ${rows.length} in the database (each at most one)`,
        ];
        check('(c) each challenge in flight when B was killed gave at most one session', rows.length <= burst.length && new Set(rows.map((x) => x.username)).size === rows.length && sessions <= burst.length, rows.map((x) => x.username).join(','));
        // A kept serving; B is restarted by the supervisor.
        return { back: killedAt, notes };
      }, { up: [A] });
      console.log(`  ${cutUsers.length} users' verifies were cut; B restarted by the supervisor`);
      const bBack = await recovery([B], pool, killedAt, [], 180_000);
      console.log(`  B served a complete 2FA sign-in again ${bBack.B === undefined ? 'never (180 s)' : secs(bBack.B)} after the kill (its restart)`);
      // A's own answers after the kill (the workload's verifies it answered with a session).
      const onA = r.events.filter((e) => e.kind === 'verify' && e.instance === 'A' && e.at > killedAt && e.reply.body?.data?.token).map((e) => e.at - killedAt);
      const firstOnA = onA.length ? Math.min(...onA) : Infinity;
      check(`(c) service kept going on A: it answered a verify with a session ${secs(firstOnA)} after the kill (${onA.length} in all while B was down and restarting)`, firstOnA <= RECOVERY_TARGET_S * 1000);
    }
  },
  {
    cleanup: async () => {
      await supervisor?.stop();
      await control?.stop();
      await controlRedisStop?.();
      await cluster?.stopAll();
    },
  },
);
