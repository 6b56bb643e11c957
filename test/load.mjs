#!/usr/bin/env node
/**
 * `npm run test:load`: complete 2FA sign-ins against plain sign-ins at the same load, on two real
 * NocoBase processes sharing one PostgreSQL and one Redis (test-support/cluster.mjs), over
 * loopback HTTP. `--short` (CI) measures 15 s of each instead of 60 s.
 *
 * Workload: 50 simulated users at once, each looping without think time. A plain sign-in is one
 * `auth:signIn` of a user without 2FA; a complete 2FA sign-in is `auth:signIn` (→ challenge) on
 * one instance and `twoFactor:verify` with the current TOTP code on the other (a load balancer
 * without sticky sessions). The two kinds alternate in 7.5 s segments, plain-2FA-2FA-plain,
 * repeated, so machine noise falls on both alike; 5 s of each warm up first, unmeasured.
 *
 * The TOTP replay rule: the plugin accepts a user's code for a 30 s step once, and never a step
 * at or before the last one it accepted. So each 2FA user signs in at most once per step, with
 * that step's code, as a person with an authenticator app does, and the test keeps a pool of
 * enrolled users (each with its own secret) larger than the number of 2FA sign-ins any 30 s can
 * see: from the warm-up rate of plain sign-ins (2FA sign-ins are not faster; the 2FA warm-up itself
 * is held back by the small pool it starts with), rate × 30 s × 1.5 + 100 (those in flight,
 * twice), though in plain-2FA-2FA-plain about half of each 30 s is plain load. A simulated user that finds no user
 * with an unused step would wait for the next step; those waits are counted and must be 0, so the
 * replay rule never sets the pace.
 *
 * Printed: sign-ins per second of each kind and their ratio (target ≥ 0.85), p50/p95 of each
 * step, 5xx answers (0), sessions issued without a verified factor (0: every `issuedTokens` row
 * of a 2FA user made during the run is a session some verify answered with), verifies that gave
 * more than one session (0: one row per verified session, and a sample of verifies sent twice at
 * the same moment to both instances gives exactly one session each).
 */
import { rfcTotp } from '../test-support/totp.mjs';
import { runChecks } from '../test-support/checks.mjs';
import { bindAll, bootCluster, createUsers, jtiOf, percentile, setPolicy, since, stepNow, totpPool } from '../test-support/cluster.mjs';
import { apiClient, errorCode } from '../test-support/http.mjs';

const SHORT = process.argv.includes('--short');
const MEASURE_S = SHORT ? 15 : 60; // of each kind
const SEGMENT_S = 7.5;
const WARMUP_S = 5;
const USERS_AT_ONCE = 50;
const PASSWORD = 'Load-pass-123';
const PLAIN_USERS = 200;
const TARGET_RATIO = 0.85;
const REQUEST_TIMEOUT_MS = 30_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ms = (v) => `${Math.round(v)} ms`;

/** One request with a deadline; a network error or timeout becomes a reply with status 0. */
async function timed(fn) {
  const t = performance.now();
  let reply;
  try {
    reply = await Promise.race([fn(), sleep(REQUEST_TIMEOUT_MS).then(() => ({ status: 0, body: null, text: 'timeout', headers: {}, cookies: [] }))]);
  } catch (err) {
    reply = { status: 0, body: null, text: String(err?.code || err?.message || err), headers: {}, cookies: [] };
  }
  return { reply, ms: performance.now() - t };
}

/** What one kind of sign-in recorded. */
function recorder() {
  return { completed: 0, busyMs: 0, failures: [], latency: {}, fiveXX: 0, passwordTokens: 0 };
}

function note(rec, step, res) {
  (rec.latency[step] ??= []).push(res.ms);
  if (res.reply.status >= 500) rec.fiveXX++;
}

/** The workload of one kind for `seconds`, USERS_AT_ONCE loops at once. */
async function runSegment(kind, seconds, ctx, rec) {
  const { apis, plain, pool, verifiedJtis } = ctx;
  const deadline = Date.now() + seconds * 1000;
  const started = performance.now();
  const loop = async (w) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const first = apis[(w + i) % 2];
      const second = apis[(w + i + 1) % 2];
      if (kind === 'plain') {
        const username = plain[(w * 7 + i) % plain.length];
        const res = await timed(() => first.signIn(username));
        note(rec, 'auth:signIn', res);
        if (res.reply.status === 200 && res.reply.body?.data?.token) rec.completed++;
        else rec.failures.push(`plain ${username}: ${res.reply.status} ${errorCode(res.reply) || res.reply.text.slice(0, 120)}`);
        continue;
      }
      const { user, step } = await pool.take();
      try {
        const password = await timed(() => first.signIn(user.username));
        note(rec, 'auth:signIn (password step)', password);
        const challenge = password.reply.body?.data?.twoFactor?.token;
        if (password.reply.body?.data?.token) rec.passwordTokens++;
        if (!challenge) {
          rec.failures.push(`2fa ${user.username} password step: ${password.reply.status} ${errorCode(password.reply) || password.reply.text.slice(0, 120)}`);
          continue;
        }
        const code = rfcTotp(user.secret, { time: step * 30 });
        const verify = await timed(() => second.twoFactor('verify', challenge, { verifier: 'totp', code }));
        note(rec, 'twoFactor:verify', verify);
        (rec.latency['complete 2FA sign-in'] ??= []).push(password.ms + verify.ms);
        const token = verify.reply.body?.data?.token;
        if (verify.reply.status === 200 && token) {
          rec.completed++;
          verifiedJtis.add(jtiOf(token));
        } else {
          rec.failures.push(`2fa ${user.username} verify: ${verify.reply.status} ${errorCode(verify.reply) || verify.reply.text.slice(0, 120)}`);
        }
      } finally {
        pool.give(user);
      }
    }
  };
  await Promise.all(Array.from({ length: USERS_AT_ONCE }, (_, w) => loop(w)));
  rec.busyMs += performance.now() - started;
}

function summary(rec) {
  const rate = rec.completed / (rec.busyMs / 1000);
  return { rate, lines: Object.entries(rec.latency).map(([step, v]) => `${step}: p50 ${ms(percentile(v, 50))}, p95 ${ms(percentile(v, 95))} (${v.length})`) };
}

let cluster;
await runChecks(
  `load (${SHORT ? 'short: ' : ''}${MEASURE_S} s of each kind, ${USERS_AT_ONCE} users at once)`,
  async (check) => {
    let t = Date.now();
    cluster = await bootCluster({ name: 'load', password: PASSWORD });
    // A new connection per request (on loopback a fraction of a millisecond): a kept-alive socket
    // that the server closes while idle between phases would fail the request that reuses it.
    const apis = cluster.instances.map((i) => apiClient(`${i.url}/api`, { name: i.label, password: PASSWORD }));

    t = Date.now();
    const plain = await createUsers(cluster, { prefix: 'plain', count: PLAIN_USERS, password: PASSWORD, roles: ['admin'] });
    const mfaNames = await createUsers(cluster, { prefix: 'mfa', count: 2000, password: PASSWORD, roles: ['member'] });
    await setPolicy(cluster, { enforcedRoles: ['member'] });
    const pool = totpPool(await bindAll(cluster, mfaNames.slice(0, 60), PASSWORD));
    console.log(`→ ${PLAIN_USERS} users without 2FA, 60 with TOTP bound to start with (${since(t)})`);

    // Sessions the run may issue to 2FA users: those verify answered with, and those of bindings.
    const ctx = { apis, plain, pool, verifiedJtis: new Set() };
    const boundJtis = new Set(pool.all().map((u) => u.sessionJti));
    const loadStart = Date.now();
    const warm = { plain: recorder(), mfa: recorder() };
    await runSegment('plain', WARMUP_S, ctx, warm.plain);
    await runSegment('2fa', WARMUP_S, ctx, warm.mfa);
    const warmRate = summary(warm.mfa).rate;
    // Enough users that no 30 s step needs one of them twice (see the header).
    const needed = Math.ceil(Math.max(summary(warm.plain).rate, warmRate) * 30 * 1.5) + 2 * USERS_AT_ONCE;
    t = Date.now();
    if (needed > mfaNames.length) {
      mfaNames.push(...(await createUsers(cluster, { prefix: 'mfa-more', count: needed - mfaNames.length, password: PASSWORD, roles: ['member'] })));
    }
    if (needed > pool.size()) pool.add(await bindAll(cluster, mfaNames.slice(pool.size(), needed), PASSWORD));
    for (const u of pool.all()) boundJtis.add(u.sessionJti);
    // A user bound during this step can sign in only from the next one.
    if (pool.all().filter((u) => u.lastStep < stepNow()).length < needed) {
      console.log('→ waiting for the next TOTP step (the users just bound used this one)');
      await sleep((stepNow() + 1) * 30_000 - Date.now() + 100);
    }
    console.log(`→ warm-up: ${summary(warm.plain).rate.toFixed(1)} plain and ${warmRate.toFixed(1)} 2FA sign-ins/s; ${pool.size()} users with TOTP (${since(t)})`);

    // The warm-up's 60 enrolled users run out within its first step by design: only waits while
    // measuring count.
    pool.stats.waits = 0;
    pool.stats.waitedMs = 0;
    const rec = { plain: recorder(), mfa: recorder() };
    t = Date.now();
    const order = ['plain', '2fa', '2fa', 'plain'];
    for (let block = 0; block < MEASURE_S / (SEGMENT_S * 2); block++) {
      for (const kind of order) await runSegment(kind, SEGMENT_S, ctx, kind === 'plain' ? rec.plain : rec.mfa);
    }
    console.log(`→ measured ${MEASURE_S} s of each kind (${since(t)})\n`);

    const p = summary(rec.plain);
    const m = summary(rec.mfa);
    const ratio = m.rate / p.rate;
    console.log(`plain sign-ins:        ${p.rate.toFixed(1)}/s (${rec.plain.completed} in ${(rec.plain.busyMs / 1000).toFixed(1)} s)`);
    for (const line of p.lines) console.log(`  ${line}`);
    console.log(`complete 2FA sign-ins: ${m.rate.toFixed(1)}/s (${rec.mfa.completed} in ${(rec.mfa.busyMs / 1000).toFixed(1)} s)`);
    for (const line of m.lines) console.log(`  ${line}`);
    console.log(`ratio 2FA / plain:     ${ratio.toFixed(3)} (target ≥ ${TARGET_RATIO})`);
    console.log(`waits for an unused TOTP step: ${pool.stats.waits} (${(pool.stats.waitedMs / 1000).toFixed(1)} s)\n`);

    const all = [warm.plain, warm.mfa, rec.plain, rec.mfa];
    const fiveXX = all.reduce((n, r) => n + r.fiveXX, 0);
    const failures = all.flatMap((r) => r.failures);
    // 15 s on a shared CI runner is too short to judge a throughput ratio: the short form prints it.
    if (SHORT) console.log(`(short form: the ratio is reported, judged only by the full run)`);
    else check(`complete 2FA sign-ins per second ≥ ${TARGET_RATIO}× plain sign-ins (${ratio.toFixed(3)}×)`, ratio >= TARGET_RATIO, `${m.rate.toFixed(1)}/s vs ${p.rate.toFixed(1)}/s`);
    check(`0 answers with a 5xx status (${fiveXX})`, fiveXX === 0);
    check(`every sign-in completed (${failures.length} did not)`, failures.length === 0, [...new Set(failures)].slice(0, 8).join('\n'));
    check(`the TOTP replay rule never made a user wait (${pool.stats.waits} waits)`, pool.stats.waits === 0);

    // Sessions in the database against the verifies that answered with one.
    const { rows } = await cluster.sql(`
      SELECT t.jti FROM "issuedTokens" t JOIN users u ON u.id = t."userId"
      WHERE u.username LIKE 'mfa%' AND t."signInTime" >= ${loadStart}`);
    const unverified = rows.filter((r) => !ctx.verifiedJtis.has(r.jti) && !boundJtis.has(r.jti)).length + all.reduce((n, r) => n + r.passwordTokens, 0);
    const fromVerify = rows.filter((r) => ctx.verifiedJtis.has(r.jti)).length;
    check(
      `0 sessions issued without a verified factor (${rows.length} sessions of 2FA users made during the run: ${fromVerify} answered by a verify, ${rows.length - fromVerify - unverified} by a binding, ${unverified} without)`,
      unverified === 0,
    );
    check(`one session per verified challenge (${fromVerify} rows for ${ctx.verifiedJtis.size} verified sessions)`, fromVerify === ctx.verifiedJtis.size && ctx.verifiedJtis.size === rec.mfa.completed + warm.mfa.completed);

    // The same verify sent to both instances at the same moment.
    t = Date.now();
    const sample = [];
    for (let i = 0; i < 20; i++) sample.push((await pool.take()).user);
    const sampleStart = Date.now();
    const pairs = await Promise.all(
      sample.map(async (user) => {
        const challenge = (await apis[0].signIn(user.username)).body?.data?.twoFactor?.token;
        const code = rfcTotp(user.secret, { time: user.lastStep * 30 });
        const replies = await Promise.all(apis.map((api) => api.twoFactor('verify', challenge, { verifier: 'totp', code })));
        return replies.filter((r) => r.status === 200 && r.body?.data?.token).length;
      }),
    );
    const { rows: sampleRows } = await cluster.sql(`
      SELECT u.username, count(*)::int AS n FROM "issuedTokens" t JOIN users u ON u.id = t."userId"
      WHERE u.username IN (${sample.map((u) => `'${u.username}'`).join(',')}) AND t."signInTime" >= ${sampleStart} GROUP BY u.username`);
    const twice = pairs.filter((n) => n !== 1).length + sampleRows.filter((r) => r.n !== 1).length + (sample.length - sampleRows.length);
    check(
      `0 verifies gave more than one session: ${sample.length} verifies sent twice at once (to A and B) gave one session each (${twice} did not)`,
      twice === 0,
      `sessions per pair: ${pairs.join(',')}; rows: ${sampleRows.map((r) => `${r.username}=${r.n}`).join(',')}`,
      t,
    );
    check('both instances ran through the load', cluster.app.alive(), `see ${cluster.app.log}`);
  },
  { cleanup: () => cluster?.stopAll() },
);
