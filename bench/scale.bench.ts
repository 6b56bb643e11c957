/**
 * `twoFactor:verify` in an app with 1 000 enrolled users and in one with 100 000, both in this
 * process, requests interleaved. Users are bulk-inserted with a bound TOTP verifier and the rows
 * a returning user leaves (state, replay mark, known device, audit row, spent challenge, session
 * token), so every table the verify path reads or writes holds one row or more per user.
 * Timed users are picked at random across the table; each verifies once.
 */
import { fmtInterval, fmtMs, fmtRatio, interleave, main, median, pairedRatio, progress, ratioInterval, report } from './lib/harness';
import { BenchApp, BulkUser, bulkHistory, bulkUsers, challengeFor, Owner, startApp, statementRecorder, verifyTotp } from './lib/server';

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

/**
 * The statements of each timed verify, with their own time (statementRecorder): per verify the
 * total of the plugin's own and of core's, and per statement shape its times.
 */
function statementLog(bench: BenchApp) {
  const recorder = statementRecorder(bench);
  const perVerify: Record<Owner, number[]> = { open2fa: [], core: [] };
  const counts: Record<Owner, number[]> = { open2fa: [], core: [] };
  const shapes = new Map<string, { owner: Owner; ms: number[] }>();
  return {
    async run<T>(fn: () => Promise<T>) {
      const { result, statements } = await recorder.record(fn);
      for (const owner of ['open2fa', 'core'] as Owner[]) {
        const mine = statements.filter((st) => st.owner === owner);
        perVerify[owner].push(mine.reduce((sum, st) => sum + st.ms, 0));
        counts[owner].push(mine.length);
      }
      for (const st of statements) {
        const shape = st.sql.replace(/'[^']*'|\$\d+|\b\d+\b/g, '?').replace(/`|"/g, '').slice(0, 70);
        if (!shapes.has(shape)) shapes.set(shape, { owner: st.owner, ms: [] });
        shapes.get(shape)!.ms.push(st.ms);
      }
      return result;
    },
    ms: (owner: Owner) => median(perVerify[owner]),
    count: (owner: Owner) => median(counts[owner]),
    shapes: () => new Map([...shapes].map(([k, v]) => [k, { owner: v.owner, ms: median(v.ms) }])),
    reset() {
      perVerify.open2fa = [];
      perVerify.core = [];
      shapes.clear();
    },
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
  const logs = new Map([small, large].map((b) => [b, statementLog(b)]));

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
      for (const [u, challenge] of prepared) await logs.get(bench)!.run(() => verifyTotp(bench.client, challenge, u.secret!));
    },
  });
  const stats = await interleave([variant(small), variant(large)], { rounds: ROUNDS, warmup: WARMUP, label: 'scale' });
  const s = stats[small.name];
  const l = stats[large.name];
  const ratio = l.median / s.median;

  // The plugin's own statements and core's, timed one by one: median per verify of each total.
  const [ls, ll] = [logs.get(small)!, logs.get(large)!];
  const ours = ll.ms('open2fa') / ls.ms('open2fa');
  const core = ll.ms('core') / ls.ms('core');
  // Which statements got slower with more rows (median ms per statement shape).
  const before = ls.shapes();
  const grown = [...ll.shapes()]
    .map(([shape, v]) => ({ shape, owner: v.owner, small: before.get(shape)?.ms ?? 0, large: v.ms }))
    .filter((g) => g.large - g.small >= 0.5)
    .sort((a, b) => b.large - b.small - (a.large - a.small));
  const split =
    `median per verify, ${SMALL} → ${LARGE} users: the plugin's own ${ls.count('open2fa')} statements ${fmtMs(ls.ms('open2fa'))} → ${fmtMs(ll.ms('open2fa'))} (${fmtRatio(ours)}), ` +
    `core's ${ls.count('core')} statements ${fmtMs(ls.ms('core'))} → ${fmtMs(ll.ms('core'))} (${fmtRatio(core)})`;

  // Diagnostic only: the same again with an index on issuedTokens.userId (a core table) in both apps.
  let indexed = '';
  if (grown.some((g) => /issuedTokens/.test(g.shape))) {
    for (const b of [small, large]) {
      await b.app.db.sequelize.query('CREATE INDEX IF NOT EXISTS bench_issued_tokens_user_id ON issuedTokens (userId)');
      logs.get(b)!.reset();
    }
    const again = await interleave([variant(small), variant(large)], { rounds: Math.ceil(ROUNDS / 2), warmup: 3, label: 'scale, indexed' });
    const r = again[large.name].median / again[small.name].median;
    indexed =
      ` With the index on core's issuedTokens.userId that the README gives admins, added to both apps (a diagnostic, not the figure): ` +
      `verify ${fmtMs(again[large.name].median)} vs ${fmtMs(again[small.name].median)} = ${fmtRatio(r)} in all; ` +
      `core's statements ${fmtMs(ls.ms('core'))} → ${fmtMs(ll.ms('core'))} (${fmtRatio(ll.ms('core') / ls.ms('core'))}), the plugin's ${fmtRatio(ll.ms('open2fa') / ls.ms('open2fa'))}.`;
  }
  report({
    id: 'scale',
    title: `twoFactor:verify, the plugin's own statements: ${LARGE.toLocaleString('en-US')} vs ${SMALL.toLocaleString('en-US')} enrolled users`,
    target: '≤ 1.2×',
    measured: fmtRatio(ours),
    value: ours,
    pass: ours <= 1.2,
    detail:
      `${split}. Whole request (reported): medians over ${ROUNDS} interleaved rounds of ${BATCH}: ${fmtMs(l.median)} with ${counts[1]} bindings, ${fmtMs(s.median)} with ${counts[0]} = ${fmtRatio(ratio)} ` +
      `(${fmtInterval(ratioInterval(l, s))}; paired-ratio median ${fmtRatio(pairedRatio(l, s))}). Statements that got slower (median ms, ${SMALL} → ${LARGE} users): ` +
      (grown.map((g) => `[${g.owner}] \`${g.shape}…\` ${g.small.toFixed(2)} → ${g.large.toFixed(2)}`).join('; ') || 'none') +
      '.' +
      indexed,
  });
  await small.close();
  await large.close();
});
