/**
 * `auth:signIn` of a user who needs no 2FA: the same app with the plugin and without it, both in
 * this process, both over real HTTP, requests interleaved round by round. Also checks the shape
 * of the cost: the password is hashed once, and the plugin adds at most one SQL read.
 */
import crypto from 'node:crypto';
import { fmtInterval, fmtMs, fmtRatio, interleave, main, pairedRatio, progress, ratioInterval, report } from './lib/harness';
import { countSql, plainSignIn, plainUser, startApp } from './lib/server';

const ROUNDS = Number(process.env.BENCH_ROUNDS || 200);
const WARMUP = 10;
/** One sign-in per variant and round: neighbours in time are compared, which cancels drift best. */
const BATCH = 1;

/** Counts scrypt calls (NocoBase's password hash) while `fn` runs. */
async function countScrypt<T>(fn: () => Promise<T>): Promise<number> {
  const original = crypto.scrypt;
  let calls = 0;
  (crypto as any).scrypt = (...args: any[]) => {
    calls += 1;
    return (original as any).apply(crypto, args);
  };
  try {
    await fn();
  } finally {
    (crypto as any).scrypt = original;
  }
  return calls;
}

main(async () => {
  const storage = process.env.BENCH_STORAGE || ':memory:';
  const withPlugin = await startApp({ name: 'bench_with', plugin: true, storage });
  const without = await startApp({ name: 'bench_without', plugin: false, storage });
  const email = 'no-2fa@example.com';
  for (const b of [withPlugin, without]) await plainUser(b.app, email);
  progress('two apps up: with and without the plugin');

  for (let i = 0; i < 3; i++) {
    await plainSignIn(withPlugin.client, email);
    await plainSignIn(without.client, email);
  }
  const sqlWith = await countSql(withPlugin, () => plainSignIn(withPlugin.client, email), true);
  const sqlWithout = await countSql(without, () => plainSignIn(without.client, email), true);
  const extra = sqlWithout.statements.reduce((left, st) => {
    const i = left.indexOf(st.replace(/[0-9]{6,}|'[^']*'/g, '?'));
    return i >= 0 ? [...left.slice(0, i), ...left.slice(i + 1)] : left;
  }, sqlWith.statements.map((st) => st.replace(/[0-9]{6,}|'[^']*'/g, '?')));
  const hashesWith = await countScrypt(() => plainSignIn(withPlugin.client, email));
  const hashesWithout = await countScrypt(() => plainSignIn(without.client, email));
  if (process.env.BENCH_SQL) for (const st of extra) console.log(`    extra: ${st.slice(0, 300)}`);

  const stats = await interleave(
    [
      {
        name: 'with',
        ops: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++) await plainSignIn(withPlugin.client, email);
        },
      },
      {
        name: 'without',
        ops: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++) await plainSignIn(without.client, email);
        },
      },
    ],
    { rounds: ROUNDS, warmup: WARMUP, label: 'plugin on/off' },
  );
  const ratio = stats.with.median / stats.without.median;
  const shapeOk = hashesWith === 1 && hashesWithout === 1 && extra.length <= 1;
  report({
    id: 'plugin-overhead',
    title: 'auth:signIn without 2FA: plugin on vs off',
    target: '≤ 1.02×',
    measured: fmtRatio(ratio),
    value: ratio,
    pass: ratio <= 1.02 && shapeOk,
    detail:
      `medians of ${ROUNDS} interleaved sign-ins each: ${fmtMs(stats.with.median)} with the plugin, ${fmtMs(stats.without.median)} without ` +
      `(${fmtInterval(ratioInterval(stats.with, stats.without))}; paired-ratio median ${fmtRatio(pairedRatio(stats.with, stats.without))}). ` +
      `Main-thread time per sign-in (the password hash runs elsewhere): ${fmtMs(stats.with.busy)} with, ${fmtMs(stats.without.busy)} without ` +
      `(+${fmtMs(stats.with.busy - stats.without.busy)} = ${(((stats.with.busy - stats.without.busy) / stats.without.median) * 100).toFixed(1)}% of a sign-in). Password hashes per sign-in: ${hashesWith} with, ${hashesWithout} without. ` +
      `SQL statements per sign-in: ${sqlWith.count} with, ${sqlWithout.count} without; the plugin's: ${extra.map((s) => `\`${s.replace(/\s+/g, ' ').replace(/`/g, '').slice(0, 90)}…\``).join(', ') || 'none'}.`,
  });
  await withPlugin.close();
  await without.close();
});
