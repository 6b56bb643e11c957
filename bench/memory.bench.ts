/**
 * RSS growth of the server process over 10 000 complete 2FA sign-ins (password step + TOTP
 * verify), each by a different bulk-enrolled user, over real HTTP.
 *
 * The database is a SQLite *file* (synchronous=OFF, so the disk does not set the pace): rows the
 * sign-ins store live on disk, not in the process, and what grows is the process itself. Password
 * steps run three at a time (their hashing overlaps); sessions are issued one at a time (see Mutex).
 * A warm-up of sign-ins by other users comes first; RSS and heap are read after a full GC.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { main, progress, report } from './lib/harness';
import { bulkUsers, challengeFor, Mutex, pool, startApp, verifyTotp } from './lib/server';

const SIGN_INS = Number(process.env.BENCH_SIGNINS || 10_000);
const WARMUP = Number(process.env.BENCH_MEMORY_WARMUP || 300);
const MB = 1024 * 1024;

function settle() {
  for (let i = 0; i < 3; i++) (global as any).gc?.();
  return process.memoryUsage();
}

main(async () => {
  if (!(global as any).gc) throw new Error('run with --expose-gc');
  const file = path.join(process.env.BENCH_TMP || '/tmp', `memory-${process.pid}.sqlite`);
  rmSync(file, { force: true });
  const bench = await startApp({ name: 'bench_memory', plugin: true, storage: file, sockets: 3 });
  const { app, client } = bench;
  await app.db.sequelize.query('PRAGMA synchronous = OFF');
  await app.db.sequelize.query('PRAGMA journal_mode = WAL');

  const users = await bulkUsers(app, { count: SIGN_INS + WARMUP, prefix: 'mem', enrol: true });
  progress(`${users.length} enrolled users bulk-inserted into ${path.basename(file)}`);
  const sessions = new Mutex();
  let done = 0;
  const signIn = async (u: (typeof users)[number]) => {
    const challenge = await challengeFor(client, u.email);
    await sessions.run(() => verifyTotp(client, challenge, u.secret!));
    done += 1;
  };

  const started = Date.now();
  await pool(users.slice(0, WARMUP), 3, signIn);
  const before = settle();
  progress(`warm-up: ${WARMUP} sign-ins; RSS ${(before.rss / MB).toFixed(1)} MB, heap ${(before.heapUsed / MB).toFixed(1)} MB`);

  const trail: string[] = [];
  const timed = Date.now();
  const cpu = process.cpuUsage();
  await pool(users.slice(WARMUP), 3, async (u) => {
    await signIn(u);
    const n = done - WARMUP;
    if (n % 2000 === 0) {
      const rss = process.memoryUsage().rss;
      trail.push(`${(rss / MB).toFixed(0)}`);
      progress(`${n}/${SIGN_INS} sign-ins, RSS ${(rss / MB).toFixed(1)} MB, ${((Date.now() - timed) / n).toFixed(1)} ms per sign-in`);
    }
  });
  const cpuMs = (({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpu));
  const after = settle();
  const growth = (after.rss - before.rss) / MB;
  const heapGrowth = (after.heapUsed - before.heapUsed) / MB;
  const [{ count: tokens }]: any = await app.db.sequelize.query('SELECT count(*) AS count FROM issuedTokens', { type: 'SELECT' } as any);
  report({
    id: 'memory',
    title: `RSS growth over ${SIGN_INS.toLocaleString('en-US')} complete 2FA sign-ins`,
    target: '< 50 MB',
    measured: `${growth.toFixed(1)} MB`,
    value: growth,
    pass: growth < 50,
    detail:
      `after ${WARMUP} warm-up sign-ins and a full GC: RSS ${(before.rss / MB).toFixed(1)} → ${(after.rss / MB).toFixed(1)} MB, ` +
      `heap ${(before.heapUsed / MB).toFixed(1)} → ${(after.heapUsed / MB).toFixed(1)} MB (${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} MB); ` +
      `RSS every 2 000 sign-ins (before GC): ${trail.join(', ')} MB; ${SIGN_INS} sessions issued (${tokens} tokens in the database), ` +
      `${((Date.now() - timed) / SIGN_INS).toFixed(1)} ms per sign-in (${(cpuMs / SIGN_INS).toFixed(1)} ms of CPU, password hash included), ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s in all.`,
  });
  await bench.close();
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
});
