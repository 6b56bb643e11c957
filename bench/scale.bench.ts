/**
 * `twoFactor:verify` in an app with 1 000 enrolled users and in one with 100 000, both in this
 * process, requests interleaved. Users are bulk-inserted with a bound TOTP verifier and the rows
 * a returning user leaves (state, replay mark, known device, audit row, spent challenge, session
 * token), so every table the verify path reads or writes holds one row or more per user.
 * Timed users are picked at random across the table; each verifies once.
 */
import { fmtInterval, fmtMs, fmtRatio, interleave, main, median, pairedRatio, progress, ratioInterval, report } from './lib/harness';
import { BenchApp, BulkUser, bulkHistory, bulkUsers, challengeFor, startApp, verifyTotp } from './lib/server';

const SMALL = 1_000;
const LARGE = Number(process.env.BENCH_LARGE || 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 40);
const WARMUP = 5;
const BATCH = 3;

async function populate(bench: BenchApp, count: number) {
  const started = Date.now();
  const users = await bulkUsers(bench.app, {
    count,
    prefix: `${bench.name}_`,
    enrol: true,
    onProgress: (done) => done % 25_000 === 0 && progress(`${bench.name}: ${done} users`),
  });
  await bulkHistory(bench.app, users);
  progress(`${bench.name}: ${count} enrolled users with history in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  // Random order, so timed lookups land all over the indexes.
  for (let i = users.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [users[i], users[j]] = [users[j], users[i]];
  }
  return users;
}

/** Median time per statement shape while `on()`, from Sequelize's own `benchmark` timing. */
function statementTimer(bench: BenchApp) {
  const times = new Map<string, number[]>();
  let recording = false;
  const sequelize = bench.app.db.sequelize as any;
  sequelize.options.benchmark = true;
  sequelize.options.logging = (sql: string, ms: number) => {
    if (!recording) return;
    const shape = String(sql)
      .replace(/^Executed \([^)]*\): /, '')
      .replace(/'[^']*'|\$\d+|\b\d+\b/g, '?')
      .replace(/\s+/g, ' ')
      .replace(/`/g, '')
      .slice(0, 70);
    if (/^(BEGIN|COMMIT)/.test(shape)) return;
    if (!times.has(shape)) times.set(shape, []);
    times.get(shape)!.push(ms);
  };
  return {
    on: () => (recording = true),
    off: () => (recording = false),
    medians: () => new Map([...times].map(([k, v]) => [k, median(v)])),
  };
}

main(async () => {
  const storage = process.env.BENCH_STORAGE || ':memory:';
  const small = await startApp({ name: 'bench_1k', plugin: true, storage });
  const large = await startApp({ name: 'bench_100k', plugin: true, storage });
  const pools = new Map<BenchApp, BulkUser[]>([
    [small, await populate(small, SMALL)],
    [large, await populate(large, LARGE)],
  ]);
  const counts = await Promise.all([small, large].map((b) => b.app.db.getRepository('usersVerifiers').count()));
  const timers = new Map([small, large].map((b) => [b, statementTimer(b)]));

  const variant = (bench: BenchApp) => ({
    name: bench.name,
    ops: BATCH,
    prepare: async () => {
      const out: [BulkUser, string][] = [];
      for (let i = 0; i < BATCH; i++) {
        const u = pools.get(bench)!.pop();
        if (!u) throw new Error('ran out of users');
        out.push([u, await challengeFor(bench.client, u.email)]);
      }
      return out;
    },
    run: async (prepared: [BulkUser, string][]) => {
      timers.get(bench)!.on();
      for (const [u, challenge] of prepared) await verifyTotp(bench.client, challenge, u.secret!);
      timers.get(bench)!.off();
    },
  });
  const stats = await interleave([variant(small), variant(large)], { rounds: ROUNDS, warmup: WARMUP, label: 'scale' });
  const s = stats[small.name];
  const l = stats[large.name];
  const ratio = l.median / s.median;

  // Which statements got slower with more rows: median per statement over the timed verifies
  // (Sequelize times statements in whole milliseconds: a growth under 2 ms is not told from noise).
  const before = timers.get(small)!.medians();
  const after = timers.get(large)!.medians();
  const grown = [...after]
    .map(([shape, ms]) => ({ shape, small: before.get(shape) ?? 0, large: ms }))
    .filter((g) => g.large - g.small >= 2)
    .sort((a, b) => b.large - b.small - (a.large - a.small));

  // Diagnostic only: the same again with an index on issuedTokens.userId (a core table) in both apps.
  let indexed = '';
  if (grown.some((g) => /issuedTokens/.test(g.shape))) {
    for (const b of [small, large]) {
      await b.app.db.sequelize.query('CREATE INDEX IF NOT EXISTS bench_issued_tokens_user_id ON issuedTokens (userId)');
    }
    const again = await interleave([variant(small), variant(large)], { rounds: Math.ceil(ROUNDS / 2), warmup: 3, label: 'scale, indexed' });
    const r = again[large.name].median / again[small.name].median;
    indexed =
      ` Diagnostic (not the figure above): with an index on core's issuedTokens.userId added to both apps, ` +
      `verify takes ${fmtMs(again[large.name].median)} vs ${fmtMs(again[small.name].median)} = ${fmtRatio(r)}.`;
  }
  report({
    id: 'scale',
    title: `twoFactor:verify: ${LARGE.toLocaleString('en-US')} vs ${SMALL.toLocaleString('en-US')} enrolled users`,
    target: '≤ 1.2×',
    measured: fmtRatio(ratio),
    value: ratio,
    pass: ratio <= 1.2,
    detail:
      `medians over ${ROUNDS} interleaved rounds of ${BATCH}: ${fmtMs(l.median)} with ${counts[1]} bindings, ${fmtMs(s.median)} with ${counts[0]} ` +
      `(${fmtInterval(ratioInterval(l, s))}; paired-ratio median ${fmtRatio(pairedRatio(l, s))}). Statements that got slower (median ms, ${SMALL} → ${LARGE} users): ` +
      (grown.map((g) => `\`${g.shape}…\` ${g.small.toFixed(1)} → ${g.large.toFixed(1)}`).join('; ') || 'none') +
      '.' +
      indexed,
  });
  await small.close();
  await large.close();
});
