/**
 * One app with the plugin, real HTTP. BENCH_SQL=1 prints every statement of each request. Interleaved variants:
 *   plain    `auth:signIn` of a user without 2FA (password hash + session)
 *   verify   `twoFactor:verify` with a TOTP code (its challenge is made beforehand, untimed)
 *   full     a complete 2FA sign-in: `auth:signIn` (challenge) + `twoFactor:verify`
 *   check    `auth:check` with a session token
 *   plain+check  a plain sign-in and then one `auth:check`: what a second request alone costs
 * Each verify uses a user of its own (bulk-enrolled), so no TOTP step is ever reused. Every such
 * user has signed in with 2FA once before (untimed, with the previous step's code), as returning
 * users have: their replay mark, state row and known device exist, as in daily use.
 */
import { fmtInterval, fmtMs, fmtRatio, interleave, main, pairedRatio, progress, ratioInterval, report } from './lib/harness';
import {
  BulkUser,
  bulkUsers,
  challengeFor,
  countLine,
  Mutex,
  plainSignIn,
  pool,
  plainUser,
  purposeOf,
  startApp,
  statementRecorder,
  verifyTotp,
} from './lib/server';

const ROUNDS = Number(process.env.BENCH_ROUNDS || 100);
const WARMUP = 8;
/** One operation per variant and round: neighbours in time are compared, which cancels drift best. */
const BATCH = 1;

main(async () => {
  const bench = await startApp({ name: 'bench_signin', plugin: true, storage: process.env.BENCH_STORAGE || ':memory:', sockets: 2 });
  const { client } = bench;
  const recorder = statementRecorder(bench);
  const count = async <T>(fn: () => Promise<T>) => {
    const { result, statements } = await recorder.record(fn);
    return { result, statements, count: statements.length };
  };
  const plain = 'plain-user@example.com';
  await plainUser(bench.app, plain);
  const needed = (ROUNDS + WARMUP) * BATCH * 2 + 4;
  const enrolled = await bulkUsers(bench.app, { count: needed, prefix: 'enrolled', enrol: true });
  progress(`${enrolled.length} enrolled users bulk-inserted`);

  // The first 2FA sign-in of a user also creates their replay mark, state row and device record.
  const first = enrolled[enrolled.length - 1];
  const firstChallenge = await challengeFor(client, first.email);
  const sqlFirst = await count(() => verifyTotp(client, firstChallenge, first.secret!));

  // Returning users: one earlier 2FA sign-in each, with the previous step's code.
  const sessions = new Mutex();
  await pool(enrolled.slice(0, enrolled.length - 1), 2, async (u) => {
    const challenge = await challengeFor(client, u.email);
    await sessions.run(() => verifyTotp(client, challenge, u.secret!, -1));
  });
  progress('each has signed in with 2FA once before');
  let next = 0;
  const take = (): BulkUser => {
    if (next >= enrolled.length) throw new Error('ran out of enrolled users');
    return enrolled[next++];
  };
  const session = (await plainSignIn(client, plain)).body.data.token as string;

  // What each request costs in SQL statements (one request each, after a warm-up request).
  {
    const u = take();
    await verifyTotp(client, await challengeFor(client, u.email), u.secret!);
  }
  const sqlPlain = await count(() => plainSignIn(client, plain));
  const u1 = take();
  const sqlChallenge = await count(() => challengeFor(client, u1.email));
  const token = sqlChallenge.result;
  const sqlVerify = await count(() => verifyTotp(client, token, u1.secret!));
  const sqlCheck = await count(() => client.check(session));
  // What each statement of the returning user's verify is for (always printed: docs/benchmarks.md lists it).
  console.log(`  twoFactor:verify of a returning user, ${countLine(sqlVerify.statements)} statements:`);
  sqlVerify.statements.forEach((st, i) => console.log(`    ${String(i + 1).padStart(2)}. [${st.owner}] ${purposeOf(st.sql)}`));
  if (process.env.BENCH_SQL) {
    for (const [label, s] of [['plain', sqlPlain], ['challenge', sqlChallenge], ['verify', sqlVerify], ['first verify', sqlFirst], ['check', sqlCheck]] as const) {
      console.log(`--- ${label}: ${countLine(s.statements)} statements`);
      for (const st of s.statements) console.log(`    [${st.owner}] ${st.sql.slice(0, 220)}`);
    }
  }

  const stats = await interleave(
    [
      {
        name: 'plain',
        ops: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++) await plainSignIn(client, plain);
        },
      },
      {
        name: 'verify',
        ops: BATCH,
        prepare: async () => {
          const out: [BulkUser, string][] = [];
          for (let i = 0; i < BATCH; i++) {
            const u = take();
            out.push([u, await challengeFor(client, u.email)]);
          }
          return out;
        },
        run: async (prepared: [BulkUser, string][]) => {
          for (const [u, challenge] of prepared) await verifyTotp(client, challenge, u.secret!);
        },
      },
      {
        name: 'full',
        ops: BATCH,
        prepare: async () => Array.from({ length: BATCH }, take),
        run: async (users: BulkUser[]) => {
          for (const u of users) await verifyTotp(client, await challengeFor(client, u.email), u.secret!);
        },
      },
      {
        // A floor for any two-request flow: a plain sign-in plus the cheapest authenticated request.
        name: 'plain+check',
        ops: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++) {
            const res = await client.check((await plainSignIn(client, plain)).body.data.token);
            if (res.status !== 200) throw new Error(`auth:check failed: ${res.status}`);
          }
        },
      },
      {
        name: 'check',
        ops: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++) {
            const res = await client.check(session);
            if (res.status !== 200) throw new Error(`auth:check failed: ${res.status}`);
          }
        },
      },
    ],
    { rounds: ROUNDS, warmup: WARMUP, label: 'sign-in' },
  );
  const { plain: p, verify: v, full: f, check: c } = stats;
  const pc = stats['plain+check'];
  const sqlLine =
    `SQL statements per request: plain sign-in ${countLine(sqlPlain.statements)}, password step with challenge ${countLine(sqlChallenge.statements)}, ` +
    `verify of a returning user ${countLine(sqlVerify.statements)} (${countLine(sqlFirst.statements)} at a user's very first 2FA sign-in), auth:check ${countLine(sqlCheck.statements)}`;

  const verifyVsSignIn = v.median / p.median;
  report({
    id: 'verify-vs-signin',
    title: 'twoFactor:verify vs plain auth:signIn',
    target: '≤ 0.5×',
    measured: fmtRatio(verifyVsSignIn),
    value: verifyVsSignIn,
    pass: verifyVsSignIn <= 0.5,
    detail: `medians of ${ROUNDS} interleaved requests each: verify ${fmtMs(v.median)}, plain sign-in ${fmtMs(p.median)} (${fmtInterval(ratioInterval(v, p))}; paired-ratio median ${fmtRatio(pairedRatio(v, p))}). ${sqlLine}.`,
  });
  report({
    id: 'verify-statements',
    title: 'twoFactor:verify SQL statements (returning user)',
    target: '≤ 10',
    measured: String(sqlVerify.count),
    value: sqlVerify.count,
    pass: sqlVerify.count <= 10,
    detail:
      `${countLine(sqlVerify.statements)}: ` +
      sqlVerify.statements.map((st, i) => `${i + 1}. [${st.owner}] ${purposeOf(st.sql)}`).join('; ') +
      `. At a user's very first 2FA sign-in: ${countLine(sqlFirst.statements)}.`,
  });
  const verifyVsCheck = v.median / c.median;
  report({
    id: 'verify-vs-check',
    title: 'twoFactor:verify vs auth:check (reported)',
    target: 'report',
    measured: fmtRatio(verifyVsCheck),
    value: verifyVsCheck,
    pass: true,
    detail: `verify ${fmtMs(v.median)}, auth:check ${fmtMs(c.median)} (${fmtInterval(ratioInterval(v, c))}; paired-ratio median ${fmtRatio(pairedRatio(v, c))}).`,
  });
  const fullVsPlain = f.median / p.median;
  report({
    id: 'full-vs-plain',
    title: 'complete 2FA sign-in vs plain sign-in',
    target: '≤ 1.15×',
    measured: fmtRatio(fullVsPlain),
    value: fullVsPlain,
    pass: fullVsPlain <= 1.15,
    detail:
      `password step + verify ${fmtMs(f.median)}, plain sign-in ${fmtMs(p.median)} (${fmtInterval(ratioInterval(f, p))}; paired-ratio median ${fmtRatio(pairedRatio(f, p))}); ` +
      `interquartile ranges ${fmtMs(f.p25)}–${fmtMs(f.p75)} and ${fmtMs(p.p25)}–${fmtMs(p.p75)}. ` +
      `For scale: a plain sign-in followed by one auth:check takes ${fmtMs(pc.median)} = ${fmtRatio(pc.median / p.median)} of a plain sign-in. ` +
      `SQL statements: ${sqlChallenge.count} + ${sqlVerify.count} = ${sqlChallenge.count + sqlVerify.count} for the 2FA sign-in, ${sqlPlain.count} for the plain one.`,
  });
  await bench.close();
});
